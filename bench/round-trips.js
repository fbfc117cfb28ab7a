'use strict';
/** Item 2: sequential GetStatus through Terminal.request vs the raw client, over loopback TCP, same simulator. */
const { Terminal } = require('../dist/core');
const { rawClient } = require('./raw-client');
const { sideBySide, simulatorProcess, median, fmt } = require('./lib');

async function run({ quick }) {
  // Many short rounds: a burst of load from elsewhere on the machine then spoils a few rounds, not the median.
  const perRound = quick ? 50 : 200;
  const n = quick ? 3 : 101;
  const sim = await simulatorProcess();
  const terminal = new Terminal({ host: '127.0.0.1', port: sim.port });
  const raw = await rawClient(sim.port);
  try {
    const ours = async () => {
      for (let i = 0; i < perRound; i++) if ((await terminal.request('GetStatus')).status !== 'S00') throw new Error('GetStatus: not S00');
    };
    const base = async () => {
      for (let i = 0; i < perRound; i++) if ((await raw.request({ method: 'GetStatus' })).status !== 'S00') throw new Error('raw GetStatus: not S00');
    };
    const r = await sideBySide(n, ours, base, { warmup: quick ? 1 : 3 });
    // Request rates: ours / raw is the inverse of the time ratio, round by round.
    const rate = median(r.ratios.map((x) => 1 / x));
    const perSec = (ms) => `${fmt((perRound * 1000) / ms)}/s`;
    return [
      {
        id: '2',
        figure: 'GetStatus round trips: Terminal.request / raw net client',
        value: rate,
        unit: '×',
        target: '≥ 0.8 ×',
        pass: rate >= 0.8,
        detail: `${perSec(median(r.ours))} vs ${perSec(median(r.base))} (${fmt((median(r.ours) * 1000) / perRound)} vs ${fmt((median(r.base) * 1000) / perRound)} µs each); simulator in another process; ${perRound} sequential requests × ${n} rounds`,
      },
    ];
  } finally {
    raw.close();
    await terminal.close();
    await sim.stop();
  }
}

module.exports = { run };
