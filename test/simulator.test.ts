'use strict';

/*
 * The terminal simulator's protocol behaviour, tested over real loopback sockets: raw frames on the TCP port and raw
 * HTTP POSTs on the HTTP port. No library client is involved; frames are built with encodeFrame (or by hand, for
 * broken ones) and read back with FrameDecoder.
 */

import should = require('should');
import net = require('node:net');
import http = require('node:http');
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import { encodeFrame } from '../src/core';
import { Conn, connect, closeAll, status, waitStatus } from './support/raw-conn';
import { startSimulator, TEST_AMOUNTS, type Simulator, type SimulatorOptions } from '../src/simulator';
import type { Wire } from './support/wire';

const FAST = { S01: 0, S02: 0, S03: 0, S04: 0, S05: 0, S07: 0 };
const M1 = '000000060007176';
const M2 = '000000060007177';
const BUSY = new Set(['S01', 'S02', 'S03', 'S04', 'S05', 'S07']);

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// Everything opened by a test is closed in afterEach.

let sims: Simulator[] = [];
let tmpDirs: string[] = [];

afterEach(async function () {
  closeAll();
  await Promise.all(sims.map((s) => s.stop()));
  sims = [];
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
  tmpDirs = [];
});

async function simulator(options: SimulatorOptions = {}) {
  const sim = await startSimulator({ port: 0, ...options, phases: { ...FAST, ...options.phases } });
  sims.push(sim);
  return sim;
}

/** Whether a TCP connection to the port is accepted now. */
function canConnect(port: number) {
  return new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** Builds a frame by hand so header, length and LRC can be broken. */
function rawFrame(data, opts: { id?: number; version?: number; lrc?: number } = {}) {
  const body = Buffer.from(typeof data === 'string' ? data : JSON.stringify(data), 'utf8');
  let x = 0;
  for (const b of body) x ^= b;
  const head = Buffer.from([0x02, opts.id ?? 0x66, opts.version ?? 0x01, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([head, body, Buffer.from([opts.lrc ?? x])]);
}

function xor(buf) {
  let x = 0;
  for (const b of buf) x ^= b;
  return x;
}

const hex = (n) => n.toString(16).padStart(2, '0');

function ok(method, extra = {}) {
  return { method, error: false, errorCode: '', errorDescription: '', params: {}, ...extra };
}

function purchase(amount: unknown = '2450', extra = {}) {
  return { method: 'Purchase', params: { transAmount: amount, transCurrency: '980', merchantId: M1, ...extra } };
}

const waitIdle = (c: Conn, ms?: number) => waitStatus(c, (s) => !BUSY.has(s), ms);

/** request → acknowledgement → poll to idle → GetLastResult (or GetLastReport). */
async function run(c, request, resultMethod = 'GetLastResult') {
  const ack = await c.call(request);
  ack.should.eql(ok(request.method));
  await waitIdle(c);
  return c.call({ method: resultMethod });
}

/** The statuses the engine goes through, as it reports them. */
function recordStatuses(sim: Simulator) {
  const seen: string[] = [];
  sim.engine.on('status', (s) => seen.push(s));
  return seen;
}

function httpRequest(port: number, { method = 'POST', body, path: p = '/' }: { method?: string; body?: unknown; path?: string } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string; json: Wire }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Wire;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode!, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
  });
}

const post = async (port, body) => (await httpRequest(port, { body })).json;

const ZERO_TOTALS = {
  totalSaleCount: '0',
  totalSaleAmount: '0',
  totalFinAuthCount: '0',
  totalFinAuthAmount: '0',
  totalRefundCount: '0',
  totalRefundAmount: '0',
  totalCashCount: '0',
  totalCashAmount: '0',
  totalPaymentCount: '0',
  totalPaymentAmount: '0',
  totalVoidCount: '0',
  totalVoidAmount: '0',
};

// ---------------------------------------------------------------------------------------------------------------

describe('simulator: frame errors (§1.3, §5.1)', function () {
  let sim;
  let c;
  beforeEach(async function () {
    sim = await simulator();
    c = await connect(sim);
  });

  /** After an error the connection still works, and no stray message was queued in between. */
  async function stillServes() {
    (await c.call({ method: 'PingDevice' })).should.eql(ok('PingDevice'));
    c.queue.should.be.empty();
    c.closed.should.be.false();
  }

  it('a bad LRC gets E02 with the method read from the body, and details naming both checksums', async function () {
    const good = encodeFrame(purchase());
    const bad = Buffer.from(good);
    const sent = good[good.length - 1] ^ 0x5a;
    sent.should.not.equal(0x02); // an STX there would start a (bogus) new frame
    bad[bad.length - 1] = sent;
    const computed = xor(good.subarray(5, good.length - 1));
    const r = await c.call(bad);
    r.should.eql({
      method: 'Purchase',
      error: true,
      errorCode: 'E02',
      errorDescription: 'Checksum error',
      params: { details: `actual: ${hex(sent)}, expected: ${hex(computed)}` },
    });
    // The request was not acted on.
    (await c.call({ method: 'GetStatus' })).status.should.equal('S00');
    should(sim.counts.Purchase).be.undefined();
    await stillServes();
  });

  it('a bad LRC on a body without a readable method gets E02 with method "Unknown"', async function () {
    const r = await c.call(rawFrame('{"x":1}', { lrc: 0x77 }));
    r.should.match({ method: 'Unknown', error: true, errorCode: 'E02' });
    await stillServes();
  });

  it('a wrong protocol id (0xee) gets E01 with details "actual: ee, expected: 66"', async function () {
    const r = await c.call(rawFrame({ method: 'GetStatus' }, { id: 0xee }));
    r.should.eql({
      method: 'Unknown',
      error: true,
      errorCode: 'E01',
      errorDescription: 'Protocol version is not supported by the terminal',
      params: { details: 'actual: ee, expected: 66' },
    });
    await stillServes();
  });

  for (const version of [0x05, 0x02]) {
    it(`a wrong protocol version (${version}) gets one E01 naming the version`, async function () {
      // 0x02 is also the start byte: the foreign frame must still draw exactly one answer.
      const r = await c.call(rawFrame({ method: 'GetStatus' }, { version }));
      r.should.eql({
        method: 'Unknown',
        error: true,
        errorCode: 'E01',
        errorDescription: 'Protocol version is not supported by the terminal',
        params: { details: `actual version: 0${version}, expected: 01` },
      });
      await stillServes();
    });
  }

  it('invalid JSON gets E03 with method "Unknown"', async function () {
    const r = await c.call(rawFrame('{"method":"GetStatus"'));
    r.should.match({ method: 'Unknown', error: true, errorCode: 'E03', errorDescription: 'Json message format error' });
    r.params.details.should.be.a.String().and.not.be.empty();
    await stillServes();
  });

  it('a JSON array (or any non-object) gets E03', async function () {
    for (const body of ['[{"method":"GetStatus"}]', '"GetStatus"', 'null', '42']) {
      const r = await c.call(rawFrame(body));
      r.should.eql(
        {
          method: 'Unknown',
          error: true,
          errorCode: 'E03',
          errorDescription: 'Json message format error',
          params: { details: 'the message is not a JSON object' },
        },
        body,
      );
    }
    await stillServes();
  });

  it('junk bytes before a frame are skipped and the frame is answered (same write and separate writes)', async function () {
    const junk = Buffer.from('hello\r\n\xff\x00 garbage', 'latin1');
    (await c.call(Buffer.concat([junk, encodeFrame({ method: 'GetStatus' })]))).should.eql(ok('GetStatus', { status: 'S00' }));
    c.send(junk);
    await delay(20);
    (await c.call({ method: 'GetStatus' })).should.eql(ok('GetStatus', { status: 'S00' }));
    sim.frameIssues.junk.should.be.aboveOrEqual(2);
    await stillServes();
  });

  it('a frame split into single bytes and two frames in one write are all answered in order', async function () {
    const f = encodeFrame({ method: 'GetStatus' });
    for (const b of f) {
      c.send(Buffer.from([b]));
      await delay(1);
    }
    (await c.next()).should.eql(ok('GetStatus', { status: 'S00' }));
    c.send(Buffer.concat([encodeFrame({ method: 'PingDevice' }), encodeFrame({ method: 'GetMerchantList' })]));
    (await c.next()).method.should.equal('PingDevice');
    (await c.next()).method.should.equal('GetMerchantList');
  });

  it('Cyrillic (multi-byte UTF-8) in a request frame is decoded and the LRC checked over bytes', async function () {
    const r = await c.call({ method: 'Purchase', params: { transAmount: '2450', transCurrency: '980', merchantId: 'МАГАЗИН' } });
    // The frame was fine (no E02/E03); the value is not "an" (Latin letters and digits), so E09.
    r.should.match({ method: 'Purchase', error: true, errorCode: 'E09', errorParams: 'merchantId' });
  });
});

describe('simulator: request errors (§4.3.3, §5.1)', function () {
  let sim;
  let c;
  beforeEach(async function () {
    sim = await simulator({ amountLimit: 100000 });
    c = await connect(sim);
  });

  it('a request without method gets E04 with method "Unknown"', async function () {
    const r = await c.call({ params: { merchantId: M1 } });
    r.should.match({ method: 'Unknown', error: true, errorCode: 'E04', errorDescription: 'Required fields are missing', errorParams: 'method' });
    (await c.call({ method: '' })).should.match({ method: 'Unknown', errorCode: 'E04' });
    (await c.call({ method: 42 })).should.match({ method: 'Unknown', errorCode: 'E04' });
  });

  it('an unknown method gets E05 with method "Unknown"', async function () {
    const r = await c.call({ method: 'Purchse', params: purchase().params });
    r.should.match({ method: 'Unknown', error: true, errorCode: 'E05', errorDescription: 'Unknown method' });
    // Method names are case-sensitive.
    (await c.call({ method: 'getstatus' })).should.match({ method: 'Unknown', errorCode: 'E05' });
  });

  it('a financial or report request without params gets E04', async function () {
    (await c.call({ method: 'Purchase' })).should.match({ method: 'Purchase', error: true, errorCode: 'E04', errorParams: 'params' });
    (await c.call({ method: 'Echo' })).should.match({ method: 'Echo', error: true, errorCode: 'E04' });
    (await c.call({ method: 'XReport' })).should.match({ method: 'XReport', error: true, errorCode: 'E04' });
    (await c.call({ method: 'Purchase', params: [] })).should.match({ method: 'Purchase', error: true, errorCode: 'E09', errorParams: 'params' });
  });

  it('a missing mandatory key gets E04 with errorParams naming the key', async function () {
    const r = await c.call({ method: 'Purchase', params: { transAmount: '2450', transCurrency: '980' } });
    r.should.eql({
      method: 'Purchase',
      error: true,
      errorCode: 'E04',
      errorDescription: 'Required fields are missing',
      params: { details: 'merchantId is required' },
      errorParams: 'merchantId',
      errorDetails: 'merchantId is required',
    });
    (await c.call({ method: 'Refund', params: { transAmount: '100', transCurrency: '980', merchantId: M1 } })).should.match({
      errorCode: 'E04',
      errorParams: 'rrn',
    });
    (await c.call({ method: 'Void', params: {} })).should.match({ errorCode: 'E04', errorParams: 'invoiceNum' });
    (
      await c.call({ method: 'SalePreauth', params: { transAmount: '100', transCurrency: '980', rrn: '1', authCode: 'A', merchantId: M1 } })
    ).should.match({ errorCode: 'E04', errorParams: 'endAmount' });
  });

  it('transAmount as a JSON number gets E09: the terminal wants digit strings', async function () {
    const r = await c.call(purchase(2450));
    r.should.match({ method: 'Purchase', error: true, errorCode: 'E09', errorDescription: 'Format error', errorParams: 'transAmount' });
    (await c.call(purchase('2450', { transCurrency: 980 }))).should.match({ errorCode: 'E09', errorParams: 'transCurrency' });
  });

  it('amounts that are not plain digit strings get E09 naming transAmount', async function () {
    for (const amount of ['24.50', '24,50', '-100', ' 100', '1e3', '0', '1234567890123']) {
      (await c.call(purchase(amount))).should.match({ method: 'Purchase', error: true, errorCode: 'E09', errorParams: 'transAmount' }, amount);
    }
    (await c.call(purchase('2450', { transCurrency: '98' }))).should.match({ errorCode: 'E09', errorParams: 'transCurrency' });
    (await c.call({ method: 'XReport', params: { merchantId: M1, isDetailReport: 'true' } })).should.match({
      errorCode: 'E09',
      errorParams: 'isDetailReport',
    });
    (await c.call({ method: 'GetStatus' })).status.should.equal('S00');
  });

  it('an unknown merchantId (or a terminalId not under it) gets E07', async function () {
    (await c.call(purchase('2450', { merchantId: '999999999' }))).should.match({
      method: 'Purchase',
      error: true,
      errorCode: 'E07',
      errorDescription: 'Merchant Id is not found',
      errorParams: 'merchantId',
    });
    (await c.call({ method: 'XReport', params: { merchantId: 'NOPE' } })).should.match({ method: 'XReport', errorCode: 'E07' });
    (
      await c.call({
        method: 'CashBack',
        params: { transAmount: '100', cashAmount: '50', transCurrency: '980', merchantId: M1, terminalId: 'T0000003' },
      })
    ).should.match({ errorCode: 'E07', errorParams: 'terminalId' });
  });

  it('an amount above amountLimit gets E19; the limit itself is accepted', async function () {
    (await c.call(purchase('100001'))).should.match({
      method: 'Purchase',
      error: true,
      errorCode: 'E19',
      errorDescription: 'Transaction amount out of limit',
      errorParams: 'transAmount',
    });
    (await c.call({ method: 'GetStatus' })).status.should.equal('S00');
    (await run(c, purchase('100000'))).params.transAmount.should.equal('100000');
  });

  it('unknown keys are ignored (forward compatibility, §1.2)', async function () {
    const r = await run(c, { method: 'Purchase', step: 0, extra: true, params: { ...purchase('700').params, futureKey: 'x' } });
    r.params.should.match({ originalTrnName: 'Purchase', transAmount: '700', transactionResult: 'APPROVED_ONLINE' });
  });

  describe('printing (Android)', function () {
    const RECEIPT = '<receipt><text align="center" size="normal" weight="bold" darkness="normal">Дякуємо!||24.50</text></receipt>';
    const LRC = String(xor(Buffer.from(RECEIPT, 'utf8')));

    it('PrintXml with a wrong lrc gets E02', async function () {
      const wrong = String((Number(LRC) + 1) % 256);
      (await c.call({ method: 'PrintXml', params: { receipt: RECEIPT, lrc: wrong } })).should.match({
        method: 'PrintXml',
        error: true,
        errorCode: 'E02',
        errorDescription: 'Checksum error',
        errorParams: 'lrc',
      });
      (await c.call({ method: 'GetStatus' })).status.should.equal('S00');
    });

    it('PrintXml with the right lrc is accepted and prints (S05), as unsigned or signed byte', async function () {
      await sim.stop();
      sim = await simulator({ phases: { S05: 60 } });
      c = await connect(sim);
      (await c.call({ method: 'PrintXml', params: { receipt: RECEIPT, lrc: LRC } })).should.eql(ok('PrintXml'));
      (await c.call({ method: 'GetStatus' })).status.should.equal('S05');
      await waitIdle(c);
      const signed = Number(LRC) > 127 ? String(Number(LRC) - 256) : LRC;
      (await c.call({ method: 'PrintXml', params: { receipt: RECEIPT, lrc: signed, fontStyle: 'roboto.ttf' } })).should.eql(ok('PrintXml'));
    });

    it('PrintXml with malformed XML gets E09', async function () {
      for (const receipt of ['<receipt><text>unclosed</receipt>', '<receipt><text align="middle">x</text></receipt>', 'plain text']) {
        const lrc = String(xor(Buffer.from(receipt, 'utf8')));
        (await c.call({ method: 'PrintXml', params: { receipt, lrc } })).should.match(
          { method: 'PrintXml', error: true, errorCode: 'E09', errorParams: 'receipt' },
          receipt,
        );
      }
      (await c.call({ method: 'PrintXml', params: { lrc: '0' } })).should.match({ errorCode: 'E04', errorParams: 'receipt' });
    });

    it('PrintPdfUrl with an ftp: URL gets E09; an https: URL is accepted', async function () {
      (await c.call({ method: 'PrintPdfUrl', params: { url: 'ftp://example.com/r.pdf' } })).should.match({
        method: 'PrintPdfUrl',
        error: true,
        errorCode: 'E09',
        errorParams: 'url',
      });
      (await c.call({ method: 'PrintPdfUrl', params: { url: 'not a url' } })).should.match({ errorCode: 'E09', errorParams: 'url' });
      (await c.call({ method: 'PrintPdfUrl', params: { url: 'https://example.com/r.pdf' } })).should.eql(ok('PrintPdfUrl'));
    });
  });

  it('Android-only methods get E05 on a Linux terminal', async function () {
    await sim.stop();
    sim = await simulator({ platform: 'linux' });
    c = await connect(sim);
    const requests = [
      { method: 'PrintXml', params: { receipt: '<receipt><text>x</text></receipt>', lrc: '0' } },
      { method: 'PrintPdfUrl', params: { url: 'https://example.com/r.pdf' } },
      { method: 'RestartPaymentApp' },
    ];
    for (const request of requests) {
      (await c.call(request)).should.match({ method: request.method, error: true, errorCode: 'E05', errorDescription: 'Unknown method' });
    }
    (await c.call({ method: 'GetStatus' })).should.eql(ok('GetStatus', { status: 'S00' }));
    c.closed.should.be.false();
  });
});

describe('simulator: operation flow (§3)', function () {
  it('Purchase is acknowledged, then GetStatus goes S01, S02, S03, S04, S05, S00 in that order', async function () {
    const sim = await simulator({ phases: { S01: 40, S02: 40, S03: 40, S04: 40, S05: 40 } });
    const c = await connect(sim);
    (await c.call(purchase())).should.eql({ method: 'Purchase', error: false, errorCode: '', errorDescription: '', params: {} });
    const seen: string[] = [];
    const until = Date.now() + 2000;
    for (;;) {
      const s = await status(c);
      if (seen[seen.length - 1] !== s) seen.push(s);
      if (s === 'S00' || Date.now() > until) break;
      await delay(5);
    }
    seen.should.eql(['S01', 'S02', 'S03', 'S04', 'S05', 'S00']);
  });

  it('S07 (remove the card) follows when configured; amounts up to noPinLimit skip the PIN', async function () {
    const sim = await simulator({ phases: { S07: 5 }, noPinLimit: 5000 });
    const c = await connect(sim);
    const seen = recordStatuses(sim);
    (await run(c, purchase('5000'))).params.posEntryMode.should.equal('CONTACTLESS');
    seen.should.eql(['S01', 'S02', 'S04', 'S05', 'S07', 'S00']);
    seen.length = 0;
    (await run(c, purchase('5001'))).params.posEntryMode.should.equal('CONTACT_EMV');
    seen.should.eql(['S01', 'S02', 'S03', 'S04', 'S05', 'S07', 'S00']);
  });

  it('while busy, financial, report and additional methods get E06; GetStatus, PingDevice and Interrupt are answered', async function () {
    const sim = await simulator({ phases: { S01: 400 } });
    const c = await connect(sim);
    (await c.call(purchase())).error.should.be.false();
    const busy = [
      purchase('100'),
      { method: 'Refund', params: { transAmount: '100', transCurrency: '980', rrn: '1', merchantId: M1 } },
      { method: 'XReport', params: { merchantId: M1 } },
      { method: 'GetLastResult' },
      { method: 'GetLastReceipt' },
      { method: 'GetLastReport' },
      { method: 'GetMerchantList' },
      { method: 'GetTerminalInfo' },
      { method: 'PrintPdfUrl', params: { url: 'https://example.com/r.pdf' } },
    ];
    for (const request of busy) {
      (await c.call(request)).should.eql(
        {
          method: request.method,
          error: true,
          errorCode: 'E06',
          errorDescription: 'Terminal Busy',
          params: {},
        },
        request.method,
      );
    }
    (await c.call({ method: 'GetStatus' })).should.eql(ok('GetStatus', { status: 'S01' }));
    (await c.call({ method: 'PingDevice' })).should.eql(ok('PingDevice'));
    (await c.call({ method: 'Interrupt' })).should.match({ method: 'Interrupt', error: true, errorCode: 'E08' });
    // A second connection sees the same busy terminal.
    const c2 = await connect(sim);
    (await c2.call(purchase('200'))).errorCode.should.equal('E06');
    await waitIdle(c, 2000);
    (await c.call({ method: 'GetLastResult' })).params.transAmount.should.equal('2450');
  });

  it('GetLastResult carries the purchase: name, result, amount, invoice, rrn, authCode, masked pan, date and time', async function () {
    const sim = await simulator({ clock: () => new Date(2024, 1, 29, 7, 5, 9), bankName: 'ТЕСТ БАНК' });
    const c = await connect(sim);
    const r = await run(c, purchase('2450'));
    r.should.match({ method: 'GetLastResult', error: false, errorCode: '', errorDescription: '' });
    const p = r.params;
    p.should.match({
      originalTrnName: 'Purchase',
      transactionResult: 'APPROVED_ONLINE',
      transAmount: '2450',
      discount: '0',
      responseCode: '00',
      merchantId: M1,
      terminalId: 'T0000001',
      invoiceNum: '000001',
      date: '29/02/2024',
      time: '07:05:09',
      bankName: 'ТЕСТ БАНК',
      posEntryMode: 'CONTACT_EMV',
      errorDetails: '',
    });
    p.rrn.should.match(/^[A-Za-z0-9]{1,32}$/);
    p.authCode.should.match(/^[A-Za-z0-9]{1,12}$/);
    p.pan.should.match(/^\d{4,6}X+\d{1,4}$/);
    (p.pan.match(/\d/g) || []).length.should.be.belowOrEqual(10);
    // Track 2 comes unmasked, as in the vendor's example; the client masks it (test/terminal.test.ts).
    p.track2.should.match(/^\d{16}=\d{20}$/);
    p.track2.slice(0, 4).should.equal(p.pan.slice(0, 4));
    p.should.have.properties('binName', 'cardholderName', 'parEnabled', 'parValue', 'balance');
    // A second purchase gets the next receipt number and its own rrn.
    const r2 = await run(c, purchase('100', { discountedAmount: '90' }));
    r2.params.should.match({ invoiceNum: '000002', transAmount: '90', discount: '10' });
    r2.params.rrn.should.not.equal(p.rrn);
  });

  it('GetLastReceipt returns a Cyrillic receipt of the last purchase', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    const r = await run(c, purchase('2450'));
    const receipt = await c.call({ method: 'GetLastReceipt' });
    receipt.should.match({ method: 'GetLastReceipt', error: false, errorCode: '' });
    const text = receipt.params.receipt;
    text.should.be.a.String();
    text.should.match(/[А-ЯІЇЄҐ]{4,}/);
    text.should.containEql('ОПЛАТА');
    text.should.containEql('24.50 ГРН');
    text.should.containEql(`ЧЕК № ${r.params.invoiceNum}`);
    text.should.containEql(r.params.pan);
    text.should.containEql('СХВАЛЕНО');
  });

  it('before any operation GetLastResult is error:false with empty values, GetLastReceipt and GetLastReportReceipt give E20', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    const r = await c.call({ method: 'GetLastResult' });
    r.should.match({ method: 'GetLastResult', error: false, errorCode: '', errorDescription: '' });
    r.params.should.match({ originalTrnName: '', transAmount: '0', invoiceNum: '', rrn: '', authCode: '', pan: '', transactionResult: '' });
    (await c.call({ method: 'GetLastReceipt' })).should.eql({
      method: 'GetLastReceipt',
      error: true,
      errorCode: 'E20',
      errorDescription: 'No last transactions found',
      params: {},
    });
    (await c.call({ method: 'GetLastReportReceipt' })).should.match({ error: true, errorCode: 'E20' });
    const report = await c.call({ method: 'GetLastReport' });
    report.should.match({ method: 'GetLastReport', error: false });
    report.params.should.match({ ...ZERO_TOTALS, isBatchEmpty: true });
  });
});

describe('simulator: Interrupt (§5.4.2)', function () {
  async function interruptIn(wanted, phases) {
    const sim = await simulator({ phases });
    const c = await connect(sim);
    (await c.call(purchase('3000'))).error.should.be.false();
    await waitStatus(c, (s) => s === wanted);
    (await c.call({ method: 'Interrupt' })).should.eql(ok('Interrupt'));
    (await c.call({ method: 'GetStatus' })).status.should.equal('S00');
    const r = await c.call({ method: 'GetLastResult' });
    r.should.match({ method: 'GetLastResult', error: true, errorCode: 'E12' });
    r.params.should.match({ originalTrnName: 'Purchase', transactionResult: 'CANCELLED', transAmount: '3000', rrn: '', authCode: '' });
    // Nothing went into the batch.
    const x = await run(c, { method: 'XReport', params: { merchantId: M1 } }, 'GetLastReport');
    x.params.should.match({ totalSaleCount: '0', isBatchEmpty: true });
  }

  it('in S02 (waiting for the card) it cancels: CANCELLED, E12', async function () {
    await interruptIn('S02', { S02: 1000 });
  });

  it('in S03 (waiting for the PIN) it cancels: CANCELLED, E12', async function () {
    await interruptIn('S03', { S03: 1000 });
  });

  it('when idle it gets E08', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    (await c.call({ method: 'Interrupt' })).should.match({
      method: 'Interrupt',
      error: true,
      errorCode: 'E08',
      errorDescription: 'Interrupt prohibited',
    });
  });

  it('in S04 (at the bank) it gets E08 and the operation goes on to approval', async function () {
    const sim = await simulator({ phases: { S04: 150 } });
    const c = await connect(sim);
    (await c.call(purchase('3000'))).error.should.be.false();
    await waitStatus(c, (s) => s === 'S04');
    (await c.call({ method: 'Interrupt' })).should.match({ method: 'Interrupt', error: true, errorCode: 'E08' });
    (await c.call({ method: 'GetStatus' })).status.should.equal('S04');
    await waitIdle(c);
    (await c.call({ method: 'GetLastResult' })).params.transactionResult.should.equal('APPROVED_ONLINE');
  });
});

describe('simulator: documented test amounts', function () {
  const CASES = [
    { amount: '10005', result: 'DECLINED_ONLINE', responseCode: '05', errorCode: 'E21', statuses: ['S01', 'S02', 'S03', 'S04', 'S05', 'S00'] },
    { amount: '10051', result: 'DECLINED_ONLINE', responseCode: '51', errorCode: 'E21', statuses: ['S01', 'S02', 'S03', 'S04', 'S05', 'S00'] },
    { amount: '10012', result: 'CANCELLED', responseCode: '', errorCode: 'E12', statuses: ['S01', 'S02', 'S00'] },
    { amount: '10055', result: 'PIN_ERROR', responseCode: '55', errorCode: 'E11', statuses: ['S01', 'S02', 'S03', 'S00'] },
    { amount: '10096', result: 'NO_CONNECTION', responseCode: '', errorCode: 'E10', statuses: ['S01', 'S02', 'S03', 'S04', 'S00'] },
    { amount: '10099', result: 'FAILED', responseCode: '', errorCode: 'E16', statuses: ['S01', 'S02', 'S00'] },
  ];

  it('every documented amount is covered here', function () {
    Object.keys(TEST_AMOUNTS)
      .sort()
      .should.eql([...CASES.map((k) => k.amount), '10091'].sort());
  });

  for (const k of CASES) {
    it(`${k.amount}: ${k.result}, responseCode "${k.responseCode}", ${k.errorCode}`, async function () {
      const sim = await simulator();
      const c = await connect(sim);
      const seen = recordStatuses(sim);
      const r = await run(c, purchase(k.amount));
      r.should.match({ method: 'GetLastResult', error: true, errorCode: k.errorCode, errorDescription: TEST_AMOUNTS[k.amount].text });
      r.params.should.match({
        originalTrnName: 'Purchase',
        transAmount: k.amount,
        transactionResult: k.result,
        responseCode: k.responseCode,
        rrn: '',
        authCode: '',
        errorDetails: TEST_AMOUNTS[k.amount].text,
      });
      seen.should.eql(k.statuses);
      // A card was read only when the operation got past the card prompt.
      const cardRead = k.statuses.includes('S03');
      r.params.pan.should.equal(cardRead ? r.params.pan || 'missing' : '');
      r.params.posEntryMode.should.equal(cardRead ? 'CONTACT_EMV' : '');
      // Declined operations are not in the batch.
      (await run(c, { method: 'XReport', params: { merchantId: M1 } }, 'GetLastReport')).params.totalSaleCount.should.equal('0');
      // A receipt is still there, saying why.
      (await c.call({ method: 'GetLastReceipt' })).params.receipt.should.containEql(TEST_AMOUNTS[k.amount].text);
    });
  }

  it('10091: the bank does not answer, the terminal stays in S04 and Interrupt is refused (E08)', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    (await c.call(purchase('10091'))).error.should.be.false();
    await waitStatus(c, (s) => s === 'S04', 500);
    await delay(50);
    (await c.call({ method: 'GetStatus' })).status.should.equal('S04');
    (await c.call({ method: 'Interrupt' })).should.match({ error: true, errorCode: 'E08' });
    (await c.call(purchase('100'))).errorCode.should.equal('E06');
    (await c.call({ method: 'GetStatus' })).status.should.equal('S04');
  });

  it('a discountedAmount that is a test amount decides the outcome (it is what is charged)', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    const r = await run(c, purchase('20000', { discountedAmount: '10051' }));
    r.params.should.match({ transactionResult: 'DECLINED_ONLINE', responseCode: '51', transAmount: '10051' });
  });
});

describe('simulator: the GetLastResult buffer is only overwritten by accepted operations (§5.1)', function () {
  it('refused Purchases (E04, E07, E09, E19, E06) leave it unchanged; a refused XReport leaves GetLastReport unchanged', async function () {
    const sim = await simulator({ amountLimit: 50000, phases: { S05: 150 } });
    const c = await connect(sim);
    const before = await run(c, purchase('1234'));
    before.params.transAmount.should.equal('1234');
    const receiptBefore = await c.call({ method: 'GetLastReceipt' });
    const reportBefore = await run(c, { method: 'XReport', params: { merchantId: M1 } }, 'GetLastReport');

    const refusals: [object, string][] = [
      [{ method: 'Purchase', params: { transAmount: '999', merchantId: M1 } }, 'E04'],
      [purchase('999', { merchantId: 'UNKNOWN1' }), 'E07'],
      [purchase(999), 'E09'],
      [purchase('9.99'), 'E09'],
      [purchase('60000'), 'E19'],
      [{ method: 'Void', params: { invoiceNum: 'abc' } }, 'E09'],
    ];
    for (const [request, code] of refusals) (await c.call(request)).errorCode.should.equal(code);
    // E06: the terminal is busy printing (PrintXml does not touch the result buffer).
    const xml = '<receipt><text>x</text></receipt>';
    (await c.call({ method: 'PrintXml', params: { receipt: xml, lrc: String(xor(Buffer.from(xml))) } })).error.should.be.false();
    (await c.call(purchase('999'))).errorCode.should.equal('E06');
    (await c.call({ method: 'XReport', params: { merchantId: M1, isDetailReport: true } })).errorCode.should.equal('E06');
    await waitIdle(c);
    (await c.call({ method: 'XReport', params: { merchantId: 'UNKNOWN1' } })).errorCode.should.equal('E07');

    (await c.call({ method: 'GetLastResult' })).should.eql(before);
    (await c.call({ method: 'GetLastReceipt' })).should.eql(receiptBefore);
    (await c.call({ method: 'GetLastReport' })).should.eql(reportBefore);
  });

  it('an accepted operation overwrites it even when it is declined', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    await run(c, purchase('1234'));
    const r = await run(c, purchase('10005'));
    r.params.should.match({ transAmount: '10005', transactionResult: 'DECLINED_ONLINE' });
    (await c.call({ method: 'GetLastResult' })).should.eql(r);
  });
});

describe('simulator: batch and reports (§5.3, §5.5.4)', function () {
  it('X report (detailed) totals every category and lists the transactions', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    const p1 = (await run(c, purchase('10000'))).params;
    const p2 = (await run(c, purchase('20000'))).params;
    const refund = (await run(c, { method: 'Refund', params: { transAmount: '5000', transCurrency: '980', rrn: p2.rrn, merchantId: M1 } })).params;
    refund.should.match({ originalTrnName: 'Refund', transactionResult: 'APPROVED_ONLINE', transAmount: '5000' });
    const voided = (await run(c, { method: 'Void', params: { invoiceNum: p1.invoiceNum } })).params;
    voided.should.match({ originalTrnName: 'Void', transactionResult: 'APPROVED_ONLINE', transAmount: '10000', merchantId: M1 });
    const partial = (await run(c, { method: 'PartialVoid', params: { invoiceNum: p2.invoiceNum, transAmount: '3000' } })).params;
    partial.should.match({ originalTrnName: 'PartialVoid', transactionResult: 'APPROVED_ONLINE', transAmount: '3000' });
    const pre = (await run(c, { method: 'Preauthorization', params: { transAmount: '15000', transCurrency: '980', merchantId: M1 } })).params;
    pre.should.match({ originalTrnName: 'Preauthorization', transactionResult: 'APPROVED_ONLINE' });
    const sale = (
      await run(c, {
        method: 'SalePreauth',
        params: { transAmount: '15000', endAmount: '12000', transCurrency: '980', rrn: pre.rrn, authCode: pre.authCode, merchantId: M1 },
      })
    ).params;
    sale.should.match({ originalTrnName: 'SalePreauth', transactionResult: 'APPROVED_ONLINE', transAmount: '12000', endAmount: '12000' });
    (await run(c, { method: 'Cash', params: { transAmount: '7000', transCurrency: '980', merchantId: M1 } })).params.transactionResult.should.equal(
      'APPROVED_ONLINE',
    );
    (
      await run(c, { method: 'Deposit', params: { transAmount: '9000', transCurrency: '980', merchantId: M1 } })
    ).params.transactionResult.should.equal('APPROVED_ONLINE');

    const x = await run(c, { method: 'XReport', params: { merchantId: M1, isDetailReport: true } }, 'GetLastReport');
    x.should.match({ method: 'GetLastReport', error: false, errorCode: '' });
    const { transactions, ...rest } = x.params;
    rest.should.eql({
      responseCode: '00',
      totalSaleCount: '2',
      totalSaleAmount: '30000',
      totalFinAuthCount: '1',
      totalFinAuthAmount: '12000',
      totalRefundCount: '1',
      totalRefundAmount: '5000',
      totalCashCount: '1',
      totalCashAmount: '7000',
      totalPaymentCount: '1',
      totalPaymentAmount: '9000',
      totalVoidCount: '2',
      totalVoidAmount: '13000',
      isBatchEmpty: false,
      batchNumber: '1',
    });
    transactions
      .map((t) => [t.originalTrnName, t.transAmount])
      .should.eql([
        ['Purchase', '10000'],
        ['Purchase', '20000'],
        ['Refund', '5000'],
        ['Void', '10000'],
        ['PartialVoid', '3000'],
        ['SalePreauth', '12000'],
        ['Cash', '7000'],
        ['Deposit', '9000'],
      ]);
    transactions[0].should.eql({
      originalTrnName: 'Purchase',
      transAmount: '10000',
      authCode: p1.authCode,
      date: p1.date,
      time: p1.time,
      invoiceNum: p1.invoiceNum,
      pan: p1.pan,
      responseCode: '00',
      rrn: p1.rrn,
      binName: p1.binName,
    });
    // A non-detailed report has the same totals and no transactions.
    const plain = await run(c, { method: 'XReport', params: { merchantId: M1 } }, 'GetLastReport');
    should(plain.params.transactions).be.undefined();
    plain.params.totalVoidAmount.should.equal('13000');
    // An X report does not close the batch.
    plain.params.batchNumber.should.equal('1');
    const receipt = await c.call({ method: 'GetLastReportReceipt' });
    receipt.should.match({ method: 'GetLastReportReceipt', error: false });
    receipt.params.receipt.should.containEql('X-ЗВІТ');
    receipt.params.receipt.should.containEql('ОПЛАТА (2)');
    receipt.params.receipt.should.containEql('300.00');
  });

  it('a Void of an unknown invoice FAILS before reaching the bank and is not counted', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    const p = (await run(c, purchase('4000'))).params;
    const seen = recordStatuses(sim);
    const r = await run(c, { method: 'Void', params: { invoiceNum: '999999' } });
    r.should.match({ method: 'GetLastResult', error: true });
    r.params.should.match({ originalTrnName: 'Void', transactionResult: 'FAILED', authCode: '', rrn: '' });
    r.params.transactionResult.should.not.startWith('APPROVED');
    seen.should.not.containEql('S04');
    // Voiding twice: the second fails too.
    (await run(c, { method: 'Void', params: { invoiceNum: p.invoiceNum } })).params.transactionResult.should.equal('APPROVED_ONLINE');
    (await run(c, { method: 'Void', params: { invoiceNum: p.invoiceNum } })).params.transactionResult.should.equal('FAILED');
    // A partial void for more than is left fails.
    const p2 = (await run(c, purchase('1000'))).params;
    (await run(c, { method: 'PartialVoid', params: { invoiceNum: p2.invoiceNum, transAmount: '1001' } })).params.transactionResult.should.equal(
      'FAILED',
    );
    const x = await run(c, { method: 'XReport', params: { merchantId: M1 } }, 'GetLastReport');
    x.params.should.match({ totalSaleCount: '2', totalSaleAmount: '5000', totalVoidCount: '1', totalVoidAmount: '4000' });
  });

  it('ZReport reports and empties the batch, and the batch number goes up', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    await run(c, purchase('2450'));
    await run(c, purchase('550'));
    const z = await run(c, { method: 'ZReport', params: { merchantId: M1, isDetailReport: true } }, 'GetLastReport');
    z.should.match({ method: 'GetLastReport', error: false });
    z.params.should.match({ totalSaleCount: '2', totalSaleAmount: '3000', isBatchEmpty: false, batchNumber: '1' });
    z.params.transactions.length.should.equal(2);
    const zReceipt = (await c.call({ method: 'GetLastReportReceipt' })).params.receipt;
    zReceipt.should.containEql('Z-ЗВІТ');
    zReceipt.should.match(/ПАКЕТ №\s+1/);
    const x = await run(c, { method: 'XReport', params: { merchantId: M1, isDetailReport: true } }, 'GetLastReport');
    x.params.should.eql({ responseCode: '00', ...ZERO_TOTALS, isBatchEmpty: true, batchNumber: '2', transactions: [] });
    (await c.call({ method: 'GetLastReportReceipt' })).params.receipt.should.containEql('ПАКЕТ ПОРОЖНІЙ');
    // The last result is not touched by reports.
    (await c.call({ method: 'GetLastResult' })).params.transAmount.should.equal('550');
    const z2 = await run(c, { method: 'ZReport', params: { merchantId: M1 } }, 'GetLastReport');
    z2.params.should.match({ ...ZERO_TOTALS, isBatchEmpty: true, batchNumber: '2' });
    (await run(c, { method: 'XReport', params: { merchantId: M1 } }, 'GetLastReport')).params.batchNumber.should.equal('3');
  });

  it('reports are per merchant', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    await run(c, purchase('1000'));
    const other = await run(c, purchase('7777', { merchantId: M2 }));
    other.params.should.match({ merchantId: M2, terminalId: 'T0000002' });
    (
      await run(c, {
        method: 'CashBack',
        params: { transAmount: '500', cashAmount: '100', transCurrency: '980', merchantId: M2, terminalId: 'T0000003' },
      })
    ).params.should.match({ terminalId: 'T0000003', cashAmount: '100' });
    const x1 = await run(c, { method: 'XReport', params: { merchantId: M1, isDetailReport: true } }, 'GetLastReport');
    x1.params.should.match({ totalSaleCount: '1', totalSaleAmount: '1000' });
    x1.params.transactions.map((t) => t.transAmount).should.eql(['1000']);
    const x2 = await run(c, { method: 'XReport', params: { merchantId: M2, isDetailReport: true } }, 'GetLastReport');
    x2.params.should.match({ totalSaleCount: '2', totalSaleAmount: '8277' });
    // Z on the second merchant leaves the first merchant's batch alone.
    await run(c, { method: 'ZReport', params: { merchantId: M2 } }, 'GetLastReport');
    (await run(c, { method: 'XReport', params: { merchantId: M1 } }, 'GetLastReport')).params.should.match({
      totalSaleCount: '1',
      isBatchEmpty: false,
    });
    (await run(c, { method: 'XReport', params: { merchantId: M2 } }, 'GetLastReport')).params.should.match({
      totalSaleCount: '0',
      isBatchEmpty: true,
    });
  });
});

describe('simulator: S06, Z report required', function () {
  it('after zReportAfter operations: S06, purchases get E15 until a ZReport', async function () {
    const sim = await simulator({ zReportAfter: 2 });
    const c = await connect(sim);
    await run(c, purchase('100'));
    (await c.call({ method: 'GetStatus' })).status.should.equal('S00');
    const second = await run(c, purchase('200'));
    (await c.call({ method: 'GetStatus' })).should.eql(ok('GetStatus', { status: 'S06' }));
    (await c.call(purchase('300'))).should.match({ method: 'Purchase', error: true, errorCode: 'E15', errorDescription: 'Need z report' });
    // Refused: the last result is still the second purchase; additional methods work in S06.
    (await c.call({ method: 'GetLastResult' })).should.eql(second);
    (await c.call({ method: 'PingDevice' })).should.eql(ok('PingDevice'));
    const z = await run(c, { method: 'ZReport', params: { merchantId: M1 } }, 'GetLastReport');
    z.params.should.match({ totalSaleCount: '2', totalSaleAmount: '300' });
    (await c.call({ method: 'GetStatus' })).status.should.equal('S00');
    (await run(c, purchase('300'))).params.should.match({ transAmount: '300', transactionResult: 'APPROVED_ONLINE' });
  });
});

describe('simulator: persistence (stateFile)', function () {
  it('GetLastResult, the receipts and the batch survive a restart of the simulator', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-sim-'));
    tmpDirs.push(dir);
    const stateFile = path.join(dir, 'state.json');
    const sim1 = await simulator({ stateFile });
    const c1 = await connect(sim1);
    await run(c1, purchase('1500'));
    const last = await run(c1, purchase('2450'));
    const receipt = await c1.call({ method: 'GetLastReceipt' });
    const report = await run(c1, { method: 'XReport', params: { merchantId: M1 } }, 'GetLastReport');
    await sim1.stop();
    fs.existsSync(stateFile).should.be.true();

    const sim2 = await simulator({ stateFile });
    const c2 = await connect(sim2);
    (await c2.call({ method: 'GetLastResult' })).should.eql(last);
    (await c2.call({ method: 'GetLastReceipt' })).should.eql(receipt);
    (await c2.call({ method: 'GetLastReport' })).should.eql(report);
    const x = await run(c2, { method: 'XReport', params: { merchantId: M1 } }, 'GetLastReport');
    x.params.should.match({ totalSaleCount: '2', totalSaleAmount: '3950', isBatchEmpty: false });
    // Receipt numbers go on where they stopped.
    (await run(c2, purchase('10'))).params.invoiceNum.should.equal('000003');
  });
});

describe('simulator: Restart (§5.4.3)', function () {
  it('answers status S00, drops connections, is unreachable for restartDuration, then answers again', async function () {
    const sim = await simulator({ restartDuration: 100 });
    const c = await connect(sim);
    const other = await connect(sim);
    const t0 = Date.now();
    const r = await c.call({ method: 'Restart' });
    r.should.match({ method: 'Restart', error: false, errorCode: '', errorDescription: '', status: 'S00' });
    await c.waitClosed(500);
    await other.waitClosed(500);
    (await canConnect(sim.port)).should.be.false();
    let up = false;
    while (!up && Date.now() - t0 < 2000) {
      await delay(10);
      up = await canConnect(sim.port);
    }
    up.should.be.true();
    (Date.now() - t0).should.be.aboveOrEqual(90);
    const c2 = await connect(sim);
    (await c2.call({ method: 'GetStatus' })).should.eql(ok('GetStatus', { status: 'S00' }));
    (await post(sim.httpPort, { method: 'PingDevice' })).should.eql(ok('PingDevice'));
  });

  it('a Restart while waiting for the card cancels the operation', async function () {
    const sim = await simulator({ restartDuration: 20, phases: { S02: 2000 } });
    const c = await connect(sim);
    (await c.call(purchase('800'))).error.should.be.false();
    await waitStatus(c, (s) => s === 'S02');
    (await c.call({ method: 'Restart' })).status.should.equal('S00');
    await c.waitClosed(500);
    await new Promise((resolve) => sim.once('online', resolve));
    const c2 = await connect(sim);
    const r = await c2.call({ method: 'GetLastResult' });
    r.params.should.match({ originalTrnName: 'Purchase', transAmount: '800', transactionResult: 'CANCELLED' });
    r.errorCode.should.equal('E12');
  });
});

describe('simulator: GetTerminalInfo and GetMerchantList (§5.5.5, §5.5.9)', function () {
  it('Android shape', async function () {
    const sim = await simulator({ serialNumber: 'V1E0207420' });
    const c = await connect(sim);
    const r = await c.call({ method: 'GetTerminalInfo' });
    r.should.match({ method: 'GetTerminalInfo', error: false, errorCode: '' });
    const p = r.params;
    p.terminalModel.should.be.a.String().and.not.be.empty();
    p.terminalSerialNumber.should.equal('V1E0207420');
    p.currentApp.should.have.properties('name', 'packageName', 'versionName');
    p.paymentApps.should.be.an.Array().and.not.be.empty();
    p.paymentApps.map((a) => a.packageName).should.containEql(p.currentApp.packageName);
    p.should.have.properties('securityDriver', 'sdkVersion', 'androidVersion', 'serviceApps', 'thirdPartyApps', 'rom', 'externalRegisterApps');
    p.should.not.have.property('pos_sn');
  });

  it('Linux shape', async function () {
    const sim = await simulator({ platform: 'linux', serialNumber: 'B9AA00176476' });
    const c = await connect(sim);
    const p = (await c.call({ method: 'GetTerminalInfo' })).params;
    p.should.have.properties('model', 'boot_version', 'devcfg_version', 'os_version', 'napi_api_version', 'pci_fw_version');
    p.pos_sn.should.equal('B9AA00176476');
    p.model.should.be.a.String().and.not.be.empty();
    p.os_version.should.be.a.String().and.not.be.empty();
    p.should.not.have.properties('terminalModel');
    p.should.not.have.property('terminalSerialNumber');
  });

  it('GetMerchantList: merchantCount is a number, merchantList the ids', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    (await c.call({ method: 'GetMerchantList' })).should.eql(ok('GetMerchantList', { params: { merchantCount: 2, merchantList: [M1, M2] } }));
    const sim2 = await simulator({ merchants: ['MERCH1', 'MERCH2', 'MERCH3'] });
    const c2 = await connect(sim2);
    (await c2.call({ method: 'GetMerchantList' })).params.should.eql({ merchantCount: 3, merchantList: ['MERCH1', 'MERCH2', 'MERCH3'] });
    (await c2.call(purchase('100'))).errorCode.should.equal('E07');
    (await c2.call(purchase('100', { merchantId: 'MERCH3' }))).error.should.be.false();
  });
});

describe("simulator: quirks (the vendor examples' forms)", function () {
  it('APPROVED-ONLINE, cardHolderName, totals zero-padded to 12 digits', async function () {
    const sim = await simulator({ quirks: true });
    const c = await connect(sim);
    const r = await run(c, purchase('2450'));
    r.params.transactionResult.should.equal('APPROVED-ONLINE');
    r.params.should.have.property('cardHolderName');
    r.params.cardHolderName.should.be.a.String().and.not.be.empty();
    r.params.should.not.have.property('cardholderName');
    const x = await run(c, { method: 'XReport', params: { merchantId: M1 } }, 'GetLastReport');
    x.params.should.match({
      totalSaleCount: '1',
      totalSaleAmount: '000000002450',
      totalVoidAmount: '000000000000',
      totalRefundAmount: '000000000000',
    });
    for (const key of Object.keys(ZERO_TOTALS).filter((k) => k.endsWith('Amount'))) x.params[key].should.match(/^\d{12}$/, key);
  });

  it('every underscore of a multi-word result becomes a hyphen, not just the first', async function () {
    const sim = await simulator({ quirks: true });
    const c = await connect(sim);
    sim.engine.scriptOutcome({ result: 'SIGNATURE_VERIFICATION_ERROR', responseCode: '', errorCode: 'E11', text: 'ПІДПИС НЕ ПІДТВЕРДЖЕНО' });
    (await run(c, purchase('300'))).params.transactionResult.should.equal('SIGNATURE-VERIFICATION-ERROR');
    (await run(c, purchase('10096'))).params.transactionResult.should.equal('NO-CONNECTION');
  });

  it('without quirks: APPROVED_ONLINE, cardholderName, unpadded totals', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    const r = await run(c, purchase('2450'));
    r.params.transactionResult.should.equal('APPROVED_ONLINE');
    r.params.should.have.property('cardholderName');
    r.params.should.not.have.property('cardHolderName');
    (await run(c, { method: 'XReport', params: { merchantId: M1 } }, 'GetLastReport')).params.totalSaleAmount.should.equal('2450');
  });
});

describe('simulator: request counts and injected faults', function () {
  it('counts each received request per method, refused ones included', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    await c.call({ method: 'GetStatus' });
    await c.call({ method: 'GetStatus' });
    await c.call({ method: 'PingDevice' });
    await c.call(purchase('100', { merchantId: 'NOPE' }));
    await c.call({ method: 'Nonsense' });
    await c.call({ params: {} });
    await c.call(rawFrame({ method: 'GetStatus' }, { lrc: 0 }));
    await post(sim.httpPort, { method: 'GetStatus' });
    sim.counts.should.eql({ GetStatus: 3, PingDevice: 1, Purchase: 1, Nonsense: 1, Unknown: 1 });
    sim.requests
      .map((r) => [r.method, r.via])
      .should.eql([
        ['GetStatus', 'tcp'],
        ['GetStatus', 'tcp'],
        ['PingDevice', 'tcp'],
        ['Purchase', 'tcp'],
        ['Nonsense', 'tcp'],
        ['Unknown', 'tcp'],
        ['GetStatus', 'http'],
      ]);
  });

  it('close-before-response: the purchase runs but the connection closes without an answer', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    sim.injectFault({ method: 'Purchase', action: 'close-before-response' });
    c.send(purchase('3210'));
    await c.waitClosed(500);
    c.queue.should.be.empty();
    const c2 = await connect(sim);
    await waitIdle(c2);
    (await c2.call({ method: 'GetLastResult' })).params.should.match({
      originalTrnName: 'Purchase',
      transAmount: '3210',
      transactionResult: 'APPROVED_ONLINE',
    });
    sim.counts.Purchase.should.equal(1);
    // The fault was used up: the next purchase is answered.
    (await c2.call(purchase('10'))).should.eql(ok('Purchase'));
  });

  it('drop-request: the connection closes and the request is not acted on', async function () {
    const sim = await simulator();
    const c0 = await connect(sim);
    const before = await run(c0, purchase('1111'));
    sim.injectFault({ method: 'Purchase', action: 'drop-request' });
    const c = await connect(sim);
    c.send(purchase('2222'));
    await c.waitClosed(500);
    c.queue.should.be.empty();
    const c2 = await connect(sim);
    (await c2.call({ method: 'GetStatus' })).status.should.equal('S00');
    await delay(20);
    (await c2.call({ method: 'GetLastResult' })).should.eql(before);
    sim.requests[sim.requests.length - 3].should.match({ method: 'Purchase', params: { transAmount: '2222' } });
  });

  it('close-after-response: answers, then closes; the operation completes', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    sim.injectFault({ method: 'Purchase', action: 'close-after-response' });
    // Faults target their method only.
    (await c.call({ method: 'GetStatus' })).status.should.equal('S00');
    (await c.call(purchase('4321'))).should.eql(ok('Purchase'));
    await c.waitClosed(500);
    const c2 = await connect(sim);
    await waitIdle(c2);
    (await c2.call({ method: 'GetLastResult' })).params.should.match({ transAmount: '4321', transactionResult: 'APPROVED_ONLINE' });
  });

  it('a fault with times: 2 hits the next two requests of that method', async function () {
    const sim = await simulator();
    sim.injectFault({ method: 'GetStatus', action: 'close-after-response', times: 2 });
    for (let i = 0; i < 2; i++) {
      const c = await connect(sim);
      (await c.call({ method: 'GetStatus' })).status.should.equal('S00');
      await c.waitClosed(500);
    }
    const c = await connect(sim);
    (await c.call({ method: 'GetStatus' })).status.should.equal('S00');
    await delay(30);
    c.closed.should.be.false();
  });
});

describe('simulator: HTTP transport', function () {
  it('a POSTed JSON request gets the same answer as over TCP', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    const res = await httpRequest(sim.httpPort!, { body: { method: 'GetStatus' } });
    res.status.should.equal(200);
    res.headers['content-type']!.should.match(/^application\/json/);
    res.json.should.eql(await c.call({ method: 'GetStatus' }));
    res.json.should.eql(ok('GetStatus', { status: 'S00' }));
    (await post(sim.httpPort, { method: 'Nope' })).should.eql(await c.call({ method: 'Nope' }));
    (await post(sim.httpPort, purchase(2450))).should.eql(await c.call(purchase(2450)));
    (await post(sim.httpPort, { method: 'GetMerchantList' })).params.merchantCount.should.equal(2);
  });

  it('a purchase flow over HTTP: ack, poll to S00, GetLastResult', async function () {
    const sim = await simulator({ phases: { S02: 20 } });
    (await post(sim.httpPort, purchase('5555'))).should.eql(ok('Purchase'));
    (await post(sim.httpPort, { method: 'GetStatus' })).status.should.match(/^S0[1-5]$/);
    (await post(sim.httpPort, purchase('1'))).errorCode.should.equal('E06');
    let s;
    const until = Date.now() + 2000;
    do {
      s = (await post(sim.httpPort, { method: 'GetStatus' })).status;
    } while (s !== 'S00' && Date.now() < until);
    s.should.equal('S00');
    const r = await post(sim.httpPort, { method: 'GetLastResult' });
    r.params.should.match({ originalTrnName: 'Purchase', transAmount: '5555', transactionResult: 'APPROVED_ONLINE' });
    // One terminal behind both ports.
    const c = await connect(sim);
    (await c.call({ method: 'GetLastResult' })).should.eql(r);
    const receipt = await post(sim.httpPort, { method: 'GetLastReceipt' });
    receipt.params.receipt.should.containEql('55.55 ГРН');
  });

  it('GET gets 405 with a JSON error body', async function () {
    const sim = await simulator();
    const res = await httpRequest(sim.httpPort!, { method: 'GET' });
    res.status.should.equal(405);
    res.headers['content-type']!.should.match(/^application\/json/);
    res.json.should.match({ method: 'Unknown', error: true, errorCode: 'E00' });
  });

  it('an invalid JSON body (or a non-object) gets E03', async function () {
    const sim = await simulator();
    const bad = await httpRequest(sim.httpPort!, { body: '{"method": "GetStatus"' });
    bad.status.should.equal(200);
    bad.json.should.match({ method: 'Unknown', error: true, errorCode: 'E03', errorDescription: 'Json message format error' });
    (await post(sim.httpPort, '[1,2]')).should.match({ method: 'Unknown', error: true, errorCode: 'E03' });
    (await post(sim.httpPort, '')).should.match({ method: 'Unknown', error: true, errorCode: 'E03' });
    should(sim.counts.GetStatus).be.undefined();
  });
});

describe('simulator: closeAfterResponse', function () {
  it('closes the TCP connection after each response (errors included)', async function () {
    const sim = await simulator({ closeAfterResponse: true });
    const c = await connect(sim);
    (await c.call({ method: 'GetStatus' })).should.eql(ok('GetStatus', { status: 'S00' }));
    await c.waitClosed(500);
    const c2 = await connect(sim);
    (await c2.call(rawFrame('not json'))).errorCode.should.equal('E03');
    await c2.waitClosed(500);
    const c3 = await connect(sim);
    (await c3.call(purchase('100'))).should.eql(ok('Purchase'));
    await c3.waitClosed(500);
    const res = await httpRequest(sim.httpPort!, { body: { method: 'PingDevice' } });
    res.headers.connection!.should.equal('close');
  });

  it('without it the connection stays open for many requests', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    for (let i = 0; i < 5; i++) (await c.call({ method: 'PingDevice' })).error.should.be.false();
    await delay(20);
    c.closed.should.be.false();
    sim.connections.should.equal(1);
    (await httpRequest(sim.httpPort!, { body: { method: 'PingDevice' } })).headers.connection!.should.equal('keep-alive');
  });
});
