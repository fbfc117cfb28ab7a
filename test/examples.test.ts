'use strict';
/**
 * The example flows (examples/*.json, listed by the editor under Import › Examples): well-formed Node-RED exports
 * that use only core nodes and ours (or a module they declare, as the editor's export does, and name in their
 * comment), pointed at the simulator's defaults; and each one, loaded into Node-RED against a simulator, does what
 * its comment says. The venue dashboard (Dashboard 2 widgets) runs in test/dashboard.test.ts, in a real browser.
 */
import fs = require('node:fs');
import path = require('node:path');
import http = require('node:http');
import should = require('should');
import semver = require('semver');
import { Terminal } from '../dist/core';
import { helper, simulator, next, NODES, MERCHANT } from './nodes/support';
import { waitFor } from './support/fixtures';
import type { AddressInfo } from 'node:net';
import type { NodeInitializer } from 'node-red';
import type { Wire } from './support/wire';

const DIR = path.join(__dirname, '..', 'examples');
const FILES = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const read = (file) => JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'));

/** Node-RED core node types the examples may use, and the module that registers each. */
const CORE_DIR = path.dirname(require.resolve('@node-red/nodes/package.json'));
const CORE = {
  inject: 'core/common/20-inject.js',
  debug: 'core/common/21-debug.js',
  complete: 'core/common/24-complete.js',
  catch: 'core/common/25-catch.js',
  status: 'core/common/25-status.js',
  'link in': 'core/common/60-link.js',
  'link out': 'core/common/60-link.js',
  'link call': 'core/common/60-link.js',
  comment: 'core/common/90-comment.js',
  'global-config': 'core/common/91-global-config.js',
  junction: 'core/common/05-junction.js',
  function: 'core/function/10-function.js',
  switch: 'core/function/10-switch.js',
  change: 'core/function/15-change.js',
  range: 'core/function/16-range.js',
  template: 'core/function/80-template.js',
  delay: 'core/function/89-delay.js',
  trigger: 'core/function/89-trigger.js',
  rbe: 'core/function/rbe.js',
  'http in': 'core/network/21-httpin.js',
  'http response': 'core/network/21-httpin.js',
  'http request': 'core/network/21-httprequest.js',
  'mqtt in': 'core/network/10-mqtt.js',
  'mqtt out': 'core/network/10-mqtt.js',
  'mqtt-broker': 'core/network/10-mqtt.js',
  json: 'core/parsers/70-JSON.js',
  split: 'core/sequence/17-split.js',
  join: 'core/sequence/17-split.js',
};

/** The contract of our node types: the properties every instance carries, and its number of outputs. */
const OURS = {
  'ssi-terminal': {
    props: [
      'name',
      'transport',
      'host',
      'port',
      'httpPort',
      'httpPath',
      'serialPort',
      'baudRate',
      'merchantId',
      'currency',
      'polling',
      'pollInterval',
      'requestTimeout',
      'connectTimeout',
      'overallTimeout',
      'unackedGrace',
      'allowWhileUnresolved',
    ],
  },
  'ssi-purchase': {
    outputs: 2,
    props: ['units', 'merchantId', 'merchantIdType', 'currency', 'currencyType', 'discountedAmount', 'discountedAmountType'],
  },
  'ssi-refund': { outputs: 2, props: ['operation', 'units', 'merchantId', 'merchantIdType', 'currency', 'currencyType'] },
  'ssi-transaction': { outputs: 2, props: ['method', 'units', 'merchantId', 'merchantIdType', 'currency', 'currencyType'] },
  'ssi-status': { outputs: 1, props: ['mode', 'watch', 'interval'] },
  'ssi-report': { outputs: 2, props: ['report', 'detailed', 'receipt', 'merchantId', 'merchantIdType'] },
  'ssi-print': { outputs: 1, props: ['mode', 'url', 'urlType', 'fontStyle'] },
  'ssi-terminal-info': { outputs: 1, props: ['what'] },
  'ssi-command': { outputs: 1, props: ['method'] },
};
/**
 * Node types of other modules that examples may use, by module. An example that uses one declares the module in a
 * `global-config` node's `modules` (module → version), as the editor's export does: importing it into a Node-RED
 * without the module offers to install it. The module is a devDependency, so that the example can be tested.
 */
const MODULES = {
  '@flowfuse/node-red-dashboard': Object.keys(require('@flowfuse/node-red-dashboard/package.json')['node-red'].nodes),
};
const moduleOf = (type) => Object.keys(MODULES).find((m) => MODULES[m].includes(type));
/** Dashboard 2's configuration nodes, and what each widget property refers to. */
const DASHBOARD_CONFIG = ['ui-base', 'ui-page', 'ui-group', 'ui-theme', 'ui-link'];
const DASHBOARD_REFERENCES = { ui: 'ui-base', page: 'ui-page', group: 'ui-group', theme: 'ui-theme' };
const CONFIG_TYPES = new Set(['ssi-terminal', 'mqtt-broker', 'global-config', ...DASHBOARD_CONFIG]);
/** Nodes that need an MQTT broker: the examples ship them disabled (`d: true`). */
const MQTT_TYPES = new Set(['mqtt in', 'mqtt out', 'mqtt-broker']);
/** Properties that hold the id of another node of the flow. */
const REFERENCES = new Set(['id', 'z', 'wires', 'terminal', 'broker', 'scope', 'links', 'g', ...Object.keys(DASHBOARD_REFERENCES)]);

function strings(value, out: string[] = []) {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => strings(v, out));
  return out;
}

describe('example flows: the files', () => {
  it('there are examples, named for the Import › Examples menu', () => {
    FILES.length.should.be.aboveOrEqual(5);
    FILES.forEach((f) => f.should.match(/^\d\d [A-Z][\w ,&()'-]+\.json$/));
  });

  for (const file of FILES) {
    describe(file, () => {
      let nodes;
      before(() => {
        nodes = read(file);
      });

      it('is an array of nodes with unique Node-RED-like ids, positions, and no tab', () => {
        nodes.should.be.an.Array();
        nodes.length.should.be.above(3);
        const ids = nodes.map((n) => n.id);
        new Set(ids).size.should.equal(ids.length);
        for (const n of nodes) {
          n.id.should.match(/^[0-9a-f]{16}$/, `${n.type} ${n.name}: id`);
          n.type.should.be.a.String();
          n.type.should.not.equal('tab');
          n.type.should.not.equal('subflow');
          if (CONFIG_TYPES.has(n.type)) {
            n.should.not.have.properties('x', 'y', 'wires');
          } else {
            n.x.should.be.a.Number();
            n.y.should.be.a.Number();
            n.wires.should.be.an.Array();
            n.should.have.property('name');
          }
        }
        // Flow nodes share one (absent) tab, as exported flows do.
        new Set(nodes.filter((n) => !CONFIG_TYPES.has(n.type)).map((n) => n.z)).size.should.equal(1);
      });

      it('uses only Node-RED core nodes, ours, and those of modules it declares, with the properties and outputs of the contract', () => {
        const declared = nodes.filter((n) => n.type === 'global-config');
        declared.length.should.be.belowOrEqual(1);
        const modules = declared.length ? declared[0].modules : {};
        const needed = new Set();
        for (const n of nodes) {
          const module = moduleOf(n.type);
          (CORE[n.type] !== undefined || OURS[n.type] !== undefined || module !== undefined).should.be.true(
            `${n.type} is neither a core node, nor ours, nor of a module examples may use`,
          );
          if (module) needed.add(module);
        }
        // Exactly the modules it needs, each at a version the devDependency (what the tests run) accepts.
        Object.keys(modules)
          .sort()
          .should.eql([...needed].sort(), 'the modules of the global-config node');
        const dev = require('../package.json').devDependencies;
        for (const [module, version] of Object.entries(modules)) {
          (semver.valid(version) !== null).should.be.true(`${module}: ${version} is not a version`);
          semver.satisfies(version, dev[module] ?? '<0.0.0').should.be.true(`${module}@${version} is not within the devDependency ${dev[module]}`);
          semver.satisfies(require(`${module}/package.json`).version, `>=${version}`).should.be.true(`${module} installed is older than ${version}`);
        }
        if (declared.length) declared[0].should.match({ env: [] });
        for (const n of nodes) {
          const spec = OURS[n.type];
          if (!spec) continue;
          n.should.have.properties(spec.props);
          n.name.should.be.a.String();
          if (spec.outputs !== undefined) n.wires.length.should.equal(spec.outputs, `${n.type} ${n.name}: outputs`);
        }
      });

      it('wires and references point at nodes of the example; no other value equals an id', () => {
        const ids = new Set(nodes.map((n) => n.id));
        for (const n of nodes) {
          for (const out of n.wires ?? []) for (const target of out) ids.has(target).should.be.true(`${n.type} ${n.name}: wire to ${target}`);
          if (n.type in OURS && n.type !== 'ssi-terminal') {
            const terminal = nodes.find((m) => m.id === n.terminal);
            (terminal && terminal.type).should.equal('ssi-terminal', `${n.type} ${n.name}: terminal`);
          }
          if (n.broker !== undefined && n.type !== 'mqtt-broker') nodes.find((m) => m.id === n.broker).type.should.equal('mqtt-broker');
          if (Array.isArray(n.scope)) n.scope.forEach((id) => ids.has(id).should.be.true(`${n.type} ${n.name}: scope ${id}`));
          if (moduleOf(n.type) === '@flowfuse/node-red-dashboard') {
            for (const [key, type] of Object.entries(DASHBOARD_REFERENCES)) {
              if (n[key] === undefined || n[key] === '') continue;
              const target = nodes.find((m) => m.id === n[key]);
              (target && target.type).should.equal(type, `${n.type} ${n.name}: ${key}`);
            }
          }
          // node-red-node-test-helper (and the runtime's config-node detection) take such a value for a reference.
          const plain = Object.entries(n)
            .filter(([k]) => !REFERENCES.has(k))
            .flatMap(([, v]) => strings(v));
          plain.filter((s) => ids.has(s)).should.eql([], `${n.type} ${n.name}`);
        }
      });

      it("has a comment explaining it, and its own ssi-terminal at the simulator's defaults", () => {
        const comment = nodes.find((n) => n.type === 'comment');
        comment.should.be.ok();
        comment.name.length.should.be.above(10);
        comment.info.length.should.be.above(100);
        // It names any module it needs besides Node-RED and this pack, and says to install it.
        const modules = Object.keys(nodes.find((n) => n.type === 'global-config')?.modules ?? {});
        for (const module of modules) comment.info.should.match(new RegExp(`install \\*\\*${module.replace(/[/.]/g, '\\$&')}\\*\\*`));
        // One terminal at the simulator's default port; a fleet has more, each a simulator of its own on loopback
        // (npm start starts one per port).
        const terminals = nodes.filter((n) => n.type === 'ssi-terminal');
        terminals.length.should.be.aboveOrEqual(1);
        for (const t of terminals) t.should.match({ transport: 'tcp', host: '127.0.0.1', merchantId: MERCHANT, currency: '980' });
        Number(terminals[0].port).should.equal(3000);
        const ports = terminals.map((t) => Number(t.port));
        new Set(ports).size.should.equal(ports.length, 'one terminal per simulator');
      });

      it('works in a plain Node-RED: MQTT nodes and brokers come disabled, and a comment says how to enable each', () => {
        const mqtt = nodes.filter((n) => MQTT_TYPES.has(n.type));
        mqtt
          .filter((n) => n.d !== true)
          .map((n) => `${n.type} ${n.name}`)
          .should.eql([], 'enabled MQTT nodes');
        if (!mqtt.length) return;
        // A comment names the broker and every disabled node, and the steps: the broker's dialog, the nodes, Deploy.
        const how = nodes.filter((n) => n.type === 'comment' && /disabled/i.test(n.name) && /enable/i.test(n.name));
        how.length.should.equal(1, 'one comment on enabling the MQTT nodes');
        const text = how[0].info;
        for (const n of mqtt) text.should.containEql(`**${n.name}**`);
        text.should
          .match(/Configuration nodes/)
          .and.match(/\*\*Enabled\*\*/)
          .and.match(/Enable selected nodes/)
          .and.match(/Deploy/);
      });

      it('names no port of Node-RED\'s own (1880): comments say "your Node-RED\'s address"', () => {
        const texts = strings(nodes).filter((s) => /:1880\b/.test(s));
        texts.should.eql([]);
      });
    });
  }

  it('every one of our nine node types appears in an example', () => {
    const used = new Set(FILES.flatMap((f) => read(f).map((n) => n.type)));
    NODES.filter((t) => !used.has(t)).should.eql([]);
  });

  it('package.json ships the examples', () => {
    require('../package.json').files.should.containEql('examples/');
  });
});

// ---------------------------------------------------------------------------------------------------------------

/**
 * The example's nodes with its terminal pointed at `sim`, polling fast (and status watches every second); its MQTT
 * nodes enabled, so that a test can feed its mqtt in's path and watch what reaches its mqtt out (no broker runs:
 * they only try to connect).
 */
function prepared(file, sim) {
  return read(file).map((n) => {
    if (MQTT_TYPES.has(n.type)) {
      const enabled = { ...n };
      delete enabled.d;
      return enabled;
    }
    // Not contacted at deploy nor watched: the requests these tests count are the flow's (deploy-probe.test.js).
    if (n.type === 'ssi-terminal') return { ...n, port: sim.port, pollInterval: 10, unackedGrace: 300, probeAtDeploy: false, watchInterval: 0 };
    if (n.type === 'ssi-status' && n.watch) return { ...n, interval: 1 };
    return n;
  });
}

/**
 * Loads an example into Node-RED (test helper) with the core modules it needs, and serves the flow's HTTP endpoints
 * (RED.httpNode) on a free port. Resolves with { nodes, byName, url, close }.
 */
async function loadExample(file, sim) {
  const flow = prepared(file, sim);
  const modules = new Set<NodeInitializer>();
  for (const n of flow) {
    if (OURS[n.type]) modules.add(require(`../dist/nodes/${n.type}.js`));
    else if (CORE[n.type] && !['catch', 'status', 'complete'].includes(n.type)) modules.add(require(path.join(CORE_DIR, CORE[n.type])));
  }
  let httpNode;
  modules.add((RED) => {
    httpNode = RED.httpNode;
  });
  await new Promise<void>((resolve, reject) => {
    helper.load([...modules], flow).then(resolve, reject);
  });
  const server = http.createServer(httpNode);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const byName = (name) => {
    const matches = flow.filter((n) => n.name === name);
    if (matches.length !== 1) throw new Error(`${file}: ${matches.length} nodes named ${JSON.stringify(name)}`);
    return helper.getNode(matches[0].id);
  };
  return {
    flow,
    byName,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An HTTP request with a JSON body (and `headers`); resolves with { status, body (parsed when JSON) }. */
function request(base: string, method: string, pathname: string, body?: unknown, headers: http.OutgoingHttpHeaders = {}) {
  return new Promise<{ status: number; body: Wire }>((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      `${base}${pathname}`,
      { method, headers: { ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => {
          let parsed: Wire = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode!, body: parsed });
        });
      },
    );
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${pathname}: no answer within 10 s`)));
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * The next msg a node receives. Its payload is copied into this realm: objects made by a function node come from
 * the function's sandbox, where should's Object.prototype getter does not reach.
 */
async function arrive(node, ms?: number) {
  const msg = await next(node, ms);
  return { ...msg, payload: msg.payload === undefined ? undefined : JSON.parse(JSON.stringify(msg.payload)) };
}

/** Clicks an inject node (by name) and resolves with the next msg the node named `at` receives. */
async function click(ex, inject: string, at: string, ms?: number) {
  const got = arrive(ex.byName(at), ms);
  ex.byName(inject).receive({});
  return got;
}

/** A purchase straight through the library (the batch then holds a sale). */
async function purchase(sim, amount = '2450') {
  const t = new Terminal({ host: '127.0.0.1', port: sim.port, pollInterval: 5 });
  try {
    return await t.transact('Purchase', { transAmount: amount, transCurrency: '980', merchantId: MERCHANT });
  } finally {
    await t.close();
  }
}

describe('example flows: loaded into Node-RED against the simulator', function () {
  this.timeout(20000);
  let sim;
  let ex;

  async function start(file, simOptions = {}) {
    sim = await simulator(simOptions);
    ex = await loadExample(file, sim);
  }

  afterEach(async () => {
    if (ex) await ex.close();
    await helper.unload();
    if (sim) await sim.stop();
    ex = undefined;
    sim = undefined;
  });

  describe('01 Vending - purchase then dispense', () => {
    const FILE = '01 Vending - purchase then dispense.json';

    it("'buy coffee 24.50' is approved and dispensed; 100.05 and 100.12 show the reason and dispense nothing", async () => {
      await start(FILE);
      const paid = await click(ex, 'buy coffee 24.50', 'dispensed');
      paid.payload.should.match({ ok: true, dispense: 'A1', amount: 2450 });
      paid.payload.rrn.should.be.a.String();
      const declined = await click(ex, 'declined card (100.05)', 'not paid');
      declined.payload.should.match({
        ok: false,
        result: 'DECLINED_ONLINE',
        reason: 'declined by the bank',
        errorCode: 'E21',
        responseCode: '05',
        amount: 10005,
      });
      declined.payload.terminalText.should.be.a.String().and.not.be.empty();
      const cancelled = await click(ex, 'cancelled (100.12)', 'not paid');
      cancelled.payload.should.match({ ok: false, result: 'CANCELLED', reason: 'cancelled', errorCode: 'E12' });
      sim.requests
        .filter((r) => r.method === 'Purchase')
        .map((r) => r.params.transAmount)
        .should.eql(['2450', '10005', '10012']);
    });

    it('POST /vend answers 200 with what to dispense, 402 with the reason, 400 for a bad amount (nothing sent)', async () => {
      await start(FILE);
      const ok = await request(ex.url, 'POST', '/vend', { amount: 2450, slot: 'B2' });
      ok.status.should.equal(200);
      ok.body.should.match({ ok: true, dispense: 'B2', amount: 2450 });
      const no = await request(ex.url, 'POST', '/vend', { amount: 10051, slot: 'B2' });
      no.status.should.equal(402);
      no.body.should.match({ ok: false, result: 'DECLINED_ONLINE', reason: 'insufficient funds', responseCode: '51' });
      const before = sim.requests.length;
      const bad = await request(ex.url, 'POST', '/vend', { amount: 'a lot', slot: 'B2' });
      bad.status.should.equal(400);
      bad.body.should.match({ ok: false, error: 'VALIDATION' });
      sim.requests.length.should.equal(before);
    });
    it('MQTT (and POST /vend): a request with an id is paid once per machine; a redelivery is answered DUPLICATE with the first outcome and dispenses nothing', async () => {
      await start(FILE);
      const dispensed: Wire[] = [];
      ex.byName('dispensed').on('input', (msg) => dispensed.push(msg));
      const ask = async (machine, body) => {
        const got = arrive(ex.byName('vending/+/result'));
        ex.byName('remember the order').receive({ topic: `vending/${machine}/request`, payload: body });
        return got;
      };
      const first = await ask('m7', { id: 'v-1017', amount: 2450, slot: 'C3' });
      first.topic.should.equal('vending/m7/result');
      first.payload.should.match({ ok: true, dispense: 'C3', amount: 2450 });
      // The broker delivers it again (QoS 1), or the machine missed the answer and asks again.
      const again = await ask('m7', { id: 'v-1017', amount: 2450, slot: 'C3' });
      again.topic.should.equal('vending/m7/result');
      again.payload.should.match({
        ok: false,
        error: 'DUPLICATE',
        previous: { state: 'settled', approved: true, transactionResult: 'APPROVED_ONLINE', rrn: first.payload.rrn },
      });
      // The same id from another machine is another purchase.
      (await ask('m8', { id: 'v-1017', amount: 2450, slot: 'C3' })).payload.should.match({ ok: true, dispense: 'C3' });
      // POST /vend with an id is paid once per id as well.
      (await request(ex.url, 'POST', '/vend', { id: 'h-1', amount: 700, slot: 'D4' })).status.should.equal(200);
      const repeat = await request(ex.url, 'POST', '/vend', { id: 'h-1', amount: 700, slot: 'D4' });
      repeat.status.should.equal(409);
      repeat.body.should.match({ ok: false, error: 'DUPLICATE', previous: { state: 'settled', approved: true } });
      dispensed.length.should.equal(3);
      sim.requests
        .filter((r) => r.method === 'Purchase')
        .map((r) => r.params.transAmount)
        .should.eql(['2450', '2450', '700']);
    });
  });

  describe('02 Nightly Z report with alerts', () => {
    const FILE = '02 Nightly Z report with alerts.json';

    it('the scheduled injects are at 23:55 and 07:00 every day', () => {
      const flow = read(FILE);
      flow.find((n) => n.name === 'every day at 23:55').crontab.should.equal('55 23 * * *');
      flow.find((n) => n.name === 'every morning at 07:00').crontab.should.equal('00 07 * * *');
    });

    it('the Z report settles: totals as numbers and the receipt reach the summary', async () => {
      await start(FILE);
      await purchase(sim);
      const msg = await click(ex, 'Z report now', 'Z report');
      msg.payload.should.match({ ok: true, report: 'ZReport', totalSaleCount: 1, totalSaleAmount: 2450 });
      msg.payload.receipt.should.be.a.String();
      msg.summary.should.equal('1 sales, 24.50 UAH; 0 refunds, 0.00 UAH');
      sim.engine.batch.length.should.equal(0);
    });

    it('a failed settlement raises the alert', async () => {
      await start(FILE);
      sim.engine.scriptOutcome({ result: 'NO_CONNECTION', responseCode: '', errorCode: 'E10', text: 'НЕМАЄ ЗВ’ЯЗКУ З БАНКОМ' });
      const msg = await click(ex, 'Z report now', 'ALERT');
      msg.payload.should.match({ ok: false, report: 'ZReport' });
      msg.alert.should.match(/^ZReport failed: E10/);
    });

    it('the morning X report alerts when the batch still holds sales, and stays quiet when it is empty', async () => {
      await start(FILE);
      const quiet = arrive(ex.byName('batch not empty?'));
      ex.byName('X report now').receive({});
      (await quiet).payload.should.match({ ok: true, report: 'XReport', totalSaleCount: 0 });
      await purchase(sim);
      const msg = await click(ex, 'X report now', 'ALERT');
      msg.alert.should.match(/still holds sales/);
      msg.payload.totalSaleCount.should.equal(1);
      sim.engine.batch.length.should.equal(1);
    });

    it('a report that cannot run (terminal busy) reaches the alert through Catch', async () => {
      await start(FILE, { phases: { S01: 0, S02: 3000, S03: 0, S04: 0, S05: 0, S07: 0 } });
      const t = new Terminal({ host: '127.0.0.1', port: sim.port, pollInterval: 10 });
      try {
        const paying = t.transact('Purchase', { transAmount: '100', transCurrency: '980', merchantId: MERCHANT });
        await waitFor(() => sim.engine.status === 'S02', 3000, 'the card prompt');
        const msg = await click(ex, 'Z report now', 'ALERT', 8000);
        msg.alert.should.match(/^Report could not run: E06/);
        await t.request('Interrupt');
        should((await paying).params.transactionResult).equal('CANCELLED');
      } finally {
        await t.close();
      }
    });
  });

  describe('03 Receipt printing', () => {
    const FILE = '03 Receipt printing.json';

    it('prints the lines (Cyrillic, a left/right row) and raw XML on the terminal', async () => {
      await start(FILE);
      await click(ex, 'print a receipt (lines)', 'printed');
      const xml = sim.requests.filter((r) => r.method === 'PrintXml').map((r) => r.params.receipt);
      xml.length.should.equal(1);
      xml[0].should.containEql('КАВОВИЙ АВТОМАТ №7');
      xml[0].should.match(/Капучино 0,3 л\|\|24\.50/);
      await click(ex, 'print raw XML', 'printed');
      sim.requests.filter((r) => r.method === 'PrintXml')[1].params.receipt.should.containEql('Left||Right');
    });

    it('prints a PDF from its URL', async () => {
      await start(FILE);
      await click(ex, 'print a PDF', 'PDF printed');
      sim.requests
        .filter((r) => r.method === 'PrintPdfUrl')
        .map((r) => r.params.url)
        .should.eql(['https://example.com/receipts/24-50.pdf']);
    });

    it('GetLastReceipt: E20 to Catch before any payment, the receipt text after one', async () => {
      await start(FILE);
      const err = await click(ex, 'last card receipt', 'print error');
      err.error.code.should.equal('E20');
      await purchase(sim);
      const msg = await click(ex, 'last card receipt', 'receipt text');
      JSON.stringify(msg.payload).should.match(/24[.,]50/);
    });
  });

  describe('04 Terminal health watch', () => {
    const FILE = '04 Terminal health watch.json';

    it('the watch reports the idle terminal once, then a Z report request as an alert', async () => {
      await start(FILE, { zReportAfter: 1 });
      const first = await arrive(ex.byName('status change'), 5000);
      first.payload.should.match({ status: 'S00', online: true, idle: true, needsZReport: false, known: true });
      const alert = arrive(ex.byName('ALERT'), 5000);
      await purchase(sim);
      const msg = await alert;
      msg.payload.should.match({ status: 'S06', needsZReport: true, online: true });
      msg.alert.should.match(/Z report/);
    });

    it('the watch raises "terminal offline" when the terminal goes away', async () => {
      await start(FILE);
      await arrive(ex.byName('status change'), 5000);
      const alert = arrive(ex.byName('ALERT'), 15000);
      await sim.stop();
      const msg = await alert;
      msg.payload.online.should.be.false();
      msg.alert.should.equal('Terminal offline');
    });

    it('ping and terminal info answer', async () => {
      await start(FILE);
      (await click(ex, 'ping now', 'ping answer')).payload.should.match({ online: true });
      const info = await click(ex, 'terminal info', 'info and merchants');
      JSON.stringify(info.payload).should.containEql(MERCHANT);
      JSON.stringify(info.payload).should.containEql('SIM0000001');
    });
  });

  describe('05 HTTP API for the terminal', () => {
    const FILE = '05 HTTP API for the terminal.json';
    /** The key the flow's API key? check compares with (Node-RED's environment; the function reads env.get). */
    const KEY = 'k3y-0f-th1s-t3st-5f0c29b1';
    const ENDPOINTS: [string, string, unknown?][] = [
      ['POST', '/terminal/purchase', { amount: 2450 }],
      ['POST', '/terminal/refund', { operation: 'Refund', amount: 1000, rrn: '123456789012' }],
      ['POST', '/terminal/transaction/CashBack', { transAmount: 10000, cashAmount: 5000 }],
      ['POST', '/terminal/zreport', {}],
      ['GET', '/terminal/status'],
      ['GET', '/terminal/info'],
      ['POST', '/terminal/command/GetLastResult', {}],
    ];
    let saved;
    before(() => {
      saved = process.env.SSI_ECR_API_KEY;
      process.env.SSI_ECR_API_KEY = KEY;
    });
    after(() => {
      if (saved === undefined) delete process.env.SSI_ECR_API_KEY;
      else process.env.SSI_ECR_API_KEY = saved;
    });
    /** A request to the example's API with the key (or `key`; null: without the header). */
    const api = (method: string, pathname: string, body?: unknown, key: string | null = KEY) =>
      request(ex.url, method, pathname, body, key === null ? {} : { 'x-api-key': key });

    it('every endpoint is in the flow, behind the key check, which comes before any node of ours', () => {
      const flow = read(FILE);
      const check = flow.find((n) => n.name === 'API key?');
      const endpoints = flow.filter((n) => n.type === 'http in');
      endpoints
        .map((n) => `${n.method.toUpperCase()} ${n.url}`)
        .sort()
        .should.eql([
          'GET /terminal/info',
          'GET /terminal/status',
          'POST /terminal/command/:method',
          'POST /terminal/purchase',
          'POST /terminal/refund',
          'POST /terminal/transaction/:method',
          'POST /terminal/zreport',
        ]);
      ENDPOINTS.length.should.equal(endpoints.length);
      for (const n of endpoints) n.wires.should.eql([[check.id]]);
      // What the check refuses goes straight to the HTTP reply.
      flow.find((n) => n.id === check.wires[1][0]).type.should.equal('http response');
    });

    it('without the key, or with a wrong one, every endpoint answers 401 and nothing reaches the terminal', async () => {
      await start(FILE);
      const before = sim.requests.length;
      for (const [method, pathname, body] of ENDPOINTS) {
        for (const key of [null, '', 'wrong', KEY.slice(0, -1), `${KEY}x`, KEY.toUpperCase()]) {
          const r = await api(method, pathname, body, key);
          r.status.should.equal(401, `${method} ${pathname} with ${JSON.stringify(key)}`);
          r.body.should.match({ ok: false, error: 'UNAUTHORIZED' });
        }
      }
      sim.requests.length.should.equal(before);
      // The same request with the key goes through.
      (await api('POST', '/terminal/purchase', { amount: 2450 })).status.should.equal(200);
      sim.requests
        .filter((r) => r.method === 'Purchase')
        .map((r) => r.params.transAmount)
        .should.eql(['2450']);
    });

    it('while SSI_ECR_API_KEY is not set (or too short) the API is closed: 503, nothing reaches the terminal', async () => {
      for (const key of [undefined, 'short']) {
        if (key === undefined) delete process.env.SSI_ECR_API_KEY;
        else process.env.SSI_ECR_API_KEY = key;
        await start(FILE);
        for (const [method, pathname, body] of ENDPOINTS) {
          const r = await api(method, pathname, body, key ?? '');
          r.status.should.equal(503, `${method} ${pathname}`);
          r.body.should.match({ ok: false, error: 'NO_API_KEY' });
        }
        sim.requests.should.eql([]);
        await ex.close();
        await helper.unload();
        await sim.stop();
        ex = sim = undefined;
      }
      process.env.SSI_ECR_API_KEY = KEY;
    });

    it('purchase: 200 approved, 402 not approved, 400 for a bad request (nothing sent)', async () => {
      await start(FILE);
      const ok = await api('POST', '/terminal/purchase', { amount: 2450 });
      ok.status.should.equal(200);
      ok.body.should.match({ approved: true, amount: 2450, transactionResult: 'APPROVED_ONLINE' });
      const no = await api('POST', '/terminal/purchase', { amount: 10005 });
      no.status.should.equal(402);
      no.body.should.match({ approved: false, errorCode: 'E21' });
      const before = sim.requests.length;
      const bad = await api('POST', '/terminal/purchase', { amount: -5 });
      bad.status.should.equal(400);
      bad.body.should.match({ ok: false, error: 'VALIDATION' });
      sim.requests.length.should.equal(before);
    });

    it('refund and void of a purchase, and any financial method by name', async () => {
      await start(FILE);
      const bought = (await api('POST', '/terminal/purchase', { amount: 5000 })).body;
      const refund = await api('POST', '/terminal/refund', { operation: 'Refund', amount: 1000, rrn: bought.rrn });
      refund.status.should.equal(200);
      refund.body.should.match({ approved: true, amount: 1000 });
      const bought2 = (await api('POST', '/terminal/purchase', { amount: 700 })).body;
      const voided = await api('POST', '/terminal/refund', { operation: 'Void', invoiceNum: bought2.invoiceNum });
      voided.status.should.equal(200);
      voided.body.approved.should.be.true();
      const cashback = await api('POST', '/terminal/transaction/CashBack', { transAmount: 10000, cashAmount: 5000 });
      cashback.status.should.equal(200);
      cashback.body.approved.should.be.true();
      sim.requests
        .filter((r) => r.method === 'CashBack')
        .map((r) => r.params)
        .should.containDeep([{ transAmount: '10000', cashAmount: '5000', merchantId: MERCHANT }]);
    });

    it('status, info, any method by name, and the Z report', async () => {
      await start(FILE);
      const status = await api('GET', '/terminal/status');
      status.status.should.equal(200);
      status.body.should.match({ status: 'S00', online: true });
      const info = await api('GET', '/terminal/info');
      info.status.should.equal(200);
      JSON.stringify(info.body).should.containEql(MERCHANT);
      const merchants = await api('POST', '/terminal/command/GetMerchantList', {});
      merchants.status.should.equal(200);
      JSON.stringify(merchants.body).should.containEql(MERCHANT);
      const unknown = await api('POST', '/terminal/command/MakeCoffee', {});
      unknown.status.should.equal(400);
      unknown.body.error.should.equal('UNKNOWN_METHOD');
      const z = await api('POST', '/terminal/zreport', {});
      z.status.should.equal(200);
      z.body.should.match({ ok: true, report: 'ZReport' });
    });

    it('maps refusals: 409 while a Z report is needed, 502 when the request was not performed, 502 for a failed settlement', async () => {
      await start(FILE, { zReportAfter: 1 });
      (await api('POST', '/terminal/purchase', { amount: 100 })).status.should.equal(200);
      const refused = await api('POST', '/terminal/purchase', { amount: 100 });
      refused.status.should.equal(409);
      refused.body.should.match({ ok: false, error: 'E15', sent: true });
      sim.engine.scriptOutcome({ result: 'NO_CONNECTION', responseCode: '', errorCode: 'E10', text: 'НЕМАЄ ЗВ’ЯЗКУ З БАНКОМ' });
      const failed = await api('POST', '/terminal/zreport', {});
      failed.status.should.equal(502);
      failed.body.should.match({ ok: false });
      (await api('POST', '/terminal/zreport', {})).status.should.equal(200);
      sim.injectFault({ method: 'Purchase', action: 'drop-request' });
      const dropped = await api('POST', '/terminal/purchase', { amount: 300 });
      dropped.status.should.equal(502);
      dropped.body.error.should.equal('NOT_PERFORMED');
    });
  });
});
