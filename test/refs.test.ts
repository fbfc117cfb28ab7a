'use strict';
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import 'should';
import { Terminal } from '../src/core';
import { setup, purchase, waitFor, financialCount } from './support/fixtures';

/** One payment per caller's reference: a repeat is refused before the wire, a payment that never ran frees it. */
describe('refs: one operation per caller reference', function () {
  let env;
  let dir;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-refs-'))));
  afterEach(async () => {
    if (env) await env.cleanup();
    env = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const journal = () => path.join(dir, 'journal.json');

  it('a repeat while the first runs or waits is refused with DUPLICATE, and nothing is sent for it', async () => {
    env = await setup({ phases: { S01: 10, S02: 100, S03: 0, S04: 10, S05: 0, S07: 0 } });
    const t = env.open();
    const first = t.transact('Purchase', purchase('2450'), { ref: 'order-1' });
    const err = await t.transact('Purchase', purchase('2450'), { ref: 'order-1' }).should.be.rejected();
    err.should.match({ code: 'DUPLICATE', sent: false, field: 'ref', rule: 'one operation per ref' });
    err.facts.should.match({ ref: 'order-1', previous: { state: 'running', method: 'Purchase', params: { transAmount: '2450' } } });
    err.message.should.match(/Purchase not sent: ref "order-1" was already used for Purchase .* which is running or waiting its turn/);
    (await first).params.transAmount.should.equal('2450');
    financialCount(env.sim, 'Purchase').should.equal(1);
  });

  it('a ref that was answered (approved or declined) stays taken, with what came of it', async () => {
    env = await setup();
    const t = env.open();
    const approved = await t.transact('Purchase', purchase('2450'), { ref: 'a' });
    await t.transact('Purchase', purchase('10051'), { ref: 'd' });
    const again = await t.transact('Purchase', purchase('2450'), { ref: 'a' }).should.be.rejected();
    again.facts.previous.should.match({
      state: 'settled',
      how: 'result',
      summary: { approved: true, transactionResult: 'APPROVED_ONLINE', rrn: approved.params.rrn },
    });
    again.facts.previous.summary.should.not.have.property('pan');
    again.message.should.match(/settled at .* \(APPROVED_ONLINE, rrn \d+\)/);
    (await t.transact('Purchase', purchase('10051'), { ref: 'd' }).should.be.rejected()).facts.previous.summary.approved.should.be.false();
    t.lookup('a').should.match({ state: 'settled' });
    (t.lookup('nope') === undefined).should.be.true();
    financialCount(env.sim, 'Purchase').should.equal(2);
  });

  it('a ref whose payment certainly did not run is free again: refused by the terminal, unreachable, invalid', async () => {
    env = await setup({ amountLimit: 5000 });
    const t = env.open();
    (await t.transact('Purchase', purchase('9000'), { ref: 'r' }).should.be.rejected()).code.should.equal('E19');
    (await t.transact('Purchase', purchase('24.50'), { ref: 'r' }).should.be.rejected()).code.should.equal('VALIDATION');
    const offline = new Terminal({ host: '127.0.0.1', port: 1, connectTimeout: 100 });
    (await offline.transact('Purchase', purchase('100'), { ref: 'r' }).should.be.rejected()).code.should.equal('CONNECTION_FAILED');
    (await offline.transact('Purchase', purchase('100'), { ref: 'r' }).should.be.rejected()).code.should.equal('CONNECTION_FAILED');
    await offline.close();
    (await t.transact('Purchase', purchase('4000'), { ref: 'r' })).params.transAmount.should.equal('4000');
  });

  it('refuses a ref that is not a string of 1 to 128 characters before anything is sent', async () => {
    env = await setup();
    const t = env.open();
    for (const ref of ['', 'x'.repeat(129), 42, null]) {
      const err = await t.transact('Purchase', purchase('100'), { ref }).should.be.rejected();
      err.should.match({ code: 'VALIDATION', field: 'ref', rule: 'string of 1 to 128 characters' });
    }
    financialCount(env.sim, 'Purchase').should.equal(0);
  });

  it('an outcome not established keeps the ref taken, also after a restart, until reconcile settles it', async () => {
    env = await setup({ phases: { S01: 10, S02: 400, S03: 10, S04: 10, S05: 10, S07: 0 } });
    const t = env.open('tcp', { journal: journal(), overallTimeout: 150, pollInterval: 10 });
    (await t.transact('Purchase', purchase('4321'), { ref: 'o-7' }).should.be.rejected()).code.should.equal('OUTCOME_UNKNOWN');
    const dup = await t.transact('Purchase', purchase('4321'), { ref: 'o-7' }).should.be.rejected();
    dup.should.match({ code: 'DUPLICATE', facts: { previous: { state: 'unresolved' } } });
    await t.close();
    // A restart: the journal still has it open.
    const restarted = env.open('tcp', { journal: journal() });
    (await restarted.transact('Purchase', purchase('4321'), { ref: 'o-7' }).should.be.rejected()).facts.previous.state.should.equal('unresolved');
    await waitFor(() => env.sim.status === 'S00', 3000, 'the terminal to finish');
    const [report] = await restarted.reconcile();
    report.should.match({ verdict: 'ours', record: { ref: 'o-7' } });
    (await restarted.transact('Purchase', purchase('4321'), { ref: 'o-7' }).should.be.rejected()).facts.previous.should.match({
      state: 'settled',
      summary: { approved: true },
    });
    financialCount(env.sim, 'Purchase').should.equal(1);
  });

  it('settled refs survive a restart through the journal, and are forgotten after a day', async () => {
    env = await setup();
    const t = env.open('tcp', { journal: journal() });
    await t.transact('Purchase', purchase('100'), { ref: 'kept' });
    await t.close();
    const onDisk = JSON.parse(fs.readFileSync(journal(), 'utf8'));
    onDisk.records.should.eql([]);
    onDisk.settled.should.match([{ ref: 'kept', method: 'Purchase', how: 'result', summary: { approved: true } }]);
    const again = env.open('tcp', { journal: journal() });
    (await again.transact('Purchase', purchase('100'), { ref: 'kept' }).should.be.rejected()).code.should.equal('DUPLICATE');
    await again.close();
    // A day later the ref is free again.
    onDisk.settled[0].settledAt = new Date(Date.now() - 24 * 3600 * 1000 - 1000).toISOString();
    fs.writeFileSync(journal(), JSON.stringify(onDisk));
    (await env.open('tcp', { journal: journal() }).transact('Purchase', purchase('100'), { ref: 'kept' })).params.transAmount.should.equal('100');
    financialCount(env.sim, 'Purchase').should.equal(2);
  });

  it('an operation resolved by hand keeps its ref taken', async () => {
    env = await setup({ phases: { S01: 10, S02: 400, S03: 10, S04: 10, S05: 10, S07: 0 } });
    const t = env.open('tcp', { journal: journal(), overallTimeout: 150, pollInterval: 10 });
    await t.transact('Purchase', purchase('555'), { ref: 'by-hand' }).should.be.rejected();
    t.markResolved(t.unresolved()[0].id).should.be.true();
    await waitFor(() => env.sim.status === 'S00', 3000, 'the terminal to finish');
    const err = await t.transact('Purchase', purchase('555'), { ref: 'by-hand' }).should.be.rejected();
    err.facts.previous.should.match({ state: 'settled', how: 'resolved-by-hand' });
    err.message.should.match(/was resolved by hand at/);
  });
});
