'use strict';
/**
 * The PrintXml receipt checker (§5.5.7): the vendor's own examples pass; what the protocol does not describe is a
 * finding (sent as it is); what cannot print as meant is an error. And the lrc in its two encodings.
 */
import should = require('should');
import { inspectReceiptXml, checkReceiptXml, receiptLrc, formatLrc, parseLrc, lrcMatches, LRC_ENCODINGS } from '../src/core/receipt-xml';

const xorUtf8 = (text) => Buffer.from(text, 'utf8').reduce((x, b) => x ^ b, 0);

/** Expects the receipt to pass with exactly these findings (none when not given). */
function passes(xml: string, issues: string[] = []) {
  const r = inspectReceiptXml(xml);
  should.strictEqual(r.error, undefined, `${xml} → ${r.error}`);
  r.issues.should.eql(issues, xml);
  should(checkReceiptXml(xml)).be.undefined();
}

/** Expects the receipt to be refused with an error matching `problem`. */
function refused(xml, problem) {
  const r = inspectReceiptXml(xml);
  (typeof r.error).should.equal('string', `${xml} was not refused`);
  should(r.error).match(problem, xml);
  should(checkReceiptXml(xml)).equal(r.error);
}

describe("receipt XML: the vendor's own examples (§5.5.7)", () => {
  // The request example, as the document prints it inside a JSON string: \" is JSON's escape of ", and the line
  // breaks where the page ends ("weight=\"normal\"" / "darkness=\"normal\""): a space, or a line break, in the XML.
  const REQUEST_EXAMPLE =
    '<receipt><text align="center" size="normal" weight="normal" darkness="normal">printtest</text><image>B64 Image</image></receipt>';

  it('the PrintXml request example passes, its "B64 Image" placeholder included', () => {
    passes(REQUEST_EXAMPLE);
    passes(REQUEST_EXAMPLE.replace(' darkness', '\ndarkness'));
    // "B64 Image" stands for image data; it happens to be base64 too (white space is skipped: "B64Image").
    Buffer.from('B64Image', 'base64').length.should.equal(6);
  });

  it('the empty-line example passes, though its attributes are not separated by a space', () => {
    // Verbatim from the text (\" unescaped): weight="normal"darkness="normal". Strict XML 1.0 wants white space
    // between two attributes, so this is not well-formed XML; the vendor's terminal prints it, so it passes here.
    // It is one element, not a receipt: it goes inside <receipt>.
    const EMPTY_LINE = '<text align="center" size="normal" weight="normal"darkness="normal"> </text>';
    passes(`<receipt>${EMPTY_LINE}</receipt>`);
    passes('<receipt><text align="left"size="normal">x</text><text align=\'right\'weight="bold"size=\'large\'>y</text></receipt>');
    // On its own it is no receipt.
    refused(EMPTY_LINE, /^must start with <receipt>$/);
  });

  it('every value the text lists for each attribute passes, and "||" is text like any other', () => {
    for (const align of ['left', 'center', 'right']) {
      for (const size of ['small', 'normal', 'large']) {
        for (const weight of ['normal', 'bold'])
          passes(`<receipt><text align="${align}" size="${size}" weight="${weight}" darkness="normal">Кава||45.00</text></receipt>`);
      }
    }
  });

  it("the text's names of the elements, <text /text> and <image /image>, are notation, not XML", () => {
    refused('<receipt><text /text></receipt>', /^is not XML: <text> has "\/text><\/receipt>" where an attribute or ">" belongs$/);
    refused('<receipt><image /image></receipt>', /^is not XML: <image> has/);
  });

  it('the example\'s lrc "26" is not the LRC of its receipt, in either encoding (§10.6)', () => {
    const lrc = xorUtf8(REQUEST_EXAMPLE);
    lrc.should.equal(receiptLrc(REQUEST_EXAMPLE));
    lrc.should.not.equal(26);
    lrc.should.not.equal(0x26);
    lrcMatches('26', REQUEST_EXAMPLE, 'decimal').should.be.false();
    lrcMatches('26', REQUEST_EXAMPLE, 'hex').should.be.false();
  });
});

describe('receipt XML: what the protocol does not describe is a finding, sent as it is', () => {
  it('an unknown attribute of <text>, <image> or <receipt>', () => {
    passes('<receipt><text align="left" colour="red">x</text></receipt>', [
      '<text> has unknown attribute "colour" (known: align, size, weight, darkness)',
    ]);
    passes('<receipt><image width="384">AAAA</image></receipt>', ['<image> has unknown attribute "width" (it takes none)']);
    passes('<receipt xmlns="urn:x"><text>x</text></receipt>', ['<receipt> has unknown attribute "xmlns" (it takes none)']);
    // Names are case-sensitive in XML: Align is not align.
    passes('<receipt><text Align="left">x</text></receipt>', ['<text> has unknown attribute "Align" (known: align, size, weight, darkness)']);
  });

  it('attribute names that are also names of Object.prototype are unknown attributes like any other', () => {
    const names = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
    passes(
      `<receipt><text ${names.map((n) => `${n}="x"`).join(' ')}>x</text></receipt>`,
      names.map((n) => `<text> has unknown attribute "${n}" (known: align, size, weight, darkness)`),
    );
  });

  it('an unknown element, once however deep its content, which must still be well-formed', () => {
    passes('<receipt><text>x</text><qr size="4">https://example.com<b>!</b></qr></receipt>', ['has unknown element <qr> (known: <text>, <image>)']);
    // A receipt of elements of later firmware only is sent too.
    passes('<receipt><table/></receipt>', ['has unknown element <table> (known: <text>, <image>)']);
    passes('<receipt><Text>x</Text></receipt>', ['has unknown element <Text> (known: <text>, <image>)']);
    refused('<receipt><qr><b>x</qr></receipt>', /^<b> is not closed \(found <\/qr>\)$/);
    refused('<receipt><qr>a & b</qr></receipt>', /bare "&"/);
  });

  it('an element inside <text>, and text outside any <text>', () => {
    passes('<receipt><text>a<b>bold</b>c</text></receipt>', ['<text> holds element <b>, which the protocol does not describe (only text)']);
    passes('<receipt>hello<text>x</text></receipt>', ['has text outside <text>, which is not printed: "hello"']);
    // White space between elements is no text.
    passes('<receipt>\n  <text>x</text>\n\t<image>AAAA</image>\n</receipt>\n');
  });

  it('an empty <text>: the text says an empty line is a <text> holding one space', () => {
    const finding = 'has an empty <text>: an empty line is a <text> holding one space (§5.5.7)';
    passes('<receipt><text></text></receipt>', [finding]);
    passes('<receipt><text align="left"/></receipt>', [finding]);
    passes('<receipt><text> </text></receipt>');
  });

  it('counts a finding that repeats, and lists at most ten kinds', () => {
    const line = '<text colour="red">x</text>';
    passes(`<receipt>${line.repeat(3)}</receipt>`, ['<text> has unknown attribute "colour" (known: align, size, weight, darkness) (3 times)']);
    const many = Array.from({ length: 15 }, (_, i) => `<e${i}/>`).join('');
    const { error, issues } = inspectReceiptXml(`<receipt><text>x</text>${many}</receipt>`);
    should(error).be.undefined();
    issues.should.have.length(11);
    issues[0].should.equal('has unknown element <e0> (known: <text>, <image>)');
    issues[9].should.equal('has unknown element <e9> (known: <text>, <image>)');
    issues[10].should.equal('and 5 more findings');
  });

  it('nesting 20,000 deep inside an unknown element neither overflows the stack nor floods the findings', () => {
    const deep = `<receipt><text>x</text>${'<a>'.repeat(20_000)}${'</a>'.repeat(20_000)}</receipt>`;
    passes(deep, ['has unknown element <a> (known: <text>, <image>)']);
    refused(`<receipt>${'<a>'.repeat(20_000)}${'</a>'.repeat(19_999)}</receipt>`, /^<a> is not closed \(found <\/receipt>\)$/);
  });
});

describe('receipt XML: what cannot print as meant is an error', () => {
  it('a known attribute with a value it does not take', () => {
    refused('<receipt><text align="middle">x</text></receipt>', /^<text align="middle"> must be one of left, center, right$/);
    refused('<receipt><text size="huge">x</text></receipt>', /^<text size="huge"> must be one of small, normal, large$/);
    refused('<receipt><text weight="heavy">x</text></receipt>', /^<text weight="heavy"> must be one of normal, bold$/);
    refused('<receipt><text darkness="dark">x</text></receipt>', /^<text darkness="dark"> must be one of normal$/);
    refused('<receipt><text align="Left">x</text></receipt>', /align="Left"/);
    refused('<receipt><text align="">x</text></receipt>', /align=""/);
    refused('<receipt><text align=" left">x</text></receipt>', /align=" left"/);
    // Even next to an unknown attribute (findings so far come with the error).
    const r = inspectReceiptXml('<receipt><text colour="red" align="middle">x</text></receipt>');
    should(r.error).match(/align="middle"/);
    r.issues.should.eql(['<text> has unknown attribute "colour" (known: align, size, weight, darkness)']);
  });

  it('image data that is not base64', () => {
    for (const data of ['not base64!', 'abcde', 'ab=c', '====', 'AAAA=', 'AA==AA==', 'AAA&amp;'])
      refused(`<receipt><image>${data}</image></receipt>`, /^<image> must hold base64 data \(/);
    refused('<receipt><image></image></receipt>', /^<image> must hold base64 data; it is empty$/);
    refused('<receipt><image> \n </image></receipt>', /it is empty/);
    refused('<receipt><image/></receipt>', /it is empty/);
    refused('<receipt><image>AAAA<b/>AAAA</image></receipt>', /^<image> must hold base64 data, not elements$/);
    // Padded, unpadded, split over lines: all base64.
    for (const data of ['AAAA', 'AAA', 'AA', 'AA==', 'AAA=', 'iVBORw0KGgo=', '\n  iVBORw0K\n  Ggo=\n'])
      passes(`<receipt><image>${data}</image></receipt>`);
  });

  const notXml = [
    ['plain text', 'Дякуємо!', /^must start with <receipt>$/],
    ['no <receipt>', '<text align="left">A</text>', /^must start with <receipt>$/],
    ['another root', '<Receipt><text>A</text></Receipt>', /^must start with <receipt>$/],
    ['<receipt> unclosed', '<receipt><text>A</text>', /^is missing <\/receipt>$/],
    ['<text> unclosed', '<receipt><text>A</receipt>', /^<text> is not closed \(found <\/receipt>\)$/],
    ['<text> unclosed at the end', '<receipt><text>A', /^<text> is not closed$/],
    ['a tag cut short', '<receipt><text align="left"', /^ends inside the <text> tag$/],
    ['an end tag without its start', '<receipt><text>A</text></text></receipt>', /^has <\/text> without its <text>$/],
    ['a broken end tag', '<receipt><text>A</text ></receipt x>', /^is not XML: a broken end tag/],
    ['an unquoted attribute', '<receipt><text align=left>A</text></receipt>', /^is not XML: <text> attribute align needs its value in quotes/],
    ['an attribute without a value', '<receipt><text bold>A</text></receipt>', /^is not XML: <text> attribute bold has no value/],
    ['a repeated attribute', '<receipt><text align="left" align="left">A</text></receipt>', /^<text> repeats attribute "align"$/],
    ['a "<" in an attribute value', '<receipt><text note="a<b">A</text></receipt>', /has a "<" in its value/],
    ['a bare "&" in text', '<receipt><text>Tom & Jerry</text></receipt>', /^<text> has a bare "&" \(write &amp;\)$/],
    ['a bare "&" in an attribute value', '<receipt><text note="R&D">A</text></receipt>', /bare "&"/],
    ['a bare "<" in text', '<receipt><text>1 < 2</text></receipt>', /^has a "<" that starts no element/],
    ['content after </receipt>', '<receipt><text>A</text></receipt><text>B</text>', /^has content after <\/receipt>$/],
    ['text after </receipt>', '<receipt><text>A</text></receipt>thanks', /^has content after <\/receipt>$/],
    ['a DOCTYPE', '<!DOCTYPE receipt [<!ENTITY x "y">]><receipt><text>&x;</text></receipt>', /which receipts do not take/],
    ['an unclosed comment', '<receipt><text>A</text><!-- note </receipt>', /^has an unclosed comment/],
    ['an unclosed CDATA section', '<receipt><text><![CDATA[A</text></receipt>', /^has an unclosed CDATA section/],
    ['an empty receipt', '<receipt></receipt>', /^has no <text> or <image> element$/],
    ['an empty receipt, self-closed', '<receipt/>', /^has no <text> or <image> element$/],
    ['nothing', '', /^must start with <receipt>$/],
  ];
  for (const [label, xml, problem] of notXml) {
    it(`refuses ${label}`, () => refused(xml, problem));
  }
});

describe('receipt XML: well-formed XML in its other forms passes', () => {
  it('a declaration, a byte order mark, comments, processing instructions, CDATA and entities', () => {
    passes('\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- shop 1 -->\n<receipt>\n  <text align="left">A</text>\n</receipt>\n<!-- end -->\n');
    passes('<receipt><?printer mode="x"?><text>A<!-- a comment -->B</text></receipt>');
    passes('<receipt><text><![CDATA[Tom & Jerry <3]]></text></receipt>');
    passes('<receipt><text>Tom &amp; Jerry &lt;3 &#169; &#x263A; &quot;&apos;&gt;</text></receipt>');
    // Entities in a value stand for their characters: &#108; is "l".
    passes('<receipt><text align="&#108;eft">A</text></receipt>');
    passes("<receipt><text align='right' size = 'small'\n weight=\"bold\">x</text></receipt>");
  });
});

describe('lrc encodings', () => {
  it('are decimal and hex', () => {
    [...LRC_ENCODINGS].should.eql(['decimal', 'hex']);
  });

  it('write a byte as decimal ("31") or as two upper-case hex digits ("1F", "05")', () => {
    formatLrc(31).should.equal('31');
    formatLrc(31, 'decimal').should.equal('31');
    formatLrc(31, 'hex').should.equal('1F');
    formatLrc(5, 'hex').should.equal('05');
    formatLrc(0, 'hex').should.equal('00');
    formatLrc(255, 'hex').should.equal('FF');
    formatLrc(255).should.equal('255');
  });

  it('read decimal 0–255 and the signed byte -128–127; hex one or two digits in either case', () => {
    should(parseLrc('31')).equal(31);
    should(parseLrc('255')).equal(255);
    should(parseLrc('-1')).equal(255);
    should(parseLrc('-128')).equal(128);
    should(parseLrc('0')).equal(0);
    for (const bad of ['256', '-129', '1F', '0x1F', ' 31', '31 ', '+1', '1.0', '', '1000']) should.strictEqual(parseLrc(bad), undefined, bad);
    should(parseLrc('1F', 'hex')).equal(31);
    should(parseLrc('1f', 'hex')).equal(31);
    should(parseLrc('F', 'hex')).equal(15);
    should(parseLrc('ff', 'hex')).equal(255);
    should(parseLrc('31', 'hex')).equal(0x31);
    for (const bad of ['100', '0x1F', '-1', 'G1', '', ' 1F', '1F ']) should.strictEqual(parseLrc(bad, 'hex'), undefined, bad);
  });

  it('match a receipt only in the encoding they are written in', () => {
    // A receipt whose LRC is at least 16 and has a letter in hex: its decimal and hex forms differ.
    let receipt;
    for (let n = 0; ; n++) {
      receipt = `<receipt><text>Кава ${n}</text></receipt>`;
      if (/[A-F]/.test(formatLrc(xorUtf8(receipt), 'hex')) && xorUtf8(receipt) < 128) break;
    }
    const value = xorUtf8(receipt);
    lrcMatches(String(value), receipt).should.be.true();
    lrcMatches(formatLrc(value, 'hex'), receipt, 'hex').should.be.true();
    lrcMatches(formatLrc(value, 'hex').toLowerCase(), receipt, 'hex').should.be.true();
    lrcMatches(formatLrc(value, 'hex'), receipt, 'decimal').should.be.false();
    lrcMatches(String(value), receipt, 'hex').should.be.false();
    lrcMatches(String(value + 1), receipt).should.be.false();
    // A negative decimal is the signed form of a byte above 127 only.
    lrcMatches(String(value - 256), receipt).should.be.false();
  });
});
