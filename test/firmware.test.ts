'use strict';
/**
 * The client against later firmware (1.3/1.4) and against terminals that close the connection after every answer
 * or leave "method" out: the simulator in those modes, real loopback sockets, requests counted on the wire.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import should = require('should');
import { Terminal, isApproved } from '../src/core';
import { setup, purchase, delay, waitFor, MERCHANT } from './support/fixtures';
import type { Wire } from './support/wire';
import type { SimulatorOptions } from '../src/simulator';

const PHASES = { S01: 10, S02: 10, S03: 10, S04: 10, S05: 10, S07: 0 };
/** Later firmware, and a terminal that closes 5 ms after each answer, whose answers carry no "method". */
const HOSTILE_14: SimulatorOptions = { firmware: '1.4', closeAfterAnswer: 5, noMethod: true, phases: PHASES };
/** Pacing is that of later firmware unless a test says otherwise; these tests keep it short to stay fast. */
const QUICK = { minRequestGap: 20 };

const step2 = (sim) => sim.counts['Purchase#2'] ?? 0;
const methodsOnWire = (sim) => sim.requests.map((r) => (r.method === 'Purchase' ? `Purchase#${r.step ?? '-'}` : r.method));

describe('later firmware (1.4), a terminal closing after every answer, answers without method', function () {
  this.timeout(30_000);
  let env;
  afterEach(async () => env && env.cleanup());

  it('detects 1.4 by the probe, and paces requests 250 ms apart with a 15 s request timeout by default (also before it knows)', async () => {
    env = await setup({ firmware: '1.4', phases: PHASES });
    const t = env.open('tcp', { pollInterval: 20 });
    const seen: Wire[] = [];
    t.on('firmware', (f) => seen.push(f));
    should(t.firmware).be.undefined();
    // Not known yet: later firmware's pacing, which a v1.1.10 terminal only pays for in time.
    t.requestTimeout.should.equal(15_000);
    t.minRequestGap.should.equal(250);
    (await t.detectFirmware()).should.equal('1.4');
    seen.should.match([{ generation: '1.4', reason: /GetResultByUid, asked as a probe, was answered E20/ }]);
    t.requestTimeout.should.equal(15_000);
    t.minRequestGap.should.equal(250);
    await t.transact('Purchase', purchase(2450));
    const at = env.sim.requests.map((r) => r.at);
    const gaps = at.slice(1).map((a, i) => a - at[i]);
    gaps.length.should.be.above(5);
    Math.min(...gaps).should.be.aboveOrEqual(245);
  });

  it('detects 1.1 by the probe (E05): no step, no transactionUid, no pacing', async () => {
    env = await setup({ phases: PHASES });
    const t = env.open('tcp');
    const r = await t.transact('Purchase', purchase(2450, { transactionUid: 'given-by-caller' }));
    t.firmware.should.equal('1.1');
    t.minRequestGap.should.equal(0);
    isApproved(r).should.be.true();
    const sent = env.sim.requests.find((q) => q.method === 'Purchase');
    should(sent.step).be.undefined();
    sent.params.should.not.have.property('transactionUid');
  });

  it('a two-step purchase: step 1, S08 with the card read, step 2 once, the final result tied by transactionUid', async () => {
    env = await setup(HOSTILE_14);
    const t = env.open('tcp', QUICK);
    const statuses: Wire[] = [];
    let first;
    const r = await t.transact('Purchase', purchase(2450), { onStatus: (s) => statuses.push(s.status), onFirstStep: (f) => void (first = f) });
    first.params.should.match({ transactionResult: 'FIRST_STEP_COMPLETED', pan: /^\d{4,6}X+\d{4}$/ });
    r.params.should.match({
      transactionResult: 'APPROVED',
      transAmount: '2450',
      transactionUid: first.params.transactionUid,
      originalTrnName: 'Purchase',
    });
    r.params.date.should.match(/^\d\d\/\d\d\/\d{4}$/);
    r.params.time.should.match(/^\d\d:\d\d:\d\d$/);
    isApproved(r).should.be.true();
    statuses.should.containEql('S08');
    statuses[statuses.length - 1].should.equal('S00');
    env.sim.counts.Purchase.should.equal(2);
    step2(env.sim).should.equal(1);
    env.sim.ignoredAfterAnswer.should.equal(0);
    methodsOnWire(env.sim)
      .filter((m) => m.startsWith('Purchase'))
      .should.eql(['Purchase#1', 'Purchase#2']);
  });

  it('a refund stays one step; an aborted step 1 sends Interrupt and ends CANCELLED, nothing charged, no step 2', async () => {
    env = await setup(HOSTILE_14);
    const t = env.open('tcp', QUICK);
    const sale = await t.transact('Purchase', purchase(3000));
    const refund = await t.transact('Refund', { transAmount: '3000', transCurrency: '980', rrn: sale.params.rrn, merchantId: MERCHANT });
    refund.params.should.match({ originalTrnName: 'Refund', transactionResult: 'APPROVED', transAmount: '3000' });
    env.sim.counts.Refund.should.equal(1);
    const before = step2(env.sim);
    const aborted = await t.transact('Purchase', purchase(1000), { onFirstStep: () => ({ abort: true }) });
    aborted.params.transactionResult.should.equal('CANCELLED');
    isApproved(aborted).should.be.false();
    step2(env.sim).should.equal(before);
    env.sim.counts.Interrupt.should.equal(1);
    env.sim.ignoredAfterAnswer.should.equal(0);
    const x = await t.transact('XReport', { merchantId: MERCHANT });
    x.params.should.match({ totalSaleCount: 1, totalRefundCount: 1 });
  });

  it('onFirstStep prices by the card: step 2 carries the discountedAmount, and the result is for it', async () => {
    env = await setup(HOSTILE_14);
    const t = env.open('tcp', QUICK);
    const r = await t.transact('Purchase', purchase(5000), {
      onFirstStep: async (first) => ({ params: { discountedAmount: first.params.binName === 'VISA' ? 4500 : 4000 } }),
    });
    const sent = env.sim.requests.filter((q) => q.method === 'Purchase');
    sent[1].params.discountedAmount.should.equal(r.params.binName === 'VISA' ? '4500' : '4000');
    r.params.transAmount.should.equal(sent[1].params.discountedAmount);
    isApproved(r).should.be.true();
  });

  it('onFirstStep may change only discountedAmount; a change of amount, or a failing hook, aborts: CANCELLED, said as an issue', async () => {
    env = await setup(HOSTILE_14);
    const t = env.open('tcp', QUICK);
    const issues: Wire[] = [];
    t.on('issue', (i) => i.kind === 'firmware' && issues.push(i.message));
    const a = await t.transact('Purchase', purchase(5000), { onFirstStep: () => ({ params: { transAmount: 10 } }) });
    a.params.transactionResult.should.equal('CANCELLED');
    const b = await t.transact('Purchase', purchase(5001), {
      onFirstStep: () => {
        throw new Error('price service down');
      },
    });
    b.params.transactionResult.should.equal('CANCELLED');
    step2(env.sim).should.equal(0);
    issues[0].should.match(/may change discountedAmount only; it changed transAmount/);
    issues[1].should.match(/onFirstStep failed: price service down/);
  });

  it('an AbortSignal fired while the card is read aborts at S08 with Interrupt: CANCELLED, no step 2', async () => {
    env = await setup(HOSTILE_14);
    const t = env.open('tcp', QUICK);
    const ac = new AbortController();
    const r = await t.transact('Purchase', purchase(700), { signal: ac.signal, onFirstStep: () => ac.abort() });
    r.params.transactionResult.should.equal('CANCELLED');
    step2(env.sim).should.equal(0);
  });

  it('a 1.4 terminal taken for 1.1 (probe lost): the first S08 tells, and step 2 completes the payment', async () => {
    env = await setup({ firmware: '1.4', phases: PHASES });
    env.sim.injectFault({ method: 'GetResultByUid', action: 'no-response' });
    const t = env.open('tcp', { requestTimeout: 300, minRequestGap: 0 });
    const seen: Wire[] = [];
    t.on('firmware', (f) => seen.push(f));
    const r = await t.transact('Purchase', purchase(1234));
    isApproved(r).should.be.true();
    seen.should.match([{ generation: '1.4', reason: /S08/ }]);
    step2(env.sim).should.equal(1);
    should(env.sim.requests.find((q) => q.method === 'Purchase').step).be.undefined();
  });

  it('protocol forced to 1.1 or 1.4 sends no probe; a bad protocol names the option', async () => {
    env = await setup({ firmware: '1.4', phases: PHASES });
    const t = env.open('tcp', { protocol: '1.4', minRequestGap: 0 });
    t.firmware.should.equal('1.4');
    isApproved(await t.transact('Purchase', purchase(100))).should.be.true();
    env.sim.requests.filter((q) => q.method === 'GetResultByUid' && /^ssi-ecr-probe-/.test(q.params.transactionUid)).should.have.length(0);
    // @ts-expect-error: a protocol the library does not know, as a JavaScript caller may give it
    (() => new Terminal({ host: 'x', protocol: '2.0' })).should.throw({ code: 'VALIDATION', field: 'protocol' });
  });

  it("the caller's ref is the transactionUid when it is a valid id the terminal does not know; else a new one", async () => {
    env = await setup({ firmware: '1.4', phases: PHASES });
    const a = env.open('tcp', { minRequestGap: 0 });
    (await a.transact('Purchase', purchase(100), { ref: 'order-17' })).params.transactionUid.should.equal('order-17');
    // Another client (its refs forgotten) with the same ref: the terminal has order-17 already, so a new id is sent.
    const b = env.open('tcp', { minRequestGap: 0 });
    const again = await b.transact('Purchase', purchase(200), { ref: 'order-17' });
    again.params.transactionUid.should.not.equal('order-17');
    again.params.transAmount.should.equal('200');
    (await b.transact('Purchase', purchase(300), { ref: 'order 18 / with spaces' })).params.transactionUid.should.match(/^[0-9a-f-]{36}$/);
    const err = await b.transact('Purchase', purchase(400, { transactionUid: 'order-17' })).should.be.rejected();
    err.should.match({ code: 'VALIDATION', field: 'transactionUid', sent: false });
  });

  it('GetResultByUid and GetMerchantListDetailed answer on 1.4', async () => {
    env = await setup({ firmware: '1.4', phases: PHASES });
    const t = env.open('tcp', { minRequestGap: 0 });
    const r = await t.transact('Purchase', purchase(999));
    await t.transact('Purchase', purchase(1000));
    (await t.request('GetResultByUid', { transactionUid: r.params.transactionUid })).params.should.match({
      transAmount: '999',
      transactionResult: 'APPROVED',
    });
    (await t.request('GetResultByUid', { transactionUid: 'nobody' }).should.be.rejected()).code.should.equal('E20');
    (await t.request('GetMerchantListDetailed')).params.merchantList[0].should.have.properties('merchantId', 'terminalId', 'merchantName');
  });

  it("two ECRs on one terminal: a request lost on its way never takes the other ECR's identical sale (uid)", async () => {
    env = await setup({ firmware: '1.4', phases: { ...PHASES, S02: 150 } });
    const a = env.open('tcp', { minRequestGap: 0, unackedGrace: 300 });
    const b = env.open('tcp', { minRequestGap: 0 });
    await Promise.all([a.detectFirmware(), b.detectFirmware()]);
    env.sim.injectFault({ method: 'Purchase', action: 'drop-request' });
    const lost = a.transact('Purchase', purchase(2450)).then(
      () => 'approved',
      (e) => e,
    );
    await waitFor(() => env.sim.requests.some((q) => q.method === 'Purchase'), 2000, "A's purchase to be dropped");
    const paid = await b.transact('Purchase', purchase(2450));
    isApproved(paid).should.be.true();
    const err = await lost;
    err.should.not.equal('approved');
    ['NOT_PERFORMED', 'OUTCOME_UNKNOWN'].should.containEql(err.code);
    step2(env.sim).should.equal(1);
  });

  it('a crash while the terminal waits for step 2: reconcile interrupts it (nothing was charged) and recovers CANCELLED', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-fw-'));
    const journal = path.join(dir, 'journal.json');
    env = await setup({ firmware: '1.4', phases: PHASES });
    try {
      const a = new Terminal({ host: '127.0.0.1', port: env.sim.port, pollInterval: 5, minRequestGap: 0, journal });
      let reached;
      const atFirstStep = new Promise((resolve) => (reached = resolve));
      const hung = a.transact('Purchase', purchase(4321), { onFirstStep: () => (reached(), new Promise(() => {})) });
      hung.catch(() => undefined);
      await atFirstStep;
      env.sim.status.should.equal('S08');
      await a.close();
      const b = new Terminal({ host: '127.0.0.1', port: env.sim.port, pollInterval: 5, minRequestGap: 0, journal });
      const recovered: Wire[] = [];
      b.on('recovered', (rep) => recovered.push(rep));
      const [rep] = await b.reconcile();
      await b.close();
      rep.verdict.should.equal('ours');
      rep.result!.params.should.match({ transactionResult: 'CANCELLED', transAmount: '4321' });
      recovered.should.have.length(1);
      step2(env.sim).should.equal(0);
      env.sim.counts.Interrupt.should.equal(1);
      env.sim.status.should.equal('S00');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('over HTTP too: a two-step purchase with answers without method', async () => {
    env = await setup({ firmware: '1.4', noMethod: true, closeAfterAnswer: true, phases: PHASES });
    const t = env.open('http', QUICK);
    const r = await t.transact('Purchase', purchase(2222));
    isApproved(r).should.be.true();
    step2(env.sim).should.equal(1);
    await delay(1);
  });
});
