'use strict';
/**
 * The chaos test: CI_TRANSACTIONS randomised financial transactions (fixed seed) through fault-injecting proxies,
 * judged by the simulator's own records. `npm run chaos` runs the same harness longer (test/chaos-run.ts).
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import should = require('should');
import { Terminal } from '../src/core';
import { startSimulator } from '../src/simulator';
import { runChaos, judge, recordLedger } from './support/chaos';
import { KINDS } from './support/fault-proxy';
import chaosConfig = require('./support/chaos-config');
const { CI_SEED, CI_TRANSACTIONS, CI_LANES, CI_OPTIONS } = chaosConfig;
import { FAST, MERCHANT } from './support/fixtures';

describe('chaos: randomised transactions through fault-injecting proxies', function () {
  this.timeout(300_000);
  const unhandled: unknown[] = [];
  const onUnhandled = (err) => unhandled.push(err);
  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => process.removeListener('unhandledRejection', onUnhandled));

  it('the judge catches a duplicate, a misattribution and a lost outcome (self-test)', async () => {
    const sim = await startSimulator({ port: 0, httpPort: false, phases: FAST });
    const ledger = recordLedger(sim);
    const t = new Terminal({ host: '127.0.0.1', port: sim.port, pollInterval: 5, settleGrace: 50 });
    try {
      const p = (amount) => ({ transAmount: amount, transCurrency: '980', merchantId: MERCHANT });
      const first = await t.transact('Purchase', p('7001'));
      const again = await t.transact('Purchase', p('7001'));
      await t.transact('Purchase', p('7002'));
      await t.transact('Purchase', p('7003'));
      const txs: Parameters<typeof judge>[1] = [
        { i: 0, method: 'Purchase', params: p('7001'), key: 'amt:7001', outcome: 'result', result: first },
        { i: 1, method: 'Purchase', params: p('7002'), key: 'amt:7002', outcome: 'result', result: again },
        { i: 2, method: 'Purchase', params: p('7003'), key: 'amt:7003', outcome: 'error', error: { code: 'NOT_PERFORMED', sent: true } },
      ];
      const r = judge(0, txs, ledger, sim, { counts: {} }, {}, 0, false, () => undefined);
      r.duplicates.should.equal(1);
      r.misattributed.should.be.aboveOrEqual(2);
      r.lost.should.equal(1);
      r.problems
        .join('\n')
        .should.match(/duplicate.*amt:7001/)
        .and.match(/misattributed.*transAmount 7001, requested 7002/)
        .and.match(/lost.*NOT_PERFORMED/);
    } finally {
      await t.close();
      await sim.stop();
    }
  });

  it(`${CI_TRANSACTIONS} transactions over ${CI_LANES} lanes, seed ${CI_SEED}: nothing lost, nothing sent twice, nothing misattributed`, async () => {
    console.log(`      chaos seed ${CI_SEED} (CHAOS_SEED=${CI_SEED} npm run chaos reproduces the choices)`);
    const totals = await runChaos({
      transactions: CI_TRANSACTIONS,
      lanes: CI_LANES,
      seed: CI_SEED,
      ...CI_OPTIONS,
      log: (line) => console.log(`      ${line}`),
    });
    console.log(`      ${totals.line}`);
    totals.transactions.should.equal(CI_TRANSACTIONS);
    // The faults really happened, every kind of them, and reconciliation was really exercised.
    for (const kind of KINDS) totals.faultsFired[kind].should.be.above(0, `no ${kind} fault fired`);
    totals.fired.should.be.above(CI_TRANSACTIONS / 2);
    totals.unknowns.should.be.above(0);
    if (CI_OPTIONS.crashes) totals.crashes.should.be.above(0);
    totals.problems.length.should.equal(0, `${totals.problems.length} problems (listed above), e.g.\n${totals.problems.slice(0, 5).join('\n')}`);
    totals.lost.should.equal(0);
    totals.duplicates.should.equal(0);
    totals.misattributed.should.equal(0);
    totals.wrongSentFlag.should.equal(0);
    totals.hangs.should.equal(0);
    unhandled.should.eql([]);
  });
});

describe('chaos findings: closing a client and opening the next on its journal', function () {
  this.timeout(20_000);
  let sim;
  let dir;
  const terminals: Terminal[] = [];

  beforeEach(async () => {
    sim = await startSimulator({ port: 0, httpPort: false, phases: FAST });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-close-twice-'));
  });

  afterEach(async () => {
    await Promise.all(terminals.splice(0).map((t) => t.close()));
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const open = () => {
    const t = new Terminal({ host: '127.0.0.1', port: sim.port, journal: path.join(dir, 'journal.json'), pollInterval: 5, settleGrace: 50 });
    terminals.push(t);
    return t;
  };

  // A second close() resolves with the first: only once the journal is released, so the next Terminal can open it.
  it('close() called twice resolves only once the journal is released, so the next Terminal can use it', async () => {
    const t = open();
    should((await t.transact('Purchase', { transAmount: '7101', transCurrency: '980', merchantId: MERCHANT })).params.transAmount).equal('7101');
    const first = t.close(); // a crash handler, a redeploy: someone starts closing
    await t.close(); // the owner waits for the close before opening the journal again
    const next = open();
    next.unresolved().should.eql([]);
    should((await next.transact('Purchase', { transAmount: '7102', transCurrency: '980', merchantId: MERCHANT })).params.transAmount).equal('7102');
    await first;
  });
});
