'use strict';
/**
 * Item 3: a whole purchase against the simulator with zero phase delays.
 * 3a: Terminal.transact('Purchase') vs the raw client doing ack → poll GetStatus → GetLastResult on the same schedule.
 * 3b: the ssi-purchase node in a Node-RED runtime (node-red-node-test-helper) vs calling the library directly.
 */
const { Terminal, nextPollDelay } = require('../dist/core');
const { rawClient } = require('./raw-client');
const { sideBySide, simulatorProcess, median, fmt } = require('./lib');

const FAST = { S01: 0, S02: 0, S03: 0, S04: 0, S05: 0, S07: 0 };
const MERCHANT = '000000060007176';
const PARAMS = { transAmount: '2450', transCurrency: '980', merchantId: MERCHANT };
/**
 * Both sides poll every 10 ms (the smallest interval an ssi-terminal node accepts), fixed: with zero phases the
 * simulator is done ~5 ms after the ack (five 0 ms timers), so the adaptive schedule's first poll at 5 ms races
 * it, and which status it happens to catch (S03: wait 20 ms, S05: 2 ms) would outweigh what is being measured.
 */
const POLL = 10;
const POLLING = 'fixed';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The raw client's purchase: the request, then GetStatus on the library's own schedule until S00, then GetLastResult. */
async function rawPurchase(raw, counter) {
  const ack = await raw.request({ method: 'Purchase', params: PARAMS });
  if (ack.error) throw new Error(`raw Purchase refused: ${ack.errorCode}`);
  let status;
  let since = Date.now();
  for (;;) {
    await sleep(nextPollDelay(POLLING, POLL, status, Date.now() - since));
    const now = (await raw.request({ method: 'GetStatus' })).status;
    counter.polls++;
    if (now !== status) {
      status = now;
      since = Date.now();
    }
    if (status === 'S00') break;
  }
  const result = await raw.request({ method: 'GetLastResult' });
  if (result.params.transactionResult !== 'APPROVED_ONLINE') throw new Error('raw purchase not approved');
  return result;
}

function approved(result) {
  if (result.params.transactionResult !== 'APPROVED_ONLINE') throw new Error(`purchase not approved: ${JSON.stringify(result.params)}`);
}

async function libraryVsRaw({ quick }) {
  // Short rounds, many of them: ours and the baseline alternate every two purchases.
  const perRound = 2;
  const n = quick ? 3 : 101;
  const sim = await simulatorProcess({ phases: FAST });
  const terminal = new Terminal({ host: '127.0.0.1', port: sim.port, pollInterval: POLL, polling: POLLING });
  const raw = await rawClient(sim.port);
  try {
    const counter = { polls: 0 };
    let ourRuns = 0;
    const ours = async () => {
      for (let i = 0; i < perRound; i++) approved(await terminal.transact('Purchase', PARAMS));
      ourRuns += perRound;
    };
    const base = async () => {
      for (let i = 0; i < perRound; i++) await rawPurchase(raw, counter);
    };
    const r = await sideBySide(n, ours, base, { warmup: 1 });
    const counts = await sim.counts();
    const rawRuns = ourRuns;
    const ourPolls = (counts.GetStatus - counter.polls) / ourRuns;
    const ourResults = (counts.GetLastResult - rawRuns) / ourRuns;
    return {
      id: '3a',
      figure: 'purchase, zero phases: Terminal.transact / raw client',
      value: r.ratio,
      unit: '×',
      target: '≤ 1.10 ×',
      pass: r.ratio <= 1.1,
      detail:
        `${fmt(median(r.ours) / perRound)} vs ${fmt(median(r.base) / perRound)} ms per purchase; GetStatus per purchase ${fmt(ourPolls)} vs ${fmt(counter.polls / rawRuns)}; ` +
        `GetLastResult ${fmt(ourResults)} vs 1 (the library's first is the snapshot taken before sending); ${POLLING} polling, base ${POLL} ms; ` +
        `simulator in another process; ${perRound} purchases × ${n} rounds`,
    };
  } finally {
    raw.close();
    await terminal.close();
    await sim.stop();
  }
}

async function nodeVsLibrary({ quick }) {
  // Short rounds, many of them: ours and the baseline alternate every two purchases.
  const perRound = 2;
  const n = quick ? 3 : 101;
  const helper = require('node-red-node-test-helper');
  helper.init(require.resolve('node-red'));
  // Node-RED's own log lines (the 'no user directory' warning of every ssi-terminal) would break up the table.
  helper.settings({ logging: { console: { level: 'off' } } });
  const sim = await simulatorProcess({ phases: FAST });
  const flow = [
    {
      id: 'term',
      type: 'ssi-terminal',
      name: 'sim',
      transport: 'tcp',
      host: '127.0.0.1',
      port: sim.port,
      merchantId: MERCHANT,
      currency: '980',
      pollInterval: POLL,
      polling: POLLING,
    },
    { id: 'buy', type: 'ssi-purchase', terminal: 'term', units: 'minor', wires: [['ok'], ['no']] },
    { id: 'ok', type: 'helper' },
    { id: 'no', type: 'helper' },
  ];
  await new Promise((resolve, reject) => {
    try {
      helper.load([require('../dist/nodes/ssi-terminal.js'), require('../dist/nodes/ssi-purchase.js')], flow, resolve);
    } catch (err) {
      reject(err);
    }
  });
  // The library exactly as the config node builds it.
  const terminal = new Terminal({ ...helper.getNode('term').hub.options, journal: undefined });
  try {
    if (helper.getNode('term').hub.options.journal) throw new Error('the test helper gave the ssi-terminal a journal; the library side has none');
    const buy = helper.getNode('buy');
    const ok = helper.getNode('ok');
    const no = helper.getNode('no');
    // One handler per output for the whole run (a once() per purchase would pile up on the output never taken:
    // Node-RED's removeListener does not know once()'s wrapper).
    let waiting = null;
    ok.on('input', (msg) => waiting.resolve(msg));
    no.on('input', (msg) => waiting.reject(new Error(`ssi-purchase: not approved: ${JSON.stringify(msg.payload)}`)));
    const viaNode = () =>
      new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        buy.receive({ payload: Number(PARAMS.transAmount) });
      });
    const ours = async () => {
      for (let i = 0; i < perRound; i++) await viaNode();
    };
    const base = async () => {
      for (let i = 0; i < perRound; i++) approved(await terminal.transact('Purchase', PARAMS));
    };
    const r = await sideBySide(n, ours, base, { warmup: 1 });
    return {
      id: '3b',
      figure: 'purchase, zero phases: ssi-purchase node / library',
      value: r.ratio,
      unit: '×',
      target: '≤ 1.05 ×',
      pass: r.ratio <= 1.05,
      detail: `${fmt(median(r.ours) / perRound)} vs ${fmt(median(r.base) / perRound)} ms per purchase, msg in to msg out vs transact() call to resolve; Node-RED ${require('node-red/package.json').version} via node-red-node-test-helper; ${perRound} purchases × ${n} rounds`,
    };
  } finally {
    await terminal.close();
    await helper.unload();
    await sim.stop();
  }
}

async function run(options) {
  return [await libraryVsRaw(options), await nodeVsLibrary(options)];
}

module.exports = { run };
