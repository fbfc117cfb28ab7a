'use strict';
/**
 * The CI chaos runs (test/chaos.test.js, test/chaos-firmware.test.js); also the defaults of `npm run chaos`
 * (test/chaos-run.ts), which takes CHAOS_TRANSACTIONS (default 20000 there), CHAOS_SEED and CHAOS_FIRMWARE.
 * sidePolls: a status watcher polls alongside, as the ssi-status node does. crashes: now and then the client is
 * closed mid-transaction and a new one on the same journal reconciles.
 * Later firmware (CI14_*): every simulator runs firmware 1.4, closes the connection after every answer and leaves
 * "method" out of its answers; the client waits minRequestGap 5 ms between requests, not the 250 ms that firmware
 * asks for (the simulator does not enforce it, and 1,000 transactions must fit in CI time).
 */
export = {
  CI_SEED: 20240611,
  CI_TRANSACTIONS: 2000,
  CI_LANES: 8,
  CI_OPTIONS: { sidePolls: true, crashes: true, reconcileFaults: false },
  CI14_SEED: 20240611,
  CI14_TRANSACTIONS: 1000,
  CI14_LANES: 8,
  CI14_OPTIONS: { firmware: '1.4', closeAfterAnswer: true, noMethod: true, minRequestGap: 5, sidePolls: true, crashes: true, reconcileFaults: false },
};
