'use strict';
/**
 * Loaded by the settings.js of the Node-RED process the fleet benchmark starts: measures that process from the
 * inside (RSS after gc, event-loop delay) and counts the outcomes the flow hands it through the global context
 * (functionGlobalContext.fleet). Spoken to over IPC by bench/fleet-node-red.js.
 */
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { serve, settledMemory, loopDelay } = require('./fleet-lib');

let run = null;

/** FLEET_PROFILE=dir: a CPU profile of the purchases alone (start to last outcome), written there. */
const profiling = process.env.FLEET_PROFILE ? new (require('node:inspector').Session)() : null;
const post = (method, params) => new Promise((resolve, reject) => profiling.post(method, params, (err, r) => (err ? reject(err) : resolve(r))));

/** What the flow calls: global.get('fleet').record(msg, 'outcome' | 'error'). */
const fleet = {
  record(msg, kind) {
    if (!run) return;
    const i = msg.fleet;
    if (kind === 'error') run.errors.push(String(msg.error?.message ?? msg.error ?? 'error'));
    else if (msg.payload?.approved === true && msg.payload.amount === run.amount) run.approved++;
    else run.other++;
    if (Number.isInteger(i)) run.seen[i] = (run.seen[i] ?? 0) + 1;
    run.doneAt.push(Number(process.hrtime.bigint() - run.started) / 1e6);
    if (run.doneAt.length >= run.expected) run.finish();
  },
};

serve({
  memory: () => settledMemory(),
  async idle({ ms, resolution }) {
    const h = monitorEventLoopDelay({ resolution });
    h.enable();
    await new Promise((resolve) => setTimeout(resolve, ms));
    h.disable();
    return { idle: loopDelay(h, resolution) };
  },
  async start({ expected, amount, resolution }) {
    const histogram = monitorEventLoopDelay({ resolution });
    let finish;
    const finished = new Promise((resolve) => (finish = resolve));
    run = {
      expected,
      amount,
      resolution,
      histogram,
      approved: 0,
      other: 0,
      errors: [],
      seen: [],
      doneAt: [],
      started: process.hrtime.bigint(),
      cpu: process.cpuUsage(),
      finish,
      finished,
    };
    histogram.enable();
    if (profiling) {
      profiling.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 200 });
      await post('Profiler.start');
    }
    return {};
  },
  async wait({ timeout }) {
    const r = run;
    let timer;
    const late = new Promise((resolve) => (timer = setTimeout(resolve, timeout)));
    await Promise.race([r.finished, late]);
    clearTimeout(timer);
    r.histogram.disable();
    run = null;
    if (profiling) {
      const { profile } = await post('Profiler.stop');
      profiling.disconnect();
      const file = require('node:path').join(process.env.FLEET_PROFILE, `fleet-${process.pid}.cpuprofile`);
      require('node:fs').writeFileSync(file, JSON.stringify(profile));
    }
    const cpu = process.cpuUsage(r.cpu);
    const sorted = r.doneAt.slice().sort((a, b) => a - b);
    const duplicates = r.seen.filter((k) => k > 1).length;
    return {
      busy: loopDelay(r.histogram, r.resolution),
      wallMs: Number(process.hrtime.bigint() - r.started) / 1e6,
      cpuMs: (cpu.user + cpu.system) / 1000,
      approved: r.approved,
      otherOutcome: r.other,
      errors: r.errors.slice(0, 5),
      errorCount: r.errors.length,
      duplicates,
      firstDoneMs: sorted[0],
      lastDoneMs: sorted[sorted.length - 1],
    };
  },
  disconnect() {
    // The benchmark went away: stop Node-RED as Ctrl-C would.
    process.kill(process.pid, 'SIGINT');
  },
});

module.exports = { fleet };
