'use strict';

import should = require('should');
import { validateRequest, type ValidateOptions } from '../src/core/validate';
import { METHOD_NAMES, REQUEST_KEYS, getMethod } from '../src/core/catalogue';

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** XOR of the UTF-8 bytes, by hand. */
function xorUtf8(text) {
  let x = 0;
  for (const b of Buffer.from(text, 'utf8')) x ^= b;
  return x;
}

/** A valid request for `method`, built from the catalogue's examples (every key, mandatory and optional). */
function exampleParams(method) {
  const spec = getMethod(method)!;
  const params: Record<string, unknown> = {};
  for (const name of Object.keys(spec.params)) params[name] = REQUEST_KEYS[name].example;
  // The catalogue's lrc example ("26", copied from the protocol) does not match its receipt example (§10.6).
  if ('lrc' in params) params.lrc = String(xorUtf8(params.receipt as string));
  return params;
}

/** Runs validateRequest and returns the error it throws; fails the test when it does not throw. */
function errorOf(method, params) {
  let result;
  try {
    result = validateRequest(method, params);
  } catch (err) {
    return err;
  }
  throw new Error(`expected ${method} ${JSON.stringify(params)} to be rejected; got ${JSON.stringify(result.params)}`);
}

/** Expects a VALIDATION error naming the method, the field and the rule. */
function expectRejected(method, params, field, ruleMatch?) {
  const err = errorOf(method, params);
  err.should.be.instanceOf(Error);
  err.name.should.equal('EcrError');
  err.code.should.equal('VALIDATION');
  err.method.should.equal(method);
  should(err.field).equal(field);
  err.rule.should.be.a.String();
  err.rule.length.should.be.above(5);
  if (ruleMatch) err.rule.should.match(ruleMatch);
  err.message.should.startWith(`${method}: ${field} `);
  err.message.should.containEql(err.rule);
  err.sent.should.be.false();
  return err;
}

const PURCHASE = Object.freeze({ transAmount: '2450', transCurrency: '980', merchantId: '000000060007176' });
const AMOUNT_RULE = /minor units/;

const RECEIPT =
  '<receipt><text align="center" size="large" weight="bold" darkness="normal">Кава</text>' +
  '<text align="left">Еспресо||45.00</text><text> </text><image>iVBORw0KGgo=</image></receipt>';

// ---------------------------------------------------------------------------------------------------------------

describe('validateRequest: every method in the catalogue', function () {
  it('the catalogue has the 27 methods of v1.1.10 and the 2 of later firmware', function () {
    METHOD_NAMES.should.have.length(29);
    METHOD_NAMES.should.containDeep([
      'Purchase',
      'Void',
      'Refund',
      'CashBack',
      'Preauthorization',
      'SalePreauth',
      'VoidPreauth',
      'Cash',
      'Deposit',
      'Balance',
      'Echo',
      'PartialVoid',
      'XReport',
      'ZReport',
      'GetStatus',
      'Interrupt',
      'Restart',
      'GetLastResult',
      'GetLastReceipt',
      'PingDevice',
      'RestartPaymentApp',
      'GetLastReport',
      'GetMerchantList',
      'GetLastReportReceipt',
      'PrintXml',
      'PrintPdfUrl',
      'GetTerminalInfo',
    ]);
  });

  for (const method of METHOD_NAMES) {
    it(`${method}: accepts the catalogue's example params and returns them in wire form`, function () {
      const params = exampleParams(method);
      const before = JSON.stringify(params);
      const valid = validateRequest(method, params);
      valid.method.should.equal(method);
      valid.spec.should.equal(getMethod(method));
      valid.params.should.eql(params);
      // The caller's object is not changed.
      JSON.stringify(params).should.equal(before);
    });

    const mandatory = Object.entries(getMethod(method)!.params)
      .filter(([, r]) => r === 'M')
      .map(([k]) => k);
    for (const key of mandatory) {
      if (key === 'lrc') continue; // computed when left out (tested below)
      it(`${method}: refuses a request without mandatory ${key}`, function () {
        const params = exampleParams(method);
        delete params[key];
        expectRejected(method, params, key, /^is required/);
        const withNull = exampleParams(method);
        withNull[key] = null;
        expectRejected(method, withNull, key, /^is required/);
      });
    }

    if (mandatory.length === 0) {
      it(`${method}: takes no params, undefined or null`, function () {
        validateRequest(method).params.should.eql({});
        validateRequest(method, null).params.should.eql({});
        validateRequest(method, {}).params.should.eql({});
      });
    }
  }

  it('optional keys may be left out', function () {
    validateRequest('Purchase', { ...PURCHASE }).params.should.eql(PURCHASE);
    validateRequest('XReport', { merchantId: 'M1' }).params.should.eql({ merchantId: 'M1' });
    validateRequest('CashBack', { transAmount: 100, cashAmount: 50, transCurrency: 980, merchantId: 'M1' }).params.should.eql({
      transAmount: '100',
      cashAmount: '50',
      transCurrency: '980',
      merchantId: 'M1',
    });
  });

  it('an empty string for an optional key is treated as absent', function () {
    validateRequest('Purchase', { ...PURCHASE, discountedAmount: '' }).params.should.eql(PURCHASE);
  });
});

describe('validateRequest: amounts', function () {
  it('turns a whole number into a digit string', function () {
    should(validateRequest('Purchase', { ...PURCHASE, transAmount: 2450 }).params.transAmount).equal('2450');
    should(validateRequest('Purchase', { ...PURCHASE, transAmount: 1 }).params.transAmount).equal('1');
    should(validateRequest('Purchase', { ...PURCHASE, transAmount: 999999999999 }).params.transAmount).equal('999999999999');
  });

  it('keeps a digit string as given', function () {
    should(validateRequest('Purchase', { ...PURCHASE }).params.transAmount).equal('2450');
    should(validateRequest('Purchase', { ...PURCHASE, transAmount: '000000002450' }).params.transAmount).equal('000000002450');
    should(validateRequest('Purchase', { ...PURCHASE, transAmount: '999999999999' }).params.transAmount).equal('999999999999');
  });

  const bad = [
    ['24.5 (a fraction)', 24.5],
    ['"24.50" (a decimal string)', '24.50'],
    ['-1', -1],
    ['"-1"', '-1'],
    ['"1e3"', '1e3'],
    ['" 12" (leading space)', ' 12'],
    ['"12 " (trailing space)', '12 '],
    ['"24,50"', '24,50'],
    ['"1234567890123" (13 digits)', '1234567890123'],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['1e13', 1e13],
    ['1000000000000 (13 digits as a number)', 1000000000000],
    ['"abc"', 'abc'],
    ['"12a"', '12a'],
    ['"٣" (a non-ASCII digit)', '٣'],
    ['true', true],
    ['false', false],
    ['an object', { value: 2450 }],
    ['an array', [2450]],
    ['a bigint', 2450n],
  ];
  for (const [label, value] of bad) {
    it(`refuses transAmount ${label}`, function () {
      const err = expectRejected('Purchase', { ...PURCHASE, transAmount: value }, 'transAmount', AMOUNT_RULE);
      err.rule.should.containEql('"2450"');
      err.message.should.containEql('; got ');
    });
  }

  it('refuses an empty string for a mandatory amount as missing', function () {
    const err = expectRejected('Purchase', { ...PURCHASE, transAmount: '' }, 'transAmount', /^is required \(n\(12\), e\.g\. "2450"\)$/);
    err.message.should.equal('Purchase: transAmount is required (n(12), e.g. "2450")');
  });

  it('refuses null and a missing mandatory amount', function () {
    expectRejected('Purchase', { ...PURCHASE, transAmount: null }, 'transAmount', /^is required/);
    const { transAmount, ...rest } = PURCHASE;
    should(transAmount).equal('2450');
    expectRejected('Purchase', rest, 'transAmount', /^is required/);
  });

  it('refuses 0 and "0": transAmount must be at least 1', function () {
    const err = expectRejected('Purchase', { ...PURCHASE, transAmount: 0 }, 'transAmount', /^must be at least 1 \(minor units\)$/);
    err.message.should.equal('Purchase: transAmount must be at least 1 (minor units); got 0');
    expectRejected('Purchase', { ...PURCHASE, transAmount: '0' }, 'transAmount', /at least 1/);
    expectRejected('Purchase', { ...PURCHASE, transAmount: '000000000000' }, 'transAmount', /at least 1/);
  });

  it('the rule of every amount key names minor units', function () {
    expectRejected('CashBack', { ...PURCHASE, cashAmount: 7.5 }, 'cashAmount', AMOUNT_RULE);
    expectRejected('SalePreauth', { ...exampleParams('SalePreauth'), endAmount: '1.00' }, 'endAmount', AMOUNT_RULE);
    expectRejected('Purchase', { ...PURCHASE, discountedAmount: 'abc' }, 'discountedAmount', AMOUNT_RULE);
    expectRejected('PartialVoid', { invoiceNum: '000456', transAmount: -5 }, 'transAmount', AMOUNT_RULE);
  });

  it('refuses discountedAmount greater than transAmount, accepts equal and smaller', function () {
    const err = expectRejected(
      'Purchase',
      { ...PURCHASE, transAmount: 1000, discountedAmount: 1001 },
      'discountedAmount',
      /not exceed transAmount \(1000\)/,
    );
    err.message.should.containEql('1001');
    should(validateRequest('Purchase', { ...PURCHASE, transAmount: 1000, discountedAmount: 1000 }).params.discountedAmount).equal('1000');
    validateRequest('Purchase', { ...PURCHASE, transAmount: '1000', discountedAmount: '999' }).params.should.eql({
      ...PURCHASE,
      transAmount: '1000',
      discountedAmount: '999',
    });
    // Compared as numbers, not as text: "900" < "1000" although "9" > "1".
    should(validateRequest('Purchase', { ...PURCHASE, transAmount: '1000', discountedAmount: '900' }).params.discountedAmount).equal('900');
    expectRejected('Purchase', { ...PURCHASE, transAmount: '900', discountedAmount: '1000' }, 'discountedAmount', /not exceed/);
  });
});

describe('validateRequest: currency', function () {
  it('turns 980 into "980" and 8 into "008"', function () {
    should(validateRequest('Purchase', { ...PURCHASE, transCurrency: 980 }).params.transCurrency).equal('980');
    should(validateRequest('Purchase', { ...PURCHASE, transCurrency: 8 }).params.transCurrency).equal('008');
    should(validateRequest('Purchase', { ...PURCHASE, transCurrency: 840 }).params.transCurrency).equal('840');
    should(validateRequest('Purchase', { ...PURCHASE, transCurrency: '008' }).params.transCurrency).equal('008');
  });

  for (const value of ['98', '9800', 9800, -1, 98.5, 'UAH', ' 980', '98a', true]) {
    it(`refuses transCurrency ${JSON.stringify(value)}`, function () {
      expectRejected('Purchase', { ...PURCHASE, transCurrency: value }, 'transCurrency', /3-digit ISO 4217/);
    });
  }
});

describe('validateRequest: digit, alphanumeric and boolean keys', function () {
  it('keeps invoiceNum digits with leading zeros', function () {
    validateRequest('Void', { invoiceNum: '000456' }).params.should.eql({ invoiceNum: '000456' });
  });

  it('refuses invoiceNum given as a number (it must be a digit string)', function () {
    expectRejected('Void', { invoiceNum: 456 }, 'invoiceNum', /string of 1–12 digits/);
    expectRejected('VoidPreauth', { invoiceNum: 456 }, 'invoiceNum', /digits/);
    expectRejected('Void', { invoiceNum: '45a' }, 'invoiceNum', /digits/);
    expectRejected('Void', { invoiceNum: '1234567890123' }, 'invoiceNum', /digits/);
  });

  it('accepts a Latin alphanumeric merchantId and refuses a space, a dash, Cyrillic or a number', function () {
    validateRequest('Echo', { merchantId: 'Merchant01' }).params.should.eql({ merchantId: 'Merchant01' });
    expectRejected('Echo', { merchantId: 'Merchant 01' }, 'merchantId', /Latin letters and digits/);
    expectRejected('Echo', { merchantId: 'Merchant-01' }, 'merchantId', /Latin letters and digits/);
    expectRejected('Echo', { merchantId: 'Мерчант' }, 'merchantId', /Latin letters and digits/);
    expectRejected('Echo', { merchantId: 123 }, 'merchantId', /Latin letters and digits/);
    expectRejected('Echo', { merchantId: 'A'.repeat(33) }, 'merchantId', /1–32/);
  });

  it('accepts rrn and authCode alphanumerics and refuses punctuation', function () {
    const p = exampleParams('SalePreauth');
    should(validateRequest('SalePreauth', p).params.authCode).equal('86429E');
    expectRejected('SalePreauth', { ...p, authCode: '864-29' }, 'authCode');
    expectRejected('Refund', { ...exampleParams('Refund'), rrn: '9876.1234' }, 'rrn');
  });

  it('takes a terminalId with spaces but refuses control characters', function () {
    should(validateRequest('CashBack', { ...exampleParams('CashBack'), terminalId: 'SSI 0001' }).params.terminalId).equal('SSI 0001');
    expectRejected('CashBack', { ...exampleParams('CashBack'), terminalId: 'SSI\n0001' }, 'terminalId', /control characters/);
  });

  it('accepts isDetailReport true/false and refuses the string "true"', function () {
    validateRequest('ZReport', { merchantId: 'M1', isDetailReport: true }).params.should.eql({ merchantId: 'M1', isDetailReport: true });
    validateRequest('XReport', { merchantId: 'M1', isDetailReport: false }).params.should.eql({ merchantId: 'M1', isDetailReport: false });
    const err = expectRejected('XReport', { merchantId: 'M1', isDetailReport: 'true' }, 'isDetailReport', /^must be true or false$/);
    err.message.should.equal('XReport: isDetailReport must be true or false; got "true"');
    expectRejected('ZReport', { merchantId: 'M1', isDetailReport: 1 }, 'isDetailReport', /true or false/);
  });
});

describe('validateRequest: method and params shape', function () {
  it('refuses an unknown method with UNKNOWN_METHOD and suggests Purchase for "purchase"', function () {
    const err = errorOf('purchase', PURCHASE);
    err.code.should.equal('UNKNOWN_METHOD');
    err.field.should.equal('method');
    err.method.should.equal('purchase');
    err.message.should.startWith('purchase: unknown method.');
    err.message.should.containEql('Did you mean Purchase?');
    err.message.should.containEql('Known methods: Purchase, Void,');
  });

  it('suggests by prefix and says nothing when nothing is near', function () {
    errorOf('Purchse', {}).message.should.containEql('Did you mean Purchase?');
    errorOf('GETSTATUS', {}).message.should.containEql('Did you mean GetStatus?');
    const err = errorOf('Frobnicate', {});
    err.code.should.equal('UNKNOWN_METHOD');
    err.message.should.not.containEql('Did you mean');
  });

  it('refuses a method that is not a non-empty string, and names of Object.prototype', function () {
    for (const m of [undefined, null, '', 42, {}]) errorOf(m, {}).code.should.equal('UNKNOWN_METHOD');
    for (const m of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) errorOf(m, {}).code.should.equal('UNKNOWN_METHOD');
  });

  it('refuses params that are not an object (array, string, number, boolean)', function () {
    for (const params of [[], ['2450'], 'transAmount=2450', 42, true]) {
      const err = expectRejected('Purchase', params, 'params', /^must be an object of request keys$/);
      err.message.should.startWith('Purchase: params must be an object of request keys; got ');
    }
    expectRejected('GetStatus', [], 'params', /object/);
  });

  it('passes unknown extra keys through unchanged', function () {
    const extra = { futureKey: { nested: [1, 'два'] }, step: 0, note: 'x y', weird: null };
    const valid = validateRequest('Purchase', { ...PURCHASE, transAmount: 2450, ...extra });
    valid.params.should.eql({ ...PURCHASE, ...extra });
    should(valid.params.futureKey).equal(extra.futureKey);
    validateRequest('GetStatus', { anything: 1 }).params.should.eql({ anything: 1 });
  });
});

describe('validateRequest: PrintXml', function () {
  it('computes lrc when it is left out (checked against a hand XOR)', function () {
    let x = 0;
    for (const b of Buffer.from(RECEIPT, 'utf8')) x ^= b;
    const valid = validateRequest('PrintXml', { receipt: RECEIPT });
    valid.params.should.eql({ receipt: RECEIPT, lrc: String(x) });
    should(validateRequest('PrintXml', { receipt: RECEIPT, lrc: '' }).params.lrc).equal(String(x));
    should(validateRequest('PrintXml', { receipt: RECEIPT, lrc: null }).params.lrc).equal(String(x));
  });

  it('computes the LRC of a pure ASCII receipt', function () {
    const receipt = '<receipt><text>A</text></receipt>';
    // Hand XOR of the ASCII codes.
    let x = 0;
    for (let k = 0; k < receipt.length; k++) x ^= receipt.charCodeAt(k);
    should(validateRequest('PrintXml', { receipt }).params.lrc).equal(String(x));
  });

  it('accepts the right lrc given as a string or a number', function () {
    const lrc = xorUtf8(RECEIPT);
    should(validateRequest('PrintXml', { receipt: RECEIPT, lrc: String(lrc) }).params.lrc).equal(String(lrc));
    should(validateRequest('PrintXml', { receipt: RECEIPT, lrc }).params.lrc).equal(String(lrc));
  });

  it('refuses a wrong lrc, naming lrc and the right value', function () {
    const right = xorUtf8(RECEIPT);
    const wrong = (right + 1) % 128;
    const err = expectRejected('PrintXml', { receipt: RECEIPT, lrc: String(wrong) }, 'lrc', /does not match receipt/);
    err.rule.should.containEql(`its LRC is ${right}`);
    err.message.should.startWith('PrintXml: lrc does not match receipt');
  });

  it('refuses an lrc that is not a byte value', function () {
    for (const lrc of ['abc', '256', '-129', '1.5', 1.5, '1000']) {
      expectRejected('PrintXml', { receipt: RECEIPT, lrc }, 'lrc', /decimal string/);
    }
  });

  it('accepts the signed-byte lrc of a receipt whose LRC is above 127', function () {
    // Find a receipt whose LRC is above 127 by varying its text.
    let receipt;
    let lrc;
    // "₴" is three bytes with the high bit set, so the XOR's high bit is set and n varies the rest.
    for (let n = 0; n < 1000; n++) {
      receipt = `<receipt><text align="right">Сума ${n} ₴</text></receipt>`;
      lrc = xorUtf8(receipt);
      if (lrc > 127) break;
    }
    const signed = lrc - 256;
    signed.should.be.below(0);
    should(validateRequest('PrintXml', { receipt, lrc: String(signed) }).params.lrc).equal(String(signed));
    should(validateRequest('PrintXml', { receipt, lrc: signed }).params.lrc).equal(String(signed));
    should(validateRequest('PrintXml', { receipt, lrc: String(lrc) }).params.lrc).equal(String(lrc));
    should(validateRequest('PrintXml', { receipt }).params.lrc).equal(String(lrc));
    // A negative value is only right as the signed form of an LRC above 127.
    expectRejected('PrintXml', { receipt, lrc: String(signed + 1) }, 'lrc', /does not match/);
    const small = '<receipt><text>A</text></receipt>';
    xorUtf8(small).should.be.within(1, 127);
    expectRejected('PrintXml', { receipt: small, lrc: String(-xorUtf8(small)) }, 'lrc', /does not match/);
    expectRejected('PrintXml', { receipt: small, lrc: String(xorUtf8(small) + 128) }, 'lrc', /does not match/);
  });

  it('keeps an optional fontStyle', function () {
    validateRequest('PrintXml', { receipt: RECEIPT, fontStyle: 'roboto.ttf' }).params.should.eql({
      receipt: RECEIPT,
      lrc: String(xorUtf8(RECEIPT)),
      fontStyle: 'roboto.ttf',
    });
  });

  it('accepts receipts with an XML prolog, entities, single quotes and every allowed attribute value', function () {
    const receipts = [
      '<?xml version="1.0" encoding="UTF-8"?>\n<receipt>\n  <text align="left">A</text>\n</receipt>\n',
      '<receipt><text>Tom &amp; Jerry &lt;3 &#169; &#x263A;</text></receipt>',
      "<receipt><text align='right' size='small'>x</text></receipt>",
      '<receipt><text align="center" size="normal" weight="normal">x</text><text size="large" weight="bold">y</text></receipt>',
      '<receipt><image>\n  iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\n</image></receipt>',
    ];
    for (const receipt of receipts) {
      should(validateRequest('PrintXml', { receipt }).params.lrc).equal(String(xorUtf8(receipt)), receipt);
    }
  });

  const malformed = [
    ['no <receipt> element', '<text align="left">A</text>', /must start with <receipt>/],
    ['a bad attribute value', '<receipt><text align="middle">A</text></receipt>', /align="middle"/],
    ['a repeated attribute', '<receipt><text align="left" align="right">A</text></receipt>', /repeats attribute "align"/],
    ['a bare "&"', '<receipt><text>Tom & Jerry</text></receipt>', /bare "&"/],
    ['an unclosed <text>', '<receipt><text align="left">A</receipt>', /<text> is not closed/],
    ['an unclosed <text> at the end', '<receipt><text>A', /<text> is not closed/],
    ['<image> with non-base64 data', '<receipt><image>not base64!</image></receipt>', /<image> must hold base64 data/],
    ['a bare "<" in <text>', '<receipt><text>1 < 2</text></receipt>', /a "<" that starts no element/],
    ['no </receipt>', '<receipt><text>A</text>', /missing <\/receipt>/],
    ['content after </receipt>', '<receipt><text>A</text></receipt><text>B</text>', /content after <\/receipt>/],
    ['an empty receipt', '<receipt></receipt>', /no <text> or <image> element/],
    ['an unquoted attribute', '<receipt><text align=left>A</text></receipt>', /is not XML: <text> attribute align needs its value in quotes/],
  ];
  for (const [label, receipt, problem] of malformed) {
    it(`refuses a receipt with ${label}, naming receipt`, function () {
      const err = expectRejected('PrintXml', { receipt }, 'receipt', /^must be a receipt XML string: it /);
      err.rule.should.match(problem);
      err.message.should.startWith('PrintXml: receipt must be a receipt XML string: it ');
    });
  }

  // What the protocol does not describe is sent as it is, and named in `issues` (the Terminal emits each as an 'issue').
  const passedWithIssues = [
    [
      'an unknown attribute "allign"',
      '<receipt><text allign="left">A</text></receipt>',
      'PrintXml: receipt <text> has unknown attribute "allign" (known: align, size, weight, darkness); sent as it is',
    ],
    [
      '<image> with attributes',
      '<receipt><image width="384">AAAA</image></receipt>',
      'PrintXml: receipt <image> has unknown attribute "width" (it takes none); sent as it is',
    ],
    [
      'an element inside <text>',
      '<receipt><text><b>A</b></text></receipt>',
      'PrintXml: receipt <text> holds element <b>, which the protocol does not describe (only text); sent as it is',
    ],
    [
      'an unknown element',
      '<receipt><line>A</line></receipt>',
      'PrintXml: receipt has unknown element <line> (known: <text>, <image>); sent as it is',
    ],
    [
      'text outside elements',
      '<receipt>hello<text>A</text></receipt>',
      'PrintXml: receipt has text outside <text>, which is not printed: "hello"; sent as it is',
    ],
  ];
  for (const [label, receipt, issue] of passedWithIssues) {
    it(`sends a receipt with ${label} as it is, naming it in issues`, function () {
      const valid = validateRequest('PrintXml', { receipt });
      valid.params.should.eql({ receipt, lrc: String(xorUtf8(receipt)) });
      should(valid.issues).eql([issue]);
    });
  }

  it('has no issues at all for a receipt the protocol describes throughout, nor for a method without a receipt', function () {
    should(validateRequest('PrintXml', { receipt: RECEIPT }).issues).be.undefined();
    should(validateRequest('GetStatus').issues).be.undefined();
    should(validateRequest('Purchase', { transAmount: 100, transCurrency: '980', merchantId: '000000060007176' }).issues).be.undefined();
  });

  it('refuses a receipt that is not a non-empty string', function () {
    expectRejected('PrintXml', { receipt: 42 }, 'receipt', /^must be a receipt XML string$/);
    expectRejected('PrintXml', { receipt: '' }, 'receipt', /^is required/);
    expectRejected('PrintXml', {}, 'receipt', /^is required/);
  });

  it('refuses a receipt that makes the request larger than 65,535 bytes with FRAME_TOO_LARGE naming receipt', function () {
    // 30,000 Cyrillic characters: 60,000 UTF-8 bytes of text in 30,000 characters; the request is over the limit.
    const line = '<text align="left">' + 'Ж'.repeat(1000) + '</text>';
    const receipt = `<receipt>${line.repeat(33)}</receipt>`;
    Buffer.byteLength(receipt).should.be.above(65535);
    receipt.length.should.be.below(65535);
    const err = errorOf('PrintXml', { receipt });
    err.code.should.equal('FRAME_TOO_LARGE');
    err.field.should.equal('receipt');
    err.method.should.equal('PrintXml');
    err.message.should.startWith('PrintXml: receipt makes the request ');
    err.message.should.containEql('65535');
  });

  it('accepts a receipt whose request is exactly 65,535 bytes and refuses a larger one', function () {
    const make = (count) => `<receipt><text>${'a'.repeat(count)}</text></receipt>`;
    const envelope = (r) => Buffer.byteLength(JSON.stringify({ method: 'PrintXml', params: { receipt: r, lrc: String(xorUtf8(r)) } }));
    // Find the first count of 'a' whose request is exactly 65,535 bytes (the lrc string changes length with the count).
    let count = 65400;
    while (envelope(make(count)) < 65535) count++;
    envelope(make(count)).should.equal(65535);
    const receipt = make(count);
    validateRequest('PrintXml', { receipt }).params.should.eql({ receipt, lrc: String(xorUtf8(receipt)) });
    envelope(make(count + 2)).should.be.above(65535);
    const err = errorOf('PrintXml', { receipt: make(count + 2) });
    err.code.should.equal('FRAME_TOO_LARGE');
    err.field.should.equal('receipt');
  });
});

describe('validateRequest: PrintXml lrc in decimal or hex (the third argument)', function () {
  const HEX: ValidateOptions = { lrcEncoding: 'hex' };
  /** A receipt whose LRC is at least 16 and below 128, with a letter in hex: its decimal and hex forms differ. */
  function receiptWithLetter() {
    for (let n = 0; ; n++) {
      const receipt = `<receipt><text align="left">Чек ${n}</text></receipt>`;
      const lrc = xorUtf8(receipt);
      if (lrc >= 16 && lrc < 128 && /[A-F]/.test(lrc.toString(16).toUpperCase())) return { receipt, lrc, hex: lrc.toString(16).toUpperCase() };
    }
  }
  /** A receipt whose LRC is above 127, so that it has a signed form. */
  function receiptAbove127() {
    for (let n = 0; ; n++) {
      const receipt = `<receipt><text align="right">Сума ${n} ₴</text></receipt>`;
      if (xorUtf8(receipt) > 127) return { receipt, lrc: xorUtf8(receipt) };
    }
  }
  /** The error validateRequest throws with these options; fails the test when it does not throw. */
  function refusedWith(params, options) {
    try {
      validateRequest('PrintXml', params, options);
    } catch (err) {
      err.code.should.equal('VALIDATION');
      err.method.should.equal('PrintXml');
      return err;
    }
    throw new Error(`expected ${JSON.stringify(params)} to be refused with ${JSON.stringify(options)}`);
  }

  it('hex: a computed lrc is two upper-case hex digits, zero-padded', function () {
    const { receipt, hex } = receiptWithLetter();
    validateRequest('PrintXml', { receipt }, HEX).params.should.eql({ receipt, lrc: hex });
    // One below 16 is padded to two digits.
    let small;
    for (let n = 0; ; n++) {
      small = `<receipt><text>${'x'.repeat(n)}</text></receipt>`;
      if (xorUtf8(small) < 16) break;
    }
    should(validateRequest('PrintXml', { receipt: small }, HEX).params.lrc).equal(`0${xorUtf8(small).toString(16).toUpperCase()}`);
    // And above 127 (no signed form in hex).
    const big = receiptAbove127();
    should(validateRequest('PrintXml', { receipt: big.receipt }, HEX).params.lrc).equal(big.lrc.toString(16).toUpperCase());
  });

  it('hex: a given lrc is taken as written, in either case; a number is the byte, written in hex', function () {
    const { receipt, lrc, hex } = receiptWithLetter();
    should(validateRequest('PrintXml', { receipt, lrc: hex }, HEX).params.lrc).equal(hex);
    should(validateRequest('PrintXml', { receipt, lrc: hex.toLowerCase() }, HEX).params.lrc).equal(hex.toLowerCase());
    should(validateRequest('PrintXml', { receipt, lrc }, HEX).params.lrc).equal(hex);
    // The signed byte as a number is the same byte.
    const big = receiptAbove127();
    should(validateRequest('PrintXml', { receipt: big.receipt, lrc: big.lrc - 256 }, HEX).params.lrc).equal(big.lrc.toString(16).toUpperCase());
    refusedWith({ receipt: big.receipt, lrc: String(big.lrc - 256) }, HEX).rule.should.match(/as a hex string/);
  });

  it('hex: the decimal form of the right byte does not match, and the error gives the LRC in hex', function () {
    const { receipt, lrc, hex } = receiptWithLetter();
    const err = refusedWith({ receipt, lrc: String(lrc) }, HEX);
    err.field.should.equal('lrc');
    err.rule.should.equal(`does not match receipt (its LRC is ${hex}); leave lrc out to have it computed`);
  });

  it('hex: refuses what is not one or two hex digits, saying so', function () {
    const { receipt } = receiptWithLetter();
    for (const lrc of ['100', '0x1F', '-1', 'G1', ' 1F', 1.5, 256, -129, true]) {
      const err = refusedWith({ receipt, lrc }, HEX);
      err.field.should.equal('lrc');
      err.rule.should.equal('must be the LRC of receipt as a hex string (one or two hex digits, 00–FF)');
    }
  });

  it('decimal, given or not, is what two arguments do: the hex form of the right byte is refused as not decimal', function () {
    const { receipt, lrc, hex } = receiptWithLetter();
    for (const options of [undefined, {}, { lrcEncoding: 'decimal' }, { lrcEncoding: undefined }] as (ValidateOptions | undefined)[]) {
      validateRequest('PrintXml', { receipt }, options).params.should.eql(validateRequest('PrintXml', { receipt }).params);
      should(validateRequest('PrintXml', { receipt }, options).params.lrc).equal(String(lrc));
      const big = receiptAbove127();
      should(validateRequest('PrintXml', { receipt: big.receipt, lrc: big.lrc - 256 }, options).params.lrc).equal(String(big.lrc - 256));
      refusedWith({ receipt, lrc: hex }, options).rule.should.match(/as a decimal string/);
    }
  });

  it('refuses an encoding it does not know, naming lrcEncoding, whatever the method', function () {
    for (const [method, params] of [
      ['PrintXml', { receipt: RECEIPT }],
      ['GetStatus', undefined],
    ]) {
      let err;
      try {
        // @ts-expect-error: an encoding the library does not have
        validateRequest(method, params, { lrcEncoding: 'octal' });
      } catch (e) {
        err = e;
      }
      should(err).be.ok();
      err.code.should.equal('VALIDATION');
      err.field.should.equal('lrcEncoding');
      err.message.should.equal('lrcEncoding must be decimal or hex; got "octal"');
    }
  });

  it('the encoding changes nothing but lrc: other methods validate alike', function () {
    validateRequest('Purchase', PURCHASE, HEX).should.eql(validateRequest('Purchase', PURCHASE));
    validateRequest('PrintPdfUrl', { url: 'https://example.com/r.pdf' }, HEX).params.should.eql({ url: 'https://example.com/r.pdf' });
  });
});

describe('validateRequest: PrintPdfUrl', function () {
  for (const url of ['http://example.com/r.pdf', 'https://example.com/receipts/1.pdf?x=1', 'https://192.168.0.10:8443/a.pdf']) {
    it(`accepts ${url}`, function () {
      validateRequest('PrintPdfUrl', { url }).params.should.eql({ url });
    });
  }

  for (const url of [
    'ftp://example.com/r.pdf',
    'javascript:alert(1)',
    'file:///etc/passwd',
    '/receipts/1.pdf',
    'receipts/1.pdf',
    'example.com/r.pdf',
    'data:application/pdf;base64,AAAA',
    'http://',
    'https:example.com/a.pdf',
    42,
  ]) {
    it(`refuses ${JSON.stringify(url)}`, function () {
      expectRejected('PrintPdfUrl', { url }, 'url', /^must be an absolute http: or https: URL$/);
    });
  }

  it('refuses a missing url', function () {
    expectRejected('PrintPdfUrl', {}, 'url', /^is required/);
  });
});

describe('validateRequest: keys the catalogue does not describe', function () {
  it('passes "__proto__" through as plain data without touching the prototype', function () {
    const params = JSON.parse('{"transAmount":"100","transCurrency":"980","merchantId":"M1","__proto__":{"polluted":true}}');
    const out = validateRequest('Purchase', params).params;
    Object.getPrototypeOf(out).should.equal(Object.prototype);
    should(out.polluted).be.undefined();
    Object.keys(out).should.eql(['transAmount', 'transCurrency', 'merchantId', '__proto__']);
  });
});
