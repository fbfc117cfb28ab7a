#!/usr/bin/env node
'use strict';
/**
 * `npm run chaos`: the harness of test/chaos.test.ts, longer. Environment:
 *   CHAOS_TRANSACTIONS (default 20000), CHAOS_SEED (default the CI seed), CHAOS_LANES (default 8),
 *   CHAOS_PHASE_MS (ms per simulator phase S01–S05, default 0: polls then also meet a busy terminal),
 *   CHAOS_SIDE_POLLS, CHAOS_CRASHES, CHAOS_RECONCILE_FAULTS (1 or 0; defaults as in CI, see support/chaos-config.ts),
 *   CHAOS_FIRMWARE (1.1, the default, or 1.4: later firmware, two-step Purchase),
 *   CHAOS_CLOSE_AFTER_ANSWER (1: the terminal closes every connection after its answer; N ms: that much later;
 *     0: keeps them open; default 1 on 1.4, 0 on 1.1), CHAOS_NO_METHOD (1: answers without "method"; default as
 *     the close), CHAOS_REQUEST_GAP (the client's minRequestGap in ms; default 5 on 1.4: the simulator does not
 *     enforce the 250 ms later firmware asks for).
 * Prints every problem and the totals line; exits 1 when anything was lost, sent twice, misattributed or hung.
 */
import { runChaos } from './support/chaos';
import chaosConfig = require('./support/chaos-config');
const { CI_SEED, CI_LANES, CI_OPTIONS, CI14_OPTIONS } = chaosConfig;

const unhandled: unknown[] = [];
process.on('unhandledRejection', (err) => unhandled.push(err));

const env = process.env;
const flag = (name, fallback) => (env[name] === undefined ? fallback : env[name] === '1');
const transactions = Number(env.CHAOS_TRANSACTIONS || 20000);
const seed = Number(env.CHAOS_SEED || CI_SEED);
const lanes = Number(env.CHAOS_LANES || CI_LANES);
const phaseMs = Number(env.CHAOS_PHASE_MS || 0);
const firmware = env.CHAOS_FIRMWARE || '1.1';
if (firmware !== '1.1' && firmware !== '1.4') throw new Error(`CHAOS_FIRMWARE must be 1.1 or 1.4; got ${firmware}`);
const later = firmware === '1.4';
const defaults = later ? CI14_OPTIONS : CI_OPTIONS;

/** CHAOS_CLOSE_AFTER_ANSWER: 1 (at once), 0 (never), or "N ms" / "Nms" (N ms after the answer). */
function closeAfterAnswer(value) {
  if (value === undefined) return later ? CI14_OPTIONS.closeAfterAnswer : false;
  if (value === '1') return true;
  if (value === '0') return false;
  const ms = /^(\d+)\s*ms$/.exec(value);
  if (!ms) throw new Error(`CHAOS_CLOSE_AFTER_ANSWER must be 1, 0 or a number of ms such as 20ms; got ${value}`);
  return Number(ms[1]);
}

const close = closeAfterAnswer(env.CHAOS_CLOSE_AFTER_ANSWER);
const options = {
  phases: { S01: phaseMs, S02: phaseMs, S03: phaseMs, S04: phaseMs, S05: phaseMs, S07: 0 },
  sidePolls: flag('CHAOS_SIDE_POLLS', defaults.sidePolls),
  crashes: flag('CHAOS_CRASHES', defaults.crashes),
  reconcileFaults: flag('CHAOS_RECONCILE_FAULTS', defaults.reconcileFaults),
  firmware,
  closeAfterAnswer: close,
  noMethod: flag('CHAOS_NO_METHOD', later && close !== false),
  minRequestGap: env.CHAOS_REQUEST_GAP === undefined ? (later ? CI14_OPTIONS.minRequestGap : undefined) : Number(env.CHAOS_REQUEST_GAP),
};

console.log(`chaos: ${transactions} transactions, ${lanes} lanes, seed ${seed}, ${JSON.stringify({ phaseMs, ...options, phases: undefined })}`);
runChaos({ transactions, lanes, seed, ...options, progress: 500, log: (line) => console.log(line) }).then(
  (totals) => {
    console.log(totals.line);
    for (const err of unhandled) console.log('unhandled rejection:', err);
    const bad =
      totals.problems.length > 0 ||
      unhandled.length > 0 ||
      totals.lost ||
      totals.duplicates ||
      totals.misattributed ||
      totals.hangs ||
      totals.unwanted ||
      totals.wrongStep2 ||
      totals.abandoned;
    process.exitCode = bad ? 1 : 0;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
