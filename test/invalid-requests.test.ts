'use strict';

/*
 * Invalid requests are refused BEFORE THE WIRE. Each row goes through a real Terminal (request() for service and
 * additional methods, transact() for financial and report ones) pointed at a running simulator; the simulator never
 * sees a connection, let alone a request, and the error names the method, the field and the rule.
 */

import should = require('should');
import { Terminal } from '../src/core';
import { startSimulator } from '../src/simulator';
import { FAST, MERCHANT } from './support/fixtures';

const PURCHASE = { transAmount: '2450', transCurrency: '980', merchantId: MERCHANT };
const RECEIPT = '<receipt><text align="center" size="normal" weight="bold" darkness="normal">Дякуємо!</text></receipt>';
const xorUtf8 = (text) => Buffer.from(text, 'utf8').reduce((x, b) => x ^ b, 0);

const AMOUNT = /minor units \(kopecks\)/;
const CURRENCY = /3-digit ISO 4217 numeric code/;
const AN = (max) => new RegExp(`string of 1–${max} Latin letters and digits`);
const N = (max) => new RegExp(`string of 1–${max} digits`);
const ANS = (max) => new RegExp(`non-empty string of at most ${max} characters without control characters`);
const REQUIRED = /is required \(/;
const URL_RULE = /absolute http: or https: URL/;
const TOO_LARGE = /makes the request \d+ bytes of UTF-8 JSON; a frame carries at most 65535/;

// Under the catalogue's 65,000 characters but over 65,535 bytes once encoded (Cyrillic is two bytes a letter).
const HUGE_CYRILLIC = `<receipt><text>${'Ж'.repeat(33_000)}</text></receipt>`;
const HUGE_ASCII = `<receipt><text>${'x'.repeat(65_600)}</text></receipt>`;

/** [method, params, field, code, rule] */
const ROWS: [string, unknown, string, string, RegExp, ('transact' | 'request')?][] = [
  // Purchase: amounts
  ['Purchase', { ...PURCHASE, transAmount: 24.5 }, 'transAmount', 'VALIDATION', AMOUNT],
  ['Purchase', { ...PURCHASE, transAmount: '24.50' }, 'transAmount', 'VALIDATION', AMOUNT],
  ['Purchase', { ...PURCHASE, transAmount: -1 }, 'transAmount', 'VALIDATION', AMOUNT],
  ['Purchase', { ...PURCHASE, transAmount: '-100' }, 'transAmount', 'VALIDATION', AMOUNT],
  ['Purchase', { ...PURCHASE, transAmount: '1e3' }, 'transAmount', 'VALIDATION', AMOUNT],
  ['Purchase', { ...PURCHASE, transAmount: '1234567890123' }, 'transAmount', 'VALIDATION', /1–12 digits/],
  ['Purchase', { ...PURCHASE, transAmount: 1e12 }, 'transAmount', 'VALIDATION', /whole number from 1 to 999999999999/],
  ['Purchase', { ...PURCHASE, transAmount: Number.NaN }, 'transAmount', 'VALIDATION', AMOUNT],
  ['Purchase', { ...PURCHASE, transAmount: true }, 'transAmount', 'VALIDATION', AMOUNT],
  ['Purchase', { ...PURCHASE, transAmount: '2 450' }, 'transAmount', 'VALIDATION', AMOUNT],
  ['Purchase', { ...PURCHASE, transAmount: 0 }, 'transAmount', 'VALIDATION', /must be at least 1 \(minor units\)/],
  ['Purchase', { ...PURCHASE, transAmount: '000' }, 'transAmount', 'VALIDATION', /must be at least 1/],
  ['Purchase', { transCurrency: '980', merchantId: MERCHANT }, 'transAmount', 'VALIDATION', /is required \(n\(12\), e\.g\. "2450"\)/],
  ['Purchase', { ...PURCHASE, discountedAmount: '2451' }, 'discountedAmount', 'VALIDATION', /must not exceed transAmount \(2450\)/],
  ['Purchase', { ...PURCHASE, discountedAmount: '-5' }, 'discountedAmount', 'VALIDATION', AMOUNT],
  // Purchase: currency and merchant
  ['Purchase', { ...PURCHASE, transCurrency: 'UAH' }, 'transCurrency', 'VALIDATION', CURRENCY],
  ['Purchase', { ...PURCHASE, transCurrency: '9800' }, 'transCurrency', 'VALIDATION', CURRENCY],
  ['Purchase', { ...PURCHASE, transCurrency: 1000 }, 'transCurrency', 'VALIDATION', CURRENCY],
  ['Purchase', { ...PURCHASE, transCurrency: 980.5 }, 'transCurrency', 'VALIDATION', CURRENCY],
  ['Purchase', { ...PURCHASE, merchantId: 'abc-123' }, 'merchantId', 'VALIDATION', AN(32)],
  ['Purchase', { ...PURCHASE, merchantId: 'M'.repeat(33) }, 'merchantId', 'VALIDATION', AN(32)],
  ['Purchase', { ...PURCHASE, merchantId: 60007176 }, 'merchantId', 'VALIDATION', AN(32)],
  ['Purchase', { ...PURCHASE, merchantId: 'МАГАЗИН1' }, 'merchantId', 'VALIDATION', AN(32)],
  ['Purchase', [PURCHASE], 'params', 'VALIDATION', /must be an object of request keys/],
  ['Purchase', 'transAmount=2450', 'params', 'VALIDATION', /must be an object of request keys/],
  // Other financial methods
  ['Void', { invoiceNum: '12a' }, 'invoiceNum', 'VALIDATION', N(12)],
  ['Void', { invoiceNum: '1234567890123' }, 'invoiceNum', 'VALIDATION', N(12)],
  ['Void', { invoiceNum: 456 }, 'invoiceNum', 'VALIDATION', N(12)],
  ['VoidPreauth', {}, 'invoiceNum', 'VALIDATION', REQUIRED],
  ['Refund', { ...PURCHASE, rrn: 'ABC 123' }, 'rrn', 'VALIDATION', AN(32)],
  ['Refund', { ...PURCHASE }, 'rrn', 'VALIDATION', REQUIRED],
  ['CashBack', { ...PURCHASE, cashAmount: 0 }, 'cashAmount', 'VALIDATION', /must be at least 1/],
  ['CashBack', { ...PURCHASE, cashAmount: '700', terminalId: 'T1\n' }, 'terminalId', 'VALIDATION', ANS(32)],
  ['CashBack', { ...PURCHASE, cashAmount: '700', terminalId: 'T'.repeat(33) }, 'terminalId', 'VALIDATION', ANS(32)],
  ['SalePreauth', { ...PURCHASE, endAmount: '2700', rrn: 'R1', authCode: 'A'.repeat(13) }, 'authCode', 'VALIDATION', AN(12)],
  ['SalePreauth', { ...PURCHASE, endAmount: '', rrn: 'R1', authCode: 'A1' }, 'endAmount', 'VALIDATION', REQUIRED],
  ['PartialVoid', { invoiceNum: '000456', transAmount: 1.5 }, 'transAmount', 'VALIDATION', AMOUNT],
  ['Balance', { transCurrency: '98', merchantId: MERCHANT }, 'transCurrency', 'VALIDATION', CURRENCY],
  ['Deposit', { ...PURCHASE, transAmount: '' }, 'transAmount', 'VALIDATION', REQUIRED],
  ['Cash', { ...PURCHASE, transAmount: [2450] }, 'transAmount', 'VALIDATION', AMOUNT],
  // Reports
  ['XReport', { merchantId: MERCHANT, isDetailReport: 'yes' }, 'isDetailReport', 'VALIDATION', /must be true or false/],
  ['XReport', { merchantId: MERCHANT, isDetailReport: 'true' }, 'isDetailReport', 'VALIDATION', /must be true or false/],
  ['ZReport', { isDetailReport: 1 }, 'isDetailReport', 'VALIDATION', /must be true or false/],
  // PrintXml
  ['PrintXml', { receipt: HUGE_CYRILLIC }, 'receipt', 'FRAME_TOO_LARGE', TOO_LARGE],
  ['PrintXml', { receipt: HUGE_ASCII }, 'receipt', 'FRAME_TOO_LARGE', TOO_LARGE],
  ['PrintXml', { receipt: 'Дякуємо!' }, 'receipt', 'VALIDATION', /must start with <receipt>/],
  // An unknown attribute (colour="red") is sent, reported as an issue; a known one with a value it does not take is refused.
  [
    'PrintXml',
    { receipt: '<receipt><text size="huge">x</text></receipt>' },
    'receipt',
    'VALIDATION',
    /<text size="huge"> must be one of small, normal, large/,
  ],
  ['PrintXml', { receipt: '<receipt><text align="middle">x</text></receipt>' }, 'receipt', 'VALIDATION', /must be one of left, center, right/],
  ['PrintXml', { receipt: '<receipt><text>a & b</text></receipt>' }, 'receipt', 'VALIDATION', /bare "&"/],
  ['PrintXml', { receipt: '<receipt><text>x</text>' }, 'receipt', 'VALIDATION', /is missing <\/receipt>/],
  ['PrintXml', { receipt: '<receipt><image>not base64!</image></receipt>' }, 'receipt', 'VALIDATION', /base64/],
  ['PrintXml', { lrc: '12' }, 'receipt', 'VALIDATION', REQUIRED],
  ['PrintXml', { receipt: RECEIPT, lrc: '999' }, 'lrc', 'VALIDATION', /LRC of receipt as a decimal string \(0–255, or the signed byte -128–127\)/],
  ['PrintXml', { receipt: RECEIPT, lrc: 'abc' }, 'lrc', 'VALIDATION', /decimal string/],
  [
    'PrintXml',
    { receipt: RECEIPT, lrc: String((xorUtf8(RECEIPT) + 1) % 256) },
    'lrc',
    'VALIDATION',
    new RegExp(`does not match receipt \\(its LRC is ${xorUtf8(RECEIPT)}\\)`),
  ],
  ['PrintXml', { receipt: RECEIPT, fontStyle: 'f'.repeat(256) }, 'fontStyle', 'VALIDATION', ANS(255)],
  // PrintPdfUrl
  ['PrintPdfUrl', { url: 'javascript:alert(1)' }, 'url', 'VALIDATION', URL_RULE],
  ['PrintPdfUrl', { url: 'ftp://example.com/receipt.pdf' }, 'url', 'VALIDATION', URL_RULE],
  ['PrintPdfUrl', { url: 'file:///etc/passwd' }, 'url', 'VALIDATION', URL_RULE],
  ['PrintPdfUrl', { url: 'https://' }, 'url', 'VALIDATION', URL_RULE],
  ['PrintPdfUrl', { url: '/receipt.pdf' }, 'url', 'VALIDATION', URL_RULE],
  ['PrintPdfUrl', { url: `https://example.com/${'a'.repeat(2048)}` }, 'url', 'VALIDATION', URL_RULE],
  ['PrintPdfUrl', {}, 'url', 'VALIDATION', REQUIRED],
  // Unknown methods, and methods called the wrong way
  ['Purchse', PURCHASE, 'method', 'UNKNOWN_METHOD', /unknown method\. Did you mean Purchase\?/],
  ['purchase', PURCHASE, 'method', 'UNKNOWN_METHOD', /unknown method\. Did you mean Purchase\?/],
  ['Sale', PURCHASE, 'method', 'UNKNOWN_METHOD', /unknown method\. Did you mean SalePreauth\? Known methods: Purchase, Void, Refund/],
  ['Payment', PURCHASE, 'method', 'UNKNOWN_METHOD', /^Payment: unknown method\. Known methods: Purchase, Void, Refund/],
  ['constructor', {}, 'method', 'UNKNOWN_METHOD', /unknown method/],
  ['Purchase', PURCHASE, 'method', 'VALIDATION', /acknowledged first and its outcome polled; use transact\(\)/, 'request'],
  ['XReport', { merchantId: MERCHANT }, 'method', 'VALIDATION', /use transact\(\)/, 'request'],
  ['GetStatus', {}, 'method', 'VALIDATION', /answered at once; use request\(\)/, 'transact'],
  ['PrintXml', { receipt: RECEIPT }, 'method', 'VALIDATION', /answered at once; use request\(\)/, 'transact'],
];

describe('invalid requests are refused before the wire', function () {
  let sim;
  let t;

  before(async function () {
    sim = await startSimulator({ port: 0, phases: FAST });
    t = new Terminal({ host: '127.0.0.1', port: sim.port, pollInterval: 5 });
  });

  after(async function () {
    await t.close();
    await sim.stop();
  });

  it(`the table has at least 40 rows over at least 20 methods (${ROWS.length} rows)`, function () {
    ROWS.length.should.be.aboveOrEqual(40);
    new Set(ROWS.map((r) => r[0])).size.should.be.aboveOrEqual(20);
  });

  for (const [method, params, field, code, rule, how] of ROWS) {
    const group: Record<string, number> = {
      Purchase: 1,
      Void: 1,
      Refund: 1,
      CashBack: 1,
      Preauthorization: 1,
      SalePreauth: 1,
      VoidPreauth: 1,
      Cash: 1,
      Deposit: 1,
      Balance: 1,
      Echo: 1,
      PartialVoid: 1,
      XReport: 1,
      ZReport: 1,
    };
    // Financial and report methods go through transact(), the rest through request(), unless the row says otherwise.
    const call = how ?? (group[method] ? 'transact' : 'request');
    const shown = JSON.stringify(params, (k, v) =>
      typeof v === 'string' && v.length > 40 ? `${v.slice(0, 20)}…(${v.length})` : Number.isNaN(v) ? 'NaN' : v,
    );
    it(`${call}('${method}', ${shown}) → ${code} on ${field}, ${rule}`, async function () {
      const err = await t[call](method, params).should.be.rejected();
      err.name.should.equal('EcrError');
      err.code.should.equal(code);
      err.field.should.equal(field);
      err.method.should.equal(method);
      err.sent.should.be.false();
      // The message names the method, the field and the rule.
      err.message.should.startWith(`${method}: `);
      err.message.should.containEql(field);
      err.message.should.match(rule);
      err.rule.should.be.a.String();
      if (field !== 'method') {
        // "<method>: <field> <rule>; got <value>"
        err.rule.should.match(rule);
        err.message.should.startWith(`${method}: ${field} ${err.rule}`);
      }
      // Nothing reached the terminal; no connection was even opened.
      sim.requests.should.eql([]);
      sim.totalConnections.should.equal(0);
      t.connected.should.be.false();
    });
  }

  it('after all of them: still no connection, no request; and a valid request then goes through', async function () {
    sim.totalConnections.should.equal(0);
    sim.requests.should.eql([]);
    Object.keys(sim.counts).should.eql([]);
    (await t.request('GetStatus')).status.should.equal('S00');
    sim.totalConnections.should.equal(1);
    sim.requests.map((r) => r.method).should.eql(['GetStatus']);
  });
});

describe('left-out transCurrency and merchantId: filled in, or refused naming the field', function () {
  let sim;
  let t;
  afterEach(async function () {
    await t.close();
    await sim.stop();
  });

  it("transCurrency defaults to the Terminal's currency (980 unless set); a bad currency option names it", async function () {
    sim = await startSimulator({ port: 0, phases: FAST });
    // @ts-expect-error: a number where the type says string, as a flow or a JavaScript caller may give it
    t = new Terminal({ host: '127.0.0.1', port: sim.port, pollInterval: 5, currency: 840 });
    t.currency.should.equal('840');
    await t.transact('Purchase', { transAmount: '2450', merchantId: MERCHANT });
    sim.requests.find((r) => r.method === 'Purchase').params.transCurrency.should.equal('840');
    (() => new Terminal({ host: 'x', currency: 'UAH' })).should.throw({ code: 'VALIDATION', field: 'currency' });
    new Terminal({ host: 'x' }).currency.should.equal('980');
  });

  it('merchantId left out on a terminal with one merchant: asked once from GetMerchantList and filled in', async function () {
    sim = await startSimulator({ port: 0, phases: FAST, merchants: [MERCHANT] });
    t = new Terminal({ host: '127.0.0.1', port: sim.port, pollInterval: 5 });
    for (const [method, params] of [
      ['Purchase', { transAmount: '2450' }],
      ['Echo', { merchantId: null }],
      ['ZReport', {}],
      ['Purchase', { transAmount: '100', merchantId: '' }],
    ]) {
      (await t.transact(method, params)).error.should.be.false();
    }
    sim.counts.GetMerchantList.should.equal(1);
    sim.requests
      .filter((r) => ['Purchase', 'Echo', 'ZReport'].includes(r.method))
      .every((r) => r.params.merchantId === MERCHANT)
      .should.be.true();
  });

  it('merchantId left out on a terminal with several: refused, unsent, naming merchantId and the merchants', async function () {
    sim = await startSimulator({ port: 0, phases: FAST });
    t = new Terminal({ host: '127.0.0.1', port: sim.port, pollInterval: 5 });
    const err = await t.transact('Purchase', { transAmount: '2450' }).should.be.rejected();
    err.should.match({ code: 'VALIDATION', field: 'merchantId', sent: false });
    err.message.should.equal('Purchase: merchantId is required: the terminal has 2 merchants (000000060007176, 000000060007177); name one');
    should(sim.counts.Purchase).be.undefined();
    sim.counts.GetMerchantList.should.equal(1);
  });
});
