'use strict';

/*
 * The simulator as later firmware (1.3/1.4) and as terminals that close the connection after every answer or leave
 * "method" out: real loopback sockets, raw frames built with encodeFrame and read back with FrameDecoder. No library
 * client is involved.
 */

import should = require('should');
import http = require('node:http');
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import { spawn, type ChildProcess } from 'node:child_process';
import { encodeFrame } from '../src/core';
import { Conn, connect, closeAll, status, waitStatus } from './support/raw-conn';
import { startSimulator, SECOND_STEP_TIMEOUT, type Simulator, type SimulatorOptions } from '../src/simulator';
import type { Wire } from './support/wire';

const FAST = { S01: 0, S02: 0, S03: 0, S04: 0, S05: 0, S07: 0 };
const M1 = '000000060007176';
const M2 = '000000060007177';
const BUSY = new Set(['S01', 'S02', 'S03', 'S04', 'S05', 'S07']);
const CLI = path.join(__dirname, '..', 'dist', 'simulator', 'cli.js');

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let sims: Simulator[] = [];
let children: ChildProcess[] = [];
let tmpDirs: string[] = [];

afterEach(async function () {
  closeAll();
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children = [];
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

const later = (options: SimulatorOptions = {}) => simulator({ firmware: '1.4', ...options });

function ok(method, extra = {}) {
  return { method, error: false, errorCode: '', errorDescription: '', params: {}, ...extra };
}

function purchase(amount = '2450', extra = {}, step?: string | number) {
  const request: { method: string; params: object; step?: string | number } = {
    method: 'Purchase',
    params: { transAmount: amount, transCurrency: '980', merchantId: M1, ...extra },
  };
  if (step !== undefined) request.step = step;
  return request;
}

const waitIdle = (c, ms?) => waitStatus(c, (s) => !BUSY.has(s) && s !== 'S08', ms);
const waitSecondStep = (c, ms?) => waitStatus(c, (s) => s === 'S08', ms);

/** The statuses the engine goes through, as it reports them. */
function recordStatuses(sim) {
  const seen: Wire[] = [];
  sim.engine.on('status', (s) => seen.push(s));
  return seen;
}

/** Step 1, wait for S08; the first step's GetLastResult. */
async function firstStep(c, request) {
  (await c.call(request)).should.eql(ok('Purchase'));
  await waitSecondStep(c);
  return c.call({ method: 'GetLastResult' });
}

/** Step 2, wait for idle; the final GetLastResult. */
async function secondStep(c, request) {
  (await c.call(request)).should.eql(ok('Purchase'));
  await waitIdle(c);
  return c.call({ method: 'GetLastResult' });
}

async function xReport(c, merchantId = M1) {
  (await c.call({ method: 'XReport', params: { merchantId } })).error.should.be.false();
  await waitIdle(c);
  return c.call({ method: 'GetLastReport' });
}

function httpPost(port, body) {
  return new Promise<{ headers: http.IncomingHttpHeaders; json: Wire }>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => resolve({ headers: res.headers, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const UID = 'order-2024-0001';

// ---------------------------------------------------------------------------------------------------------------

describe('simulator firmware 1.1 (the default)', function () {
  it('answers GetResultByUid and GetMerchantListDetailed as unknown methods (E05, method "Unknown")', async function () {
    const sim = await simulator();
    sim.engine.firmware.should.equal('1.1');
    const c = await connect(sim);
    for (const request of [{ method: 'GetResultByUid', params: { transactionUid: UID } }, { method: 'GetMerchantListDetailed' }]) {
      (await c.call(request)).should.match({ method: 'Unknown', error: true, errorCode: 'E05', errorDescription: 'Unknown method' });
    }
    sim.counts.should.eql({ GetResultByUid: 1, GetMerchantListDetailed: 1 });
  });

  it('ignores transactionUid (even a malformed one) and "step": one-pass purchase dated with date/time, no uid', async function () {
    const sim = await simulator();
    const c = await connect(sim);
    const empty = await c.call({ method: 'GetLastResult' });
    empty.params.should.have.properties('date', 'time');
    empty.params.should.not.have.properties('transactionUid', 'transactionDate', 'transactionTime');
    const seen = recordStatuses(sim);
    (await c.call(purchase('2450', { transactionUid: 'not a uid!' }, '1'))).should.eql(ok('Purchase'));
    await waitIdle(c);
    seen.should.eql(['S01', 'S02', 'S03', 'S04', 'S05', 'S00']);
    const r = await c.call({ method: 'GetLastResult' });
    r.params.should.match({ transactionResult: 'APPROVED_ONLINE', transAmount: '2450' });
    r.params.date.should.match(/^\d\d\/\d\d\/\d{4}$/);
    r.params.should.not.have.properties('transactionUid', 'transactionDate', 'transactionTime');
    // A "step 2" is just another purchase to v1.1.10, and is not counted as a second step.
    (await c.call(purchase('100', {}, '2'))).should.eql(ok('Purchase'));
    await waitIdle(c);
    (await c.call({ method: 'GetLastResult' })).params.transAmount.should.equal('100');
    sim.counts.Purchase.should.equal(2);
    should(sim.counts['Purchase#2']).be.undefined();
    sim.requests
      .filter((q) => q.method === 'Purchase')
      .map((q) => q.step)
      .should.eql(['1', '2']);
  });
});

describe('simulator firmware 1.4: two-step Purchase', function () {
  it('step 1 reads the card and parks in S08 with FIRST_STEP_COMPLETED; step 2 authorises; each step counted', async function () {
    const sim = await later({ clock: () => new Date(2024, 1, 29, 7, 5, 9), phases: { S07: 3 } });
    const c = await connect(sim);
    const seen = recordStatuses(sim);
    const first = await firstStep(c, purchase('2450', { transactionUid: UID }, '1'));
    seen.should.eql(['S01', 'S02', 'S08']);
    (await status(c)).should.equal('S08');
    first.should.match({ method: 'GetLastResult', error: false, errorCode: '' });
    first.params.should.match({
      transactionResult: 'FIRST_STEP_COMPLETED',
      originalTrnName: 'Purchase',
      transAmount: '2450',
      transactionUid: UID,
      rrn: '',
      authCode: '',
      merchantId: M1,
      transactionDate: '29022024',
      transactionTime: '070509',
    });
    first.params.pan.should.match(/^\d{4}X+\d{4}$/);
    first.params.binName.should.not.be.empty();
    first.params.should.not.have.properties('date', 'time');
    const byUid = await c.call({ method: 'GetResultByUid', params: { transactionUid: UID } });
    byUid.should.eql({ ...first, method: 'GetResultByUid' });
    // Nothing is charged yet: the batch is untouched (an X report is refused while the terminal waits, see below).

    const final = await secondStep(c, purchase('2450', { transactionUid: UID }, '2'));
    seen.should.eql(['S01', 'S02', 'S08', 'S01', 'S03', 'S04', 'S05', 'S07', 'S00']);
    final.should.match({ method: 'GetLastResult', error: false, errorCode: '' });
    final.params.should.match({
      transactionResult: 'APPROVED',
      originalTrnName: 'Purchase',
      transAmount: '2450',
      transactionUid: UID,
      responseCode: '00',
      pan: first.params.pan,
      binName: first.params.binName,
      posEntryMode: 'CONTACT_EMV',
      transactionDate: '29022024',
      transactionTime: '070509',
    });
    final.params.rrn.should.not.be.empty();
    final.params.authCode.should.not.be.empty();
    final.params.should.not.have.properties('date', 'time');
    (await c.call({ method: 'GetResultByUid', params: { transactionUid: UID } })).should.eql({ ...final, method: 'GetResultByUid' });
    sim.counts.Purchase.should.equal(2);
    sim.counts['Purchase#2'].should.equal(1);
    sim.requests
      .filter((q) => q.method === 'Purchase')
      .map((q) => q.step)
      .should.eql(['1', '2']);
    (await xReport(c)).params.should.match({ totalSaleCount: '1', totalSaleAmount: '2450' });
  });

  it('a Purchase without "step" is step 1; the terminal makes up its transactionUid; step 2 may leave the uid out', async function () {
    const sim = await later({ noPinLimit: 5000 });
    const c = await connect(sim);
    const seen = recordStatuses(sim);
    const first = await firstStep(c, purchase('3000'));
    const uid = first.params.transactionUid;
    uid.should.match(/^[A-Za-z0-9._-]{8,64}$/);
    first.params.posEntryMode.should.equal('CONTACTLESS');
    const final = await secondStep(c, purchase('3000', {}, 2));
    // Under noPinLimit: no PIN in step 2.
    seen.should.eql(['S01', 'S02', 'S08', 'S01', 'S04', 'S05', 'S00']);
    final.params.should.match({ transactionResult: 'APPROVED', transactionUid: uid, posEntryMode: 'CONTACTLESS' });
    sim.counts['Purchase#2'].should.equal(1);
  });

  it('step 2 with a discountedAmount charges that amount; one above transAmount is refused (E09) and the terminal still waits', async function () {
    const sim = await later();
    const c = await connect(sim);
    await firstStep(c, purchase('10000', { transactionUid: UID }, '1'));
    (await c.call(purchase('10000', { transactionUid: UID, discountedAmount: '10001' }, '2'))).should.match({
      method: 'Purchase',
      error: true,
      errorCode: 'E09',
      errorParams: 'discountedAmount',
    });
    (await status(c)).should.equal('S08');
    const final = await secondStep(c, purchase('10000', { transactionUid: UID, discountedAmount: '9000' }, '2'));
    final.params.should.match({ transactionResult: 'APPROVED', transAmount: '9000', discount: '1000', transactionUid: UID });
    (await xReport(c)).params.should.match({ totalSaleCount: '1', totalSaleAmount: '9000' });
    sim.counts['Purchase#2'].should.equal(2);
  });

  it('step 2 that differs from step 1 (amount, merchant, currency, uid) gets E09 naming the key; the right one then goes through', async function () {
    const sim = await later();
    const c = await connect(sim);
    await firstStep(c, purchase('2450', { transactionUid: UID }, '1'));
    const wrong: [string, object][] = [
      ['transAmount', purchase('2451', { transactionUid: UID }, '2')],
      ['merchantId', purchase('2450', { transactionUid: UID, merchantId: M2 }, '2')],
      ['transCurrency', purchase('2450', { transactionUid: UID, transCurrency: '840' }, '2')],
      ['transactionUid', purchase('2450', { transactionUid: 'another-uid' }, '2')],
    ];
    for (const [key, request] of wrong) {
      const r = await c.call(request);
      r.should.match({ method: 'Purchase', error: true, errorCode: 'E09', errorDescription: 'Format error', errorParams: key }, key);
      r.params.details.should.containEql(key);
    }
    (await status(c)).should.equal('S08');
    (await c.call({ method: 'GetLastResult' })).params.transactionResult.should.equal('FIRST_STEP_COMPLETED');
    // "02450" is the same amount.
    (await secondStep(c, purchase('02450', { transactionUid: UID }, '2'))).params.transactionResult.should.equal('APPROVED');
    sim.counts['Purchase#2'].should.equal(5);
  });

  it('step 2 with no first step: E00 when idle, E06 while another operation runs; a step other than 1 or 2 gets E09', async function () {
    const sim = await later({ phases: { S04: 30 } });
    const c = await connect(sim);
    (await c.call(purchase('2450', {}, '2'))).should.match({
      method: 'Purchase',
      error: true,
      errorCode: 'E00',
      params: { details: 'no first step to continue' },
    });
    (await c.call(purchase('2450', {}, '3'))).should.match({ method: 'Purchase', error: true, errorCode: 'E09', errorParams: 'step' });
    (await c.call({ method: 'Refund', params: { transAmount: '100', transCurrency: '980', rrn: '1', merchantId: M1 } })).should.eql(ok('Refund'));
    await waitStatus(c, (s) => s === 'S04');
    (await c.call(purchase('2450', {}, '2'))).should.match({ method: 'Purchase', error: true, errorCode: 'E06' });
    await waitIdle(c);
    // The step 2 of an operation that ran to its end is refused too: the terminal never authorises twice.
    await firstStep(c, purchase('500', { transactionUid: UID }));
    await secondStep(c, purchase('500', { transactionUid: UID }, '2'));
    (await c.call(purchase('500', { transactionUid: UID }, '2'))).should.match({ error: true, errorCode: 'E00' });
    (await xReport(c)).params.should.match({ totalSaleCount: '1', totalSaleAmount: '500' });
    // Every step 2 received is counted, refused or not.
    sim.counts['Purchase#2'].should.equal(4);
  });

  it('in S08 a new operation, a report, printing and other reads get E06; GetStatus, PingDevice, GetLastResult, GetResultByUid are answered', async function () {
    const sim = await later();
    const c = await connect(sim);
    await firstStep(c, purchase('2450', { transactionUid: UID }, '1'));
    const refused = [
      purchase('100'),
      purchase('100', {}, '1'),
      { method: 'Refund', params: { transAmount: '100', transCurrency: '980', rrn: '1', merchantId: M1 } },
      { method: 'XReport', params: { merchantId: M1 } },
      { method: 'PrintPdfUrl', params: { url: 'https://example.com/r.pdf' } },
      { method: 'GetLastReceipt' },
      { method: 'GetMerchantListDetailed' },
    ];
    for (const request of refused) (await c.call(request)).should.match({ error: true, errorCode: 'E06' }, JSON.stringify(request));
    (await c.call({ method: 'GetStatus' })).should.eql(ok('GetStatus', { status: 'S08' }));
    (await c.call({ method: 'PingDevice' })).should.eql(ok('PingDevice'));
    (await c.call({ method: 'GetLastResult' })).params.transactionResult.should.equal('FIRST_STEP_COMPLETED');
    (await c.call({ method: 'GetResultByUid', params: { transactionUid: UID } })).params.transactionResult.should.equal('FIRST_STEP_COMPLETED');
    // The refused requests changed nothing: step 2 goes on with the first purchase.
    (await secondStep(c, purchase('2450', { transactionUid: UID }, '2'))).params.should.match({ transAmount: '2450', transactionResult: 'APPROVED' });
  });

  it('Interrupt in S08 cancels: CANCELLED, E12, nothing in the batch or the X report', async function () {
    const sim = await later();
    const c = await connect(sim);
    const first = await firstStep(c, purchase('2450', { transactionUid: UID }, '1'));
    (await c.call({ method: 'Interrupt' })).should.eql(ok('Interrupt'));
    (await status(c)).should.equal('S00');
    const r = await c.call({ method: 'GetLastResult' });
    r.should.match({ method: 'GetLastResult', error: true, errorCode: 'E12' });
    r.params.should.match({ transactionResult: 'CANCELLED', transactionUid: UID, transAmount: '2450', rrn: '', authCode: '', pan: first.params.pan });
    (await c.call({ method: 'GetResultByUid', params: { transactionUid: UID } })).params.transactionResult.should.equal('CANCELLED');
    sim.engine.batch.should.be.empty();
    (await xReport(c)).params.should.match({ totalSaleCount: '0', totalSaleAmount: '0', isBatchEmpty: true });
    (await c.call(purchase('2450', { transactionUid: UID }, '2'))).errorCode.should.equal('E00');
    should(sim.counts['Purchase#2']).equal(1);
  });

  it('Interrupt before the card is read gives CANCELLED_BEFORE_START, without a card', async function () {
    const sim = await later({ phases: { S02: 1000 } });
    const c = await connect(sim);
    (await c.call(purchase('2450', { transactionUid: UID }, '1'))).should.eql(ok('Purchase'));
    await waitStatus(c, (s) => s === 'S02');
    (await c.call({ method: 'Interrupt' })).should.eql(ok('Interrupt'));
    const r = await c.call({ method: 'GetLastResult' });
    r.should.match({ error: true, errorCode: 'E12' });
    r.params.should.match({ transactionResult: 'CANCELLED_BEFORE_START', transactionUid: UID, pan: '', binName: '' });
    // Interrupt is still refused where 1.1 refuses it, and the message names S08.
    (await c.call({ method: 'Interrupt' })).should.match({ errorCode: 'E08', params: { details: /S08/ } });
  });

  it('no step 2 within secondStepTimeout: the terminal cancels (CANCELLED, E12) and returns to S00', async function () {
    SECOND_STEP_TIMEOUT.should.equal(60000);
    const sim = await later({ secondStepTimeout: 30 });
    const c = await connect(sim);
    const seen = recordStatuses(sim);
    const started = Date.now();
    (await c.call(purchase('2450', { transactionUid: UID }, '1'))).should.eql(ok('Purchase'));
    await waitIdle(c);
    (Date.now() - started).should.be.aboveOrEqual(25);
    seen.should.eql(['S01', 'S02', 'S08', 'S00']);
    const r = await c.call({ method: 'GetLastResult' });
    r.should.match({ error: true, errorCode: 'E12', params: { transactionResult: 'CANCELLED', transactionUid: UID } });
    sim.engine.batch.should.be.empty();
    (await c.call(purchase('2450', { transactionUid: UID }, '2'))).errorCode.should.equal('E00');
  });

  it('outcomes of the card phase (10012, 10099) end in step 1 without S08; a decline shows after step 2', async function () {
    const sim = await later();
    const c = await connect(sim);
    const seen = recordStatuses(sim);
    (await c.call(purchase('10012', {}, '1'))).should.eql(ok('Purchase'));
    await waitIdle(c);
    seen.should.eql(['S01', 'S02', 'S00']);
    (await c.call({ method: 'GetLastResult' })).should.match({ error: true, errorCode: 'E12', params: { transactionResult: 'CANCELLED' } });
    (await c.call(purchase('10099'))).should.eql(ok('Purchase'));
    await waitIdle(c);
    (await c.call({ method: 'GetLastResult' })).should.match({ error: true, errorCode: 'E16', params: { transactionResult: 'FAILED', pan: '' } });
    seen.length = 0;
    (await firstStep(c, purchase('10005', {}, '1'))).params.transactionResult.should.equal('FIRST_STEP_COMPLETED');
    const declined = await secondStep(c, purchase('10005', {}, '2'));
    declined.should.match({ error: true, errorCode: 'E21', params: { transactionResult: 'DECLINED', responseCode: '05' } });
    seen.should.eql(['S01', 'S02', 'S08', 'S01', 'S03', 'S04', 'S05', 'S00']);
    should(sim.counts['Purchase#2']).equal(1);
  });

  it('a scripted outcome decides at step 1; otherwise a step-2 discountedAmount that is a test amount decides', async function () {
    const sim = await later();
    const c = await connect(sim);
    sim.engine.scriptOutcome({ result: 'DECLINED_ONLINE', responseCode: '51', errorCode: 'E21', text: 'НЕДОСТАТНЬО КОШТІВ' });
    await firstStep(c, purchase('2450', {}, '1'));
    (await secondStep(c, purchase('2450', {}, '2'))).params.should.match({ transactionResult: 'DECLINED', responseCode: '51' });
    await firstStep(c, purchase('20000', {}, '1'));
    (await secondStep(c, purchase('20000', { discountedAmount: '10051' }, '2'))).should.match({
      error: true,
      params: { transactionResult: 'DECLINED', responseCode: '51', transAmount: '10051' },
    });
    sim.engine.batch.should.be.empty();
  });

  it('other financial methods stay single-step on 1.4, with transactionUid and APPROVED; a malformed uid gets E09', async function () {
    const sim = await later();
    const c = await connect(sim);
    const seen = recordStatuses(sim);
    (
      await c.call({
        method: 'Refund',
        step: '1',
        params: { transAmount: '100', transCurrency: '980', rrn: '1', merchantId: M1, transactionUid: 'refund-1' },
      })
    ).should.eql(ok('Refund'));
    await waitIdle(c);
    seen.should.eql(['S01', 'S02', 'S04', 'S05', 'S00']);
    (await c.call({ method: 'GetLastResult' })).params.should.match({
      originalTrnName: 'Refund',
      transactionResult: 'APPROVED',
      transactionUid: 'refund-1',
    });
    (await c.call(purchase('100', { transactionUid: 'not a uid!' }))).should.match({ error: true, errorCode: 'E09', errorParams: 'transactionUid' });
    (await c.call({ method: 'GetResultByUid', params: {} })).should.match({ error: true, errorCode: 'E04', errorParams: 'transactionUid' });
    should(sim.counts['Purchase#2']).be.undefined();
  });
});

describe('simulator firmware 1.4: GetResultByUid and GetMerchantListDetailed', function () {
  it('GetResultByUid finds an old operation after later ones (and after a restart, with stateFile); an unknown uid gets E20', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-ecr-sim14-'));
    tmpDirs.push(dir);
    const stateFile = path.join(dir, 'state.json');
    const sim = await later({ stateFile, phases: { S04: 30 } });
    const c = await connect(sim);
    await firstStep(c, purchase('1111', { transactionUid: 'first' }, '1'));
    const first = await secondStep(c, purchase('1111', { transactionUid: 'first' }, '2'));
    await firstStep(c, purchase('2222', { transactionUid: 'second' }));
    await secondStep(c, purchase('2222', { transactionUid: 'second' }, '2'));
    (await c.call({ method: 'Void', params: { invoiceNum: first.params.invoiceNum, transactionUid: 'third' } })).error.should.be.false();
    // A read: answered while the Void is at the bank.
    await waitStatus(c, (s) => s === 'S04');
    const old = await c.call({ method: 'GetResultByUid', params: { transactionUid: 'first' } });
    old.should.eql({ ...first, method: 'GetResultByUid' });
    await waitIdle(c);
    (await c.call({ method: 'GetLastResult' })).params.should.match({ originalTrnName: 'Void', transactionUid: 'third' });
    (await c.call({ method: 'GetResultByUid', params: { transactionUid: 'nobody-sent-this' } })).should.eql({
      method: 'GetResultByUid',
      error: true,
      errorCode: 'E20',
      errorDescription: 'No last transactions found',
      params: { details: 'no operation with transactionUid nobody-sent-this' },
    });
    await sim.stop();
    const again = await later({ stateFile, port: 0 });
    const c2 = await connect(again);
    (await c2.call({ method: 'GetResultByUid', params: { transactionUid: 'first' } })).should.eql(old);
    (await c2.call({ method: 'GetResultByUid', params: { transactionUid: 'second' } })).params.transAmount.should.equal('2222');
  });

  it('GetMerchantListDetailed: one row per merchant and terminal id, with names; merchantCount counts the rows', async function () {
    const sim = await later({ merchantName: 'КАВА' });
    const c = await connect(sim);
    (await c.call({ method: 'GetMerchantListDetailed' })).should.eql(
      ok('GetMerchantListDetailed', {
        params: {
          merchantCount: 3,
          merchantList: [
            { merchantId: M1, terminalId: 'T0000001', merchantName: 'КАВА' },
            { merchantId: M2, terminalId: 'T0000002', merchantName: 'КАВА' },
            { merchantId: M2, terminalId: 'T0000003', merchantName: 'КАВА' },
          ],
        },
      }),
    );
    const sim2 = await later({ merchants: [{ merchantId: 'A1', terminalIds: ['T1'], merchantName: 'АПТЕКА' }, 'B2'] });
    const c2 = await connect(sim2);
    (await c2.call({ method: 'GetMerchantListDetailed' })).params.should.eql({
      merchantCount: 2,
      merchantList: [
        { merchantId: 'A1', terminalId: 'T1', merchantName: 'АПТЕКА' },
        { merchantId: 'B2', terminalId: 'T0000001', merchantName: 'ТОВ "ТЕСТОВИЙ МАГАЗИН"' },
      ],
    });
  });
});

describe('simulator: closeAfterAnswer', function () {
  it('true: closes right after the answer; a second request in the same write is never acted on, only counted as ignored', async function () {
    const sim = await simulator({ closeAfterAnswer: true });
    const c = await connect(sim);
    c.send(Buffer.concat([encodeFrame({ method: 'GetStatus' }), encodeFrame(purchase('100'))]));
    (await c.next()).should.eql(ok('GetStatus', { status: 'S00' }));
    await c.waitClosed(500);
    c.queue.should.be.empty();
    sim.ignoredAfterAnswer.should.equal(1);
    sim.counts.should.eql({ GetStatus: 1 });
    sim.requests.map((r) => r.method).should.eql(['GetStatus']);
    (await status(await connect(sim))).should.equal('S00');
    // The old name does the same.
    const old = await simulator({ closeAfterResponse: 0 });
    const c2 = await connect(old);
    (await c2.call({ method: 'PingDevice' })).error.should.be.false();
    await c2.waitClosed(500);
  });

  it('MS: the connection closes MS after the answer; a request written meanwhile is ignored and counted', async function () {
    const sim = await simulator({ closeAfterAnswer: 60 });
    const c = await connect(sim);
    (await c.call({ method: 'GetStatus' })).status.should.equal('S00');
    const answeredAt = c.lastAt;
    await delay(15);
    c.closed.should.be.false();
    c.send(purchase('100'));
    await c.waitClosed(1000);
    (c.closedAt! - answeredAt!).should.be.aboveOrEqual(50);
    c.queue.should.be.empty();
    sim.ignoredAfterAnswer.should.equal(1);
    sim.counts.should.eql({ GetStatus: 1 });
    (await status(await connect(sim))).should.equal('S00');
    sim.engine.batch.should.be.empty();
    const res = await httpPost(sim.httpPort, { method: 'PingDevice' });
    should(res.headers.connection).equal('close');
    sim.ignoredAfterAnswer.should.equal(1);
  });

  it('a client that waits for the close and reconnects loses nothing: a whole purchase, one connection per request', async function () {
    const sim = await later({ closeAfterAnswer: 5 });
    const once = async (request) => {
      const c = await connect(sim);
      const r = await c.call(request);
      await c.waitClosed(500);
      return r;
    };
    (await once(purchase('700', { transactionUid: UID }, '1'))).should.eql(ok('Purchase'));
    while ((await once({ method: 'GetStatus' })).status !== 'S08') await delay(2);
    (await once(purchase('700', { transactionUid: UID }, '2'))).should.eql(ok('Purchase'));
    while ((await once({ method: 'GetStatus' })).status !== 'S00') await delay(2);
    (await once({ method: 'GetResultByUid', params: { transactionUid: UID } })).params.transactionResult.should.equal('APPROVED');
    sim.ignoredAfterAnswer.should.equal(0);
    sim.counts.Purchase.should.equal(2);
    sim.counts['Purchase#2'].should.equal(1);
  });
});

describe('simulator: noMethod', function () {
  it('answers carry no "method" (acknowledgements, results, errors, frame errors, HTTP), on either firmware', async function () {
    for (const firmware of ['1.1', '1.4'] as const) {
      const sim = await simulator({ noMethod: true, firmware });
      const c = await connect(sim);
      const answers = [
        await c.call({ method: 'GetStatus' }),
        await c.call(purchase('2450', { transactionUid: UID })),
        await c.call({ method: 'Nonsense' }),
        await c.call(Buffer.from([0x02, 0x66, 0x01, 0x00, 0x01, 0x7b, 0x7b])),
      ];
      await waitStatus(c, (s) => s === (firmware === '1.4' ? 'S08' : 'S00'));
      answers.push(await c.call({ method: 'GetLastResult' }));
      answers.push((await httpPost(sim.httpPort, { method: 'PingDevice' })).json);
      for (const a of answers) a.should.not.have.property('method');
      answers[0].should.eql({ error: false, errorCode: '', errorDescription: '', params: {}, status: 'S00' });
      answers[1].should.eql({ error: false, errorCode: '', errorDescription: '', params: {} });
      answers[2].should.match({ error: true, errorCode: 'E05' });
      answers[3].should.match({ error: true, errorCode: 'E03' });
      answers[4].params.transactionResult.should.equal(firmware === '1.4' ? 'FIRST_STEP_COMPLETED' : 'APPROVED_ONLINE');
    }
  });
});

describe('ssi-ecr-sim: the later-firmware options', function () {
  function runCli(args) {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, exited, out: () => out, err: () => err };
  }

  it('--help lists --firmware, --second-step-timeout, --close-after-answer [MS] and --no-method', async function () {
    const r = runCli(['--help']);
    should(await r.exited).equal(0);
    for (const option of ['--firmware V', '--second-step-timeout MS', '--close-after-answer [MS]', '--close-after-response', '--no-method']) {
      r.out().should.containEql(option);
    }
  });

  it('--firmware 1.4 --close-after-answer --no-method serves a later-firmware terminal; a bad --firmware exits 2', async function () {
    const r = runCli(['--port', '0', '--http-port', '0', '--fast', '--firmware', '1.4', '--close-after-answer', '--no-method']);
    const until = Date.now() + 10000;
    let port;
    while (!(port = /tcp:\/\/127\.0\.0\.1:(\d+)/.exec(r.out())) || !/merchants:/.test(r.out())) {
      if (Date.now() > until || r.child.exitCode !== null) throw new Error(`no listening line: ${r.out()} ${r.err()}`);
      await delay(10);
    }
    r.out().should.containEql('firmware 1.4, closes each connection 0 ms after answering, answers without "method"');
    const c = new Conn(Number(port[1]));
    await c.ready;
    const answer = await c.call({ method: 'GetMerchantListDetailed' });
    answer.should.not.have.property('method');
    answer.params.merchantCount.should.equal(3);
    await c.waitClosed(1000);
    r.child.kill('SIGTERM');
    should(await r.exited).equal(0);
    const bad = runCli(['--firmware', '2.0']);
    should(await bad.exited).equal(2);
    bad.err().should.containEql('--firmware must be 1.1 or 1.4');
    const delayed = runCli(['--close-after-answer', '50x']);
    should(await delayed.exited).equal(2);
  });
});
