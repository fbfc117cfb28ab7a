'use strict';
/**
 * The flow library's scorecard: `node-red-dev validate` (scripts/scorecard.js) passes every check, run for real
 * but for the catalogue download, which scripts/offline-catalogue.js answers with an empty catalogue. It asks the
 * npm registry for real (P06, P07: Node-RED's versions; D02, D03: the dependencies'), so this test needs it.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import http = require('node:http');
import { spawn } from 'node:child_process';
import should = require('should');
import { scorecard, CHECKS, OFFLINE, ROOT } from '../scripts/scorecard';

import pkg = require('../package.json');
import type { AddressInfo } from 'node:net';
import type { Wire } from './support/wire';
const CATALOGUE = 'https://catalogue.nodered.org/catalogue.json';

describe('flow library scorecard (node-red-dev validate)', function () {
  this.timeout(120000);

  it('passes every check it runs, with all nine node definitions read', async () => {
    const result = await scorecard();
    const card = result.scorecard;
    if (result.problems.length || result.failed.length) {
      throw new Error(`failed: ${result.failed.join(', ') || 'none'}; problems:\n  ${result.problems.join('\n  ')}\n${result.output}`);
    }
    Object.keys(card)
      .filter((k) => k !== 'package')
      .sort()
      .should.eql(Object.keys(CHECKS).sort());
    card.package.should.eql({ name: pkg.name, version: pkg.version });
    // One ✅ line per check (P04 prints its own twice), in the output as well as in the scorecard file.
    result.output
      .split('\n')
      .filter((l) => l.startsWith('✅ '))
      .length.should.equal(Object.keys(CHECKS).length + 1);
    // The preload answered the two catalogue downloads and nothing else came from it.
    result.answered.should.equal(OFFLINE.length);
    // N02 looked at every flow node (the config node needs no example), so it parsed their HTML.
    const flowNodes = Object.keys(pkg['node-red'].nodes).filter((type) => type !== 'ssi-terminal');
    card.N02.nodes.slice().sort().should.eql(flowNodes.sort());
    card.D01.total.should.equal(Object.keys(pkg.dependencies).length).and.be.belowOrEqual(6);
    card.P06.versions.length.should.be.above(0);
    card.P07.version.should.equal(pkg.engines.node);
  });

  it('fails a package that breaks the rules (no licence, unscoped node-red- name, no keyword, node files and examples missing)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-ecr-broken-'));
    try {
      const broken: Record<string, unknown> = { ...pkg, name: 'node-red-ssi-ecr', keywords: ['payment'], dependencies: {} };
      delete broken.license;
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(broken, null, 2));
      const result = await scorecard(dir);
      result.failed.should.containDeep(['P01', 'P04', 'N02']);
      const problems = result.problems.join('\n');
      problems.should.match(/No License Specified/);
      problems.should.match(/P04 Packages using the node-red prefix/);
      problems.should.match(/P05 Package\.json keywords MUST contain node-red/); // the tool marks P05 passed anyway
      problems.should.match(/Unable to parse +dist\/nodes\/ssi-purchase\.js/);
      problems.should.match(/No examples found/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the preload answers the catalogue URL alone: node-red-dev's axios still reaches everything else", async () => {
    // A server on loopback with the same path: the preload must let the request through to it.
    const seen: Wire[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.url);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ modules: [{ id: 'real', types: [] }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}/catalogue.json`;
    const script = `
      const path = require('node:path');
      const axios = require(require.resolve('axios', { paths: [path.dirname(require.resolve('node-red-dev/package.json'))] }));
      Promise.all([axios.get(${JSON.stringify(CATALOGUE)}), axios.get(${JSON.stringify(local)})])
        .then(([offline, real]) => console.log(JSON.stringify([offline.data, real.data])), (err) => { console.error(err); process.exit(1); });`;
    try {
      const child = spawn(process.execPath, ['-r', path.join(ROOT, 'scripts', 'offline-catalogue.js'), '-e', script], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        err += d;
      });
      const code = await new Promise((resolve) => child.on('exit', resolve));
      should(code).equal(0, err);
      JSON.parse(out).should.eql([{ modules: [] }, { modules: [{ id: 'real', types: [] }] }]);
      seen.should.eql(['/catalogue.json']);
      err
        .trim()
        .split('\n')
        .should.eql([`offline-catalogue: answered GET ${CATALOGUE} with {"modules":[]}`]);
    } finally {
      server.close();
    }
  });
});
