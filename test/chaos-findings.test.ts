'use strict';
/**
 * Minimal reproductions of what the chaos harness (test/support/chaos.ts) found, each through the fault proxy
 * and the simulator only. They state the promise; they fail while the library breaks it.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import { spawn } from 'node:child_process';
import should = require('should');
import { Terminal } from '../src/core';
import { startSimulator } from '../src/simulator';
import { startFaultProxy } from './support/fault-proxy';
import { FAST, purchase, delay } from './support/fixtures';

describe('chaos findings: outcome certainty under network faults', function () {
  this.timeout(20000);
  let sim;
  let proxy;
  let dir;
  const terminals: Terminal[] = [];

  beforeEach(async () => {
    sim = await startSimulator({ port: 0, httpPort: false, phases: FAST });
    proxy = await startFaultProxy({ target: { port: sim.port } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-findings-'));
  });

  afterEach(async () => {
    await Promise.all(terminals.splice(0).map((t) => t.close()));
    await proxy.stop();
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const open = (options = {}) => {
    const t = new Terminal({
      host: '127.0.0.1',
      port: proxy.port,
      journal: path.join(dir, 'journal.json'),
      pollInterval: 5,
      requestTimeout: 150,
      settleGrace: 80,
      connectTimeout: 200,
      overallTimeout: 300,
      ...options,
    });
    terminals.push(t);
    return t;
  };

  /** With faults off: until the transport's reconnect backoff has run out and the terminal answers. */
  async function healthy(t) {
    for (let i = 0; i < 100; i++) {
      try {
        return await t.request('PingDevice');
      } catch {
        await delay(30);
      }
    }
    throw new Error('the terminal never answered again');
  }

  const purchases = () => sim.requests.filter((r) => r.method === 'Purchase').map((r) => r.params.transAmount);

  /** The request never reaches the terminal and the line stays refused longer than overallTimeout (+ unackedGrace). */
  async function unknownNeverSent(t, amount) {
    proxy.inject({ kind: 'drop-before-request', method: 'Purchase', refuseMs: 1200 });
    const err = await t.transact('Purchase', purchase(amount)).should.be.rejected();
    err.code.should.equal('OUTCOME_UNKNOWN');
    err.facts.acknowledged.should.be.false();
    purchases().should.not.containEql(amount);
    proxy.clear();
    await healthy(t);
    return err;
  }

  it('an OUTCOME_UNKNOWN whose request never reached the terminal is reconciled as not performed', async () => {
    // Nothing holds the request (the connection was cut before it): a short horizon for unacknowledged requests.
    const t = open({ unackedGrace: 500 });
    await t.transact('Purchase', purchase('2001'));
    const err = await unknownNeverSent(t, '2002');
    const reports = await t.reconcile();
    reports.should.have.length(1);
    reports[0].record.id.should.equal(err.facts.journalId);
    // Never acknowledged, terminal idle, last result unchanged: the very facts NOT_PERFORMED is decided on live.
    reports[0].verdict.should.equal('not-performed', reports[0].reason);
    t.unresolved().should.have.length(0);
    should((await t.transact('Purchase', purchase('2003'))).params.transAmount).equal('2003');
  });

  it("allowWhileUnresolved: a later operation's result is never taken as the outcome of an unresolved one", async () => {
    const t = open({ allowWhileUnresolved: true });
    await t.transact('Purchase', purchase('3000'));
    // A vending machine: every sale is the same price. The first one never reaches the terminal.
    await unknownNeverSent(t, '2450');
    // The next sale's reconciliation cannot ask the terminal (one GetStatus lost), so it goes ahead as allowed.
    proxy.inject({ kind: 'drop-before-request', method: 'GetStatus' });
    const second = await t.transact('Purchase', purchase('2450'));
    should(second.params.transactionResult).equal('APPROVED_ONLINE');
    purchases()
      .filter((a) => a === '2450')
      .should.have.length(1);
    const reports = await t.reconcile();
    reports.should.have.length(1);
    // The terminal performed one 2450 sale, and it was delivered to the second caller: the first must not get it too.
    if (reports[0].verdict === 'ours') should(reports[0].result!.params.invoiceNum).not.equal(second.params.invoiceNum);
  });

  it('a request that reaches the terminal late is never reported NOT_PERFORMED while the terminal performs it', async () => {
    const t = open({ overallTimeout: 2000 });
    await t.transact('Purchase', purchase('4000'));
    // The request is held by a relay for 500 ms (past requestTimeout 150 + settleGrace 80; within the default
    // unackedGrace), then delivered.
    proxy.inject({ kind: 'late-request', method: 'Purchase', ms: 500 });
    let err;
    try {
      await t.transact('Purchase', purchase('4001'));
    } catch (e) {
      err = e;
    }
    await delay(700);
    const performed = purchases().includes('4001');
    performed.should.be.true();
    // Performed: the caller must have the result, or an OUTCOME_UNKNOWN that reconciliation settles — not NOT_PERFORMED.
    if (err) err.code.should.not.equal('NOT_PERFORMED', `NOT_PERFORMED, yet the terminal performed it: ${err.message}`);
  });

  it('after a crash, a request still on its way is not reconciled as not performed', async () => {
    const t = open();
    await t.transact('Purchase', purchase('5000'));
    // One Terminal per journal: this one gives it up before the client process takes it.
    await t.close();
    // A client process sends a Purchase, then dies (SIGKILL) while a relay still holds the request for 600 ms.
    proxy.inject({ kind: 'late-request', method: 'Purchase', ms: 600 });
    const code = `
      const { Terminal } = require(${JSON.stringify(path.join(__dirname, '../dist/core'))});
      const t = new Terminal({ host: '127.0.0.1', port: ${proxy.port}, journal: ${JSON.stringify(path.join(dir, 'journal.json'))}, requestTimeout: 5000 });
      t.transact('Purchase', { transAmount: '5001', transCurrency: '980', merchantId: '000000060007176' }).catch(() => undefined);`;
    const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      for (let i = 0; i < 250 && proxy.counts['late-request'] === 0; i++) await delay(20);
      proxy.counts['late-request'].should.equal(1);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    // The restarted client finds the journal record and reconciles at once.
    const restarted = open();
    restarted.unresolved().should.have.length(1);
    const [report] = await restarted.reconcile();
    await delay(800);
    const performed = purchases().includes('5001');
    performed.should.be.true();
    report.verdict.should.not.equal(
      'not-performed',
      `reconciled as not performed ${report.reason ? `(${report.reason})` : ''}, yet the terminal performed it`,
    );
  });
});
