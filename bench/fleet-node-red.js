'use strict';
/**
 * One Node-RED round of the fleet benchmark: a real Node-RED process (this pack installed in its user directory
 * the way the palette installs it, journals on) with bench/fleet-probe.js loaded by its settings.js.
 *   1. started with a flow of no terminal; RSS after gc
 *   2. deploy N ssi-terminal config nodes, each with an ssi-purchase node wired from one function node that
 *      fans a msg out to all of them; every terminal connected through the config node's "test connection"
 *      (the editor's button: it uses the deployed node's shared Terminal, which stays connected); RSS after gc
 *   3. one click on an inject node: N purchases at once; the probe records the event-loop delay until every
 *      outcome (or Catch) has reached it
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { child, pool } = require('./fleet-lib');
// The tests' helpers are TypeScript: loaded through tsx.
const { freePort, request } = require('tsx/cjs/api').require('../test/support/node-red', __filename);

const root = path.join(__dirname, '..');
const AMOUNT = 2450;

/**
 * Inject → count, catch → count: what both flows have. `fan` sends one msg to each of `n` outputs. Every node of
 * the tab has a place (x, y) as the editor gives it: Node-RED takes a node without one for a config node, which
 * starts differently, and a redeploy that rewires it fails.
 */
function baseFlow(n) {
  const fan = `const out = new Array(${n});\nfor (let i = 0; i < ${n}; i++) out[i] = { payload: ${AMOUNT}, fleet: i };\nreturn out;`;
  return placed([
    { id: 'fleet-tab', type: 'tab', label: 'fleet' },
    {
      id: 'fleet-go',
      type: 'inject',
      z: 'fleet-tab',
      name: 'all pay now',
      props: [{ p: 'payload' }],
      payload: '',
      payloadType: 'date',
      repeat: '',
      once: false,
      wires: [['fleet-fan']],
    },
    { id: 'fleet-fan', type: 'function', z: 'fleet-tab', name: 'fan out', func: n > 0 ? fan : 'return null;', outputs: n, wires: [] },
    {
      id: 'fleet-count',
      type: 'function',
      z: 'fleet-tab',
      name: 'count',
      func: "global.get('fleet').record(msg, 'outcome');\nreturn null;",
      outputs: 0,
      wires: [],
    },
    { id: 'catch', type: 'catch', z: 'fleet-tab', name: '', scope: null, uncaught: false, wires: [['fleet-count-error']] },
    {
      id: 'fleet-count-error',
      type: 'function',
      z: 'fleet-tab',
      name: 'count errors',
      func: "global.get('fleet').record(msg, 'error');\nreturn null;",
      outputs: 0,
      wires: [],
    },
  ]);
}

/** Gives each node of the tab a place in the editor (a column of 40 rows per 200 px). */
function placed(nodes, from = 0) {
  let i = from;
  for (const node of nodes) {
    if (!node.z) continue;
    node.x = 120 + 200 * Math.floor(i / 40);
    node.y = 40 + 40 * (i % 40);
    i++;
  }
  return nodes;
}

function fleetFlow(ports, merchant, pollInterval) {
  const flow = baseFlow(ports.length);
  const fan = flow.find((n) => n.id === 'fleet-fan');
  ports.forEach((port, i) => {
    flow.push({
      id: `t${i}`,
      type: 'ssi-terminal',
      name: `terminal ${i}`,
      transport: 'tcp',
      host: '127.0.0.1',
      port,
      merchantId: merchant,
      currency: '980',
      pollInterval: pollInterval ?? '',
    });
    flow.push(
      ...placed(
        [
          {
            id: `p${i}`,
            type: 'ssi-purchase',
            z: 'fleet-tab',
            name: `till ${i}`,
            terminal: `t${i}`,
            units: 'minor',
            wires: [['fleet-count'], ['fleet-count']],
          },
        ],
        5 + i,
      ),
    );
    fan.wires.push([`p${i}`]);
  });
  return flow;
}

/** `pack`: the directory of the pack to install (default this checkout; another build, to compare two). */
async function startNodeRed(flows, pack = root) {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-fleet-nr-'));
  fs.mkdirSync(path.join(userDir, 'node_modules', '@ssi-ecr'), { recursive: true });
  fs.symlinkSync(pack, path.join(userDir, 'node_modules', '@ssi-ecr', 'node-red'), 'dir');
  fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
  const port = await freePort();
  const settings = {
    uiPort: port,
    uiHost: '127.0.0.1',
    flowFile: 'flows.json',
    credentialSecret: false,
    logging: { console: { level: 'warn' } },
    telemetry: { enabled: false },
  };
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `const { fleet } = require(${JSON.stringify(path.join(__dirname, 'fleet-probe.js'))});\nmodule.exports = { ...${JSON.stringify(settings)}, functionGlobalContext: { fleet } };\n`,
  );
  const red = child(path.join(root, 'node_modules', 'node-red', 'red.js'), {
    args: ['--userDir', userDir],
    execArgv: ['--expose-gc', ...(process.env.FLEET_NODE_RED_ARGS ? process.env.FLEET_NODE_RED_ARGS.split(' ') : [])],
  });
  // FLEET_NODE_RED_LOG=dir: everything the process writes (e.g. what --trace-gc says), whole, in dir/node-red-<pid>.log.
  if (process.env.FLEET_NODE_RED_LOG) {
    const log = fs.createWriteStream(path.join(process.env.FLEET_NODE_RED_LOG, `node-red-${red.proc.pid}.log`));
    red.proc.stdout.pipe(log);
    red.proc.stderr.pipe(log);
  }
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    if (red.proc.exitCode !== null) throw new Error(`Node-RED exited early:\n${red.output()}`);
    const ok = await request(`${url}/settings`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until) {
      red.proc.kill('SIGKILL');
      throw new Error(`Node-RED did not start within 60 s:\n${red.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    red,
    async stop() {
      if (red.proc.exitCode === null) red.proc.kill('SIGINT');
      const timer = setTimeout(() => red.proc.kill('SIGKILL'), 60_000);
      await red.exited;
      clearTimeout(timer);
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
}

async function nodeRedRound({ ports, merchant, pollInterval, resolution, pack, log = () => {} }) {
  const n = ports.length;
  const nr = await startNodeRed(baseFlow(0), pack);
  const { url, red } = nr;
  try {
    // Warm up what both measurements share: the admin API and the Terminal's code (its own Terminal, closed).
    const warm = await request(`${url}/ssi-ecr/test-connection`, { method: 'POST', body: { transport: 'tcp', host: '127.0.0.1', port: ports[0] } });
    if (!warm.body || warm.body.ok !== true) throw new Error(`Node-RED warm-up test-connection failed: ${JSON.stringify(warm.body)}`);
    const mem0 = await red.call('memory');

    const deployStart = Date.now();
    const deploy = await request(`${url}/flows`, {
      method: 'POST',
      headers: { 'Node-RED-Deployment-Type': 'full', 'Node-RED-API-Version': 'v1' },
      body: fleetFlow(ports, merchant, pollInterval),
    });
    if (deploy.status !== 204 && deploy.status !== 200) throw new Error(`deploy failed: ${deploy.status} ${JSON.stringify(deploy.body)}`);
    for (const id of ['t0', `t${n - 1}`]) {
      const until = Date.now() + 30_000;
      while ((await request(`${url}/ssi-ecr/journal/${id}`)).status !== 200) {
        if (Date.now() > until) throw new Error(`config node ${id} not deployed after 30 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const deployMs = Date.now() - deployStart;

    const connectStart = Date.now();
    const tests = await pool(ports, 32, (port, i) =>
      request(`${url}/ssi-ecr/test-connection`, { method: 'POST', body: { id: `t${i}`, transport: 'tcp', host: '127.0.0.1', port } }),
    );
    const connectMs = Date.now() - connectStart;
    const connectFailed = tests.filter((t) => !t.body || t.body.ok !== true).map((t) => JSON.stringify(t.body).slice(0, 200));
    const mem1 = await red.call('memory');
    log(`fleet: Node-RED deployed ${n} terminals in ${deployMs} ms, connected in ${connectMs} ms`);

    const { idle } = await red.call('idle', { ms: 1000, resolution });
    await red.call('start', { expected: n, amount: AMOUNT, resolution });
    const click = await request(`${url}/inject/fleet-go`, { method: 'POST' });
    if (click.status !== 200) throw new Error(`inject failed: ${click.status} ${JSON.stringify(click.body)}\n${red.output()}`);
    const result = await red.call('wait', { timeout: 240_000 }, 300_000);
    const mem2 = await red.call('memory');
    return {
      n,
      mem0,
      mem1,
      mem2,
      idle,
      deployMs,
      connectMs,
      connected: n - connectFailed.length,
      connectFailed: connectFailed.slice(0, 3),
      ...result,
    };
  } finally {
    await nr.stop();
  }
}

module.exports = { nodeRedRound, fleetFlow, baseFlow };
