'use strict';
/** Puts operations into a simulator's batch through the library, so node tests start from a known journal. */
import { Terminal } from '../../dist/core';
import { MERCHANT } from '../support/fixtures';
import type { Wire } from '../support/wire';

/** Approved purchases of these amounts (minor units); resolves with their GetLastResult params. */
async function purchases(sim, ...amounts) {
  const t = new Terminal({ host: '127.0.0.1', port: sim.port, pollInterval: 5, settleGrace: 100 });
  try {
    const results: Wire[] = [];
    for (const amount of amounts) {
      const r = await t.transact('Purchase', { transAmount: amount, transCurrency: '980', merchantId: MERCHANT });
      results.push(r.params);
    }
    return results;
  } finally {
    await t.close();
  }
}

/** The params of every request of `method` the simulator received, oldest first. */
function sent(sim, method) {
  return sim.requests.filter((r) => r.method === method).map((r) => r.params);
}

export { purchases, sent };
