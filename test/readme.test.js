'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
require('should');
const { Terminal } = require('../dist/core');
const { render } = require('../scripts/docs');

const root = path.join(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const pkg = require('../package.json');

describe('README and the two commands', () => {
  it('tells a newcomer the two commands, and package.json has them', () => {
    readme.should.containEql('npm install && npm start');
    readme.should.containEql('npm test');
    pkg.scripts.start.should.match(/scripts\/start\.js/);
    pkg.scripts.test.should.equal('mocha');
  });

  it('.ci/run does a clean install and then exactly `npm test`', () => {
    const ci = fs.readFileSync(path.join(root, '.ci', 'run'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    ci.should.containEql('npm ci');
    ci.filter((l) => /npm (run )?test/.test(l)).should.eql(['timeout 1500 npm test']);
  });

  it('the method and test-amount tables are generated from the catalogue and up to date', () => {
    render(readme).should.equal(readme);
  });

  it('package.json is what the palette and the flow library expect', () => {
    pkg.name.should.equal('@ssi-ecr/node-red');
    pkg.keywords.should.containEql('node-red');
    pkg['node-red'].version.should.equal('>=3.1.0');
    pkg.engines.node.should.equal('>=18');
    pkg.license.should.equal('MIT');
    require(path.join(root, pkg.main)).Terminal.should.be.a.Function();
    require('@ssi-ecr/node-red').Terminal.should.equal(Terminal);
    require('@ssi-ecr/node-red/simulator').startSimulator.should.be.a.Function();
  });

  it('the start script brings up a simulator that takes a purchase, and stops cleanly', async function () {
    this.timeout(30000);
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.js')], { env: { ...process.env, SIM_PORT: '0', SIM_STATE: path.join(require('node:os').tmpdir(), `sim-state-${process.pid}.json`) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stderr.on('data', (d) => (out += d));
    const port = await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on tcp:\/\/127\.0\.0\.1:(\d+)[\s\S]*Test amounts/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`start.js exited ${code}: ${out}`)));
    });
    out.should.match(/Try a purchase/);
    const t = new Terminal({ host: '127.0.0.1', port, pollInterval: 100 });
    try {
      (await t.request('GetStatus')).status.should.match(/^S0[06]$/);
      (await t.request('GetMerchantList')).params.merchantList.should.containEql('000000060007176');
      const seen = [];
      const r = await t.transact('Purchase', { transAmount: 2450, transCurrency: '980', merchantId: '000000060007176' }, { onStatus: (s) => seen.push(s.status) });
      r.params.transactionResult.should.equal('APPROVED_ONLINE');
      seen.should.containDeep(['S02', 'S03', 'S04', 'S00']);
    } finally {
      await t.close();
    }
    const code = await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
    code.should.equal(0);
  });
});
