'use strict';
/** Small helpers of the fleet benchmark: statistics, child processes spoken to over IPC. */
const { fork } = require('node:child_process');
const { median } = require('./lib');

function round(value, digits = 1) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * monitorEventLoopDelay records the interval between ticks of a timer of `resolution` ms: an idle loop shows
 * `resolution`, and what lies above it is how late the loop was. Figures in ms.
 */
function loopDelay(histogram, resolution) {
  const ms = (ns) => ns / 1e6;
  const late = (ns) => Math.max(0, ms(ns) - resolution);
  return {
    samples: histogram.count,
    p50: late(histogram.percentile(50)),
    p99: late(histogram.percentile(99)),
    max: late(histogram.max),
    rawP99: ms(histogram.percentile(99)),
  };
}

/** RSS and its parts after full collections, in bytes. Needs --expose-gc. */
async function settledMemory() {
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapTotal, heapUsed, external, arrayBuffers };
}

/**
 * A child process spoken to over IPC: `call(cmd, data)` sends { id, cmd, ...data } and resolves with the reply
 * carrying the same id (or rejects with its error); `on(type, fn)` hears unsolicited messages.
 */
function child(modulePath, { args = [], execArgv = [], env, silent = true } = {}) {
  const proc = fork(modulePath, args, { execArgv, env: env ?? process.env, silent, serialization: 'advanced' });
  let output = '';
  if (silent) {
    proc.stdout.on('data', (d) => (output = (output + d).slice(-20000)));
    proc.stderr.on('data', (d) => (output = (output + d).slice(-20000)));
  }
  let nextId = 1;
  const waiting = new Map();
  const listeners = new Map();
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  exited.then(({ code, signal }) => {
    for (const { reject } of waiting.values()) reject(new Error(`${modulePath} exited (${signal ?? code}) before answering:\n${output}`));
    waiting.clear();
  });
  proc.on('message', (m) => {
    if (m && m.replyTo !== undefined) {
      const w = waiting.get(m.replyTo);
      if (!w) return;
      waiting.delete(m.replyTo);
      if (m.error) w.reject(new Error(m.error));
      else w.resolve(m);
      return;
    }
    const fn = m && listeners.get(m.type);
    if (fn) fn(m);
  });
  return {
    proc,
    exited,
    output: () => output,
    on(type, fn) {
      listeners.set(type, fn);
    },
    call(cmd, data = {}, timeout = 120_000) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`${modulePath}: no answer to ${cmd} within ${timeout} ms:\n${output}`));
        }, timeout);
        waiting.set(id, {
          resolve: (v) => (clearTimeout(timer), resolve(v)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
        proc.send({ id, cmd, ...data });
      });
    },
    async stop(ms = 20_000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        if (proc.connected) proc.disconnect();
        const timer = setTimeout(() => proc.kill('SIGKILL'), ms);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** The child side of child(): answers { id, cmd } messages with handlers[cmd](message); exits when the parent goes. */
function serve(handlers) {
  process.on('message', async (m) => {
    const handler = handlers[m.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${m.cmd}`);
      const reply = (await handler(m)) ?? {};
      process.send({ ...reply, replyTo: m.id });
    } catch (err) {
      process.send({ replyTo: m.id, error: err && err.stack ? err.stack : String(err) });
    }
  });
  process.on('disconnect', () => (handlers.disconnect ? handlers.disconnect() : process.exit(0)));
}

/** Runs `fn` over `items` with at most `limit` at a time; resolves with the results in order. */
async function pool(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The soft limit on open files of this process (Linux), or undefined. */
function openFileLimit() {
  try {
    const text = require('node:fs').readFileSync('/proc/self/limits', 'utf8');
    const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(text);
    if (!m) return undefined;
    const n = (s) => (s === 'unlimited' ? Infinity : Number(s));
    return { soft: n(m[1]), hard: n(m[2]) };
  } catch {
    return undefined;
  }
}

module.exports = { median, round, loopDelay, settledMemory, child, serve, pool, openFileLimit };
