'use strict';
/**
 * Item 7: what later firmware's pacing costs. Its document asks for at least 0.25 s between two requests, and the
 * library keeps that gap by default once it knows the terminal runs 1.3/1.4 (minRequestGap 250). Here a whole
 * two-step Purchase against the simulator running firmware 1.4, with human-like phases (card 2 s, PIN 3 s, bank
 * 1 s, printing 0.5 s, each ±10 %), is timed end to end, transact() call to result, with the default pacing and
 * with minRequestGap 0, side by side: one pair at a time per lane, the same phase timings for both, each on a
 * simulator of its own, several lanes at once. Also the requests each purchase took, and from the simulator
 * entering S00 to the result in the caller's hands.

 */
const { Terminal } = require('../dist/core');
const { startSimulator } = require('../dist/simulator');
const { hrMs, median, prng, fmt } = require('./lib');

/** Card 2 s, PIN 3 s (amounts above noPinLimit, 0 by default, ask for one), host 1 s, print 0.5 s. */
const HUMAN = { S01: 200, S02: 2000, S03: 3000, S04: 1000, S05: 500, S07: 0 };
const PARAMS = { transAmount: '2450', transCurrency: '980', merchantId: '000000060007176' };
/** Later firmware's pacing, the library's default for it. */
const PACED = 250;

function humanPhases(rand, scale) {
  const vary = (ms) => Math.round(ms * scale * (0.9 + 0.2 * rand()));
  return { S01: vary(HUMAN.S01), S02: vary(HUMAN.S02), S03: vary(HUMAN.S03), S04: vary(HUMAN.S04), S05: vary(HUMAN.S05), S07: 0 };
}

/** Requests the simulator received, all methods (a step 2 once: the simulator also counts it as `Purchase#2`). */
function requests(counts) {
  return Object.entries(counts).reduce((n, [method, c]) => (method.includes('#') ? n : n + c), 0);
}

/**
 * One purchase on a simulator of its own running firmware 1.4, with these phase timings, paced by default or with
 * `minRequestGap`: ms end to end, ms from S00 to the result, requests by method. The Terminal finds out the
 * firmware first, as a till's does once; that probe is not counted.
 */
async function purchase(minRequestGap, phases) {
  const sim = await startSimulator({ port: 0, httpPort: false, firmware: '1.4', phases });
  const options = { host: '127.0.0.1', port: sim.port };
  if (minRequestGap !== undefined) options.minRequestGap = minRequestGap;
  const terminal = new Terminal(options);
  let idleAt;
  sim.engine.on('status', (status) => {
    if (status === 'S00') idleAt = hrMs();
  });
  try {
    if ((await terminal.detectFirmware()) !== '1.4') throw new Error('pacing bench: the Terminal did not find firmware 1.4');
    const gap = minRequestGap ?? PACED;
    if (terminal.minRequestGap !== gap) throw new Error(`pacing bench: minRequestGap is ${terminal.minRequestGap}, not ${gap}`);
    const before = { ...sim.counts };
    const started = hrMs();
    const result = await terminal.transact('Purchase', PARAMS);
    const done = hrMs();
    if (result.params.transactionResult !== 'APPROVED') throw new Error(`pacing bench: purchase not approved (${result.params.transactionResult})`);
    const delta = Object.fromEntries(
      Object.entries(sim.counts)
        .map(([m, c]) => [m, c - (before[m] || 0)])
        .filter(([, c]) => c > 0),
    );
    if (delta.Purchase !== 2 || delta['Purchase#2'] !== 1)
      throw new Error(`pacing bench: a purchase is one step 1 and one step 2; the simulator got ${JSON.stringify(delta)}`);
    if (idleAt === undefined) throw new Error('pacing bench: the simulator never reported S00');
    return { total: done - started, latency: done - idleAt, requests: requests(delta), byMethod: delta };
  } finally {
    await terminal.close();
    await sim.stop();
  }
}

async function run({ quick }) {
  const lanes = quick ? 1 : 12;
  const each = quick ? 1 : 2;
  // --quick: one pair, with every phase ten times shorter (proof that it runs, no more); the pacing stays 250 ms.
  const scale = quick ? 0.1 : 1;
  const rand = prng(0x7ace);
  const plan = Array.from({ length: lanes }, () => Array.from({ length: each }, () => humanPhases(rand, scale)));
  // Paced and unpaced side by side: each lane runs its purchases one after another, a pair at a time (one of each,
  // with the same phase timings, at the same moment, on simulators of their own).
  const results = await Promise.all(
    plan.map(async (phasesList) => {
      const pairs = [];
      for (const phases of phasesList) pairs.push(await Promise.all([purchase(undefined, phases), purchase(0, phases)]));
      return pairs;
    }),
  );
  const pairs = results.flat();
  const paced = pairs.map(([p]) => p);
  const free = pairs.map(([, f]) => f);
  const med = (xs, key) => median(xs.map((x) => x[key]));
  const range = (xs, key) => `${fmt(Math.min(...xs.map((x) => x[key])))}–${fmt(Math.max(...xs.map((x) => x[key])))}`;
  const cost = median(pairs.map(([p, f]) => p.total - f.total));
  const byMethod = (xs) => {
    const methods = [...new Set(xs.flatMap((x) => Object.keys(x.byMethod)))].filter((m) => !m.includes('#')).sort();
    return methods.map((m) => `${m} ${fmt(median(xs.map((x) => x.byMethod[m] || 0)))}`).join(', ');
  };
  const n = `${pairs.length} purchase${pairs.length === 1 ? '' : 's'} each (${lanes} × ${each}, run side by side); firmware 1.4 simulator, adaptive polling (base 500 ms)${quick ? '; QUICK: phases ×0.1' : ''}`;
  return [
    {
      id: '7a',
      figure: 'later firmware purchase end to end: 250 ms pacing − none (median)',
      value: cost,
      unit: 'ms',
      target: '–',
      pass: null,
      detail:
        `paced ${fmt(med(paced, 'total'))} ms (${range(paced, 'total')}) vs minRequestGap 0 ${fmt(med(free, 'total'))} ms (${range(free, 'total')}), transact() call to result, ` +
        `median of per-pair differences; S00 → result in hand ${fmt(med(paced, 'latency'))} ms vs ${fmt(med(free, 'latency'))} ms; two-step Purchase, phases card 2 s, PIN 3 s, host 1 s, print 0.5 s, each ±10 %; ${n}`,
    },
    {
      id: '7b',
      figure: 'requests per later firmware purchase, 250 ms pacing (median)',
      value: med(paced, 'requests'),
      unit: 'requests',
      target: `≤ minRequestGap 0 (${fmt(med(free, 'requests'))})`,
      pass: med(paced, 'requests') <= med(free, 'requests'),
      detail: `paced ${fmt(med(paced, 'requests'))} (${range(paced, 'requests')}: ${byMethod(paced)}) vs minRequestGap 0 ${fmt(med(free, 'requests'))} (${range(free, 'requests')}: ${byMethod(free)}); a step 2 counted once; ${n}`,
    },
  ];
}

module.exports = { run };
