'use strict';
/**
 * `npm run test:matrix`: the pack on every Node.js × Node-RED combination it claims, installed as a user installs
 * it (scripts/matrix/combination.js says what each run checks). Node.js builds and npm come from the npm registry
 * and are cached in the OS temp dir (scripts/matrix/runtime.js); the pack is the tarball `npm pack` makes of this
 * checkout. Prints one line per combination, rewrites the README's compatibility table from this run, and exits 1
 * when any combination failed.
 *
 *   node scripts/test-matrix.js [--jobs N] [--keep] [--no-readme] [--only NODE[xNODE_RED]]
 *
 * --jobs: combinations run side by side (default 2; a combination is mostly npm and waiting). --keep: leave the
 * work folder (installs and logs) instead of removing it. --only 22 or 22x5.0: a subset (the README is then left
 * alone). SSI_ECR_MATRIX_CACHE moves the cache.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

/**
 * What is claimed and tested. `serialport`: the major npm picks from the pack's range on that Node — npm skips a
 * version whose engines refuse the running Node, and serialport 13 requires Node 20, so Node 18 gets 12.
 */
const COMBINATIONS = [
  { node: 18, nodeRed: '~3.1.0', serialport: 12 },
  { node: 18, nodeRed: '~4.1.0', serialport: 12 },
  { node: 20, nodeRed: '~4.1.0', serialport: 13 },
  { node: 22, nodeRed: '~4.1.0', serialport: 13 },
  { node: 22, nodeRed: '~5.0.0', serialport: 13 },
  { node: 24, nodeRed: '~5.0.0', serialport: 13 },
];
/** npm 11 does not support Node 18: that Node gets the newest npm 10. The others run the system npm. */
const NPM_FOR = { 18: '^10.0.0' };

/** package.json's claims, exactly what the matrix runs: the Node.js majors and the Node-RED minor lines. */
function claims(combinations = COMBINATIONS) {
  const majors = [...new Set(combinations.map((c) => c.node))].sort((a, b) => a - b);
  const lines = [...new Set(combinations.map((c) => c.nodeRed))];
  return { node: majors.map((m) => `^${m}.0.0`).join(' || '), nodeRed: lines.join(' || ') };
}

const START = '<!-- compatibility: written by npm run test:matrix from its last run -->';
const END = '<!-- /compatibility -->';

/** The README table for `results` (one per combination, in order). */
function table(results) {
  const rows = results.map(
    (r) => `| ${r.node} | ${r.nodeRed || `${r.nodeRedRange} (not installed)`} | ${r.serialport || '—'} | ${r.npm} | ${r.ok ? 'pass' : 'FAIL'} |`,
  );
  return [START, '| Node.js | Node-RED | serialport (as npm picked it) | npm | result |', '|---|---|---|---|---|', ...rows, END].join('\n');
}

/** `readme` with its compatibility table replaced by `results`' (it must have the markers). */
function withTable(readme, results) {
  const from = readme.indexOf(START);
  const to = readme.indexOf(END);
  if (from < 0 || to < from) throw new Error(`README.md has no compatibility table markers (${START} … ${END})`);
  return readme.slice(0, from) + table(results) + readme.slice(to + END.length);
}

function label(r) {
  return `node ${String(r.node).padEnd(8)} × node-red ${String(r.nodeRed || r.nodeRedRange).padEnd(7)} serialport ${String(r.serialport || '—').padEnd(7)}`;
}

/** Runs `tasks` (functions returning promises) at most `jobs` at a time; `done(i, value)` in completion order. */
async function pool(tasks, jobs, done) {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      done(i, await tasks[i]());
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
}

async function main() {
  const { values } = parseArgs({
    options: {
      jobs: { type: 'string', default: '2' },
      keep: { type: 'boolean', default: false },
      'no-readme': { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  });
  const tools = require('tsx/cjs/api').require('../test/support/tools', __filename); // the tests' helpers are TypeScript
  const { nodeRuntime, npm, CACHE } = require('./matrix/runtime');
  const { runCombination, ROOT } = require('./matrix/combination');
  const started = Date.now();
  const secs = (since) => Math.round((Date.now() - since) / 1000);

  let combinations = COMBINATIONS;
  if (values.only) {
    const [node, nr] = values.only.split('x');
    combinations = COMBINATIONS.filter((c) => String(c.node) === node && (!nr || c.nodeRed === `~${nr}.0`));
    if (!combinations.length) throw new Error(`--only ${values.only} matches no combination`);
  }

  let socat;
  try {
    socat = tools.ensureSocat();
  } catch (err) {
    if (!(err instanceof tools.MissingTool)) throw err;
    console.error(`test:matrix: ${err.message}`);
    process.exit(1);
  }
  console.log(`test:matrix: socat ${socat.path} (${socat.source}); Node.js and npm cached in ${CACHE}`);

  const runtimes = {};
  for (const major of [...new Set(combinations.map((c) => c.node))]) {
    const since = Date.now();
    runtimes[major] = nodeRuntime(major, NPM_FOR[major]);
    const r = runtimes[major];
    console.log(
      `test:matrix: Node.js ${r.version} with npm ${r.npmVersion} (${r.fetched ? `fetched from the npm registry, ${secs(since)} s` : 'cached'})`,
    );
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-ecr-matrix-'));
  const since = Date.now();
  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], { cwd: ROOT }));
  const tarball = path.join(work, packed.filename);
  console.log(`test:matrix: ${packed.filename} packed (built first) in ${secs(since)} s`);
  const { startSimulator } = require(path.join(ROOT, 'dist', 'simulator'));

  const results = new Array(combinations.length);
  let printed = 0;
  const tasks = combinations.map((c) => async () => {
    const since = Date.now();
    const dir = path.join(work, `node${c.node}-node-red${c.nodeRed.replace(/[^\d.]/g, '')}`);
    const runtime = runtimes[c.node];
    try {
      const r = await runCombination({ runtime, nodeRed: c.nodeRed, serialport: c.serialport, tarball, dir, socat: socat.path, startSimulator });
      return { ...r, ok: true, seconds: secs(since) };
    } catch (err) {
      return {
        node: runtime.version,
        npm: runtime.npmVersion,
        nodeRedRange: c.nodeRed,
        ...err.partial,
        ok: false,
        seconds: secs(since),
        error: err.message,
        log: path.join(dir, 'log.txt'),
      };
    }
  });
  await pool(tasks, Math.max(1, Number(values.jobs) || 1), (i, result) => {
    results[i] = result;
    // In the table's order, each as soon as it and those before it are done.
    while (printed < results.length && results[printed]) {
      const r = results[printed++];
      console.log(
        `${label(r)} ${r.ok ? 'pass' : 'FAIL'} ${String(r.seconds).padStart(4)} s${r.ok ? '' : `\n    ${r.error.split('\n').join('\n    ')}\n    log: ${r.log}`}`,
      );
    }
  });

  const passed = results.filter((r) => r.ok).length;
  const expected = claims();
  const pkg = require(path.join(ROOT, 'package.json'));
  const claimed = { node: pkg.engines.node, nodeRed: pkg['node-red'].version };
  const exact = claimed.node === expected.node && claimed.nodeRed === expected.nodeRed;
  console.log(
    `test:matrix: package.json claims node ${claimed.node}, node-red ${claimed.nodeRed}: ${exact ? 'exactly what the matrix runs' : `NOT what the matrix runs (node ${expected.node}, node-red ${expected.nodeRed})`}`,
  );

  if (!values['no-readme'] && !values.only) {
    const file = path.join(ROOT, 'README.md');
    const readme = fs.readFileSync(file, 'utf8');
    const updated = withTable(readme, results);
    if (updated !== readme) fs.writeFileSync(file, updated);
    console.log(`test:matrix: README.md compatibility table ${updated !== readme ? 'rewritten' : 'unchanged'}`);
  }
  const ok = passed === results.length && exact;
  if (values.keep || !ok) console.log(`test:matrix: installs and logs kept in ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });
  console.log(`test:matrix: ${combinations.length} combinations in ${secs(started)} s`);
  console.log(`matrix: ${passed} passed, ${results.length - passed} failed`);
  return ok ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(`test:matrix: ${err.stack || err.message}`);
      process.exit(1);
    },
  );
}

module.exports = { COMBINATIONS, NPM_FOR, claims, table, withTable, START, END };
