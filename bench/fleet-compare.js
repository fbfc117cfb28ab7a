'use strict';
/**
 * Two builds of the pack side by side in the Node-RED fleet round (bench/fleet-node-red.js), against the same
 * simulators, rounds alternating A, B, A, B… so a shared machine's noise falls on both alike. A build is a
 * directory holding the pack as installed (package.json, dist/, resources/, node_modules or a link to one).
 *
 *   node bench/fleet-compare.js --a DIR --b DIR [--rounds R] [--terminals N] [--quick]
 *   (--a defaults to this checkout)
 */
const path = require('node:path');
const { HUMAN_PHASES } = require('../dist/simulator');
const { child, median, round } = require('./fleet-lib');
const { nodeRedRound } = require('./fleet-node-red');

const RESOLUTION = 10;

async function compare({ a, b, rounds = 3, terminals, quick = false, log = () => {} }) {
  const n = terminals ?? (quick ? 20 : 1000);
  const phases = quick ? Object.fromEntries(Object.entries(HUMAN_PHASES).map(([k, v]) => [k, Math.round(v * 0.1)])) : HUMAN_PHASES;
  const sims = child(path.join(__dirname, 'fleet-sims.js'));
  const results = { a: [], b: [] };
  try {
    const { ports, merchant } = await sims.call('start', { count: n, phases }, 120_000);
    for (let i = 0; i < rounds; i++) {
      for (const side of i % 2 === 0 ? ['a', 'b'] : ['b', 'a']) {
        const r = await nodeRedRound({ ports, merchant, pollInterval: quick ? 50 : undefined, resolution: RESOLUTION, pack: side === 'a' ? a : b });
        log(
          `${side} round ${i + 1}: ${r.approved}/${n} approved, delay p99 ${round(r.busy.p99, 2)} ms, max ${round(r.busy.max, 1)} ms, CPU ${round(r.cpuMs / 1000, 2)} s in ${round(r.wallMs / 1000, 2)} s, idle p99 ${round(r.idle.p99, 2)} ms`,
        );
        results[side].push(r);
      }
    }
  } finally {
    await sims.call('stop', {}, 60_000).catch(() => undefined);
    await sims.stop();
  }
  const sum = (rs) => ({
    p99: rs.map((r) => round(r.busy.p99, 2)),
    medianP99: round(median(rs.map((r) => r.busy.p99)), 2),
    cpu: rs.map((r) => round(r.cpuMs / 1000, 2)),
    medianCpu: round(median(rs.map((r) => r.cpuMs / 1000)), 2),
    approved: rs.map((r) => r.approved),
  });
  return { a: { dir: a, ...sum(results.a) }, b: { dir: b, ...sum(results.b) } };
}

module.exports = { compare };

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const a = path.resolve(opt('--a') ?? path.join(__dirname, '..'));
  const b = opt('--b') && path.resolve(opt('--b'));
  if (!b) {
    console.error('usage: node bench/fleet-compare.js --a DIR --b DIR [--rounds R] [--terminals N] [--quick]');
    process.exit(2);
  }
  compare({
    a,
    b,
    rounds: Number(opt('--rounds') ?? 3),
    terminals: opt('--terminals') && Number(opt('--terminals')),
    quick: args.includes('--quick'),
    log: (line) => console.error(line),
  }).then(
    (r) => console.log(JSON.stringify(r, null, 1)),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
