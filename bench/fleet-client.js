'use strict';
/**
 * One round of the library fleet, in a fresh process (run with --expose-gc): RSS with no terminal, RSS with every
 * Terminal connected and idle, then one purchase on every terminal, all started at once, while the event loop's
 * delay is recorded.
 */
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { Terminal, isApproved } = require('../dist/core');
const { serve, settledMemory, loopDelay } = require('./fleet-lib');

/** FLEET_PROFILE=dir: a CPU profile of the purchases alone, written there. */
async function profiler() {
  if (!process.env.FLEET_PROFILE) return { stop: async () => undefined };
  const session = new (require('node:inspector').Session)();
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (err, r) => (err ? reject(err) : resolve(r))));
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return {
    async stop() {
      const { profile } = await post('Profiler.stop');
      session.disconnect();
      require('node:fs').writeFileSync(
        require('node:path').join(process.env.FLEET_PROFILE, `fleet-client-${process.pid}.cpuprofile`),
        JSON.stringify(profile),
      );
    },
  };
}

serve({
  async round({ ports, merchant, pollInterval, amount = '2450', resolution = 10, idleMs = 1000 }) {
    const n = ports.length;
    const mem0 = await settledMemory();

    const terminals = ports.map((port) => new Terminal({ host: '127.0.0.1', port, ...(pollInterval ? { pollInterval } : {}) }));
    const connectStart = Date.now();
    const statuses = await Promise.allSettled(terminals.map((t) => t.request('GetStatus')));
    const connectMs = Date.now() - connectStart;
    const connectFailed = statuses.filter((s) => s.status === 'rejected').map((s) => s.reason.message);
    const connected = terminals.filter((t) => t.connected).length;
    const mem1 = await settledMemory();

    // The loop with every terminal connected and nothing to do: the machine's own noise.
    const idle = monitorEventLoopDelay({ resolution });
    idle.enable();
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    idle.disable();

    const profile = await profiler();
    const busy = monitorEventLoopDelay({ resolution });
    busy.enable();
    const cpu0 = process.cpuUsage();
    const started = process.hrtime.bigint();
    const doneAt = new Array(n);
    const results = await Promise.allSettled(
      terminals.map((t, i) =>
        t.transact('Purchase', { transAmount: amount, transCurrency: '980', merchantId: merchant }).finally(() => {
          doneAt[i] = Number(process.hrtime.bigint() - started) / 1e6;
        }),
      ),
    );
    busy.disable();
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = process.cpuUsage(cpu0);
    await profile.stop();

    const approved = results.filter((r) => r.status === 'fulfilled' && isApproved(r.value) && r.value.params.transAmount === amount).length;
    const otherOutcome = results.filter((r) => r.status === 'fulfilled').length - approved;
    const errors = results.filter((r) => r.status === 'rejected').map((r) => `${r.reason.code}: ${r.reason.message}`);
    const stillConnected = terminals.filter((t) => t.connected).length;
    const mem2 = await settledMemory();
    await Promise.all(terminals.map((t) => t.close()));
    const sorted = doneAt.slice().sort((a, b) => a - b);
    return {
      n,
      mem0,
      mem1,
      mem2,
      connected,
      connectMs,
      connectFailed: connectFailed.slice(0, 5),
      idle: loopDelay(idle, resolution),
      busy: loopDelay(busy, resolution),
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      firstDoneMs: sorted[0],
      lastDoneMs: sorted[n - 1],
      approved,
      otherOutcome,
      errors: errors.slice(0, 5),
      errorCount: errors.length,
      stillConnected,
    };
  },
});
