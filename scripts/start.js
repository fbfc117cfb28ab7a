'use strict';
/**
 * `npm start`: the terminal simulator with human-like timings, and Node-RED 4 with this pack installed and the
 * examples loaded, each on its own tab. A newcomer opens the printed URL, clicks an inject and watches a purchase.
 * An example with several terminals (the MQTT fleet) gets a simulator for each of its other loopback ports too.
 * An example that needs a module that cannot be found (the venue dashboard: @flowfuse/node-red-dashboard, a
 * devDependency) is left out, with a note, since Node-RED would not start any flow while a node type is missing.
 *
 * Environment:
 *   SIM_PORT           the simulator's TCP port (HTTP is SIM_PORT + 1); 0 picks free ports. Default 3000. The
 *                      simulator of an example terminal at 127.0.0.1:3010 listens on SIM_PORT + 10, and so on.
 *   SIM_STATE          where the simulated terminal keeps its last results and batch (default .sim-state.json).
 *   NODE_RED_PORT      the editor's port (default 1880).
 *   NODE_RED_USER_DIR  Node-RED's user directory (default .node-red-user/, ignored by git).
 *
 * The user directory is prepared here: node_modules/@ssi-ecr/node-red is a link to this repository (so Node-RED
 * loads the nodes and lists the examples under Import › Examples), settings.js and flows.json are written when
 * they do not exist yet; flows.json is rebuilt while it is as start.js wrote it, and kept once deployed over.
 */
const fs = require('node:fs');
const net = require('node:net');
const http = require('node:http');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawn } = require('node:child_process');
const { startSimulator, TEST_AMOUNTS } = require('../dist/simulator');

const root = path.join(__dirname, '..');
const pkg = require('../package.json');
const EXAMPLES = path.join(root, 'examples');
const DEFAULT_TERMINAL = { host: '127.0.0.1', port: 3000 };
const STOP_GRACE_MS = 10000;
const READY_TIMEOUT_MS = 60000;

class StartError extends Error {}

function envPort(name, fallback, { zero }) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n > 65535 || (n === 0 && !zero)) {
    throw new StartError(`${name} must be a port number from ${zero ? 0 : 1} to 65535; got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** Resolves when nothing listens on host:port (and we could bind it), rejects with a clear message otherwise. */
function ensureFree(port, host, what, hint) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES')
        reject(new StartError(`Port ${port} is in use (${what} cannot listen on ${host}:${port}): stop what runs there or ${hint}`));
      else reject(err);
    });
    server.listen(port, host, () => server.close(resolve));
  });
}

/** true when something accepts connections on host:port. */
function listening(port, host = '127.0.0.1', ms = 300) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const end = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(ms, () => end(false));
    socket.once('connect', () => end(true));
    socket.once('error', () => end(false));
  });
}

function get(url, ms = 2000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: ms }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const MQTT_TYPES = new Set(['mqtt in', 'mqtt out', 'mqtt-broker']);

const hexId = (...parts) => crypto.createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 16);

/** The example files, in their menu order: [{ file, title, nodes }]. */
function readExamples() {
  return fs
    .readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({
      file,
      title: file.replace(/\.json$/, '').replace(/^\d+\s*[-–]?\s*/, ''),
      nodes: JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')),
    }));
}

/** Replaces every string equal to a key of `ids` in a node's properties (wires, z, scope, config references, …). */
function remap(value, ids) {
  if (typeof value === 'string') return ids.has(value) ? ids.get(value) : value;
  if (Array.isArray(value)) return value.map((v) => remap(v, ids));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, remap(v, ids)]));
  return value;
}

/** The loopback ports of the examples' terminals besides the simulator's default one (a fleet has several). */
function otherTerminalPorts(examples) {
  const ports = new Set();
  for (const ex of examples) {
    for (const n of ex.nodes) {
      if (
        n.type === 'ssi-terminal' &&
        (n.transport || 'tcp') === 'tcp' &&
        n.host === DEFAULT_TERMINAL.host &&
        Number(n.port) !== DEFAULT_TERMINAL.port
      )
        ports.add(Number(n.port));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/**
 * flows.json from the examples: each on a tab of its own, with ids of its own. The examples' ssi-terminal nodes
 * pointing at the simulator's defaults become one shared "SSI simulator" terminal pointed at the simulator actually
 * started, so every tab shares one connection; those at another loopback port, one per port, pointed at its own
 * simulator (`sims`: example port → simulator). Identical MQTT brokers become one too. The examples' MQTT nodes and
 * brokers come disabled; they are enabled when a broker answers on 127.0.0.1:1883 (else they would only log
 * connection failures). Other configuration nodes (the dashboard's base, theme, page and groups) stay global, one
 * per example; an example's global-config node (the modules it needs, a hint for the editor's import) is left out.
 */
function flowsFromExamples(examples, sims, { mqttUp }) {
  const flows = [];
  const shared = new Map(); // id → the one config node that replaces the examples' identical ones
  const notes = [];
  for (const ex of examples) {
    const tab = hexId('tab', ex.file);
    const comment = ex.nodes.find((n) => n.type === 'comment');
    flows.push({
      id: tab,
      type: 'tab',
      label: ex.title,
      disabled: false,
      info: comment ? `${comment.name}\n\n${comment.info ?? ''}`.trim() : '',
      env: [],
    });
    const ids = new Map();
    for (const n of ex.nodes) {
      if (simulated(n, sims))
        ids.set(
          n.id,
          Number(n.port) === DEFAULT_TERMINAL.port ? hexId('ssi-terminal', 'simulator') : hexId('ssi-terminal', 'simulator', String(n.port)),
        );
      // Brokers alike in every setting are one connection; the fleet's (MQTT 5, a last will) stays its own.
      else if (n.type === 'mqtt-broker') ids.set(n.id, hexId('mqtt-broker', JSON.stringify({ ...n, id: undefined, name: undefined })));
      else ids.set(n.id, hexId(tab, n.id));
      if (n.z) ids.set(n.z, tab);
    }
    for (const n of ex.nodes) {
      // The modules the example needs, for the editor's import to offer them: no node to run.
      if (n.type === 'global-config') continue;
      const node = remap(n, ids);
      if (MQTT_TYPES.has(n.type)) {
        // The examples ship their MQTT nodes and brokers disabled (a plain Node-RED has no broker to talk to).
        if (mqttUp) delete node.d;
        else node.d = true;
      }
      // Configuration nodes (no z: terminals, brokers, the dashboard's base, pages and groups) stay global.
      if (n.z === undefined) {
        if (shared.has(node.id)) continue;
        delete node.z;
        if (simulated(n, sims)) {
          const sim = sims.get(Number(n.port));
          Object.assign(node, { host: sim.host === '0.0.0.0' ? '127.0.0.1' : sim.host, port: sim.port });
        }
        shared.set(node.id, node);
        continue;
      }
      node.z = tab;
      flows.push(node);
    }
  }
  const withMqtt = examples.filter((ex) => ex.nodes.some((n) => n.type === 'mqtt in' || n.type === 'mqtt out')).map((ex) => `"${ex.title}"`);
  if (!mqttUp && withMqtt.length)
    notes.push(`the MQTT nodes (tab ${withMqtt.join(', ')}) are disabled: no MQTT broker answers on 127.0.0.1:1883; enable them when you run one`);
  return { flows: [...flows, ...shared.values()], notes };
}

/**
 * The modules an example needs besides Node-RED and this pack (its global-config node lists them, as the editor's
 * export does) that cannot be found from this repository, where Node-RED looks for them too.
 */
function missingModules(ex) {
  const modules = Object.keys(ex.nodes.find((n) => n.type === 'global-config')?.modules ?? {});
  return modules.filter((m) => {
    try {
      require.resolve(`${m}/package.json`, { paths: [root] });
      return false;
    } catch {
      return true;
    }
  });
}

/** An example's ssi-terminal that points at a simulator npm start runs. */
function simulated(n, sims) {
  return n.type === 'ssi-terminal' && (n.transport || 'tcp') === 'tcp' && n.host === DEFAULT_TERMINAL.host && sims.has(Number(n.port));
}

const SETTINGS = `/**
 * Node-RED settings for \`npm start\` of @ssi-ecr/node-red (written by scripts/start.js when missing; yours to edit,
 * it is never overwritten). The whole reference: https://nodered.org/docs/user-guide/runtime/settings-file
 */
module.exports = {
    flowFile: 'flows.json',
    flowFilePretty: true,
    // The example flows hold no secrets; credentials (if you add any) are stored unencrypted in this directory.
    credentialSecret: false,
    // The editor has no login: keep it on this computer.
    uiHost: '127.0.0.1',
    uiPort: Number(process.env.NODE_RED_PORT) || 1880,
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: true, ui: true },
    runtimeState: { enabled: false, ui: false },
    exportGlobalContextKeys: false,
    functionExternalModules: false,
    debugMaxLength: 1000,
    mqttReconnectTime: 15000,
    serialReconnectTime: 15000,
    editorTheme: {
        tours: false,
        projects: { enabled: false },
    },
};
`;

/** Makes Node-RED stop when npm start's process goes away, however it goes (the IPC channel closes). */
const GUARD = `'use strict';
// Written by scripts/start.js: stop Node-RED cleanly when the npm start process that runs it is gone.
if (process.channel) {
    process.channel.unref();
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
`;

function prepareUserDir(userDir, examples, sims, { mqttUp }) {
  const sim = sims.get(DEFAULT_TERMINAL.port);
  fs.mkdirSync(path.join(userDir, 'node_modules', '@ssi-ecr'), { recursive: true });
  const link = path.join(userDir, 'node_modules', '@ssi-ecr', 'node-red');
  let current = null;
  try {
    current = fs.realpathSync(link);
  } catch {
    /* missing or dangling */
  }
  if (current !== fs.realpathSync(root)) {
    fs.rmSync(link, { recursive: false, force: true });
    fs.symlinkSync(root, link, 'junction');
  }
  // Listing the pack in package.json keeps it when the palette manager runs npm install in this directory.
  const pkgFile = path.join(userDir, 'package.json');
  if (!fs.existsSync(pkgFile)) {
    const rel = path.relative(userDir, root).split(path.sep).join('/') || '.';
    fs.writeFileSync(
      pkgFile,
      `${JSON.stringify({ name: 'node-red-project', description: 'Node-RED of npm start (@ssi-ecr/node-red)', version: '0.0.1', private: true, dependencies: { [pkg.name]: `file:${rel}` } }, null, 4)}\n`,
    );
  }
  const settingsFile = path.join(userDir, 'settings.js');
  if (!fs.existsSync(settingsFile)) fs.writeFileSync(settingsFile, SETTINGS);
  const guardFile = path.join(userDir, '.start-guard.js');
  fs.writeFileSync(guardFile, GUARD);

  const flowFile = path.join(userDir, 'flows.json');
  // What start.js wrote last time: flows.json that still matches it was never deployed over, and is rebuilt (for
  // this simulator's port and the current examples); once deployed, it is the user's.
  const stampFile = path.join(userDir, '.start-flows.json');
  const sha = (text) => crypto.createHash('sha256').update(text).digest('hex');
  const notes = [];
  let untouched = false;
  try {
    untouched = JSON.parse(fs.readFileSync(stampFile, 'utf8')).sha256 === sha(fs.readFileSync(flowFile));
  } catch {
    /* no stamp or no flows.json */
  }
  if (!fs.existsSync(flowFile) || untouched) {
    const built = flowsFromExamples(examples, sims, { mqttUp });
    const text = `${JSON.stringify(built.flows, null, 4)}\n`;
    fs.writeFileSync(flowFile, text);
    fs.writeFileSync(stampFile, `${JSON.stringify({ sha256: sha(text), simPort: sim.port })}\n`);
    notes.push(...built.notes);
    return { created: true, flowFile, settingsFile, guardFile, notes };
  }
  // The user's flows: kept as they are. Say so when none of their terminals points at this simulator.
  try {
    const flows = JSON.parse(fs.readFileSync(flowFile, 'utf8'));
    const terminals = Array.isArray(flows) ? flows.filter((n) => n && n.type === 'ssi-terminal') : [];
    if (terminals.length && !terminals.some((n) => (n.transport || 'tcp') === 'tcp' && Number(n.port) === sim.port)) {
      notes.push(
        `no ssi-terminal in ${flowFile} points at port ${sim.port}: open its settings and set port ${sim.port}, or delete flows.json to start again from the examples`,
      );
    }
  } catch (err) {
    notes.push(`${flowFile} could not be read (${err.message}); Node-RED will say more`);
  }
  return { created: false, flowFile, settingsFile, guardFile, notes };
}

async function waitForEditor(url, child) {
  const until = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) throw new StartError('Node-RED stopped while starting (its messages are above)');
    try {
      const res = await get(url);
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new StartError(`Node-RED did not answer on ${url} within ${READY_TIMEOUT_MS / 1000} s`);
}

/** Node-RED's start-up warnings that are expected with these settings: not worth a newcomer's attention. */
const EXPECTED = [/\[warn\] Projects disabled/, /\[warn\] Using unencrypted credentials/];

function prefixLines(stream, out, prefix) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop();
    for (const line of lines) if (!EXPECTED.some((re) => re.test(line))) out.write(`${prefix}${line}\n`);
  });
  stream.on('end', () => {
    if (rest) out.write(`${prefix}${rest}\n`);
  });
}

async function main() {
  const simPort = envPort('SIM_PORT', 3000, { zero: true });
  const redPort = envPort('NODE_RED_PORT', 1880, { zero: false });
  const stateFile = process.env.SIM_STATE || path.join(root, '.sim-state.json');
  const userDir = path.resolve(process.env.NODE_RED_USER_DIR || path.join(root, '.node-red-user'));
  const editorUrl = `http://127.0.0.1:${redPort}/`;

  await ensureFree(redPort, '127.0.0.1', 'Node-RED', `set NODE_RED_PORT (e.g. NODE_RED_PORT=1881 npm start)`);

  let sim;
  try {
    sim = await startSimulator({ port: simPort, stateFile });
  } catch (err) {
    if (err.code === 'EADDRINUSE')
      throw new StartError(
        `Port ${err.port} is in use (the terminal simulator cannot listen on it): stop what runs there or set SIM_PORT (e.g. SIM_PORT=4000 npm start)`,
      );
    throw err;
  }

  // An example whose module is not installed would stop every flow (Node-RED waits for its node types): left out.
  const all = readExamples();
  const examples = all.filter((ex) => missingModules(ex).length === 0);
  const skipped = all
    .filter((ex) => !examples.includes(ex))
    .map((ex) => `the example "${ex.title}" is not loaded: it needs ${missingModules(ex).join(', ')} (npm install, or install it from the palette)`);
  const sims = new Map([[DEFAULT_TERMINAL.port, sim]]);
  let child = null;
  let stopping = null;
  const stop = (code) => {
    if (stopping) return stopping;
    stopping = (async () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      await Promise.all([...sims.values()].map((s) => s.stop()));
      process.exit(code);
    })();
    return stopping;
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));

  try {
    // The other terminals of a fleet example: a simulator each, at the same distance from SIM_PORT as in the example.
    const others = [];
    for (const [i, port] of otherTerminalPorts(examples).entries()) {
      const n = String(i + 2).padStart(7, '0');
      const options = {
        port: simPort === 0 ? 0 : simPort + port - DEFAULT_TERMINAL.port,
        stateFile: stateFile.replace(/(\.json)?$/, `-${port}.json`),
        // Told apart from the first in results (terminalId) and terminal info (serial number).
        serialNumber: `SIM${n}`,
        merchants: [{ merchantId: '000000060007176', terminalIds: [`T${n}`] }],
      };
      if (options.port > 65535)
        throw new StartError(
          `SIM_PORT ${simPort} leaves no port for the simulator of the example terminal at 127.0.0.1:${port} (SIM_PORT + ${port - DEFAULT_TERMINAL.port})`,
        );
      try {
        sims.set(port, await startSimulator(options));
      } catch (err) {
        if (err.code === 'EADDRINUSE')
          throw new StartError(
            `Port ${err.port} is in use (the simulator of the example terminal at 127.0.0.1:${port} cannot listen on it): stop what runs there or set SIM_PORT (e.g. SIM_PORT=4000 npm start)`,
          );
        throw err;
      }
      others.push({ port, options });
    }
    const mqttUp = await listening(1883);
    const prepared = prepareUserDir(userDir, examples, sims, { mqttUp });

    const redJs = require.resolve('node-red/red.js', { paths: [root] });
    child = spawn(process.execPath, ['--require', prepared.guardFile, redJs, '--userDir', userDir, '--port', String(redPort)], {
      cwd: root,
      env: { ...process.env, NODE_RED_PORT: String(redPort) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    prefixLines(child.stdout, process.stdout, 'node-red | ');
    prefixLines(child.stderr, process.stderr, 'node-red | ');
    child.on('exit', (code, signal) => {
      if (!stopping) {
        console.error(`Node-RED stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}); stopping the simulator.`);
        stop(1);
      }
    });
    await waitForEditor(editorUrl, child);

    const nodeRedVersion = require(require.resolve('node-red/package.json', { paths: [root] })).version;
    const tcp = `tcp://127.0.0.1:${sim.port}`;
    console.log('');
    console.log(`SSI ECR terminal simulator: ${tcp} (framed) and http://127.0.0.1:${sim.httpPort}/ (POST JSON), state in ${stateFile}`);
    for (const { port, options } of others) {
      console.log(
        `  and a simulator for the example terminal at 127.0.0.1:${port}: tcp://127.0.0.1:${sims.get(port).port}, state in ${options.stateFile}`,
      );
    }
    console.log(`Node-RED ${nodeRedVersion} (pid ${child.pid}), user directory ${userDir}`);
    console.log(`  flows: ${prepared.flowFile}${prepared.created ? ' (from the examples, one tab each, terminal → ' + tcp + ')' : ' (yours, kept)'}`);
    for (const note of [...prepared.notes, ...skipped]) console.log(`  note: ${note}`);
    console.log('');
    console.log(`Open the Node-RED editor: ${editorUrl}`);
    console.log(`  click the inject 'buy coffee 24.50' on the Vending tab, then watch the debug sidebar.`);
    console.log(`  The examples are also under Menu › Import › Examples › ${pkg.name}.`);
    const dashboard = examples.find((ex) => ex.nodes.some((n) => n.type === 'ui-base'));
    if (dashboard)
      console.log(
        `The venue dashboard ("${dashboard.title}"): ${editorUrl}${dashboard.nodes.find((n) => n.type === 'ui-base').path.replace(/^\//, '')}`,
      );
    console.log(
      `Test amounts: ${Object.entries(TEST_AMOUNTS)
        .map(([a, o]) => `${a} ${o.result}`)
        .join(', ')}; every other amount is approved.`,
    );
    console.log('Or a purchase from a shell, without Node-RED (the ssi-ecr command line):');
    console.log(`  node dist/cli/main.js purchase 2450 --port ${sim.port} --merchant 000000060007176`);
    console.log('Ctrl-C stops the simulators and Node-RED.');
  } catch (err) {
    if (stopping) return; // Ctrl-C while starting
    console.error(err instanceof StartError ? err.message : err);
    await stop(1);
  }
}

main().catch((err) => {
  console.error(err instanceof StartError ? err.message : err);
  process.exit(1);
});
