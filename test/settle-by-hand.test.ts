'use strict';
/**
 * An operation whose outcome nobody could establish, crossed out by a person who checked the terminal: what they
 * said (approved, not performed) and who they are go into the journal, and reconciling never delivers an outcome
 * for a record someone settled while it was asking the terminal.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import 'should';
import { setup, purchase, waitFor, MERCHANT } from './support/fixtures';
import type { Wire } from './support/wire';

const onDisk = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));

describe('Settling an unresolved operation by hand (library)', function () {
  let env;
  let dir;
  let file;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-hand-'));
    file = path.join(dir, 'journal.json');
  });
  afterEach(async () => {
    if (env) await env.cleanup();
    env = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the verdict and who gave it into the journal, kept across a restart; the ref stays taken', async () => {
    env = await setup({ phases: { S01: 20, S02: 20, S03: 20, S04: 20, S05: 20, S07: 0 } });
    const t = env.open('tcp', { journal: file });
    // The acknowledgement is lost and another ECR may share the terminal: nobody can tell whose result it is.
    env.sim.injectFault({ method: 'Purchase', action: 'close-before-response' });
    const err = await t.transact('Purchase', purchase('778'), { tag: 'buy', ref: 'order-1' }).should.be.rejected();
    err.code.should.equal('OUTCOME_UNKNOWN');
    const [record] = t.unresolved();
    record.should.match({ method: 'Purchase', ref: 'order-1', tag: 'buy', step: 'unknown' });

    t.markResolved(record.id, { verdict: 'not-performed', by: 'anna' }).should.be.true();
    t.markResolved(record.id, { verdict: 'approved', by: 'anna' }).should.be.false();
    t.unresolved().should.eql([]);
    await t.close();
    const written = onDisk(file);
    written.records.should.eql([]);
    written.byHand.should.have.length(1);
    written.byHand[0].should.match({
      id: record.id,
      method: 'Purchase',
      ref: 'order-1',
      tag: 'buy',
      verdict: 'not-performed',
      by: 'anna',
      params: { transAmount: '778', merchantId: MERCHANT },
    });
    Date.parse(written.byHand[0].settledAt).should.be.a.Number().and.not.NaN();

    // A person may be wrong: the same order is refused, not charged again, even after a restart.
    const again = env.open('tcp', { journal: file });
    const dup = await again.transact('Purchase', purchase('778'), { ref: 'order-1' }).should.be.rejected();
    dup.code.should.equal('DUPLICATE');
    dup.message.should.match(/resolved by hand/);
    (await again.transact('Purchase', purchase('779'), { ref: 'order-2' })).params.transAmount.should.equal('779');
    await again.close();
    onDisk(file)
      .byHand.map((h) => h.verdict)
      .should.eql(['not-performed']);
  });

  it('resolveByHand resolves once the verdict is on disk; when the journal cannot be written it rejects and the record stays open', async () => {
    env = await setup();
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    const journal = path.join(sub, 'journal.json');
    const now = new Date().toISOString();
    const record = (id) => ({
      id,
      method: 'Purchase',
      params: purchase('42'),
      ref: `order-${id}`,
      startedAt: now,
      updatedAt: now,
      step: 'unknown',
      snapshot: null,
    });
    fs.writeFileSync(journal, JSON.stringify({ version: 1, records: [record('r1'), record('r2')] }));
    const t = env.open('tcp', { journal });
    const settling = t.resolveByHand('r1', { verdict: 'approved', by: 'anna' });
    // Crossed out at once: a second settlement meanwhile finds nothing to settle.
    t.unresolved()
      .map((r) => r.id)
      .should.eql(['r2']);
    (await t.resolveByHand('r1')).should.be.false();
    (await settling).should.be.true();
    onDisk(journal).byHand.should.match([{ id: 'r1', verdict: 'approved', by: 'anna' }]);
    // The journal's folder becomes a file: nothing can be written there any more.
    fs.rmSync(sub, { recursive: true });
    fs.writeFileSync(sub, 'not a folder');
    const err = await t.resolveByHand('r2', { verdict: 'not-performed' }).should.be.rejected();
    err.code.should.equal('JOURNAL');
    err.message.should.match(/ENOTDIR/);
    t.unresolved()
      .map((r) => r.id)
      .should.eql(['r2']);
    // Its ref is still one whose outcome is not established, not one settled by hand.
    t.lookup('order-r2').state.should.equal('unresolved');
  });

  it('without a verdict a record is written down as checked', async () => {
    env = await setup();
    const now = new Date().toISOString();
    fs.writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        records: [{ id: 'r1', method: 'Purchase', params: purchase('42'), startedAt: now, updatedAt: now, step: 'unknown', snapshot: null }],
      }),
    );
    const t = env.open('tcp', { journal: file });
    t.markResolved('r1').should.be.true();
    await t.close();
    onDisk(file).byHand.should.match([{ id: 'r1', verdict: 'checked' }]);
    onDisk(file).byHand[0].should.not.have.property('by');
  });

  it('a journal whose settlements by hand are not what it writes is kept aside, naming what is wrong', async () => {
    env = await setup();
    const now = new Date().toISOString();
    fs.writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        records: [],
        byHand: [{ id: 'r1', method: 'Purchase', params: {}, startedAt: now, settledAt: now, verdict: 'maybe' }],
      }),
    );
    const t = env.open('tcp', { journal: file });
    const [record] = t.unresolved();
    record.id.should.equal('unreadable-journal');
    record.reason.should.match(/settlement by hand 0 \(r1\): verdict is not one of approved, not-performed, checked/);
  });

  it("settled by hand while reconcile asks the terminal: the terminal's answer is not delivered as well", async () => {
    env = await setup({ phases: { S01: 10, S02: 800, S03: 10, S04: 10, S05: 10, S07: 0 } });
    // The terminal is busy with the very purchase the journal holds, acknowledged: once idle, its result is ours.
    const other = env.open('tcp');
    const running = other.transact('Purchase', purchase('4242'));
    await waitFor(() => env.sim.status === 'S02', 3000, 'the card prompt');
    const now = new Date().toISOString();
    const snapshot = { method: 'GetLastResult', error: false, errorCode: '', errorDescription: '', params: { transAmount: '1' } };
    fs.writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        records: [
          {
            id: 'r4242',
            method: 'Purchase',
            params: purchase('4242'),
            tag: 'buy',
            startedAt: now,
            updatedAt: now,
            sentAt: now,
            acknowledged: true,
            step: 'unknown',
            snapshot,
          },
        ],
      }),
    );
    const t = env.open('tcp', { journal: file });
    const recovered: Wire[] = [];
    t.on('recovered', (r) => recovered.push(r));
    const reconciling = t.reconcile();
    // reconcile waits for the terminal to be idle; meanwhile a person settles it.
    await waitFor(() => env.sim.requests.filter((r) => r.method === 'GetStatus' && r.at > Date.parse(now)).length >= 2, 3000, 'reconcile to poll');
    t.markResolved('r4242', { verdict: 'not-performed', by: 'anna' }).should.be.true();
    (await running).params.should.match({ transAmount: '4242', transactionResult: 'APPROVED_ONLINE' });
    (await reconciling).should.eql([]);
    recovered.should.eql([]);
    t.unresolved().should.eql([]);
  });
});
