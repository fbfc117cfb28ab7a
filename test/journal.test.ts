'use strict';
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import { spawn } from 'node:child_process';
import 'should';
import { Terminal } from '../src/core';
import { setup, purchase, waitFor, financialCount, MERCHANT } from './support/fixtures';
import type { Wire } from './support/wire';

function tmpJournal() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-journal-'));
  return { dir, file: path.join(dir, 'journal.json') };
}
const onDisk = (file) => JSON.parse(fs.readFileSync(file, 'utf8')).records;

describe('Journal and recovery', function () {
  let env;
  let j;
  beforeEach(() => (j = tmpJournal()));
  afterEach(async () => {
    if (env) await env.cleanup();
    env = undefined;
    fs.rmSync(j.dir, { recursive: true, force: true });
  });

  it('writes the intent down durably before the request reaches the terminal, and crosses it out after', async () => {
    env = await setup();
    const t = env.open('tcp', { journal: j.file });
    await t.transact('Purchase', purchase('100'));
    let seenOnDisk;
    env.sim.on('request', (method) => {
      if (method === 'Purchase') seenOnDisk = onDisk(j.file);
    });
    const result = await t.transact('Purchase', purchase('2450'), { tag: 'node-7' });
    seenOnDisk.should.have.length(1);
    seenOnDisk[0].should.match({ method: 'Purchase', params: { transAmount: '2450' }, tag: 'node-7', step: 'sending' });
    // The snapshot is the previous purchase's result, kept without track 2.
    seenOnDisk[0].snapshot.params.should.match({ transAmount: '100' });
    seenOnDisk[0].snapshot.params.should.not.have.property('track2');
    result.params.transAmount.should.equal('2450');
    onDisk(j.file).should.eql([]);
    t.unresolved().should.eql([]);
    // No temp file left; the lock is there while the Terminal is open, and goes with it.
    fs.readdirSync(j.dir).sort().should.eql(['journal.json', 'journal.json.lock']);
    await t.close();
    fs.readdirSync(j.dir).should.eql(['journal.json']);
  });

  it('after a crash mid-payment, reconcile() finds the outcome on the terminal without sending anything again', async function () {
    this.timeout(20000);
    env = await setup({ phases: { S01: 10, S02: 600, S03: 10, S04: 10, S05: 10, S07: 0 } });
    // A separate process starts a purchase and is killed (SIGKILL) while the terminal waits for the card.
    const script = `
      const { Terminal } = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'core'))});
      const t = new Terminal({ host: '127.0.0.1', port: ${env.sim.port}, pollInterval: 5, journal: ${JSON.stringify(j.file)} });
      t.transact('Purchase', { transAmount: '7777', transCurrency: '980', merchantId: '${MERCHANT}' }, { tag: 'buy-1', onStatus: (s) => s.status === 'S02' && console.log('S02') });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.on('data', (d) => String(d).includes('S02') && resolve()));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    onDisk(j.file).should.have.length(1);
    onDisk(j.file)[0].should.match({ method: 'Purchase', tag: 'buy-1', step: 'acknowledged' });

    const t = env.open('tcp', { journal: j.file });
    t.unresolved().should.have.length(1);
    const recovered: Wire[] = [];
    t.on('recovered', (r) => recovered.push(r));
    const [report] = await t.reconcile();
    report.verdict.should.equal('ours');
    report.result.params.should.match({ transAmount: '7777', transactionResult: 'APPROVED_ONLINE', originalTrnName: 'Purchase' });
    report.record.tag.should.equal('buy-1');
    recovered.should.have.length(1);
    t.unresolved().should.eql([]);
    onDisk(j.file).should.eql([]);
    financialCount(env.sim, 'Purchase').should.equal(1);
  });

  it('a record written just before a crash, whose request never went out, reconciles as not performed', async () => {
    env = await setup();
    const t0 = env.open('tcp');
    await t0.transact('Purchase', purchase('300'));
    const snapshot = await t0.request('GetLastResult');
    const now = new Date().toISOString();
    fs.writeFileSync(
      j.file,
      JSON.stringify({
        version: 1,
        records: [{ id: 'r1', method: 'Purchase', params: purchase('301'), startedAt: now, updatedAt: now, step: 'sending', snapshot }],
      }),
    );
    const t = env.open('tcp', { journal: j.file, unackedGrace: 400 });
    // Right after the crash the request might still be on its way: not settled yet, try again later.
    const [early] = await t.reconcile();
    early.should.match({ verdict: 'unknown', retry: true });
    early.reason.should.match(/may still reach the terminal/);
    await new Promise((r) => setTimeout(r, 450));
    const [report] = await t.reconcile();
    report.should.match({ verdict: 'not-performed' });
    t.unresolved().should.eql([]);
  });

  it('an outcome that stays unknown blocks new payments (UNRESOLVED, unsent) until reconciled, allowed, or marked resolved', async () => {
    env = await setup();
    const t0 = env.open('tcp');
    await t0.transact('Refund', { transAmount: '500', transCurrency: '980', rrn: '123', merchantId: MERCHANT });
    const now = new Date().toISOString();
    // Our purchase's outcome was unknown, and since then the terminal ran a refund: that result is not ours.
    fs.writeFileSync(
      j.file,
      JSON.stringify({
        version: 1,
        records: [{ id: 'r2', method: 'Purchase', params: purchase('999'), startedAt: now, updatedAt: now, step: 'unknown', snapshot: null }],
      }),
    );
    const t = env.open('tcp', { journal: j.file });
    const before = financialCount(env.sim, 'Purchase');
    const err = await t.transact('Purchase', purchase('1000')).should.be.rejected();
    err.code.should.equal('UNRESOLVED');
    err.sent.should.be.false();
    err.message.should.match(/earlier Purchase/);
    err.facts.unresolved[0].reason.should.match(/is a Refund, not a Purchase/);
    financialCount(env.sim, 'Purchase').should.equal(before);
    // Reports still run: they move no money.
    (await t.transact('XReport', { merchantId: MERCHANT })).error.should.be.false();
    // One Terminal per journal: the owner who allows payments meanwhile opens it once the first one is closed.
    await t.close();
    const lenient = env.open('tcp', { journal: j.file, allowWhileUnresolved: true });
    (await lenient.transact('Purchase', purchase('1001'))).params.transAmount.should.equal('1001');
    await lenient.close();
    const strict = env.open('tcp', { journal: j.file });
    strict.markResolved('r2').should.be.true();
    (await strict.transact('Purchase', purchase('1002'))).params.transAmount.should.equal('1002');
  });

  it('an in-process OUTCOME_UNKNOWN is settled before the next payment, which then runs', async () => {
    env = await setup({ phases: { S01: 10, S02: 400, S03: 10, S04: 10, S05: 10, S07: 0 } });
    const t = env.open('tcp', { journal: j.file, overallTimeout: 150, pollInterval: 10 });
    const err = await t.transact('Purchase', purchase('4321')).should.be.rejected();
    err.code.should.equal('OUTCOME_UNKNOWN');
    err.facts.journalId.should.equal(t.unresolved()[0].id);
    t.unresolved()[0].step.should.equal('unknown');
    const recovered: Wire[] = [];
    t.on('recovered', (r) => recovered.push(r.result.params.transAmount));
    await waitFor(() => env.sim.status === 'S00', 3000, 'the terminal to finish');
    env.sim.engine.phases.S02 = 0;
    (await t.transact('Purchase', purchase('4322'))).params.transAmount.should.equal('4322');
    recovered.should.eql(['4321']);
    t.unresolved().should.eql([]);
    financialCount(env.sim, 'Purchase').should.equal(2);
  });

  it('refused and never-sent operations leave nothing in the journal', async () => {
    env = await setup({ zReportAfter: 1 });
    const t = env.open('tcp', { journal: j.file });
    await t.transact('Purchase', purchase('100'));
    (await t.transact('Purchase', purchase('200')).should.be.rejected()).code.should.equal('E15');
    onDisk(j.file).should.eql([]);
    await t.close();
    const offline = new Terminal({ host: '127.0.0.1', port: 1, connectTimeout: 100, journal: j.file });
    (await offline.transact('Purchase', purchase('300')).should.be.rejected()).code.should.equal('CONNECTION_FAILED');
    onDisk(j.file).should.eql([]);
    await offline.close();
  });

  it('a journal that cannot be written stops the payment before the wire (JOURNAL, unsent)', async () => {
    env = await setup();
    const file = path.join(j.dir, 'sub', 'journal.json');
    const t = env.open('tcp', { journal: file });
    await t.request('GetStatus');
    // The journal's folder becomes a file: nothing can be written there any more.
    fs.rmSync(path.join(j.dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(j.dir, 'sub'), 'not a folder');
    const err = await t.transact('Purchase', purchase('100')).should.be.rejected();
    err.code.should.equal('JOURNAL');
    err.sent.should.be.false();
    err.message.should.match(/Purchase not sent: the journal could not be written/);
    // What failed, where: the file and the OS error, and the cause is the library's error too (code JOURNAL).
    err.message.should.containEql(file);
    err.message.should.match(/ENOTDIR/);
    err.cause.should.match({ name: 'EcrError', code: 'JOURNAL', facts: { path: file, os: 'ENOTDIR' } });
    financialCount(env.sim, 'Purchase').should.equal(0);
  });

  it('an unreadable journal is kept aside and blocks payments until someone looks', async () => {
    env = await setup();
    fs.writeFileSync(j.file, '{"version":1,"records":[{"id":');
    const t = env.open('tcp', { journal: j.file });
    t.unresolved()[0].should.match({ id: 'unreadable-journal', step: 'unknown' });
    fs.readdirSync(j.dir)
      .some((f) => f.startsWith('journal.json.unreadable-'))
      .should.be.true();
    (await t.transact('Purchase', purchase('100')).should.be.rejected()).code.should.equal('UNRESOLVED');
    t.markResolved('unreadable-journal').should.be.true();
    (await t.transact('Purchase', purchase('100'))).error.should.be.false();
  });
});
