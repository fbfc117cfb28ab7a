'use strict';
/**
 * Issue 5, item 5: a fleet. One client process drives N simulated terminals (N = 1,000; the simulators run in
 * another process) through one purchase each, all started at once:
 *   5a every purchase completes (approved, exactly one Purchase request reached each terminal)
 *   5b event-loop delay p99 of the client while they run ≤ 20 ms
 *   5c resident memory per connected idle terminal ≤ 32 KiB: (RSS with N connected − RSS with none) / N
 * and 5d/5e/5f the same through N ssi-terminal config nodes (each with its ssi-purchase node) in one real
 * Node-RED runtime.
 *
 * Each round runs in a fresh client process (and a fresh Node-RED), so no round inherits another's heap; the
 * figures are medians over the rounds. Phases are the simulator's human timings (card 2 s, PIN 3 s, bank 1 s,
 * printing 0.5 s) and the clients poll with their defaults (adaptive, 500 ms base): a purchase takes about 7 s,
 * as at a real till. --quick: 20 terminals, one round, phases and polling ten times shorter.
 *
 * Event-loop delay: perf_hooks.monitorEventLoopDelay at 10 ms resolution, reported as how late its timer fired
 * (interval − 10 ms), p99 over the window from the start of the purchases to the last outcome. Memory: RSS after
 * global.gc() (the measured processes run with --expose-gc).
 *
 *   node bench/fleet.js [--quick] [--json] [--terminals N] [--rounds R] [--only library|node-red]
 *   FLEET_PROFILE=dir          CPU profiles of the purchase windows (client and Node-RED) written to dir
 *   FLEET_NODE_RED_ARGS='…'    extra node options for the Node-RED process (e.g. --trace-gc)
 *   FLEET_NODE_RED_LOG=dir     the Node-RED process's whole output written to dir (what --trace-gc prints)
 */
const path = require('node:path');
const { HUMAN_PHASES } = require('../dist/simulator');
const { child, median, round, openFileLimit } = require('./fleet-lib');
const { nodeRedRound } = require('./fleet-node-red');

const TARGET = { delayMs: 20, kibPerTerminal: 32, terminals: 1000 };
const RESOLUTION = 10;

function scaled(phases, factor) {
  return Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v * factor)]));
}

function plan({ quick, terminals, rounds }) {
  const n = terminals ?? (quick ? 20 : 1000);
  return {
    n,
    rounds: rounds ?? (quick ? 1 : 3),
    nodeRedRounds: rounds ?? (quick ? 1 : 3),
    phases: quick ? scaled(HUMAN_PHASES, 0.1) : HUMAN_PHASES,
    pollInterval: quick ? 50 : undefined,
  };
}

/**
 * Open files the fleet needs per process: the simulators' process holds 2 per terminal (listener + accepted
 * connection), the client and Node-RED 1 each. Node raises its soft limit to the hard one at start-up, so the
 * hard limit is the one that counts.
 */
function files(n, perTerminal) {
  return perTerminal * n + 256;
}

function checkFileLimit(n) {
  const limit = openFileLimit();
  if (limit && limit.hard < files(n, 2)) {
    throw new Error(`fleet: ${n} terminals need about ${files(n, 2)} open files in the simulators' process; the hard limit is ${limit.hard}`);
  }
  return limit;
}

/** Purchases each simulator received since `before`: exactly one each, or the numbers that were not. */
function purchaseCheck(before, after) {
  const per = after.map((c, i) => c.Purchase - (before[i]?.Purchase ?? 0));
  const wrong = per.map((k, i) => [i, k]).filter(([, k]) => k !== 1);
  const busy = after.filter((c) => c.status !== 'S00').length;
  return { requests: per.reduce((a, b) => a + b, 0), wrong: wrong.length, example: wrong.slice(0, 3), busyAfter: busy };
}

async function libraryRound(sims, ports, merchant, p) {
  const before = (await sims.call('counts')).counts;
  const client = child(path.join(__dirname, 'fleet-client.js'), { execArgv: ['--expose-gc'] });
  try {
    const r = await client.call('round', { ports, merchant, pollInterval: p.pollInterval, resolution: RESOLUTION }, 300_000);
    const after = (await sims.call('counts')).counts;
    return { ...r, sim: purchaseCheck(before, after) };
  } finally {
    await client.stop();
  }
}

function kib(bytes) {
  return bytes / 1024;
}

/** The three rows of one side (library or Node-RED) from its rounds. */
function rows(side, ids, n, results) {
  const completed = results.map((r) => (r.sim.wrong === 0 ? r.approved : Math.min(r.approved, n - r.sim.wrong)));
  const p99 = results.map((r) => r.busy.p99);
  const perTerminal = results.map((r) => kib(r.mem1.rss - r.mem0.rss) / n);
  const heapPer = results.map((r) => kib(r.mem1.heapUsed - r.mem0.heapUsed) / n);
  const extPer = results.map((r) => kib(r.mem1.external - r.mem0.external) / n);
  const afterPer = results.map((r) => kib(r.mem2.rss - r.mem0.rss) / n);
  const list = (xs, d = 1) => xs.map((x) => round(x, d)).join(', ');
  const worstCompleted = Math.min(...completed);
  // The delay and memory targets are for a fleet of 1,000: a smaller one (--quick) shows its figures unjudged.
  const judge = (ok) => (n >= TARGET.terminals ? ok : null);
  const errors = results.flatMap((r) => r.errors);
  return [
    {
      id: ids[0],
      figure: `${side}: all ${n} purchases complete (fewest over ${results.length} rounds)`,
      value: worstCompleted,
      unit: 'count',
      target: `= ${n}`,
      pass: worstCompleted === n && results.every((r) => r.sim.wrong === 0 && r.errorCount === 0 && !r.duplicates),
      detail:
        `approved per round: ${completed.join(', ')}; Purchase requests at the simulators: ${results.map((r) => r.sim.requests).join(', ')} (terminals with ≠ 1: ${results.map((r) => r.sim.wrong).join(', ')}` +
        `${results.some((r) => r.duplicates) ? `; outcomes delivered twice: ${results.map((r) => r.duplicates).join(', ')}` : ''}); ` +
        `last outcome after ${list(
          results.map((r) => r.lastDoneMs / 1000),
          2,
        )} s` +
        (errors.length ? `; errors: ${errors.slice(0, 2).join(' | ')}` : ''),
    },
    {
      id: ids[1],
      figure: `${side}: event-loop delay p99 while ${n} purchases run`,
      value: round(median(p99), 2),
      unit: 'ms',
      target: `≤ ${TARGET.delayMs} ms`,
      pass: judge(median(p99) <= TARGET.delayMs),
      detail:
        `rounds: ${list(p99, 2)} ms; max ${list(
          results.map((r) => r.busy.max),
          1,
        )} ms; CPU ${list(
          results.map((r) => r.cpuMs / 1000),
          2,
        )} s in ${list(
          results.map((r) => r.wallMs / 1000),
          2,
        )} s; idle with all connected p99 ${list(
          results.map((r) => r.idle.p99),
          2,
        )} ms ` +
        `(delay = timer interval − ${RESOLUTION} ms resolution; raw interval p99 ${list(
          results.map((r) => r.busy.rawP99),
          2,
        )} ms)`,
    },
    {
      id: ids[2],
      figure: `${side}: resident memory per connected idle terminal`,
      value: round(median(perTerminal), 1),
      unit: 'KiB',
      target: `≤ ${TARGET.kibPerTerminal} KiB`,
      pass: results.every((r) => r.connected === n) ? judge(median(perTerminal) <= TARGET.kibPerTerminal) : false,
      detail:
        `(RSS with ${n} connected − RSS with none) / ${n}, after gc: rounds ${list(perTerminal)} KiB; ` +
        `connected ${results.map((r) => r.connected).join(', ')} in ${list(
          results.map((r) => r.connectMs / 1000),
          2,
        )} s${results.some((r) => r.connectFailed.length) ? ` (${results.flatMap((r) => r.connectFailed)[0]})` : ''}; ` +
        `RSS ${list(results.map((r) => r.mem0.rss / 2 ** 20))} → ${list(results.map((r) => r.mem1.rss / 2 ** 20))} MiB; ` +
        `of it JS heap ${round(median(heapPer))}, external ${round(median(extPer))} KiB/terminal; after the purchases ${round(median(afterPer))} KiB/terminal`,
    },
  ];
}

async function run({ quick = false, terminals, rounds, only, log = () => {} } = {}) {
  if (only !== undefined && only !== 'library' && only !== 'node-red') throw new Error(`fleet: --only takes library or node-red; got ${only}`);
  const p = plan({ quick, terminals, rounds });
  const limit = checkFileLimit(p.n);
  log(
    `fleet: ${p.n} terminals, ${p.rounds} rounds; open files: ${limit ? `limit ${limit.hard} per process` : 'limit unknown'}, about ${files(p.n, 2)} needed by the simulators' process, ${files(p.n, 1)} by the client and by Node-RED`,
  );
  const sims = child(path.join(__dirname, 'fleet-sims.js'));
  try {
    const { ports, merchant, ms } = await sims.call('start', { count: p.n, phases: p.phases }, 120_000);
    log(`fleet: ${ports.length} simulators listening in pid ${sims.proc.pid} (${ms} ms)`);
    const lib = [];
    for (let i = 0; i < (only === 'node-red' ? 0 : p.rounds); i++) {
      const r = await libraryRound(sims, ports, merchant, p);
      log(
        `fleet: library round ${i + 1}: ${r.approved}/${p.n} approved in ${round(r.lastDoneMs / 1000, 2)} s, delay p99 ${round(r.busy.p99, 2)} ms, ${round(kib(r.mem1.rss - r.mem0.rss) / p.n, 1)} KiB/terminal`,
      );
      lib.push(r);
    }
    const red = [];
    for (let i = 0; i < (only === 'library' ? 0 : p.nodeRedRounds); i++) {
      const before = (await sims.call('counts')).counts;
      const r = await nodeRedRound({ ports, merchant, pollInterval: p.pollInterval, resolution: RESOLUTION, log });
      const after = (await sims.call('counts')).counts;
      r.sim = purchaseCheck(before, after);
      log(
        `fleet: Node-RED round ${i + 1}: ${r.approved}/${p.n} approved in ${round(r.lastDoneMs / 1000, 2)} s, delay p99 ${round(r.busy.p99, 2)} ms, ${round(kib(r.mem1.rss - r.mem0.rss) / p.n, 1)} KiB/terminal`,
      );
      red.push(r);
    }
    const list = [
      ...(lib.length ? rows('library', ['5a', '5b', '5c'], p.n, lib) : []),
      ...(red.length ? rows('Node-RED', ['5d', '5e', '5f'], p.n, red) : []),
    ];
    list[0].detail += `; simulators in another process, ${ports.length} TCP listeners; open-file limit ${limit ? limit.hard : 'unknown'} per process`;
    return list;
  } finally {
    await sims.call('stop', {}, 60_000).catch(() => undefined);
    await sims.stop();
  }
}

function printTable(list) {
  const cells = list.map((r) => [r.id, r.figure, `${r.value} ${r.unit}`, r.target, r.pass === null ? '–' : r.pass ? 'pass' : 'MISS']);
  const widths = [0, 1, 2, 3, 4].map((c) => Math.max(...cells.map((row) => row[c].length)));
  for (const [i, row] of cells.entries()) {
    console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  '));
    if (list[i].detail) console.log(`      ${list[i].detail}`);
  }
}

module.exports = { run };

if (require.main === module) {
  const args = process.argv.slice(2);
  const num = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  run({ quick: args.includes('--quick'), terminals: num('--terminals'), rounds: num('--rounds'), only, log: (line) => console.error(line) }).then(
    (list) => (args.includes('--json') ? console.log(JSON.stringify(list, null, 1)) : printTable(list)),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
