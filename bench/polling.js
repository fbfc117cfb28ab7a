'use strict';
/**
 * Item 4: with human-like phases, the time from the simulator entering S00 to the result in the caller's hands,
 * and the GetStatus polls per transaction: adaptive polling against fixed 500 ms polling, side by side.
 * Purchases take ~7 s each, so several simulators run at once (one terminal each, same process: the S00 moment
 * is the simulator's own 'status' event, on the same clock as the caller's).
 */
const { Terminal } = require('../dist/core');
const { startSimulator } = require('../dist/simulator');
const { hrMs, median, prng, fmt } = require('./lib');

/** Card 2 s, PIN 3 s (amounts above noPinLimit, 0 by default, ask for one), host 1 s, print 0.5 s. */
const HUMAN = { S01: 200, S02: 2000, S03: 3000, S04: 1000, S05: 500, S07: 0 };
const BASE = 500;
const PARAMS = { transAmount: '2450', transCurrency: '980', merchantId: '000000060007176' };

/**
 * People are not clockwork: each phase varies by up to ±10 %. Exact timings would put the moment of S00 at the
 * same place in the poll schedule every time and measure that one alignment only.
 */
function humanPhases(rand, scale) {
  const vary = (ms) => Math.round(ms * scale * (0.9 + 0.2 * rand()));
  return { S01: vary(HUMAN.S01), S02: vary(HUMAN.S02), S03: vary(HUMAN.S03), S04: vary(HUMAN.S04), S05: vary(HUMAN.S05), S07: 0 };
}

/** One purchase on a simulator of its own: the latency from its S00 to transact() resolving, and the polls it took. */
async function purchase(polling, phases, base) {
  const sim = await startSimulator({ port: 0, httpPort: false, phases });
  const terminal = new Terminal({ host: '127.0.0.1', port: sim.port, polling, pollInterval: base });
  let idleAt;
  sim.engine.on('status', (status) => {
    if (status === 'S00') idleAt = hrMs();
  });
  try {
    const result = await terminal.transact('Purchase', PARAMS);
    const done = hrMs();
    if (result.params.transactionResult !== 'APPROVED_ONLINE')
      throw new Error(`polling bench: purchase not approved (${result.params.transactionResult})`);
    if (idleAt === undefined) throw new Error('polling bench: the simulator never reported S00');
    if (sim.counts.Purchase !== 1) throw new Error('polling bench: Purchase sent more than once');
    return { latency: done - idleAt, polls: sim.counts.GetStatus };
  } finally {
    await terminal.close();
    await sim.stop();
  }
}

async function run({ quick }) {
  const lanes = quick ? 1 : 12;
  const each = quick ? 1 : 2;
  // --quick: one pair, with every phase and the poll base ten times shorter (proof that it runs, no more).
  const scale = quick ? 0.1 : 1;
  const base = BASE * scale;
  const rand = prng(0xb0b);
  const plan = Array.from({ length: lanes }, () => Array.from({ length: each }, () => humanPhases(rand, scale)));
  // Adaptive and fixed side by side: each lane runs its purchases one after another, a pair at a time (one of
  // each mode, with the same phase timings, at the same moment, on simulators of their own).
  const results = await Promise.all(
    plan.map(async (lane) => {
      const pairs = [];
      for (const phases of lane) pairs.push(await Promise.all([purchase('adaptive', phases, base), purchase('fixed', phases, base)]));
      return pairs;
    }),
  );
  const adaptive = results.flat().map(([a]) => a);
  const fixed = results.flat().map(([, f]) => f);
  const lat = (xs) => median(xs.map((x) => x.latency));
  const polls = (xs) => median(xs.map((x) => x.polls));
  const range = (xs, key) => `${fmt(Math.min(...xs.map((x) => x[key])))}–${fmt(Math.max(...xs.map((x) => x[key])))}`;
  const n = `${adaptive.length} purchase${adaptive.length === 1 ? '' : 's'} each (${lanes} × ${each}, run side by side)${quick ? '; QUICK: phases and polling ×0.1' : ''}`;
  return [
    {
      id: '4a',
      figure: 'S00 → result in hand, adaptive polling (median)',
      value: lat(adaptive),
      unit: 'ms',
      target: '≤ 100 ms',
      pass: lat(adaptive) <= 100,
      detail: `adaptive ${fmt(lat(adaptive))} ms (${range(adaptive, 'latency')}) vs fixed ${base} ms ${fmt(lat(fixed))} ms (${range(fixed, 'latency')}); phases card 2 s, PIN 3 s, host 1 s, print 0.5 s, each ±10 %; ${n}`,
    },
    {
      id: '4b',
      figure: 'GetStatus polls per purchase, adaptive (median)',
      value: polls(adaptive),
      unit: 'polls',
      target: `≤ fixed ${base} ms (${fmt(polls(fixed))})`,
      pass: polls(adaptive) <= polls(fixed),
      detail: `adaptive ${fmt(polls(adaptive))} (${range(adaptive, 'polls')}) vs fixed ${base} ms ${fmt(polls(fixed))} (${range(fixed, 'polls')}); ${n}`,
    },
  ];
}

module.exports = { run };
