#!/usr/bin/env node
'use strict';
/**
 * `npm run chaos`: the harness of test/chaos.test.js, longer. Environment:
 *   CHAOS_TRANSACTIONS (default 20000), CHAOS_SEED (default the CI seed), CHAOS_LANES (default 8),
 *   CHAOS_PHASE_MS (ms per simulator phase S01–S05, default 0: polls then also meet a busy terminal),
 *   CHAOS_SIDE_POLLS, CHAOS_CRASHES, CHAOS_RECONCILE_FAULTS (1 or 0; defaults as in CI, see support/chaos-config.js).
 * Prints every problem and the totals line; exits 1 when anything was lost, sent twice, misattributed or hung.
 */
const { runChaos } = require('./support/chaos');
const { CI_SEED, CI_LANES, CI_OPTIONS } = require('./support/chaos-config');

const unhandled = [];
process.on('unhandledRejection', (err) => unhandled.push(err));

const env = process.env;
const flag = (name, fallback) => (env[name] === undefined ? fallback : env[name] === '1');
const transactions = Number(env.CHAOS_TRANSACTIONS || 20000);
const seed = Number(env.CHAOS_SEED || CI_SEED);
const lanes = Number(env.CHAOS_LANES || CI_LANES);
const phaseMs = Number(env.CHAOS_PHASE_MS || 0);
const options = {
  phases: { S01: phaseMs, S02: phaseMs, S03: phaseMs, S04: phaseMs, S05: phaseMs, S07: 0 },
  sidePolls: flag('CHAOS_SIDE_POLLS', CI_OPTIONS.sidePolls),
  crashes: flag('CHAOS_CRASHES', CI_OPTIONS.crashes),
  reconcileFaults: flag('CHAOS_RECONCILE_FAULTS', CI_OPTIONS.reconcileFaults),
};

console.log(`chaos: ${transactions} transactions, ${lanes} lanes, seed ${seed}, ${JSON.stringify({ phaseMs, ...options, phases: undefined })}`);
runChaos({ transactions, lanes, seed, ...options, progress: 500, log: (line) => console.log(line) }).then(
  (totals) => {
    console.log(totals.line);
    for (const err of unhandled) console.log('unhandled rejection:', err);
    const bad = totals.problems.length > 0 || unhandled.length > 0 || totals.lost || totals.duplicates || totals.misattributed || totals.hangs;
    process.exitCode = bad ? 1 : 0;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
