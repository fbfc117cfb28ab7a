'use strict';
/**
 * The CI chaos run (test/chaos.test.js); also the defaults of `npm run chaos` (test/chaos-run.js), which takes
 * CHAOS_TRANSACTIONS (default 20000 there) and CHAOS_SEED.
 * sidePolls: a status watcher polls alongside, as the ssi-status node does. crashes: now and then the client is
 * closed mid-transaction and a new one on the same journal reconciles.
 */
module.exports = { CI_SEED: 20240611, CI_TRANSACTIONS: 2000, CI_LANES: 8, CI_OPTIONS: { sidePolls: true, crashes: true, reconcileFaults: false } };
