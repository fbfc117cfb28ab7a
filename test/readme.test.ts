'use strict';
import fs = require('node:fs');
import path = require('node:path');
import os = require('node:os');
import { spawn } from 'node:child_process';
import should = require('should');
import semver = require('semver');
import { Terminal } from '../dist/core';
import { render } from '../scripts/docs';
import { freePort, request, accepts } from './support/node-red';

const root = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
import pkg = require('../package.json');
import matrix = require('../scripts/test-matrix');
import type { Wire } from './support/wire';

describe('README and the two commands', () => {
  it('tells a newcomer the two commands, and package.json has them', () => {
    readme.should.containEql('npm install && npm start');
    readme.should.containEql('npm test');
    pkg.scripts.start.should.match(/scripts\/start\.js/);
    pkg.scripts.test.should.equal('mocha');
  });

  it('.ci/run does a clean install, then exactly `npm test` and the matrix, and installs nothing of its own', () => {
    const ci = fs
      .readFileSync(path.join(root, '.ci', 'run'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    ci.should.containEql('npm ci');
    ci.filter((l) => /npm (run )?test/.test(l)).should.eql(['timeout 1500 npm test', 'timeout 900 npm run test:matrix']);
    ci.indexOf('npm ci').should.be.below(ci.indexOf('timeout 1500 npm test'));
    // What the tests need beyond node_modules comes from the tests' own setup, as on a newcomer's machine.
    ci.filter((l) => /\bapt(-get)?\b|\bdpkg\b/.test(l)).should.eql([]);
  });

  it('the method and test-amount tables are generated from the catalogue and up to date', () => {
    render(readme).should.equal(readme);
  });

  it("the README's compatibility table is the matrix's: every combination, in order, passed, at versions in its ranges", () => {
    const from = readme.indexOf(matrix.START);
    const to = readme.indexOf(matrix.END);
    from.should.be.above(-1);
    to.should.be.above(from);
    const rows = readme
      .slice(from, to)
      .split('\n')
      .filter((l) => /^\| \d/.test(l))
      .map((l) =>
        l
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    rows.length.should.equal(matrix.COMBINATIONS.length);
    matrix.COMBINATIONS.forEach((c, i) => {
      const [node, nodeRed, serialport, , result] = rows[i];
      semver.major(node).should.equal(c.node, `row ${i + 1}`);
      semver.satisfies(nodeRed, c.nodeRed).should.be.true(`row ${i + 1}: Node-RED ${nodeRed} in ${c.nodeRed}`);
      semver.major(serialport).should.equal(c.serialport, `row ${i + 1}: serialport ${serialport}`);
      result.should.equal('pass', `row ${i + 1}`);
      semver.satisfies(node, pkg.engines.node).should.be.true();
      semver.satisfies(nodeRed, pkg['node-red'].version).should.be.true();
      semver.satisfies(serialport, pkg.dependencies.serialport).should.be.true();
    });
  });

  it('package.json is what the palette and the flow library expect', () => {
    pkg.name.should.equal('@ssi-ecr/node-red');
    pkg.keywords.should.containEql('node-red');
    // Exactly what npm run test:matrix runs: its Node.js majors and Node-RED minor lines.
    pkg['node-red'].version.should.equal(matrix.claims().nodeRed);
    pkg.engines.node.should.equal(matrix.claims().node);
    pkg.license.should.equal('MIT');
    require(path.join(root, pkg.main)).Terminal.should.be.a.Function();
    require('@ssi-ecr/node-red').Terminal.should.equal(Terminal);
    require('@ssi-ecr/node-red/simulator').startSimulator.should.be.a.Function();
  });

  it('npm start brings up the simulator and Node-RED with the examples; a purchase goes through; SIGTERM stops both', async function () {
    this.timeout(45000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-ecr-start-'));
    const redPort = await freePort();
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.js')], {
      env: {
        ...process.env,
        SIM_PORT: '0',
        NODE_RED_PORT: String(redPort),
        NODE_RED_USER_DIR: path.join(tmp, 'node-red'),
        SIM_STATE: path.join(tmp, 'sim-state.json'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let redPid;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      const ready = await new Promise<{ url: string; redPort: number; simPort: number; pid: number }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no editor URL within 30 s: ${out}`)), 30000);
        const seen = () => {
          const url = /Open the Node-RED editor: (http:\/\/127\.0\.0\.1:(\d+)\/)/.exec(out);
          const sim = /simulator: tcp:\/\/127\.0\.0\.1:(\d+)/.exec(out);
          const pid = /Node-RED [\d.]+ \(pid (\d+)\)/.exec(out);
          if (url && sim && pid && /watch the debug sidebar/.test(out)) {
            clearTimeout(timer);
            resolve({ url: url[1], redPort: Number(url[2]), simPort: Number(sim[1]), pid: Number(pid[1]) });
          }
        };
        child.stdout.on('data', (d) => {
          out += d;
          seen();
        });
        child.stderr.on('data', (d) => (out += d));
        exited.then(({ code }) => reject(new Error(`start.js exited ${code}: ${out}`)));
      });
      redPid = ready.pid;
      ready.redPort.should.equal(redPort);
      out.should.match(/click the inject 'buy coffee 24\.50' on the Vending tab/);

      const editor = await request(ready.url);
      editor.status.should.equal(200);
      editor.body.should.match(/Node-RED/);
      // Import › Examples lists the pack's examples (the pack is installed in the user directory).
      const listed = (await request(`${ready.url}library/examples/flows/@ssi-ecr/node-red`)).body.map((e) => e.fn);
      listed.should.eql(
        fs
          .readdirSync(path.join(root, 'examples'))
          .filter((f) => f.endsWith('.json'))
          .sort()
          .map((f) => f.replace(/\.json$/, '')),
      );
      const flows = (await request(`${ready.url}flows`)).body;
      flows.should.be.an.Array();
      new Set(flows.map((n) => n.id)).size.should.equal(flows.length);
      const tabs = new Set(flows.filter((n) => n.type === 'tab').map((n) => n.id));
      const ours = new Set(flows.filter((n) => /^ssi-/.test(n.type) && tabs.has(n.z)).map((n) => n.z));
      ours.size.should.be.aboveOrEqual(5);
      const types = new Set(flows.map((n) => n.type));
      [
        'ssi-terminal',
        'ssi-purchase',
        'ssi-refund',
        'ssi-transaction',
        'ssi-status',
        'ssi-report',
        'ssi-print',
        'ssi-terminal-info',
        'ssi-command',
      ].forEach((t) => types.has(t).should.be.true(t));
      // Every terminal points at a simulator npm start runs: the first one, or one of its own for a fleet's other terminals.
      const simPorts = [...out.matchAll(/simulator[^\n]*?: tcp:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
      simPorts[0].should.equal(ready.simPort);
      const terminals = flows.filter((n) => n.type === 'ssi-terminal');
      terminals.length.should.be.above(0);
      terminals.forEach((n) => simPorts.should.containEql(Number(n.port)));
      terminals.filter((n) => Number(n.port) === ready.simPort).length.should.equal(1);
      new Set(terminals.map((n) => Number(n.port))).size.should.equal(simPorts.length);
      for (const port of simPorts.slice(1)) {
        const other = new Terminal({ host: '127.0.0.1', port, pollInterval: 100 });
        try {
          should((await other.request('GetStatus')).status).equal('S00');
        } finally {
          await other.close();
        }
        (await accepts(port)).should.be.true();
      }

      const t = new Terminal({ host: '127.0.0.1', port: ready.simPort, pollInterval: 100 });
      try {
        // What the newcomer does: click 'buy coffee 24.50' (the editor's inject button is this admin call).
        const coffee = flows.find((n) => n.type === 'inject' && n.name === 'buy coffee 24.50');
        (await request(`${ready.url}inject/${coffee.id}`, { method: 'POST' })).status.should.equal(200);
        const until = Date.now() + 15000;
        let last;
        for (;;) {
          last = await t.request('GetLastResult').catch((err) => ({ busy: err.code }));
          if (last.params && last.params.transAmount === '2450') break;
          if (Date.now() > until) throw new Error(`the coffee purchase did not complete: ${JSON.stringify(last)}`);
          await new Promise((r) => setTimeout(r, 200));
        }
        last.params.should.match({ originalTrnName: 'Purchase', transactionResult: 'APPROVED_ONLINE', merchantId: '000000060007176' });

        should((await t.request('GetStatus')).status).match(/^S0[06]$/);
        should((await t.request('GetMerchantList')).params.merchantList).containEql('000000060007176');
        const seenStatuses: Wire[] = [];
        const r = await t.transact(
          'Purchase',
          { transAmount: 2450, transCurrency: '980', merchantId: '000000060007176' },
          { onStatus: (s) => seenStatuses.push(s.status) },
        );
        should(r.params.transactionResult).equal('APPROVED_ONLINE');
        seenStatuses.should.containDeep(['S02', 'S03', 'S04', 'S00']);
      } finally {
        await t.close();
      }

      child.kill('SIGTERM');
      const { code } = await exited;
      should(code).equal(0);
      alive(redPid).should.be.false();
      (await accepts(ready.redPort)).should.be.false();
      for (const port of simPorts) (await accepts(port)).should.be.false();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      if (redPid && alive(redPid)) process.kill(redPid, 'SIGKILL');
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}
