'use strict';
/**
 * The README's "first payment in five minutes", as a palette user lives it: the packed tarball installed with npm
 * into an empty Node-RED user directory, `npx ssi-ecr-sim` started there, the Vending example imported from the
 * editor's Import › Examples and deployed, and its inject clicked. Only the simulator's port differs from the
 * README (3000 may be taken on a developer's machine), so the example's terminal is pointed at it.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import 'should';
import { Terminal } from '../dist/core';
import { startNodeRed, request, freePort } from './support/node-red';

const ROOT = path.join(__dirname, '..');
const VENDING = '01 Vending - purchase then dispense';

describe("a palette user's first payment, as the README tells it", function () {
  this.timeout(240_000);
  let tmp;
  let userDir;
  let sim;
  let red;

  before(function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-first-'));
    userDir = path.join(tmp, '.node-red');
    fs.mkdirSync(userDir);
    // What Node-RED writes into a new user directory, and what the palette manager installs into.
    fs.writeFileSync(
      path.join(userDir, 'package.json'),
      JSON.stringify({ name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true }),
    );
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: ROOT, encoding: 'utf8' }),
    )[0];
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(tmp, packed.filename)], { cwd: userDir, stdio: 'pipe' });
  });

  after(async function () {
    if (red) await red.stop();
    // npx runs the simulator as a child of its own: stop the whole group, as Ctrl-C in the shell does.
    if (sim && sim.exitCode === null) process.kill(-sim.pid, 'SIGINT');
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('npx ssi-ecr-sim, import the Vending example, deploy, click buy coffee 24.50: approved at the terminal', async function () {
    const simPort = await freePort();
    sim = spawn('npx', ['--no-install', 'ssi-ecr-sim', '--port', String(simPort)], {
      cwd: userDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let simOut = '';
    sim.stdout.on('data', (d) => (simOut += d));
    sim.stderr.on('data', (d) => (simOut += d));
    const until = Date.now() + 20000;
    while (!new RegExp(`tcp://127\\.0\\.0\\.1:${simPort}`).test(simOut)) {
      if (sim.exitCode !== null || Date.now() > until) throw new Error(`npx ssi-ecr-sim did not start: ${simOut}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    red = await startNodeRed({ userDir, keep: true });
    // The pack was installed, not linked: Node-RED loaded it from the user directory's node_modules.
    fs.lstatSync(path.join(userDir, 'node_modules', '@ssi-ecr', 'node-red'))
      .isSymbolicLink()
      .should.be.false();
    const nodes = (await request(`${red.url}/nodes`, { headers: { accept: 'application/json' } })).body;
    nodes
      .filter((n) => n.module === '@ssi-ecr/node-red')
      .map((n) => n.name)
      .should.containEql('ssi-purchase');

    const listed = (await request(`${red.url}/library/examples/flows/@ssi-ecr/node-red`)).body.map((e) => e.fn);
    listed.should.containEql(VENDING);
    const example = (await request(`${red.url}/library/examples/flows/@ssi-ecr/node-red/${encodeURIComponent(VENDING)}`)).body;
    example.should.be.an.Array();
    const terminal = example.find((n) => n.type === 'ssi-terminal');
    terminal.port.should.equal(3000);
    terminal.port = simPort;
    (await request(`${red.url}/flows`, { method: 'POST', headers: { 'Node-RED-Deployment-Type': 'full' }, body: example })).status.should.equal(204);

    const coffee = example.find((n) => n.type === 'inject' && n.name === 'buy coffee 24.50');
    (await red.inject(coffee.id)).status.should.equal(200);
    const t = new Terminal({ host: '127.0.0.1', port: simPort });
    try {
      const deadline = Date.now() + 30000;
      let last;
      for (;;) {
        last = await t.request('GetLastResult').catch((err) => ({ busy: err.code }));
        if (last.params && last.params.transAmount === '2450') break;
        if (Date.now() > deadline) throw new Error(`the coffee was not paid: ${JSON.stringify(last)}\n${red.output()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      last.params.should.match({ originalTrnName: 'Purchase', transactionResult: 'APPROVED_ONLINE', merchantId: '000000060007176' });
    } finally {
      await t.close();
    }
    red.output().should.not.match(/\[error\]/);
  });
});
