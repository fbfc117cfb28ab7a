'use strict';
/**
 * Journals that are malformed, on a read-only file system, shared by two Terminals or two processes, or fed a
 * result no JSON writer can write: Node-RED stays up, nothing is sent that is not written down, nothing written
 * down is lost, and what blocks payments says why and how to clear it.
 */
import fs = require('node:fs');
import os = require('node:os');
import net = require('node:net');
import path = require('node:path');
import http = require('node:http');
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import should = require('should');
import { Terminal, Journal, JOURNAL_UNAVAILABLE, UNREADABLE_JOURNAL, getMethod, encodeFrame, FrameDecoder } from '../dist/core';
import { judgeResult } from '../dist/core/result-judgement';
import { setup, purchase, financialCount, waitFor, delay, MERCHANT } from './support/fixtures';
import { startNodeRed } from './support/node-red';
import nodes = require('./nodes/support');
import { STATUS_NS, hubBadge } from '../dist/nodes/lib/status';
import type { AddressInfo } from 'node:net';
import type { Wire } from './support/wire';

const root = path.join(__dirname, '..');
const dist = (p) => JSON.stringify(path.join(root, 'dist', p));

function tmpDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-hostile-journal-'));
}

/** Every unhandled rejection and uncaught exception while a test runs fails it: either one stops Node-RED. */
function failOnProcessErrors() {
  const seen: Wire[] = [];
  const onRejection = (reason) => seen.push(`unhandledRejection: ${(reason && reason.stack) || reason}`);
  const onException = (err) => seen.push(`uncaughtException: ${(err && err.stack) || err}`);
  before(() => {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtExceptionMonitor', onException);
  });
  after(() => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtExceptionMonitor', onException);
  });
  afterEach(async function () {
    await delay(30);
    if (seen.length) throw new Error(`during "${this.currentTest!.title}":\n${seen.splice(0).join('\n')}`);
  });
}

/** A pid that certainly ran and no longer runs. */
function deadPid() {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

/** Can this machine run a command with a folder mounted read-only (user and mount namespaces)? */
function readOnlyMountWorks() {
  const dir = tmpDir();
  try {
    const r = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount --bind -o ro "$0" "$0" && ! touch "$0/x" 2>/dev/null', dir], { encoding: 'utf8' });
    return r.status === 0 && !fs.existsSync(path.join(dir, 'x'));
  } catch {
    return false;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** argv run where `target` (a folder or a file) is mounted read-only: the real EROFS, no root tricks, no mock. */
const underReadOnly = (target) => (argv) => ['unshare', '-rm', 'sh', '-c', 'mount --bind -o ro "$0" "$0" && exec "$@"', target, ...argv];

/** argv run with a 64 KiB tmpfs of its own mounted on `dir`: a disk that fills up. */
const onSmallDisk = (dir) => (argv) => ['unshare', '-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$0" && exec "$@"', dir, ...argv];

/**
 * Runs a Node.js script with `target` read-only (or as `wrap` says); resolves { status, stdout, stderr, out (its
 * last JSON line) }. Never synchronously: the simulator the script talks to runs in this process.
 */
function runReadOnly(target, script, wrap = underReadOnly(target)) {
  const [cmd, ...args] = wrap([process.execPath, '-e', script]);
  return new Promise<{ status: number | null; stdout: string; stderr: string; out: Wire }>((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => {
      const last = stdout.trim().split('\n').pop();
      let out: Wire;
      try {
        out = JSON.parse(last!);
      } catch {
        out = undefined;
      }
      resolve({ status, stdout, stderr, out });
    });
  });
}

/** The library and the hub against a journal, in a process of its own, as the config node runs them. */
function libraryScript(journal, port) {
  return `
    const { Terminal } = require(${dist('core')});
    const { TerminalHub } = require(${dist('nodes/lib/terminal-hub')});
    const options = { host: '127.0.0.1', port: ${port}, pollInterval: 5, journal: ${JSON.stringify(journal)} };
    const error = (e) => ({ name: e.name, code: e.code, sent: e.sent, message: e.message });
    (async () => {
      const out = {};
      const t = new Terminal(options);
      out.records = t.unresolved().map((r) => ({ id: r.id, reason: r.reason }));
      out.purchase = await t.transact('Purchase', { transAmount: '100', transCurrency: '980', merchantId: '${MERCHANT}' }).then(() => 'paid', error);
      out.report = await t.transact('XReport', { merchantId: '${MERCHANT}' }).then(() => 'done', error);
      await t.close();
      // The config node's hub: recovery at start (setImmediate), a flow node acquiring, the admin endpoints.
      const hub = new TerminalHub(options);
      const problems = [];
      hub.on('problem', (message, level) => problems.push({ level, message }));
      hub.acquire('flow-node');
      await new Promise((r) => setTimeout(r, 100));
      out.recovered = await hub.recover();
      out.state = hub.state;
      out.problems = problems;
      out.markResolved = hub.markResolved('${JOURNAL_UNAVAILABLE}');
      await hub.close();
      await new Promise((r) => setTimeout(r, 50));
      console.log(JSON.stringify(out));
    })();`;
}

describe('Hostile journals', function () {
  this.timeout(60_000);
  failOnProcessErrors();

  describe('a journal of the wrong shape is unreadable: kept aside, payments wait until it is marked resolved', function () {
    let env;
    let dir;
    beforeEach(() => (dir = tmpDir()));
    afterEach(async () => {
      if (env) await env.cleanup();
      env = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const now = new Date().toISOString();
    const record = (extra = {}) => ({
      id: 'r1',
      method: 'Purchase',
      params: purchase('42'),
      startedAt: now,
      updatedAt: now,
      step: 'unknown',
      snapshot: null,
      ...extra,
    });
    const BAD: [string, string, RegExp][] = [
      ['records: [null]', '{"version":1,"records":[null]}', /record 0 is null/],
      ['records: [1]', '{"version":1,"records":[1]}', /record 0 is number/],
      ['records: [{}]', '{"version":1,"records":[{}]}', /record 0 has no id/],
      ['a record without a method', JSON.stringify({ version: 1, records: [{ id: 'r1', params: {} }] }), /has no method/],
      ['a record whose params are not an object', JSON.stringify({ version: 1, records: [record({ params: 'x' })] }), /no params object/],
      [
        'a record whose amount is not one',
        JSON.stringify({ version: 1, records: [record({ params: purchase('12abc') })] }),
        /params.transAmount is not an amount/,
      ],
      ['a record of an unknown step', JSON.stringify({ version: 1, records: [record({ step: 'paid' })] }), /step is not one of/],
      [
        'a record whose acknowledged is not true or false',
        JSON.stringify({ version: 1, records: [record({ acknowledged: 'yes' })] }),
        /acknowledged is not true or false/,
      ],
      [
        'a snapshot without params',
        JSON.stringify({ version: 1, records: [record({ snapshot: { method: 'GetLastResult' } })] }),
        /snapshot is not a response/,
      ],
      ['two records with one id', JSON.stringify({ version: 1, records: [record(), record()] }), /two records have the id r1/],
      ['settled: [null]', '{"version":1,"records":[],"settled":[null]}', /settled ref 0 is not an object/],
      [
        'a settled ref of an unknown kind',
        JSON.stringify({ version: 1, records: [], settled: [{ ref: 'a', method: 'Purchase', params: {}, settledAt: now, how: 'guessed' }] }),
        /how is not/,
      ],
      ['records that are not an array', '{"version":1,"records":"none"}', /no records array/],
      ['another version', '{"version":2,"records":[]}', /version is 2/],
      ['null', 'null', /not a JSON object/],
      ['nesting 20,000 levels deep', `{"version":1,"records":[],"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}`, /deeper than 1000 levels/],
    ];
    for (const [label, text, why] of BAD) {
      it(`${label}`, async () => {
        env = await setup();
        const file = path.join(dir, 'journal.json');
        fs.writeFileSync(file, text);
        const t = env.open('tcp', { journal: file });
        const issues: Wire[] = [];
        t.on('issue', (i) => issues.push(i));
        t.unresolved().should.have.length(1);
        t.unresolved()[0].should.match({ id: UNREADABLE_JOURNAL, step: 'unknown' });
        t.unresolved()[0].reason.should.match(why);
        // The file, as it was, kept for whoever checks; a fresh journal in its place.
        const aside = fs.readdirSync(dir).filter((f) => f.startsWith('journal.json.unreadable-'));
        aside.should.have.length(1);
        fs.readFileSync(path.join(dir, aside[0]), 'utf8').should.equal(text);
        JSON.parse(fs.readFileSync(file, 'utf8'))
          .records.map((r) => r.id)
          .should.eql([UNREADABLE_JOURNAL]);
        const refused = await t.transact('Purchase', purchase('100')).should.be.rejected();
        refused.should.match({ code: 'UNRESOLVED', sent: false });
        financialCount(env.sim, 'Purchase').should.equal(0);
        await waitFor(() => issues.length > 0, 1000, 'the issue');
        issues[0].should.match({ kind: 'journal', message: /could not be read/ });
        t.markResolved(UNREADABLE_JOURNAL).should.be.true();
        (await t.transact('Purchase', purchase('100'))).params.transAmount.should.equal('100');
        financialCount(env.sim, 'Purchase').should.equal(1);
      });
    }

    it('a journal of an earlier version with a snapshot 200 levels deep is read, and its snapshot bounded when written again', async () => {
      env = await setup();
      const file = path.join(dir, 'journal.json');
      const deepSnapshot = {
        method: 'GetLastResult',
        error: false,
        errorCode: '',
        errorDescription: '',
        params: { transAmount: '1', x: JSON.parse(`${'['.repeat(200)}1${']'.repeat(200)}`) },
      };
      fs.writeFileSync(file, JSON.stringify({ version: 1, records: [record({ snapshot: deepSnapshot })] }));
      const t = env.open('tcp', { journal: file });
      t.unresolved()
        .map((r) => r.id)
        .should.eql(['r1']);
      (await t.transact('Purchase', purchase('100')).should.be.rejected()).code.should.equal('UNRESOLVED');
      const written = fs.readFileSync(file, 'utf8');
      written.should.match(/cut: an array nested deeper than 8 levels/);
      JSON.parse(written).records[0].snapshot.keptDigest.should.match(/^[A-Za-z0-9_-]{43}$/);
    });

    it('a record written by hand with only id, method and params is a record: reconciled, not kept aside', async () => {
      env = await setup();
      const file = path.join(dir, 'journal.json');
      fs.writeFileSync(file, JSON.stringify({ version: 1, records: [{ id: 'by-hand', method: 'Purchase', params: purchase('77') }] }));
      const t = env.open('tcp', { journal: file });
      t.unresolved()
        .map((r) => r.id)
        .should.eql(['by-hand']);
      fs.readdirSync(dir)
        .filter((f) => f.includes('unreadable'))
        .should.eql([]);
      // The terminal's last result is not that purchase's: it stays open, and payments wait.
      (await t.transact('Purchase', purchase('100')).should.be.rejected()).code.should.equal('UNRESOLVED');
    });
  });

  describe('Node-RED and a journal of the wrong shape', function () {
    let sim;
    let dir;
    beforeEach(() => {
      dir = tmpDir();
      nodes.helper.settings({ ssiEcrJournalDir: dir });
    });
    afterEach(async () => {
      await nodes.helper.unload();
      nodes.helper.settings({ ssiEcrJournalDir: undefined });
      if (sim) await sim.stop();
      sim = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const flow = () => [
      nodes.terminalConfig(sim),
      { id: 'buy', type: 'ssi-purchase', terminal: 'term', wires: [['ok'], ['no']] },
      { id: 'ok', type: 'helper' },
      { id: 'no', type: 'helper' },
      { id: 'c1', type: 'catch', scope: ['buy'], wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ];

    it('{"version":1,"records":[null]} at start: nothing uncaught, the node says unresolved, the record is listed and resolved by hand, then it pays', async () => {
      sim = await nodes.simulator();
      fs.writeFileSync(path.join(dir, 'journal-term.json'), '{"version":1,"records":[null]}');
      await nodes.load(flow());
      const buy = nodes.helper.getNode('buy');
      const term = nodes.helper.getNode('term');
      // The recovery at start has run (setImmediate): nothing was left uncaught (failOnProcessErrors).
      await delay(200);
      term.hub.state.unresolved.should.equal(1);
      // What the node shows is the hub's state (it showed it before a spy could be set).
      hubBadge(term.hub.state).should.match({ fill: 'yellow', text: `${STATUS_NS}unresolved` });
      const caught = nodes.next(nodes.helper.getNode('caught'));
      buy.receive({ payload: 100 });
      (await caught).error.code.should.equal('UNRESOLVED');
      (sim.counts.Purchase || 0).should.equal(0);
      const list = await nodes.helper.request().get('/ssi-ecr/journal/term').expect(200);
      list.body.unresolved.map((r) => r.id).should.eql([UNREADABLE_JOURNAL]);
      list.body.unresolved[0].reason.should.match(/record 0 is null/);
      (await nodes.helper.request().post(`/ssi-ecr/journal/term/resolve/${UNREADABLE_JOURNAL}`).expect(200)).body.should.eql({
        resolved: true,
        unresolved: 0,
      });
      const ok = nodes.next(nodes.helper.getNode('ok'));
      buy.receive({ payload: 100 });
      (await ok).payload.amount.should.equal(100);
      sim.counts.Purchase.should.equal(1);
    });

    it('a journal locked by another process: the node shows "journal unusable", the config node says why, and every payment is refused JOURNAL naming the holder', async () => {
      sim = await nodes.simulator();
      // Another process holds the journal (it runs: this test's parent, say).
      const holder = process.ppid;
      fs.writeFileSync(
        path.join(dir, 'journal-term.json.lock'),
        JSON.stringify({ pid: holder, hostname: os.hostname(), token: 'other', acquiredAt: new Date().toISOString() }),
      );
      fs.writeFileSync(path.join(dir, 'journal-term.json'), '{"version":1,"records":[]}');
      await nodes.load(flow());
      const term = nodes.helper.getNode('term');
      const buy = nodes.helper.getNode('buy');
      term.hub.state.journal!.should.match(new RegExp(`locked by pid ${holder}`));
      hubBadge(term.hub.state).should.eql({ fill: 'red', shape: 'ring', text: `${STATUS_NS}journal-error` });
      const caught = nodes.next(nodes.helper.getNode('caught'));
      buy.receive({ payload: 100 });
      const err = await caught;
      err.error.code.should.equal('JOURNAL');
      err.ecrError.sent.should.be.false();
      err.ecrError.message.should.containEql(path.join(dir, 'journal-term.json'));
      err.ecrError.message.should.containEql(`pid ${holder}`);
      (sim.counts.Purchase || 0).should.equal(0);
      // Its record says why, and is not something to resolve by hand.
      const list = await nodes.helper.request().get('/ssi-ecr/journal/term').expect(200);
      list.body.unresolved.map((r) => r.id).should.eql([JOURNAL_UNAVAILABLE]);
      (await nodes.helper.request().post(`/ssi-ecr/journal/term/resolve/${JOURNAL_UNAVAILABLE}`).expect(404)).body.resolved.should.be.false();
      // The other process's lock is left alone.
      JSON.parse(fs.readFileSync(path.join(dir, 'journal-term.json.lock'), 'utf8')).token.should.equal('other');
    });
  });

  describe('a journal on a file system that refuses writes (read-only, full): the Terminal is made, and refuses every payment with JOURNAL', function () {
    let sim;
    let dir;
    before(function () {
      if (process.platform !== 'linux' || !readOnlyMountWorks()) this.skip();
    });
    beforeEach(async () => {
      dir = tmpDir();
      sim = await nodes.simulator();
    });
    afterEach(async () => {
      if (sim) await sim.stop();
      sim = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('a truncated journal in a read-only folder (EROFS): constructible, JOURNAL naming the file and EROFS, the hub reports it and leaves nothing uncaught', async () => {
      const file = path.join(dir, 'journal.json');
      const truncated = '{"version":1,"records":[{"id":';
      fs.writeFileSync(file, truncated);
      const run = await runReadOnly(dir, libraryScript(file, sim.port));
      should(run.status).equal(0, run.stderr);
      run.stderr.should.not.match(/Unhandled|unhandled|uncaught/);
      const out = run.out;
      out.records.should.have.length(1);
      out.records[0].id.should.equal(JOURNAL_UNAVAILABLE);
      out.records[0].reason.should.containEql(file).and.match(/EROFS/);
      for (const refused of [out.purchase, out.report]) {
        refused.should.match({ name: 'EcrError', code: 'JOURNAL', sent: false });
        refused.message.should.containEql(file);
        refused.message.should.match(/EROFS/);
      }
      out.recovered.should.eql([]);
      out.state.journal.should.match(/EROFS/);
      out.problems.filter((p) => p.level === 'error').should.not.be.empty();
      out.problems.find((p) => p.level === 'error').message.should.containEql(file);
      out.markResolved.should.be.false();
      // Nothing reached the terminal but harmless reads, and the file is as it was.
      (sim.counts.Purchase || 0).should.equal(0);
      (sim.counts.XReport || 0).should.equal(0);
      fs.readFileSync(file, 'utf8').should.equal(truncated);
    });

    it('a truncated journal that cannot be kept aside (the file itself read-only: EBUSY on rename): constructible, JOURNAL saying so', async () => {
      const file = path.join(dir, 'journal.json');
      const truncated = '{"version":1,"records":[{"id":';
      fs.writeFileSync(file, truncated);
      const run = await runReadOnly(file, libraryScript(file, sim.port));
      should(run.status).equal(0, run.stderr);
      const out = run.out;
      out.records.map((r) => r.id).should.eql([JOURNAL_UNAVAILABLE]);
      out.records[0].reason.should.match(/could not be read .* and it could not be kept aside as .*journal\.json\.unreadable-\d+ \(EBUSY/);
      out.purchase.should.match({ code: 'JOURNAL', sent: false });
      out.purchase.message.should.match(/could not be kept aside/);
      out.state.journal.should.match(/EBUSY/);
      (sim.counts.Purchase || 0).should.equal(0);
      // The lock (its folder is writable) was released with the Terminal; the unreadable file is still there.
      fs.readdirSync(dir).should.eql(['journal.json']);
      fs.readFileSync(file, 'utf8').should.equal(truncated);
    });

    it('a truncated journal whose replacement cannot be written (a full disk, ENOSPC): put back, constructible, JOURNAL saying so', async () => {
      // A small tmpfs of its own: the journal, then the disk filled up to one free page, which the lock takes.
      const file = path.join(dir, 'journal.json');
      const truncated = '{"version":1,"records":[{"id":';
      const fill = `
        const fs = require('node:fs');
        fs.writeFileSync(${JSON.stringify(file)}, ${JSON.stringify(truncated)});
        fs.writeFileSync(${JSON.stringify(path.join(dir, 'pad'))}, Buffer.alloc(4096));
        try {
          for (;;) fs.appendFileSync(${JSON.stringify(path.join(dir, 'fill'))}, Buffer.alloc(1024));
        } catch (err) {
          if (err.code !== 'ENOSPC') throw err;
        }
        fs.unlinkSync(${JSON.stringify(path.join(dir, 'pad'))});
        process.on('exit', () => console.error(JSON.stringify({ files: fs.readdirSync(${JSON.stringify(dir)}).sort(), journal: fs.readFileSync(${JSON.stringify(file)}, 'utf8') })));`;
      const run = await runReadOnly(dir, fill + libraryScript(file, sim.port), onSmallDisk(dir));
      should(run.status).equal(0, run.stderr);
      const out = run.out;
      out.records.map((r) => r.id).should.eql([JOURNAL_UNAVAILABLE]);
      out.records[0].reason.should.match(/its replacement could not be written \(ENOSPC.*\); it is back at .*journal\.json\./);
      out.purchase.should.match({ code: 'JOURNAL', sent: false });
      out.purchase.message.should.match(/ENOSPC/);
      out.state.journal.should.match(/ENOSPC/);
      (sim.counts.Purchase || 0).should.equal(0);
      // Put back, and nothing else left behind: the next start still finds that something is wrong.
      const after = JSON.parse(run.stderr.trim().split('\n').pop()!);
      after.should.eql({ files: ['fill', 'journal.json'], journal: truncated });
    });

    it('Node-RED with its journal folder read-only and a truncated journal starts, restarts, shows the problem and refuses payments (JOURNAL)', async function () {
      this.timeout(90_000);
      const journalDir = path.join(dir, 'journals');
      fs.mkdirSync(journalDir);
      fs.writeFileSync(path.join(journalDir, 'journal-cfg1.json'), '{"version":1,"records":[{"id":');
      const caught: Wire[] = [];
      const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (d) => (body += d));
        req.on('end', () => {
          caught.push(JSON.parse(body));
          res.end('ok');
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const flows = [
        { id: 'f1', type: 'tab', label: 'pay' },
        {
          id: 'cfg1',
          type: 'ssi-terminal',
          name: 'sim',
          transport: 'tcp',
          host: '127.0.0.1',
          port: sim.port,
          merchantId: MERCHANT,
          currency: '980',
          pollInterval: 20,
        },
        { id: 'inj1', type: 'inject', z: 'f1', props: [{ p: 'payload' }], payload: '100', payloadType: 'num', wires: [['buy1']] },
        { id: 'buy1', type: 'ssi-purchase', z: 'f1', terminal: 'cfg1', units: 'minor', wires: [[], []] },
        { id: 'catch1', type: 'catch', z: 'f1', scope: ['buy1'], wires: [['fn1']] },
        { id: 'fn1', type: 'function', z: 'f1', func: 'msg.payload = msg.ecrError; return msg;', wires: [['post1']] },
        {
          id: 'post1',
          type: 'http request',
          z: 'f1',
          method: 'POST',
          ret: 'txt',
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/caught`,
          wires: [[]],
        },
      ];
      let red;
      try {
        red = await startNodeRed({ flows, keep: true, settings: { ssiEcrJournalDir: journalDir }, wrap: underReadOnly(journalDir) });
        const userDir = red.userDir;
        for (let run = 1; run <= 2; run++) {
          (await red.inject('inj1')).status.should.equal(200);
          await waitFor(() => caught.length === run, 10_000, `the refusal of run ${run}`);
          caught[run - 1].should.match({ code: 'JOURNAL', sent: false });
          caught[run - 1].message.should.containEql(path.join(journalDir, 'journal-cfg1.json')).and.match(/EROFS/);
          await delay(300);
          red.running.should.be.true();
          red.output().should.match(/\[error\] \[ssi-terminal:sim\] the journal .*journal-cfg1\.json cannot be used: .*EROFS/);
          red.output().should.not.match(/Unhandled|uncaught/i);
          // And again after a restart: the journal is still there, still unusable, and Node-RED still comes up.
          (await red.stop()).should.equal(0);
          if (run === 1)
            red = await startNodeRed({ userDir, keep: true, settings: { ssiEcrJournalDir: journalDir }, wrap: underReadOnly(journalDir) });
          else red = undefined;
        }
        (sim.counts.Purchase || 0).should.equal(0);
        fs.rmSync(userDir, { recursive: true, force: true });
      } finally {
        if (red) await red.stop();
        await new Promise((r) => server.close(r));
      }
    });
  });

  describe('one journal, one Terminal: a lock', function () {
    let env;
    let dir;
    let file;
    const children: ChildProcess[] = [];
    beforeEach(() => {
      dir = tmpDir();
      file = path.join(dir, 'journal.json');
    });
    afterEach(async () => {
      for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      if (env) await env.cleanup();
      env = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const lockFile = () => `${file}.lock`;
    const lockOwner = () => JSON.parse(fs.readFileSync(lockFile(), 'utf8'));

    it('two Terminals on one file: the second is refused (JOURNAL, naming the holder), the first pays on, and once it is closed the journal opens again', async () => {
      env = await setup();
      const first = env.open('tcp', { journal: file });
      (await first.transact('Purchase', purchase('100'), { ref: 'order-1' })).error.should.be.false();
      lockOwner().pid.should.equal(process.pid);
      const second = env.open('tcp', { journal: file });
      second
        .unresolved()
        .map((r) => r.id)
        .should.eql([JOURNAL_UNAVAILABLE]);
      second.unresolved()[0].reason.should.match(/locked by another Terminal of this process/);
      for (const [method, params] of [
        ['Purchase', purchase('200')],
        ['XReport', { merchantId: MERCHANT }],
      ]) {
        const err = await second.transact(method, params).should.be.rejected();
        err.should.match({ name: 'EcrError', code: 'JOURNAL', sent: false });
        err.message.should.containEql(file);
        err.message.should.containEql(`pid ${process.pid}`);
      }
      // The refused one writes nothing: the first one's journal is whole, its ref remembered.
      second.markResolved(JOURNAL_UNAVAILABLE);
      await delay(50);
      (await first.transact('Purchase', purchase('300'))).params.transAmount.should.equal('300');
      const onDisk = JSON.parse(fs.readFileSync(file, 'utf8'));
      onDisk.records.should.eql([]);
      onDisk.settled.map((s) => s.ref).should.eql(['order-1']);
      financialCount(env.sim, 'Purchase').should.equal(2);
      // Closing the refused one does not free the lock it never had.
      await second.close();
      lockOwner().pid.should.equal(process.pid);
      (await first.transact('Purchase', purchase('400'))).params.transAmount.should.equal('400');
      await first.close();
      fs.existsSync(lockFile()).should.be.false();
      const third = env.open('tcp', { journal: file });
      third.unresolved().should.eql([]);
      (await third.transact('Purchase', purchase('100'), { ref: 'order-1' }).should.be.rejected()).code.should.equal('DUPLICATE');
      (await third.transact('Purchase', purchase('500'))).params.transAmount.should.equal('500');
    });

    it('a lock left by a process that no longer runs is taken over, and the take-over is said as an issue', async () => {
      env = await setup();
      const dead = deadPid();
      fs.writeFileSync(lockFile(), JSON.stringify({ pid: dead, hostname: os.hostname(), token: 'crashed', acquiredAt: '2020-01-01T00:00:00.000Z' }));
      const t = env.open('tcp', { journal: file });
      const issues: Wire[] = [];
      t.on('issue', (i) => issues.push(i));
      t.unresolved().should.eql([]);
      lockOwner().should.match({ pid: process.pid, hostname: os.hostname() });
      await waitFor(() => issues.length === 1, 1000, 'the issue');
      issues[0].should.match({ kind: 'journal', message: new RegExp(`taken over: its lock was left by pid ${dead} .*which no longer runs`) });
      (await t.transact('Purchase', purchase('100'))).error.should.be.false();
      fs.readdirSync(dir).sort().should.eql(['journal.json', 'journal.json.lock']);
    });

    it("a lock left by an earlier process with this pid (a container restarted), or before the machine restarted, or by a pid now another process's, is taken over", async function () {
      const me = { pid: process.pid, hostname: os.hostname(), token: 'earlier-me' };
      const cases: [string, object, RegExp][] = [['an earlier process with this pid', me, /earlier process with this one's pid/]];
      if (fs.existsSync('/proc/sys/kernel/random/boot_id')) {
        // The parent of this process runs; the lock is from another boot all the same.
        cases.push([
          'another boot',
          { pid: process.ppid, hostname: os.hostname(), bootId: 'another-boot', token: 'b' },
          /before the machine restarted/,
        ]);
        cases.push([
          'a reused pid',
          { pid: process.ppid, hostname: os.hostname(), processStart: '1', token: 'c' },
          /that pid is now another process's/,
        ]);
      }
      for (const [label, owner, why] of cases) {
        fs.writeFileSync(lockFile(), JSON.stringify(owner));
        const j = new Journal(file);
        const issues: Wire[] = [];
        j.on('issue', (i) => issues.push(i.message));
        should(j.unavailable).be.undefined();
        await waitFor(() => issues.length === 1, 1000, `the issue (${label})`);
        issues[0].should.match(why);
        await j.release();
        fs.existsSync(lockFile()).should.be.false();
      }
    });

    it('a lock of a process on another host is respected: refused, and the message says how to free it', async () => {
      env = await setup();
      fs.writeFileSync(lockFile(), JSON.stringify({ pid: 4242, hostname: 'till-2.elsewhere', token: 'far', acquiredAt: '2025-01-01T00:00:00.000Z' }));
      const t = env.open('tcp', { journal: file });
      const err = await t.transact('Purchase', purchase('100')).should.be.rejected();
      err.code.should.equal('JOURNAL');
      err.message.should.match(/locked by pid 4242 on till-2\.elsewhere \(since 2025-01-01T00:00:00\.000Z\), another host/);
      err.message.should.containEql(`delete ${lockFile()}`);
      financialCount(env.sim, 'Purchase').should.equal(0);
      await t.close();
      lockOwner().token.should.equal('far');
    });

    /** A child process with a Terminal on the journal; resolves once it holds it. */
    async function holder(port, then = '') {
      const script = `
        const { Terminal } = require(${dist('core')});
        const t = new Terminal({ host: '127.0.0.1', port: ${port}, journal: ${JSON.stringify(file)} });
        console.log('holding ' + t.unresolved().length);
        ${then}
        setInterval(() => {}, 1000);`;
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      await new Promise<void>((resolve) => child.stdout.on('data', (d) => String(d).includes('holding') && resolve()));
      return child;
    }

    it('a child process holding the journal blocks this one; killed, its lock is taken over; exiting without close(), it leaves no lock', async () => {
      env = await setup();
      const child = await holder(env.sim.port);
      lockOwner().pid.should.equal(child.pid);
      const blocked = env.open('tcp', { journal: file });
      const err = await blocked.transact('Purchase', purchase('100')).should.be.rejected();
      err.code.should.equal('JOURNAL');
      err.message.should.containEql(`locked by pid ${child.pid} on ${os.hostname()}`);
      err.message.should.match(/which still runs/);
      financialCount(env.sim, 'Purchase').should.equal(0);
      await blocked.close();
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const after = env.open('tcp', { journal: file });
      after.unresolved().should.eql([]);
      lockOwner().pid.should.equal(process.pid);
      (await after.transact('Purchase', purchase('200'))).error.should.be.false();
      await after.close();
      // A process that exits without closing its Terminal takes its lock with it.
      const leaving = await holder(env.sim.port, 'setTimeout(() => process.exit(0), 50);');
      await new Promise((r) => leaving.once('exit', r));
      fs.existsSync(lockFile()).should.be.false();
    });

    it('two processes writing one file at once: every write lands whole, none fails (a temp file per write)', async () => {
      const script = `
        const { writeFileAtomicAsync } = require(${dist('core/atomic-file')});
        const failures = [];
        Promise.all(Array.from({ length: 300 }, (_, i) => writeFileAtomicAsync(${JSON.stringify(file)}, JSON.stringify({ pid: process.pid, i, pad: 'x'.repeat(2000) })).catch((e) => failures.push(e.code))))
          .then(() => console.log(JSON.stringify({ failures })));`;
      const run = () =>
        new Promise<{ failures: string[] }>((resolve) => {
          const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (d) => (out += d));
          child.on('exit', () => resolve(JSON.parse(out)));
        });
      const results = await Promise.all([run(), run()]);
      results.map((r) => r.failures).should.eql([[], []]);
      JSON.parse(fs.readFileSync(file, 'utf8')).i.should.equal(299);
      fs.readdirSync(dir).should.eql(['journal.json']);
    });

    it('a temp file a crash left mid-write is swept when the journal is opened', async () => {
      fs.writeFileSync(file, '{"version":1,"records":[]}');
      fs.writeFileSync(`${file}.12345.0badc0de.tmp`, '{"version":1,"rec');
      fs.writeFileSync(`${file}.tmp`, '{"vers');
      fs.writeFileSync(path.join(dir, 'other.json.1.00000000.tmp'), 'not ours');
      const j = new Journal(file);
      fs.readdirSync(dir).sort().should.eql(['journal.json', 'journal.json.lock', 'other.json.1.00000000.tmp']);
      await j.release();
    });

    it('two Node-RED processes on one journal: the second one\'s nodes show "journal unusable" and refuse payments naming the first; the first pays on', async function () {
      this.timeout(90_000);
      env = await setup();
      const journalDir = path.join(dir, 'journals');
      const flows = [
        { id: 'f1', type: 'tab', label: 'pay' },
        {
          id: 'term',
          type: 'ssi-terminal',
          name: 'sim',
          transport: 'tcp',
          host: '127.0.0.1',
          port: env.sim.port,
          merchantId: MERCHANT,
          currency: '980',
          pollInterval: 20,
        },
        { id: 'inj1', type: 'inject', z: 'f1', props: [{ p: 'payload' }], payload: '3456', payloadType: 'num', wires: [['buy1']] },
        { id: 'buy1', type: 'ssi-purchase', z: 'f1', terminal: 'term', units: 'minor', wires: [[], []] },
      ];
      const red = await startNodeRed({ flows, settings: { ssiEcrJournalDir: journalDir } });
      try {
        (await red.inject('inj1')).status.should.equal(200);
        await waitFor(() => financialCount(env.sim, 'Purchase') === 1, 10_000, "the first one's payment");
        JSON.parse(fs.readFileSync(path.join(journalDir, 'journal-term.json.lock'), 'utf8')).pid.should.equal(red.pid);
        // The second Node-RED: this process, through the test helper, with the same configuration.
        nodes.helper.settings({ ssiEcrJournalDir: journalDir });
        await nodes.load([
          {
            id: 'term',
            type: 'ssi-terminal',
            name: 'sim',
            transport: 'tcp',
            host: '127.0.0.1',
            port: env.sim.port,
            merchantId: MERCHANT,
            currency: '980',
            pollInterval: 10,
          },
          { id: 'buy', type: 'ssi-purchase', terminal: 'term', wires: [['ok'], ['no']] },
          { id: 'ok', type: 'helper' },
          { id: 'no', type: 'helper' },
          { id: 'c1', type: 'catch', scope: ['buy'], wires: [['caught']] },
          { id: 'caught', type: 'helper' },
        ]);
        const term = nodes.helper.getNode('term');
        should(hubBadge(term.hub.state).text).equal(`${STATUS_NS}journal-error`);
        term.hub.state.journal!.should.containEql(`locked by pid ${red.pid}`);
        const caught = nodes.next(nodes.helper.getNode('caught'));
        nodes.helper.getNode('buy').receive({ payload: 100 });
        const err = await caught;
        err.error.code.should.equal('JOURNAL');
        err.ecrError.message.should.containEql(`pid ${red.pid}`);
        financialCount(env.sim, 'Purchase').should.equal(1);
        // The first one is unaffected: it pays, and its journal is whole.
        (await red.inject('inj1')).status.should.equal(200);
        await waitFor(() => financialCount(env.sim, 'Purchase') === 2, 10_000, "the first one's second payment");
        await waitFor(
          () => JSON.parse(fs.readFileSync(path.join(journalDir, 'journal-term.json'), 'utf8')).records.length === 0,
          5000,
          'the record crossed out',
        );
      } finally {
        await nodes.helper.unload();
        nodes.helper.settings({ ssiEcrJournalDir: undefined });
        await red.stop();
      }
      // Stopped, Node-RED took its lock with it.
      fs.existsSync(path.join(journalDir, 'journal-term.json.lock')).should.be.false();
    });
  });

  describe('what a record keeps of a result is bounded', function () {
    let dir;
    let peer;
    beforeEach(() => (dir = tmpDir()));
    afterEach(async () => {
      if (peer) await peer.close();
      peer = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const DEEP = 20_000;
    const deep = (leaf) => `${'['.repeat(DEEP)}${JSON.stringify(leaf)}${']'.repeat(DEEP)}`;
    const ok = (method, rest = '') => `{"method":"${method}","error":false,"errorCode":"","errorDescription":""${rest}}`;
    const lastResult = (amount, rrn) =>
      ok(
        'GetLastResult',
        `,"params":{"originalTrnName":"Purchase","transAmount":"${amount}","rrn":"${rrn}","transactionResult":"APPROVED_ONLINE","responseCode":"00","receiptLines":${deep(rrn)},"note":"${'n'.repeat(10_000)}"}`,
      );

    /** A terminal whose result buffer nests 20,000 levels deep; a Purchase replaces it with its own, as deep. */
    async function deepTerminal() {
      let last = lastResult('500', 'A1');
      let busy = 0;
      const counts: Record<string, number> = {};
      const server = net.createServer((socket) => {
        socket.on('error', () => {});
        const decoder = new FrameDecoder({
          onMessage: (m: Wire) => {
            counts[m.method] = (counts[m.method] || 0) + 1;
            const reply = (text) => socket.write(encodeFrame(text));
            if (m.method === 'GetLastResult') reply(last);
            else if (m.method === 'GetStatus') reply(ok('GetStatus', `,"status":"${busy-- > 0 ? 'S02' : 'S00'}"`));
            else if (m.method === 'Purchase') {
              busy = 2;
              reply(ok('Purchase', ',"params":{}'));
              last = lastResult(m.params.transAmount, `A${counts.Purchase + 1}`);
            } else reply(ok(m.method, ',"params":{}'));
          },
        });
        socket.on('data', (d) => decoder.push(d));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return { port: (server.address() as AddressInfo).port, counts, close: () => new Promise((r) => server.close(r)) };
    }

    it('a last result nested 20,000 levels deep: a journalled payment runs, and its record on disk is bounded', async () => {
      peer = await deepTerminal();
      const file = path.join(dir, 'journal.json');
      const t = new Terminal({ host: '127.0.0.1', port: peer.port, pollInterval: 5, settleGrace: 50, journal: file });
      const writes: Wire[] = [];
      const watcher = setInterval(() => {
        try {
          writes.push(fs.readFileSync(file, 'utf8'));
        } catch {
          /* not yet */
        }
      }, 1);
      try {
        for (const amount of ['700', '701']) {
          const result = await t.transact('Purchase', purchase(amount));
          result.params.should.match({ transAmount: amount, transactionResult: 'APPROVED_ONLINE' });
        }
      } finally {
        clearInterval(watcher);
        await t.close();
      }
      peer.counts.Purchase.should.equal(2);
      const withRecord = writes.map((w) => JSON.parse(w)).find((j) => j.records.length === 1);
      should(withRecord).be.ok();
      const snapshot = withRecord.records[0].snapshot;
      snapshot.params.should.match({ originalTrnName: 'Purchase', transactionResult: 'APPROVED_ONLINE' });
      JSON.stringify(snapshot.params.receiptLines).should.match(/cut: an array nested deeper than 8 levels/);
      snapshot.params.note.should.match(/^n{512}… \(cut: 10000 characters\)$/);
      snapshot.keptDigest.should.match(/^[A-Za-z0-9_-]{43}$/);
      Math.max(...writes.map((w) => w.length)).should.be.below(8_000);
      JSON.parse(fs.readFileSync(file, 'utf8')).records.should.eql([]);
    });

    it('a snapshot cut to size still tells the unchanged result from a new one, also read back after a restart', async () => {
      const parse = (text) => JSON.parse(text);
      const before = parse(lastResult('500', 'A1'));
      // The same result, and one that differs only deep inside what the journal cut.
      const same = parse(lastResult('500', 'A1'));
      const changedDeep = parse(lastResult('500', 'A1').replace(`"receiptLines":${deep('A1')}`, `"receiptLines":${deep('A2')}`));
      const spec = getMethod('Purchase')!;
      const file = path.join(dir, 'journal.json');
      const j = new Journal(file);
      j.open({ method: 'Purchase', params: purchase('500'), snapshot: before });
      await j.flush();
      await j.release();
      const stored = JSON.parse(fs.readFileSync(file, 'utf8')).records[0].snapshot;
      JSON.stringify(stored).length.should.be.below(4000);
      judgeResult(spec, purchase('500'), stored, same).should.eql({ kind: 'unchanged' });
      // Cut or not, a difference is a difference: the new result is taken as this operation's (same method, amount).
      judgeResult(spec, purchase('500'), stored, changedDeep).should.eql({ kind: 'ours' });
      // Read back by the next Terminal: the digest kept with it still decides.
      const again = new Journal(file);
      const record = again.records[0];
      judgeResult(spec, purchase('500'), record.snapshot, same).should.eql({ kind: 'unchanged' });
      judgeResult(spec, purchase('500'), record.snapshot, changedDeep).should.eql({ kind: 'ours' });
      // A journal written before snapshots were cut (full params, no digest) is compared as before.
      const legacy = { ...same, params: { ...same.params, receiptLines: ['l1'] } };
      judgeResult(spec, purchase('500'), { ...legacy }, legacy).should.eql({ kind: 'unchanged' });
      await again.release();
    });

    it('what else a record takes from a terminal is cut too: a status, a reason, a settled summary', async () => {
      const file = path.join(dir, 'journal.json');
      const j = new Journal(file);
      const r = j.open({ method: 'Purchase', params: purchase('100'), ref: 'r-1', snapshot: null });
      j.amend(r.id, { lastStatus: 'S'.repeat(10_000) });
      j.update(r.id, { step: 'unknown', reason: 'x'.repeat(100_000) });
      await j.flush();
      const onDisk = JSON.parse(fs.readFileSync(file, 'utf8')).records[0];
      onDisk.lastStatus.length.should.be.below(200);
      onDisk.reason.length.should.be.below(2200);
      let nested: unknown = 'rrn';
      for (let i = 0; i < DEEP; i++) nested = [nested];
      j.close(r.id, {
        ref: 'r-1',
        method: 'Purchase',
        params: purchase('100'),
        settledAt: new Date().toISOString(),
        how: 'result',
        summary: { approved: true, rrn: nested, authCode: 'a'.repeat(100_000) },
      });
      await j.flush();
      const settled = JSON.parse(fs.readFileSync(file, 'utf8')).settled[0];
      settled.summary.approved.should.be.true();
      JSON.stringify(settled.summary).length.should.be.below(1000);
      await j.release();
    });
  });
});
