'use strict';
/**
 * `npm run bench` (builds first): every benchmark of the pack in turn on this machine, one table, and the figures
 * in bench/results.json. Each figure is measured side by side with its baseline in the same run (median of
 * rounds). A missed target is reported, not an error: the exit code is non-zero only when a bench itself fails.
 * `--quick` runs tiny sizes, only to prove the bench still works (CI); its figures mean nothing.
 *
 *   node bench/run.js [--quick] [--out FILE] [module…]   (modules: decoder round-trips purchase polling fleet footprint pacing)
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { formatTable, fmt } = require('./lib');

const MODULES = ['decoder', 'round-trips', 'purchase', 'polling', 'fleet', 'footprint', 'pacing'];

function validRow(row) {
  return (
    row &&
    typeof row.id === 'string' &&
    typeof row.figure === 'string' &&
    typeof row.value === 'number' &&
    Number.isFinite(row.value) &&
    typeof row.unit === 'string' &&
    typeof row.target === 'string' &&
    (row.pass === true || row.pass === false || row.pass === null) &&
    (row.detail === undefined || typeof row.detail === 'string')
  );
}

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? path.resolve(args[outAt + 1]) : path.join(__dirname, 'results.json');
  // Module names: every argument but the flags and the file after --out (without --out, the first one too).
  const only = args.filter((a, i) => !a.startsWith('--') && (outAt < 0 || i !== outAt + 1));
  const unknown = only.filter((m) => !MODULES.includes(m));
  if (unknown.length) throw new Error(`no such bench: ${unknown.join(', ')} (there are ${MODULES.join(', ')})`);
  const rows = [];
  const failures = [];
  for (const name of MODULES) {
    if (only.length && !only.includes(name)) continue;
    const file = path.join(__dirname, `${name}.js`);
    const started = Date.now();
    process.stderr.write(`bench: ${name}${quick ? ' (quick)' : ''}… `);
    try {
      const got = await require(file).run({ quick });
      const bad = (Array.isArray(got) ? got : [got]).filter((r) => !validRow(r));
      if (!Array.isArray(got) || bad.length)
        throw new Error(`returned rows that are not { id, figure, value (a number), unit, target, pass }: ${JSON.stringify(bad.length ? bad : got)}`);
      rows.push(...got);
      process.stderr.write(`${fmt((Date.now() - started) / 1000)} s\n`);
    } catch (err) {
      process.stderr.write('failed\n');
      failures.push({ name, error: err });
      console.error(`bench ${name} failed:`, err);
    }
  }
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    quick,
    rows,
  };
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n${formatTable(rows)}\n`);
  const missed = rows.filter((r) => r.pass === false).length;
  console.log(
    `${rows.length} figures, ${missed} target${missed === 1 ? '' : 's'} missed; node ${process.version}, ${report.cpus} CPUs${quick ? '; QUICK MODE: sizes too small to mean anything' : ''}; written to ${out.startsWith(process.cwd() + path.sep) ? path.relative(process.cwd(), out) : out}`,
  );
  if (failures.length) {
    console.error(`bench failed: ${failures.map((f) => f.name).join(', ')}`);
    process.exitCode = 1;
  }
}

main().then(
  // Handles a bench may have left open (a socket, a timer) must not keep the report from ending.
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
