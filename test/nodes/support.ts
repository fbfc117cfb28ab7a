'use strict';
/** Node-RED (4.x, via node-red-node-test-helper) with the pack's nodes against a simulator on free ports. */
import nodeRedHelper = require('node-red-node-test-helper');
import type { EventEmitter } from 'node:events';
import { startSimulator } from '../../dist/simulator';
import { FAST, MERCHANT } from '../support/fixtures';
import type { Simulator, SimulatorOptions } from '../../dist/simulator';
import type { TerminalConfigNode } from '../../dist/nodes/lib/flow-node';
import type { TerminalWatch } from '../../dist/nodes/lib/terminal-watch';
import type { Wire } from '../support/wire';
import CATALOGUES = require('../../src/nodes/locales/en-US/ssi-terminal.json');

/**
 * The test helper, with what its published types leave out: the config node terminalConfig() makes ('term') is the
 * pack's config node (its hub, and its watch when it watches), the runtime's log takes handlers (the helper's own spy
 * stops when it unloads), and the runtime's events (comms) are on _events.
 */
const helper = nodeRedHelper as {
  getNode(id: 'term'): TerminalConfigNode & { watch?: TerminalWatch };
  _RED: { log: { addHandler(h: EventEmitter): void; removeHandler(h: EventEmitter): void } };
  _events: EventEmitter;
} & typeof nodeRedHelper;

helper.init(require.resolve('node-red'));

/** A node of a test flow: its id and type, and whatever else the node type takes. */
type FlowNode = { id: string; type: string; wires?: string[][]; [key: string]: unknown };

const NODES = [
  'ssi-terminal',
  'ssi-purchase',
  'ssi-refund',
  'ssi-transaction',
  'ssi-status',
  'ssi-report',
  'ssi-print',
  'ssi-terminal-info',
  'ssi-command',
];

/** Node-RED core nodes the tests wire in. */
const CORE: Record<string, string> = {
  catch: '@node-red/nodes/core/common/25-catch.js',
  status: '@node-red/nodes/core/common/25-status.js',
  complete: '@node-red/nodes/core/common/24-complete.js',
  function: '@node-red/nodes/core/function/10-function.js',
  'link in': '@node-red/nodes/core/common/60-link.js',
  'link out': '@node-red/nodes/core/common/60-link.js',
};

/** The node modules a flow uses (the pack's config node always). */
function nodeModules(flow: { type: string }[] = []) {
  const types = new Set(['ssi-terminal', ...flow.map((n) => n.type)]);
  const modules = [...types].filter((t) => NODES.includes(t) || CORE[t]).map((t) => CORE[t] ?? `../../dist/nodes/${t}.js`);
  // One module may register several types (link in and link out): it is loaded once.
  return [...new Set(modules)].map((m) => require(m));
}

/**
 * An ssi-terminal config node pointed at the simulator. It neither contacts the terminal at deploy nor watches it,
 * so that the requests a test counts are its own: deploy-probe.test.ts tests the probe and the watch.
 */
function terminalConfig(sim: Simulator | { port: number }, extra: object = {}): FlowNode {
  return {
    id: 'term',
    type: 'ssi-terminal',
    name: 'sim',
    transport: 'tcp',
    host: '127.0.0.1',
    port: sim.port,
    merchantId: MERCHANT,
    currency: '980',
    pollInterval: 10,
    probeAtDeploy: false,
    watchInterval: 0,
    ...extra,
  };
}

async function simulator(options: SimulatorOptions = {}) {
  return startSimulator({ port: 0, phases: FAST, ...options });
}

/** Loads a flow and resolves when it is started. */
function load(flow: FlowNode[]) {
  return new Promise<void>((resolve, reject) => {
    try {
      helper.load(nodeModules(flow), flow, {}, () => resolve());
    } catch (err) {
      reject(err);
    }
  });
}

/** The next msg a helper node receives. */
function next(node, ms = 5000) {
  return new Promise<Wire>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${node.id}: no message within ${ms} ms`)), ms);
    node.once('input', (msg) => {
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

/** Collects every status a node shows. */
function statuses(node) {
  const seen: Wire[] = [];
  node.on('call:status', (call) => seen.push(call.args[0]));
  return seen;
}

/** A purchase node on terminal `term`, with helpers on both outputs and a Catch of its errors. */
function buyerFlow(sim: Simulator | { port: number }, terminal: object = {}): FlowNode[] {
  return [
    terminalConfig(sim, { overallTimeout: 1000, ...terminal }),
    { id: 'buy', type: 'ssi-purchase', terminal: 'term', wires: [['ok'], ['no']] },
    { id: 'ok', type: 'helper' },
    { id: 'no', type: 'helper' },
    { id: 'c1', type: 'catch', scope: ['buy'], wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

/** An outcome badge ends with the time it came (" at 10:17", the runtime's clock): checked, then taken off. */
function withoutTime(status) {
  const m = / at (\d{2}):(\d{2})$/.exec(status.text);
  if (!m) throw new Error(`the badge ${JSON.stringify(status.text)} does not say when the outcome came`);
  const now = new Date();
  // The minute the badge names is this one or the one before (a test may cross a minute).
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  const nowMinutes = now.getHours() * 60 + now.getMinutes();
  if (![0, 1].includes((nowMinutes - minutes + 1440) % 1440))
    throw new Error(`the badge ${JSON.stringify(status.text)} names a time that is not now`);
  return { ...status, text: status.text.slice(0, m.index) };
}

/** The English text of a terminal status (ssi-terminal.status.<name>, e.g. S00 or unreachable.refused): what a node shows, and a Status node receives. */
const CATALOGUE = CATALOGUES['ssi-terminal'];
function statusText(name: string) {
  const text = name.split('.').reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], CATALOGUE.status);
  if (typeof text !== 'string') throw new Error(`no status ${name} in the catalogue`);
  return text;
}

export { type FlowNode, helper, nodeModules, terminalConfig, simulator, load, next, statuses, withoutTime, statusText, buyerFlow, NODES, MERCHANT };
