'use strict';
import 'should';
import { receiptLrc } from '../../dist/core';
import { helper, terminalConfig, simulator, load, next, statuses, withoutTime } from './support';
import { sent } from './seed';
import { waitFor } from '../support/fixtures';

const TEXT = (attrs, content) => `<text align="${attrs[0]}" size="${attrs[1]}" weight="${attrs[2]}" darkness="normal">${content}</text>`;
const PLAIN = ['left', 'normal', 'normal'];

describe('ssi-print node', function () {
  let sim;
  afterEach(async () => {
    await helper.unload();
    if (sim) await sim.stop();
    sim = undefined;
  });

  function flow(print = {}, terminal = {}) {
    return [
      terminalConfig(sim, terminal),
      {
        id: 'printer',
        type: 'ssi-print',
        name: 'receipt printer',
        terminal: 'term',
        mode: 'xml',
        url: '',
        urlType: 'str',
        fontStyle: '',
        wires: [['out']],
        ...print,
      },
      { id: 'out', type: 'helper' },
      { id: 'catcher', type: 'catch', scope: ['printer'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ];
  }

  async function print(payload, extra = {}) {
    // The terminal prints for a moment after it answers (S05) and refuses another print meanwhile (E06).
    await waitFor(() => sim.status === 'S00', 1000, 'the printer to finish');
    const got = next(helper.getNode('out'));
    helper.getNode('printer').receive({ payload, ...extra });
    return got;
  }

  async function refused(payload) {
    const caught = next(helper.getNode('caught'));
    helper.getNode('printer').receive({ payload });
    return caught;
  }

  it('lines become receipt XML: plain, empty, styled, left||right and image lines, text escaped; lrc computed', async () => {
    sim = await simulator();
    await load(flow());
    const printer = helper.getNode('printer');
    const seen = statuses(printer);
    const msg = await print(
      {
        lines: [
          'ТОВ "Кава"',
          '',
          { text: 'Total & <tax>', align: 'center', size: 'large', weight: 'bold' },
          { left: 'Espresso', right: 45, weight: 'bold' },
          { image: 'iVBORw0KGgo=' },
        ],
        fontStyle: 'roboto.ttf',
      },
      { topic: 'order-9' },
    );
    const receipt =
      '<receipt>' +
      TEXT(PLAIN, 'ТОВ "Кава"') +
      TEXT(PLAIN, ' ') +
      TEXT(['center', 'large', 'bold'], 'Total &amp; &lt;tax&gt;') +
      TEXT(['left', 'normal', 'bold'], 'Espresso||45') +
      '<image>iVBORw0KGgo=</image></receipt>';
    sent(sim, 'PrintXml').should.eql([{ receipt, lrc: String(receiptLrc(receipt)), fontStyle: 'roboto.ttf' }]);
    // What was printed comes out beside the terminal's (empty) answer.
    msg.payload.should.eql({ receipt });
    msg.ecr.should.match({ method: 'PrintXml', response: { method: 'PrintXml', error: false } });
    msg.topic.should.equal('order-9');
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'green', shape: 'dot', text: '✔ printed' });
  });

  it("an array of lines, and receipt XML as it is, with the node's fontStyle", async () => {
    sim = await simulator();
    await load(flow({ fontStyle: 'mono.ttf' }));
    await print(['Дякуємо!']);
    const xml = '<receipt><text align="right" size="small" weight="normal" darkness="normal">42</text></receipt>';
    await print(xml);
    sent(sim, 'PrintXml').should.eql([
      {
        receipt: `<receipt>${TEXT(PLAIN, 'Дякуємо!')}</receipt>`,
        lrc: String(receiptLrc(`<receipt>${TEXT(PLAIN, 'Дякуємо!')}</receipt>`)),
        fontStyle: 'mono.ttf',
      },
      { receipt: xml, lrc: String(receiptLrc(xml)), fontStyle: 'mono.ttf' },
    ]);
  });

  it('a terminal set to hex LRC sends lrc in hex, and a hex terminal prints; a decimal one answers E02 to Catch', async () => {
    // Above 9, a byte is written differently in decimal and hex ("51" and "33" here).
    const receipt = `<receipt>${TEXT(PLAIN, 'Дякуємо!')}</receipt>`;
    receiptLrc(receipt).should.be.above(9);
    const hex = receiptLrc(receipt).toString(16).toUpperCase().padStart(2, '0');
    sim = await simulator({ lrcEncoding: 'hex' });
    await load(flow({}, { lrcEncoding: 'hex' }));
    (await print(['Дякуємо!'])).ecr.response.error.should.be.false();
    sent(sim, 'PrintXml').should.eql([{ receipt, lrc: hex }]);
    await helper.unload();
    await load(flow({}, { lrcEncoding: 'decimal' }));
    const err = await refused(['Дякуємо!']);
    err.error.code.should.equal('E02');
    sent(sim, 'PrintXml')[1].should.eql({ receipt, lrc: String(receiptLrc(receipt)) });
  });

  it('receipt XML with an attribute the protocol does not describe is printed as it is', async () => {
    sim = await simulator();
    await load(flow());
    const xml = '<receipt><text align="left" colour="red">42</text></receipt>';
    (await print(xml)).ecr.response.error.should.be.false();
    sent(sim, 'PrintXml').should.eql([{ receipt: xml, lrc: String(receiptLrc(xml)) }]);
  });

  it('a bad line goes to Catch as VALIDATION naming its index; nothing is sent', async () => {
    sim = await simulator();
    await load(flow());
    let err = await refused(['ok', { text: 'a' }, { text: 'b', align: 'middle' }]);
    err.error.code.should.equal('VALIDATION');
    err.ecrError.should.match({
      field: 'lines[2]',
      message:
        'PrintXml: lines[2] makes invalid receipt XML: <text align="middle"> must be one of left, center, right; got {"text":"b","align":"middle"}',
    });
    err = await refused({ lines: ['a', 42] });
    err.ecrError.should.match({
      field: 'lines[1]',
      rule: 'must be a string, { text, align?, size?, weight? }, { left, right, size?, weight? } or { image }',
    });
    err = await refused([{ text: 'x', bold: true }]);
    err.ecrError.should.match({ field: 'lines[0]', rule: 'has unknown key "bold" (allowed: text, align, size, weight)' });
    err = await refused([{ left: 'only left' }]);
    err.ecrError.field.should.equal('lines[0]');
    err = await refused({ lines: [] });
    err.ecrError.should.match({ field: 'lines', rule: 'must be a non-empty array of lines' });
    err = await refused(12);
    err.ecrError.should.match({ field: 'payload', rule: 'must be receipt XML, an array of lines or { lines: [...], fontStyle? }' });
    sim.requests.length.should.equal(0);
  });

  it("pdf: the node's url first, else msg.payload.url, else a string msg.payload", async () => {
    sim = await simulator();
    await load(flow({ mode: 'pdf', url: 'doc', urlType: 'msg' }));
    const printer = helper.getNode('printer');
    const seen = statuses(printer);
    const msg = await print({ url: 'https://example.com/b.pdf' }, { doc: 'https://example.com/a.pdf' });
    await print({ url: 'https://example.com/b.pdf' });
    await print('http://example.com/c.pdf');
    sent(sim, 'PrintPdfUrl').should.eql([
      { url: 'https://example.com/a.pdf' },
      { url: 'https://example.com/b.pdf' },
      { url: 'http://example.com/c.pdf' },
    ]);
    msg.ecr.method.should.equal('PrintPdfUrl');
    msg.payload.should.eql({ url: 'https://example.com/a.pdf' });
    msg.doc.should.equal('https://example.com/a.pdf');
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'green', shape: 'dot', text: '✔ printed' });
  });

  it('pdf: a url that is not http(s) is refused by the core validation', async () => {
    sim = await simulator();
    await load(flow({ mode: 'pdf' }));
    const err = await refused({ url: 'ftp://example.com/a.pdf' });
    err.error.code.should.equal('VALIDATION');
    err.ecrError.should.match({ method: 'PrintPdfUrl', field: 'url', rule: 'must be an absolute http: or https: URL' });
    sim.requests.length.should.equal(0);
  });

  it('a Linux terminal refuses printing (E05): Catch; an unknown mode: VALIDATION', async () => {
    sim = await simulator({ platform: 'linux' });
    await load(flow());
    const printer = helper.getNode('printer');
    const seen = statuses(printer);
    const err = await refused(['hello']);
    err.error.code.should.equal('E05');
    err.ecrError.should.match({ code: 'E05', method: 'PrintXml', sent: true });
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'red', shape: 'ring', text: '✘ not supported by this terminal' });
    await helper.unload();
    await load(flow({ mode: 'html' }));
    const bad = await refused(['hello']);
    bad.ecrError.should.match({ field: 'mode', message: 'ssi-print: mode must be one of xml, pdf; got "html"' });
    sim.counts.should.eql({ PrintXml: 1 });
  });
});
