'use strict';
/**
 * What every bench module shares: a clock, rounds, medians, ratios measured side by side, the simulator in a
 * process of its own, and the table. A module exports `async run({ quick })` returning rows
 * `{ id, figure, value, unit, target, pass, detail }` (pass: true/false, or null for a figure without a target).
 */
const { fork } = require('node:child_process');
const path = require('node:path');
/** A seeded PRNG: the same data every run (the tests' own, in TypeScript: loaded through tsx). */
const { mulberry32: prng } = require('tsx/cjs/api').require('../test/support/prng', __filename);

const T0 = process.hrtime.bigint();

/** ms since this module loaded, with sub-microsecond resolution. */
function hrMs() {
  return Number(process.hrtime.bigint() - T0) / 1e6;
}

/** The median of the finite values (a failed round's NaN does not count). */
function median(values) {
  const s = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function percentile(values, p) {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Runs `fn(i)` n times, one after another; resolves with what each returned. */
async function rounds(n, fn) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await fn(i));
  return out;
}

/** ms `fn` takes (awaited). */
async function time(fn) {
  const t = hrMs();
  await fn();
  return hrMs() - t;
}

/**
 * Ours and the baseline side by side: in each round both run, in alternating order (A,B then B,A) so neither
 * always goes first, after `warmup` unmeasured rounds. Returns the times and the median of per-round ratios ours/base.
 */
async function sideBySide(n, ours, base, { warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) {
    await ours();
    await base();
  }
  const a = [];
  const b = [];
  const ratios = [];
  for (let i = 0; i < n; i++) {
    let ta;
    let tb;
    if (i % 2 === 0) {
      ta = await time(ours);
      tb = await time(base);
    } else {
      tb = await time(base);
      ta = await time(ours);
    }
    a.push(ta);
    b.push(tb);
    ratios.push(ta / tb);
  }
  return { ours: a, base: b, ratios, ratio: median(ratios) };
}

/** A short number: 3 significant digits, no exponent. */
function fmt(value, digits = 3) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 10 ** digits) return String(Math.round(value));
  return String(Number(value.toPrecision(digits)));
}

/** A simulator (`startSimulator(options)`) in a child process, so the bench measures only the client's work. */
function simulatorProcess(options = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'sim-process.js'), [JSON.stringify({ port: 0, httpPort: false, ...options })], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const fail = (err) => reject(err instanceof Error ? err : new Error(`simulator process exited (${err})`));
    child.once('error', fail);
    child.once('exit', fail);
    child.once('message', (msg) => {
      child.removeListener('error', fail);
      child.removeListener('exit', fail);
      const ask = (cmd) =>
        new Promise((res) => {
          child.once('message', res);
          child.send({ cmd });
        });
      resolve({
        port: msg.port,
        /** Requests the simulator received per method. */
        counts: () => ask('counts'),
        stop: () =>
          new Promise((res) => {
            if (child.exitCode !== null) return res();
            child.once('exit', () => res());
            child.send({ cmd: 'stop' });
          }),
      });
    });
  });
}

const PASS = 'pass';
const FAIL = 'FAIL';

function measured(row) {
  return `${fmt(row.value)} ${row.unit}`.trim();
}

function verdict(row) {
  if (row.pass === null || row.pass === undefined) return '–';
  return row.pass ? PASS : FAIL;
}

/** One plain-text table: id, figure, measured, target, pass/FAIL; the details follow it, one line per row. */
function formatTable(rows) {
  const head = ['id', 'figure', 'measured', 'target', 'pass'];
  const body = rows.map((r) => [r.id, r.figure, measured(r), r.target || '–', verdict(r)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((line) => line[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const out = [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)];
  const details = rows.filter((r) => r.detail).map((r) => `  ${r.id}: ${r.detail}`);
  if (details.length) out.push('', ...details);
  return out.join('\n');
}

module.exports = { hrMs, median, percentile, rounds, time, sideBySide, prng, fmt, simulatorProcess, formatTable };
