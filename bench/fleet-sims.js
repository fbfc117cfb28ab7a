'use strict';
/**
 * The fleet's far end, in a process of its own: `count` simulated terminals, each listening on its own ephemeral
 * TCP port (no HTTP). Spoken to over IPC by bench/fleet.js.
 */
const { startSimulator } = require('../dist/simulator');
const { serve, pool } = require('./fleet-lib');

let sims = [];

function counts() {
  return sims.map((s) => ({
    Purchase: s.counts.Purchase ?? 0,
    GetStatus: s.counts.GetStatus ?? 0,
    GetLastResult: s.counts.GetLastResult ?? 0,
    connections: s.totalConnections,
    open: s.connections,
    status: s.status,
  }));
}

async function stopAll() {
  const all = sims;
  sims = [];
  await Promise.all(all.map((s) => s.stop()));
}

serve({
  async start({ count, phases }) {
    const started = Date.now();
    sims = await pool(Array.from({ length: count }), 100, () => startSimulator({ host: '127.0.0.1', port: 0, httpPort: false, phases }));
    return { ports: sims.map((s) => s.port), merchant: sims[0]?.engine.merchants[0].merchantId, ms: Date.now() - started };
  },
  counts() {
    return { counts: counts() };
  },
  async stop() {
    await stopAll();
    return {};
  },
  disconnect() {
    void stopAll().finally(() => process.exit(0));
  },
});
