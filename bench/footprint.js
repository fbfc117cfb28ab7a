'use strict';
/**
 * Item 6: the cold require time of the pack, each in a fresh process (timed inside it, around the require),
 * beside an empty module required the same way so the machine's noise shows; and the packed tarball's size.
 */
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { median, fmt } = require('./lib');

const root = path.join(__dirname, '..');
const pkg = require('../package.json');

/** ms to require `what` (a JS expression of requires) in a fresh node, measured inside it. */
function coldRequire(what) {
  const code = `const t = process.hrtime.bigint(); ${what}; process.stdout.write(String(Number(process.hrtime.bigint() - t) / 1e6));`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', code], { cwd: root }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`cold require failed: ${stderr || err.message}`));
      resolve(Number(stdout));
    });
  });
}

function npmPack() {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  return new Promise((resolve, reject) => {
    execFile(
      npm,
      ['pack', '--dry-run', '--json', '--ignore-scripts'],
      { cwd: root, maxBuffer: 16 * 1024 * 1024, shell: process.platform === 'win32' },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`npm pack --dry-run failed: ${stderr || err.message}`));
        resolve(JSON.parse(stdout)[0]);
      },
    );
  });
}

async function run({ quick }) {
  const n = quick ? 3 : 15;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-bench-'));
  const empty = path.join(dir, 'empty.js');
  fs.writeFileSync(empty, '');
  // The package by its name (its "exports"), as an application requires it; and every node module Node-RED loads.
  const library = `require(${JSON.stringify(pkg.name)})`;
  const nodes = Object.values(pkg['node-red'].nodes)
    .map((file) => `require(${JSON.stringify(`./${file}`)})`)
    .join('; ');
  const reference = `require(${JSON.stringify(empty)})`;
  const times = { library: [], nodes: [], reference: [] };
  try {
    for (let i = 0; i < n; i++) {
      // Interleaved, so a burst of load on the machine hits all three alike.
      times.library.push(await coldRequire(library));
      times.nodes.push(await coldRequire(nodes));
      times.reference.push(await coldRequire(reference));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const pack = await npmPack();
  const ref = `an empty module takes ${fmt(median(times.reference))} ms the same way`;
  const row = (id, figure, xs) => ({
    id,
    figure,
    value: median(xs),
    unit: 'ms',
    target: '≤ 50 ms',
    pass: median(xs) <= 50,
    detail: `median of ${n} fresh processes (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))} ms); ${ref}`,
  });
  return [
    row('6a', `cold require('${pkg.name}')`, times.library),
    row('6b', `cold require of the ${Object.keys(pkg['node-red'].nodes).length} Node-RED node modules`, times.nodes),
    {
      id: '6c',
      figure: 'packed tarball (npm pack)',
      value: pack.size / 1024,
      unit: 'KiB',
      target: '',
      pass: null,
      detail: `${pack.size} B packed, ${pack.unpackedSize} B unpacked, ${pack.entryCount} files (${pack.filename})`,
    },
  ];
}

module.exports = { run };
