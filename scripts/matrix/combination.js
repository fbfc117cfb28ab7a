'use strict';
/**
 * One combination of the compatibility matrix, the way a user gets there: that Node.js runs its own npm to install
 * that Node-RED into a folder of its own, and then to install the pack's tarball into a fresh user directory with
 * the arguments the palette manager uses. Node-RED starts with that Node; the admin API must list all nine types
 * and the editor plugin, loaded without error; a deployed flow then makes a purchase over TCP and one over a serial line (a socat pty
 * pair), and the simulator must have seen exactly one Purchase on each.
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { runtimeEnv } = require('./runtime');
// The tests' helpers are TypeScript: loaded through tsx.
const tsx = require('tsx/cjs/api');
const { request, freePort } = tsx.require('../../test/support/node-red', __filename);
const { ptyPair } = tsx.require('../../test/support/pty', __filename);

const ROOT = path.join(__dirname, '..', '..');
const PKG = require('../../package.json');
const TYPES = Object.keys(PKG['node-red'].nodes).sort();
const MERCHANT = '000000060007176';
/** The arguments Node-RED's palette manager gives npm when it installs a module into the user directory. */
const PALETTE_ARGS = ['--no-audit', '--no-update-notifier', '--no-fund', '--save', '--save-prefix=~', '--omit=dev', '--engine-strict'];
/** How long a condition may take before the check gives up on it (a busy machine is slow, not broken). */
const WAIT = 120000;

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Appends a child's stdout and stderr to `log` as they come; returns a function that gives all of it so far. */
function tee(child, log) {
  let out = '';
  const keep = (d) => {
    out += d;
    fs.appendFileSync(log, d);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return () => out;
}

/** Runs that Node's npm in `cwd`, its output appended to `log`; rejects with the output's tail on failure. */
function runNpm(runtime, args, cwd, log) {
  return new Promise((resolve, reject) => {
    fs.appendFileSync(log, `\n$ npm ${args.join(' ')}   (node ${runtime.version}, npm ${runtime.npmVersion}, in ${cwd})\n`);
    const child = spawn(runtime.node, [runtime.npmCli, ...args], { cwd, env: runtimeEnv(runtime), stdio: ['ignore', 'pipe', 'pipe'] });
    const out = tee(child, log);
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve(out())
        : reject(new Error(`npm ${args[0]} ${args[1] || ''} exited ${code}: ${out().trim().split('\n').slice(-6).join('\n')}`)),
    );
  });
}

const versionIn = (dir, name) => JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** The flow: POST /pay/tcp and /pay/serial, each into an ssi-purchase on its own terminal, answered over HTTP. */
function flow(simPort, serialPath) {
  const terminal = {
    type: 'ssi-terminal',
    merchantId: MERCHANT,
    currency: '980',
    polling: 'adaptive',
    pollInterval: 20,
    requestTimeout: 3000,
    connectTimeout: 3000,
    overallTimeout: 60000,
    unackedGrace: 1000,
    allowWhileUnresolved: false,
  };
  const nodes = [
    { id: 'matrix-tab', type: 'tab', label: 'matrix' },
    { ...terminal, id: 'term-tcp', name: 'tcp', transport: 'tcp', host: '127.0.0.1', port: simPort, serialPort: '', baudRate: 115200 },
    { ...terminal, id: 'term-serial', name: 'serial', transport: 'serial', host: '', port: 3000, serialPort: serialPath, baudRate: 115200 },
    { id: 'matrix-reply', type: 'http response', z: 'matrix-tab', name: '', statusCode: '', headers: {}, wires: [] },
    // Errors go back as 500 with msg.error, so a failure says what it was.
    { id: 'matrix-catch', type: 'catch', z: 'matrix-tab', name: '', scope: null, uncaught: false, wires: [['matrix-failed']] },
    {
      id: 'matrix-failed',
      type: 'change',
      z: 'matrix-tab',
      name: '',
      wires: [['matrix-reply']],
      rules: [
        { t: 'set', p: 'statusCode', pt: 'msg', to: '500', tot: 'num' },
        { t: 'set', p: 'payload', pt: 'msg', to: 'error', tot: 'msg' },
      ],
    },
  ];
  for (const via of ['tcp', 'serial']) {
    nodes.push(
      {
        id: `in-${via}`,
        type: 'http in',
        z: 'matrix-tab',
        name: '',
        url: `/pay/${via}`,
        method: 'post',
        upload: false,
        swaggerDoc: '',
        wires: [[`pay-${via}`]],
      },
      {
        id: `pay-${via}`,
        type: 'ssi-purchase',
        z: 'matrix-tab',
        name: '',
        terminal: `term-${via}`,
        units: 'minor',
        merchantId: '',
        merchantIdType: 'str',
        currency: '',
        currencyType: 'str',
        discountedAmount: '',
        discountedAmountType: 'msg',
        wires: [['matrix-reply'], ['matrix-reply']],
      },
    );
  }
  return nodes;
}

/** Node-RED from `nrDir` with `runtime`'s Node on a free loopback port; resolves once its admin API answers. */
async function startNodeRed(runtime, nrDir, userDir, log) {
  const port = await freePort();
  const settings = {
    uiPort: port,
    uiHost: '127.0.0.1',
    flowFile: 'flows.json',
    credentialSecret: false,
    logging: { console: { level: 'warn' } },
    telemetry: { enabled: false },
    editorTheme: { tours: false, palette: { catalogues: [] } },
  };
  fs.writeFileSync(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(settings, null, 1)};\n`);
  fs.writeFileSync(path.join(userDir, 'flows.json'), '[]');
  const child = spawn(runtime.node, [path.join(nrDir, 'node_modules', 'node-red', 'red.js'), '--userDir', userDir], {
    env: runtimeEnv(runtime),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = tee(child, log);
  const exited = new Promise((resolve) => child.once('close', resolve));
  const url = `http://127.0.0.1:${port}`;
  for (const until = Date.now() + WAIT; ; await delay(200)) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`Node-RED exited at start: ${output().trim().split('\n').slice(-6).join('\n')}`);
    if (
      await request(`${url}/settings`).then(
        (r) => r.status === 200,
        () => false,
      )
    )
      break;
    check(Date.now() < until, `Node-RED did not answer within ${WAIT / 1000} s`);
  }
  return {
    url,
    output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

/** POST /pay/VIA { amount }; the flow's http-in answers 404 until the deployed flow has started. */
async function pay(red, via, amount) {
  for (const until = Date.now() + WAIT; ; await delay(200)) {
    const r = await request(`${red.url}/pay/${via}`, { method: 'POST', body: { amount } });
    if (r.status !== 404 || Date.now() > until) return r;
  }
}

/**
 * Runs the combination in `dir`. `runtime`: from nodeRuntime; `nodeRed`: a version range; `serialport`: the
 * major npm must pick on this Node. Resolves { nodeRed, serialport, seconds } or rejects with what failed.
 */
async function runCombination(options) {
  const result = {
    node: options.runtime.version,
    npm: options.runtime.npmVersion,
    nodeRedRange: options.nodeRed,
    log: path.join(options.dir, 'log.txt'),
  };
  try {
    return await run(options, result);
  } catch (err) {
    err.partial = result; // what was found before the failure (versions installed), for the report
    throw err;
  }
}

async function run({ runtime, nodeRed, serialport, tarball, dir, socat, startSimulator }, result) {
  const { log } = result;
  const nrDir = path.join(dir, 'node-red');
  const userDir = path.join(dir, 'user');
  fs.mkdirSync(nrDir, { recursive: true });
  fs.mkdirSync(userDir, { recursive: true });

  // Node-RED into a folder of its own, by that Node's npm.
  fs.writeFileSync(path.join(nrDir, 'package.json'), JSON.stringify({ name: 'node-red-install', private: true }));
  await runNpm(runtime, ['install', `node-red@${nodeRed}`, '--omit=dev', '--no-audit', '--no-fund', '--no-update-notifier'], nrDir, log);
  result.nodeRed = versionIn(nrDir, 'node-red');

  // The pack's tarball into a fresh user directory, as the palette installs it (Node-RED's own package.json first).
  fs.writeFileSync(
    path.join(userDir, 'package.json'),
    JSON.stringify({ name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true }, null, 4),
  );
  await runNpm(runtime, ['install', ...PALETTE_ARGS, tarball], userDir, log);
  result.pack = versionIn(userDir, PKG.name);
  result.serialport = versionIn(userDir, 'serialport');
  check(
    Number(result.serialport.split('.')[0]) === serialport,
    `npm picked serialport ${result.serialport} on Node ${runtime.version}; the matrix expects ${serialport}.x there`,
  );

  const sim = await startSimulator({ port: 0, httpPort: false, phases: { S01: 20, S02: 100, S03: 100, S04: 20, S05: 20, S07: 0 } });
  let pair;
  let red;
  try {
    const [simEnd, ecrEnd] = [path.join(dir, 'tty-terminal'), path.join(dir, 'tty-ecr')];
    pair = await ptyPair(simEnd, ecrEnd, socat);
    await sim.serveSerial(simEnd);
    red = await startNodeRed(runtime, nrDir, userDir, log);

    // All nine types, loaded from the installed module, none with an error.
    const info = await request(`${red.url}/nodes/${PKG.name}`, { headers: { accept: 'application/json' } });
    check(info.status === 200, `GET /nodes/${PKG.name}: HTTP ${info.status} ${JSON.stringify(info.body).slice(0, 300)}`);
    check(info.body.version === PKG.version, `Node-RED loaded ${PKG.name} ${info.body.version}, not ${PKG.version}`);
    const sets = info.body.nodes || [];
    const broken = sets.filter((s) => s.err || !s.enabled).map((s) => `${s.name}: ${s.err || 'disabled'}`);
    check(broken.length === 0, `node sets not loaded: ${broken.join('; ')}`);
    const types = sets.flatMap((s) => s.types).sort();
    check(JSON.stringify(types) === JSON.stringify(TYPES), `types loaded: ${types.join(', ')}; expected ${TYPES.join(', ')}`);

    // The editor plugins (the SSI ECR sidebar), loaded from the installed module, none with an error.
    const plugins = await request(`${red.url}/plugins`, { headers: { accept: 'application/json' } });
    for (const name of Object.keys(PKG['node-red'].plugins)) {
      const set = (Array.isArray(plugins.body) ? plugins.body : []).find((p) => p.id === `${PKG.name}/${name}`);
      check(set && set.enabled && !set.err, `plugin ${name} not loaded: ${JSON.stringify(set ?? plugins.body).slice(0, 300)}`);
    }

    const deployed = await request(`${red.url}/flows`, {
      method: 'POST',
      headers: { 'Node-RED-Deployment-Type': 'full' },
      body: flow(sim.port, ecrEnd),
    });
    check(deployed.status === 204 || deployed.status === 200, `deploy: HTTP ${deployed.status} ${JSON.stringify(deployed.body).slice(0, 300)}`);

    for (const [via, amount] of [
      ['tcp', 2450],
      ['serial', 990],
    ]) {
      const r = await pay(red, via, amount);
      check(
        r.status === 200 && r.body && r.body.approved === true && r.body.transAmount === String(amount),
        `purchase over ${via}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`,
      );
    }
    const purchases = sim.requests.filter((q) => q.method === 'Purchase').map((q) => `${q.via} ${q.params.transAmount}`);
    check(
      JSON.stringify(purchases) === JSON.stringify(['tcp 2450', 'stream 990']),
      `the simulator saw ${JSON.stringify(purchases)}; expected one Purchase over TCP (2450) and one over serial (990)`,
    );
    const errors = red
      .output()
      .split('\n')
      .filter((l) => /\[error\]|^\w*Error\b/.test(l));
    check(errors.length === 0, `Node-RED logged errors: ${errors.join(' | ')}`);
  } finally {
    await red?.stop();
    await sim.stop();
    await pair?.remove();
  }
  return result;
}

module.exports = { runCombination, ROOT };
