'use strict';
/**
 * Outcomes a terminal could make the client lose or misread: a result read that fails with a code nobody documents,
 * a status that flaps or is not a string, a report that lands late, a CashBack's summed amount, two identical
 * results in a row, and a journal that cannot be written while money moves. Scripted terminals answer badly on
 * purpose; the simulator and real files do the rest.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import should = require('should');
import { Terminal, judgeResult, getMethod, normaliseResponse, type EcrResponse, type Params, type Verdict } from '../src/core';
import type { JudgeContext } from '../src/core/result-judgement';
import { scriptedTerminal, ok, result } from './support/scripted-terminal';
import { setup, purchase, MERCHANT } from './support/fixtures';
import type { Wire } from './support/wire';

const before = result({ originalTrnName: 'Purchase', transAmount: '500', invoiceNum: '000009', rrn: 'A1' });
const after = (amount, extra = {}) => result({ originalTrnName: 'Purchase', transAmount: amount, invoiceNum: '000010', rrn: 'A2', ...extra });
const failedRead = (errorCode) => ({ method: 'GetLastResult', error: true, errorCode, errorDescription: errorCode ? 'unexpected' : '', params: {} });

describe('outcomes the client must not lose or misread', function () {
  this.timeout(20_000);
  let peer;
  let t;
  afterEach(async () => {
    if (t) await t.close();
    if (peer) await peer.close();
    t = peer = undefined;
  });
  const open = (options = {}) => (t = new Terminal({ host: '127.0.0.1', port: peer.port, pollInterval: 5, settleGrace: 100, ...options }));

  for (const code of ['E22', '', 'E6', 'E99', 'E06']) {
    it(`a result read answered error:true with ${JSON.stringify(code)} means "not yet": the approval that follows is the outcome`, async () => {
      let reads = 0;
      peer = await scriptedTerminal((m, counts) => {
        if (m.method === 'GetLastResult') {
          if (!counts.Purchase) return before;
          return ++reads <= 3 ? failedRead(code) : after('2450');
        }
        if (m.method === 'Purchase') return ok('Purchase');
        if (m.method === 'GetStatus') return ok('GetStatus', { status: 'S00' });
        return undefined;
      });
      const r = await open().transact('Purchase', purchase());
      r.params.should.match({ transactionResult: 'APPROVED_ONLINE', invoiceNum: '000010' });
      reads.should.equal(4);
    });
  }

  it('a result read that keeps failing with an undocumented code ends OUTCOME_UNKNOWN, never a result; reconcile judges it the same', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-outcomes-'));
    try {
      peer = await scriptedTerminal((m, counts) => {
        if (m.method === 'GetLastResult') return counts.Purchase ? failedRead('E22') : before;
        if (m.method === 'Purchase') return ok('Purchase');
        if (m.method === 'GetStatus') return ok('GetStatus', { status: 'S00' });
        return undefined;
      });
      open({ journal: path.join(dir, 'j.json') });
      const err = await t.transact('Purchase', purchase()).should.be.rejected();
      err.code.should.equal('OUTCOME_UNKNOWN');
      err.message.should.match(/keeps answering E22/);
      t.unresolved().should.have.length(1);
      const [rep] = await t.reconcile();
      rep.should.match({ verdict: 'unknown', retry: true });
      rep.reason.should.match(/E22/);
      t.unresolved().should.have.length(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  // A status that changes restarts the sliding overall timeout, so only the ceiling ends S01/S04; a status that is
  // not a string is no status at all, so the overall timeout ends the others.
  for (const [label, statuses, atLeast] of [
    ['alternates S01/S04', ['S01', 'S04'], 800],
    ['alternates S01/null', ['S01', null], 300],
    ['is an object or null', [{}, null], 300],
  ] as [string, unknown[], number][]) {
    it(`a status that ${label} for ever: the operation ends OUTCOME_UNKNOWN at its ceiling, and the queue goes on`, async () => {
      peer = await scriptedTerminal((m, counts) => {
        if (m.method === 'GetLastResult') return before;
        if (m.method === 'Purchase') return ok('Purchase');
        if (m.method === 'GetStatus') return ok('GetStatus', { status: statuses[counts.GetStatus % statuses.length] });
        if (m.method === 'PingDevice') return ok('PingDevice');
        return undefined;
      });
      open({ overallTimeout: 300, operationCeiling: 800 });
      const started = Date.now();
      const err = await t.transact('Purchase', purchase()).should.be.rejected();
      err.code.should.equal('OUTCOME_UNKNOWN');
      (Date.now() - started).should.be.within(atLeast - 50, 5000);
      (await t.request('PingDevice')).error.should.be.false();
    });
  }

  it('a Z report whose first GetLastReport still holds the previous report: the new one is waited for and returned', async () => {
    const oldReport = ok('GetLastReport', { params: { batchNumber: '7', totalSaleCount: '3', totalSaleAmount: '900' } });
    const newReport = ok('GetLastReport', { params: { batchNumber: '8', totalSaleCount: '5', totalSaleAmount: '1500' } });
    let reads = 0;
    peer = await scriptedTerminal((m, counts) => {
      if (m.method === 'GetLastReport') return !counts.ZReport || ++reads <= 2 ? oldReport : newReport;
      if (m.method === 'ZReport') return ok('ZReport');
      if (m.method === 'GetStatus') return ok('GetStatus', { status: counts.GetStatus < 3 ? 'S04' : 'S00' });
      return undefined;
    });
    const r = await open({ settleGrace: 300 }).transact('ZReport', { merchantId: MERCHANT });
    should(r.params.batchNumber).equal('8');
  });

  it('an X report identical to the one before (nothing sold since) is returned once the settle grace shows nothing else comes', async () => {
    const report = ok('GetLastReport', { params: { batchNumber: '8', totalSaleCount: '0', totalSaleAmount: '0' } });
    peer = await scriptedTerminal((m, counts) => {
      if (m.method === 'GetLastReport') return report;
      if (m.method === 'XReport') return ok('XReport');
      if (m.method === 'GetStatus') return ok('GetStatus', { status: counts.GetStatus < 3 ? 'S05' : 'S00' });
      return undefined;
    });
    const started = Date.now();
    should((await open({ settleGrace: 200 }).transact('XReport', { merchantId: MERCHANT })).params.batchNumber).equal('8');
    (Date.now() - started).should.be.aboveOrEqual(200);
  });

  it('two identical Echo results in a row: the status sequence proves it ran, so it is not OUTCOME_UNKNOWN', async () => {
    const echo = result({ originalTrnName: 'Echo', transAmount: '0', responseCode: '00' });
    peer = await scriptedTerminal((m, counts) => {
      if (m.method === 'GetLastResult') return echo;
      if (m.method === 'Echo') return ok('Echo');
      if (m.method === 'GetStatus') return ok('GetStatus', { status: counts.GetStatus < 3 ? 'S04' : 'S00' });
      return undefined;
    });
    should((await open().transact('Echo', { merchantId: MERCHANT })).params.originalTrnName).equal('Echo');
  });

  it('two identical results, but the terminal was never seen busy: still OUTCOME_UNKNOWN (nothing proves it ran)', async () => {
    const echo = result({ originalTrnName: 'Echo', transAmount: '0', responseCode: '00' });
    peer = await scriptedTerminal((m) => {
      if (m.method === 'GetLastResult') return echo;
      if (m.method === 'Echo') return ok('Echo');
      if (m.method === 'GetStatus') return ok('GetStatus', { status: 'S00' });
      return undefined;
    });
    (await open().transact('Echo', { merchantId: MERCHANT }).should.be.rejected()).code.should.equal('OUTCOME_UNKNOWN');
  });

  it('a CashBack whose result states the purchase plus the cash is ours', async () => {
    peer = await scriptedTerminal((m, counts) => {
      if (m.method === 'GetLastResult')
        return counts.CashBack ? result({ originalTrnName: 'CashBack', transAmount: '3150', cashAmount: '700', invoiceNum: '000011' }) : before;
      if (m.method === 'CashBack') return ok('CashBack');
      if (m.method === 'GetStatus') return ok('GetStatus', { status: 'S00' });
      return undefined;
    });
    const r = await open().transact('CashBack', { transAmount: '2450', cashAmount: '700', transCurrency: '980', merchantId: MERCHANT });
    should(r.params.transAmount).equal('3150');
  });
});

describe('judgeResult: whose result is it', function () {
  const spec = (m: string) => getMethod(m)!;
  const res = (params, extra = {}) =>
    normaliseResponse({ method: 'GetLastResult', error: false, errorCode: '', errorDescription: '', params, ...extra });
  const snap = res({ originalTrnName: 'Purchase', transAmount: '500', transactionResult: 'APPROVED_ONLINE', invoiceNum: '1' });
  const p = { transAmount: '2450', transCurrency: '980', merchantId: MERCHANT };
  const rows: [string, Params, EcrResponse, JudgeContext, Verdict['kind']][] = [
    [
      'changed, same method and amount, acknowledged',
      p,
      res({ originalTrnName: 'Purchase', transAmount: '2450', transactionResult: 'APPROVED_ONLINE', invoiceNum: '2' }),
      { acked: true },
      'ours',
    ],
    [
      'changed and matching, never acknowledged',
      p,
      res({ originalTrnName: 'Purchase', transAmount: '2450', transactionResult: 'APPROVED_ONLINE', invoiceNum: '2' }),
      { acked: false },
      'untied',
    ],
    [
      'changed and matching, never acknowledged, sole ECR',
      p,
      res({ originalTrnName: 'Purchase', transAmount: '2450', transactionResult: 'APPROVED_ONLINE', invoiceNum: '2' }),
      { acked: false, soleEcr: true },
      'ours',
    ],
    ['the snapshot again', p, snap, { acked: true }, 'unchanged'],
    ['another method', p, res({ originalTrnName: 'Refund', transAmount: '2450', transactionResult: 'APPROVED_ONLINE' }), { acked: true }, 'foreign'],
    [
      'another amount',
      p,
      res({ originalTrnName: 'Purchase', transAmount: '2451', transactionResult: 'APPROVED_ONLINE' }),
      { acked: true },
      'foreign',
    ],
    [
      'the discounted amount',
      { ...p, discountedAmount: '2000' },
      res({ originalTrnName: 'Purchase', transAmount: '2000', transactionResult: 'APPROVED_ONLINE' }),
      { acked: true },
      'ours',
    ],
    ['an undocumented error code', p, res({}, { error: true, errorCode: 'E22' }), { acked: true }, 'unreadable'],
    ['an error without a code', p, res({}, { error: true, errorCode: '' }), { acked: true }, 'unreadable'],
    ['a request error (busy)', p, res({}, { error: true, errorCode: 'E06' }), { acked: true }, 'unreadable'],
    [
      'a declined result (E21)',
      p,
      res({ originalTrnName: 'Purchase', transAmount: '2450', transactionResult: 'DECLINED_ONLINE' }, { error: true, errorCode: 'E21' }),
      { acked: true },
      'ours',
    ],
    ['no last operation (E20)', p, res({}, { error: true, errorCode: 'E20' }), { acked: true }, 'foreign'],
    [
      'our uid',
      { ...p, transactionUid: 'u1' },
      res({ originalTrnName: 'Purchase', transAmount: '1', transactionResult: 'APPROVED', transactionUid: 'u1' }),
      { acked: false },
      'ours',
    ],
    [
      'another uid, though amount and method match',
      { ...p, transactionUid: 'u1' },
      res({ originalTrnName: 'Purchase', transAmount: '2450', transactionResult: 'APPROVED', transactionUid: 'u2' }),
      { acked: true },
      'foreign',
    ],
    [
      'our uid, first step only',
      { ...p, transactionUid: 'u1' },
      res({ originalTrnName: 'Purchase', transAmount: '2450', transactionResult: 'FIRST_STEP_COMPLETED', transactionUid: 'u1' }),
      { acked: true },
      'first-step',
    ],
  ];
  for (const [label, params, r, ctx, kind] of rows) {
    it(`${label} → ${kind}`, function () {
      judgeResult(spec('Purchase'), params, snap, r, ctx).kind.should.equal(kind);
    });
  }
  it('a CashBack: purchase plus cash → ours; a report that changed → ours when acknowledged', function () {
    const cb = { transAmount: '2450', cashAmount: '700', transCurrency: '980', merchantId: MERCHANT };
    judgeResult(
      spec('CashBack'),
      cb,
      snap,
      res({ originalTrnName: 'CashBack', transAmount: '3150', transactionResult: 'APPROVED_ONLINE' }),
    ).kind.should.equal('ours');
    const report = normaliseResponse({ method: 'GetLastReport', error: false, params: { batchNumber: '2' } });
    judgeResult(spec('ZReport'), { merchantId: MERCHANT }, null, report, { acked: true }).kind.should.equal('ours');
    judgeResult(spec('ZReport'), { merchantId: MERCHANT }, null, report, { acked: false }).kind.should.equal('untied');
  });
});

describe('a journal that cannot be written while money moves', function () {
  this.timeout(20_000);
  let env;
  let dir;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-journal-write-'))));
  afterEach(async () => {
    if (env) await env.cleanup();
    env = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  /** Real failing writes: the journal's folder becomes a file (ENOTDIR), then a folder again. */
  const breakFolder = (folder) => {
    fs.renameSync(folder, `${folder}.away`);
    fs.writeFileSync(folder, 'not a folder');
  };
  const mendFolder = (folder) => {
    fs.rmSync(folder);
    fs.renameSync(`${folder}.away`, folder);
  };

  it('a payment refused JOURNAL (nothing sent) leaves nothing behind: the next one is not UNRESOLVED, and its ref is free', async () => {
    env = await setup();
    const folder = path.join(dir, 'j');
    fs.mkdirSync(folder);
    const t = env.open('tcp', { journal: path.join(folder, 'journal.json') });
    await t.transact('Purchase', purchase(100));
    breakFolder(folder);
    const err = await t.transact('Purchase', purchase(200), { ref: 'order-1' }).should.be.rejected();
    err.should.match({ code: 'JOURNAL', sent: false });
    t.unresolved().should.have.length(0);
    should(t.lookup('order-1')).be.undefined();
    mendFolder(folder);
    (await t.transact('Purchase', purchase(200), { ref: 'order-1' })).params.transAmount.should.equal('200');
    env.sim.counts.Purchase.should.equal(2);
  });

  it('an outcome recovered while the disk refuses writes is delivered once, and its record kept until a write succeeds', async () => {
    env = await setup();
    const folder = path.join(dir, 'j');
    fs.mkdirSync(folder);
    const journal = path.join(folder, 'journal.json');
    const a = env.open('tcp', { journal, overallTimeout: 200, requestTimeout: 50 });
    env.sim.injectFault({ method: 'GetStatus', action: 'no-response', times: 1000 });
    const err = await a.transact('Purchase', purchase(300)).should.be.rejected();
    err.code.should.equal('OUTCOME_UNKNOWN');
    await a.close();
    env.sim.clearFaults();
    const b = env.open('tcp', { journal });
    const recovered: Wire[] = [];
    const issues: Wire[] = [];
    b.on('recovered', (rep) => recovered.push(rep));
    b.on('issue', (i) => i.kind === 'journal' && issues.push(i.message));
    breakFolder(folder);
    const [rep] = await b.reconcile();
    rep.verdict.should.equal('ours');
    recovered.should.have.length(1);
    b.unresolved().should.have.length(1);
    issues.join('\n').should.match(/could not be written down/);
    mendFolder(folder);
    await b.reconcile();
    recovered.should.have.length(1);
    b.unresolved().should.have.length(0);
    JSON.parse(fs.readFileSync(journal, 'utf8')).records.should.eql([]);
  });
});
