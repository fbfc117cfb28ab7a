'use strict';
/**
 * The serial transport for real: a virtual serial pair from socat (pty, raw, no echo), the simulator on one end,
 * the pack's serial transport (the real serialport package) on the other. socat comes from the test setup
 * (test/support/tools.ts: the machine's, or apt-get's before the first test).
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import { spawnSync } from 'node:child_process';
import should = require('should');
import { Terminal } from '../src/core';
import { startSimulator } from '../src/simulator';
import { FAST, purchase, financialCount, MERCHANT } from './support/fixtures';
import { ptyPair } from './support/pty';
import type { Wire } from './support/wire';

const RECEIPT = '<receipt><text align="center" size="large" weight="bold" darkness="normal">Дякуємо!</text></receipt>';

describe('serial transport over a socat pty pair', function () {
  this.timeout(30000);
  let dir;
  let pair;
  let sim;
  let t;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-serial-'));
    pair = await ptyPair(path.join(dir, 'terminal'), path.join(dir, 'ecr'));
    // Each step lasts several polls (adaptive polling waits twice the 10 ms base while the cardholder acts): the
    // live statuses are seen even on a loaded machine.
    sim = await startSimulator({ port: 0, httpPort: false, phases: { ...FAST, S02: 100, S03: 100 } });
    await sim.serveSerial(path.join(dir, 'terminal'));
    // A request written while the other end is not open yet is lost on the line: a short timeout lets the next one go.
    t = new Terminal({ transport: 'serial', path: path.join(dir, 'ecr'), pollInterval: 10, connectTimeout: 3000, requestTimeout: 1000 });
  });

  afterEach(async () => {
    await t.close();
    await sim.stop();
    await pair.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a purchase, a detailed X report and a PrintXml go across the line', async () => {
    const seen: Wire[] = [];
    const r = await t.transact('Purchase', purchase('2450'), { onStatus: (s) => seen.push(s.status) });
    r.params.should.match({ transactionResult: 'APPROVED_ONLINE', transAmount: '2450' });
    seen.should.containDeep(['S02', 'S03', 'S00']);
    const x = await t.transact('XReport', { merchantId: MERCHANT, isDetailReport: true });
    x.params.totalSaleCount.should.equal(1);
    x.params.transactions[0].transAmount.should.equal('2450');
    (await t.request('PrintXml', { receipt: RECEIPT })).error.should.be.false();
    (await t.request('GetLastReceipt')).params.receipt.should.match(/СХВАЛЕНО/);
    financialCount(sim, 'Purchase').should.equal(1);
    t.name.should.equal(`serial:${path.join(dir, 'ecr')}@115200`);
  });

  it('a port that disappears and comes back is opened again, and work goes on', async () => {
    (await t.request('GetStatus')).status.should.equal('S00');
    await pair.remove();
    const gone = await t.request('GetStatus').then(
      () => null,
      (err) => err,
    );
    gone.should.be.an.Error();
    ['CONNECTION_LOST', 'CONNECTION_FAILED', 'TIMEOUT'].should.containEql(gone.code);
    pair = await ptyPair(path.join(dir, 'terminal'), path.join(dir, 'ecr'));
    // The simulator reopens its end by itself; the client reopens its end on the next request.
    let status;
    for (const until = Date.now() + 10000; status === undefined && Date.now() < until;) {
      status = await t.request('GetStatus').then(
        (r) => r.status,
        () => new Promise((r) => setTimeout(() => r(undefined), 100)),
      );
    }
    should(status).equal('S00');
    (await t.transact('Purchase', purchase('990'))).params.transAmount.should.equal('990');
    financialCount(sim, 'Purchase').should.equal(1);
  });
});

describe('serialport is loaded only for a serial connection', function () {
  /** Runs `code` in a fresh node; it calls report() when done, which prints whether serialport was loaded. */
  const loaded = (code) => {
    const report =
      'const report = () => process.stdout.write(String(Object.keys(require.cache).some((k) => /[\\\\/]node_modules[\\\\/]serialport[\\\\/]/.test(k))));';
    const out = spawnSync(process.execPath, ['-e', `${report} ${code}`], { cwd: path.join(__dirname, '..'), encoding: 'utf8' });
    if (out.status !== 0) throw new Error(out.stderr);
    return out.stdout;
  };

  it('requiring the library, the simulator or the ssi-terminal node does not load it (its native binding is most of the start-up)', function () {
    loaded("require('./dist/core'); require('./dist/simulator'); require('./dist/nodes/ssi-terminal.js'); report();").should.equal('false');
  });

  it('a serial terminal loads it when it opens the port', function () {
    const code =
      "const { Terminal } = require('./dist/core'); const t = new Terminal({ transport: 'serial', path: '/nonexistent/tty', connectTimeout: 300 }); t.request('PingDevice').catch(() => {}).then(() => { report(); return t.close(); });";
    loaded(code).should.equal('true');
  });
});
