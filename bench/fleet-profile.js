'use strict';
/**
 * Where the CPU time of a fleet round went: reads the .cpuprofile files FLEET_PROFILE=dir wrote (see bench/fleet.js)
 * and prints the functions with the most self time, and the same time by where the code lives (this pack, the
 * Node-RED runtime, Node.js itself, garbage collection, idle).
 *
 *   node bench/fleet-profile.js FILE.cpuprofile [--top N] [--bursts MS | --callers FUNCTION]
 *     --bursts MS      only the turns of the event loop busy for longer than MS (what makes it late)
 *     --callers NAME   the call paths that spent the self time of functions named NAME
 */
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

/** Self time in ms per profile node id: the samples' time deltas, each credited to the node sampled. */
function selfTimes(profile) {
  const self = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; the time after it (the next delta) is what it stands for.
    const dt = (timeDeltas[i + 1] ?? timeDeltas[i] ?? 0) / 1000;
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
  }
  return self;
}

function where(url) {
  if (!url) return 'node (native, internals)';
  const file = url.replace(/^file:\/\//, '');
  if (file.startsWith('node:')) return 'node (native, internals)';
  if (file.includes('/node_modules/@node-red/') || file.includes('/node_modules/node-red/')) return 'Node-RED runtime';
  if (file.includes('/node_modules/')) return `other packages`;
  if (file.startsWith(path.join(root, 'dist'))) return 'this pack (dist/)';
  if (file.startsWith(root)) return 'this repository (bench, settings)';
  return 'other';
}

function label(frame) {
  const file = frame.url
    ? frame.url
        .replace(/^file:\/\//, '')
        .replace(`${root}/`, '')
        .replace(/^.*\/node_modules\//, '')
    : '';
  return `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
}

function summarise(profile, top = 25) {
  const self = selfTimes(profile);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map();
  const byPlace = new Map();
  for (const [id, ms] of self) {
    const frame = byId.get(id).callFrame;
    const special = /^\((idle|garbage collector|program|root)\)$/.test(frame.functionName) ? frame.functionName : undefined;
    const key = special ?? label(frame);
    byFunction.set(key, (byFunction.get(key) ?? 0) + ms);
    const place = special ?? where(frame.url);
    byPlace.set(place, (byPlace.get(place) ?? 0) + ms);
  }
  const busy = total - (byFunction.get('(idle)') ?? 0);
  const rows = (map, n) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, ms]) => `${ms.toFixed(1).padStart(9)} ms ${((100 * ms) / busy).toFixed(1).padStart(5)} %  ${k}`);
  return [
    `profile: ${(total / 1000).toFixed(2)} s sampled, ${(busy / 1000).toFixed(2)} s not idle (percentages of that)`,
    '',
    'by where the code lives:',
    ...rows(byPlace, 20),
    '',
    `top ${top} functions by self time:`,
    ...rows(byFunction, top + 1)
      .filter((r) => !/\(idle\)$/.test(r))
      .slice(0, top),
  ].join('\n');
}

/** The call paths (callers first, `depth` deep) that spent the self time of functions named `name`. */
function callers(profile, name, depth = 6, top = 8) {
  const self = selfTimes(profile);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const paths = new Map();
  for (const [id, ms] of self) {
    if (byId.get(id).callFrame.functionName !== name) continue;
    const chain = [];
    for (let p = parent.get(id); p !== undefined && chain.length < depth; p = parent.get(p)) chain.push(label(byId.get(p).callFrame));
    const key = chain.join(' < ');
    paths.set(key, (paths.get(key) ?? 0) + ms);
  }
  return [...paths.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, ms]) => `${ms.toFixed(1).padStart(9)} ms  ${name} < ${k}`)
    .join('\n');
}

/**
 * The same summary over the long turns only: runs of samples without idle longer than `ms` (what makes the
 * event loop late), with how many there were and how long.
 */
function bursts(profile, ms, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const idle = (id) => byId.get(id).callFrame.functionName === '(idle)';
  const { samples, timeDeltas } = profile;
  const keep = [];
  const lengths = [];
  let start = -1;
  let length = 0;
  for (let i = 0; i <= samples.length; i++) {
    const dt = i < samples.length ? (timeDeltas[i + 1] ?? timeDeltas[i] ?? 0) / 1000 : 0;
    if (i < samples.length && !idle(samples[i])) {
      if (start < 0) start = i;
      length += dt;
      continue;
    }
    if (start >= 0 && length > ms) {
      lengths.push(length);
      for (let j = start; j < i; j++) keep.push(j);
    }
    start = -1;
    length = 0;
  }
  const sub = { ...profile, samples: keep.map((j) => samples[j]), timeDeltas: keep.map((j) => timeDeltas[j + 1] ?? timeDeltas[j] ?? 0) };
  // selfTimes() takes the delta after each sample: give each kept sample its own as the next one.
  sub.timeDeltas = [0, ...sub.timeDeltas];
  const sorted = lengths.slice().sort((a, b) => b - a);
  return [
    `${lengths.length} turns without idle longer than ${ms} ms (longest ${sorted
      .slice(0, 8)
      .map((x) => x.toFixed(1))
      .join(', ')} ms; ${lengths.reduce((a, b) => a + b, 0).toFixed(0)} ms in all):`,
    summarise(sub, top),
  ].join('\n');
}

module.exports = { summarise, selfTimes, callers, bursts };

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--top');
  const top = at >= 0 ? Number(args[at + 1]) : 25;
  const opt = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const values = new Set(['--top', '--callers', '--bursts'].map((o) => args.indexOf(o) + 1).filter((i) => i > 0));
  const files = args.filter((a, i) => !a.startsWith('--') && !values.has(i));
  for (const file of files) {
    const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (opt('--callers')) console.log(callers(profile, opt('--callers')));
    else if (opt('--bursts')) console.log(`${file}\n${bursts(profile, Number(opt('--bursts')), top)}\n`);
    else console.log(`${file}\n${summarise(profile, top)}\n`);
  }
}
