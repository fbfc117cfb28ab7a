'use strict';
/**
 * What the tests need beyond node_modules, found on the machine or brought in, once, before the first test
 * (test/support/setup.ts runs `ensureAll` as mocha's global setup; scripts/test-matrix.js asks for socat):
 *
 * - socat, for a virtual serial pair (a pty pair). npm has no socat: it comes from apt-get when this process may
 *   install packages (root, apt-get present); otherwise the run stops before any test with the command to run.
 * - an MQTT 5 broker: mosquitto where it is installed, else aedes from npm (a devDependency), in a process of its
 *   own (test/support/broker.ts starts either).
 * - a headless Chromium: the system's where one is installed, else the one that @sparticuz/chromium (a
 *   devDependency) ships, unpacked once into node_modules/.cache. Shared libraries it lacks come from apt-get, as
 *   socat does.
 *
 * Each `ensure…` resolves { name, what, source } and keeps it for `get(name)`; `source` says where it came from.
 * A tool that cannot be had throws a `MissingTool` whose message is the one line to show.
 */
import fs = require('node:fs');
import path = require('node:path');
import { spawnSync } from 'node:child_process';

const ROOT = path.join(__dirname, '..', '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'ssi-ecr-test');

class MissingTool extends Error {}

/** A tool found or brought in: `path` to run it (socat, mosquitto, chromium), `kind` for the broker. */
interface Tool {
  name: string;
  what: string;
  source: string;
  path?: string;
  kind?: 'mosquitto' | 'aedes';
  version?: string;
}

const found = new Map<string, Tool>();

/** The version of a package in node_modules (its exports may not list package.json), or undefined. */
function installed(name: string): string | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** The first `names` that is an executable file on PATH or in `extra` directories (sbin is often not on PATH). */
function which(names: string | string[], extra: string[] = []) {
  const dirs = [...(process.env.PATH || '').split(path.delimiter), ...extra].filter(Boolean);
  for (const name of ([] as string[]).concat(names)) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      try {
        fs.accessSync(file, fs.constants.X_OK);
        if (fs.statSync(file).isFile()) return file;
      } catch {
        /* not here */
      }
    }
  }
  return undefined;
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Whether this process may install Debian packages itself: root, with apt-get. */
const canApt = () => typeof process.getuid === 'function' && process.getuid() === 0 && Boolean(which('apt-get', ['/usr/bin']));

let aptUpdated = false;
/** apt-get install `packages` (an `apt-get update` first, once): waits for another apt's lock instead of failing. */
function aptInstall(packages: string[]) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  const run = (args: string[]) => {
    const r = spawnSync('apt-get', [...lock, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error || r.status !== 0) {
      const tail = `${r.stdout || ''}${r.stderr || ''}`.trim().split('\n').slice(-3).join(' | ');
      throw new MissingTool(`apt-get ${args.join(' ')} failed (${r.error ? r.error.message : `exit ${r.status}`}): ${tail}`);
    }
  };
  if (!aptUpdated) {
    run(['update', '-qq']);
    aptUpdated = true;
  }
  run(['install', '-y', '-qq', '--no-install-recommends', ...packages]);
}

function remember(tool: Tool) {
  found.set(tool.name, tool);
  return tool;
}

/** socat: on the machine, or installed now with apt-get. */
function ensureSocat(): Tool {
  if (found.has('socat')) return found.get('socat')!;
  const dirs = ['/usr/bin', '/usr/local/bin'];
  let file = which('socat', dirs);
  if (file) return remember({ name: 'socat', path: file, what: file, source: 'on this machine' });
  if (!canApt()) {
    throw new MissingTool(
      'socat is needed (a virtual serial pair for the serial tests) and npm has none: run `sudo apt-get install socat` (Debian, Ubuntu) and then npm test again',
    );
  }
  const since = Date.now();
  aptInstall(['socat']);
  file = which('socat', dirs);
  if (!file) throw new MissingTool('apt-get install socat ran, yet no socat is on PATH');
  return remember({ name: 'socat', path: file, what: file, source: `installed now by apt-get install socat (${seconds(since)})` });
}

/** An MQTT 5 broker: { kind: 'mosquitto', path } where it is installed, else { kind: 'aedes', version } from npm. */
function ensureBroker(): Tool {
  if (found.has('mqtt')) return found.get('mqtt')!;
  const mosquitto = which('mosquitto', ['/usr/sbin', '/usr/local/sbin', '/sbin']);
  if (mosquitto) return remember({ name: 'mqtt', kind: 'mosquitto', path: mosquitto, what: `mosquitto ${mosquitto}`, source: 'on this machine' });
  const version = installed('aedes');
  if (!version) {
    throw new MissingTool('no MQTT broker: mosquitto is not installed and the aedes devDependency is missing (run npm install)');
  }
  return remember({ name: 'mqtt', kind: 'aedes', version, what: `aedes ${version}`, source: 'from npm (no mosquitto on this machine)' });
}

/** The system's Chromium, if any: Debian's /usr/bin/chromium, or a chromium or Chrome on PATH. */
function systemChromium() {
  return which(['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'], ['/usr/bin']);
}

/** `file --version`, or the dynamic loader's complaint about it; never throws. */
function versionOf(file: string) {
  const r = spawnSync(file, ['--version'], { encoding: 'utf8', timeout: 30000 });
  return { ok: !r.error && r.status === 0, text: `${r.stdout || ''}${r.stderr || ''}`.trim() || (r.error && r.error.message) || `exit ${r.status}` };
}

/** Shared libraries the dynamic loader cannot find for `file` (ldd's "not found" lines). */
function missingLibraries(file: string) {
  const r = spawnSync('ldd', [file], { encoding: 'utf8' });
  return (r.stdout || '')
    .split('\n')
    .filter((l) => /not found/.test(l))
    .map((l) => l.trim().split(/\s+/)[0]);
}

/** The Debian packages that hold the libraries a Chromium needs beyond a minimal system. */
const DEBIAN_LIBRARIES: [RegExp, string][] = [
  [/^lib(nss3|nssutil3|smime3|softokn3|freebl3)\.so/, 'libnss3'],
  [/^lib(nspr4|plc4|plds4)\.so/, 'libnspr4'],
  [/^libexpat\.so/, 'libexpat1'],
  [/^libz\.so/, 'zlib1g'],
];

/**
 * The Chromium that @sparticuz/chromium ships (a brotli-compressed headless shell), unpacked once per version
 * into node_modules/.cache. The package unpacks into os.tmpdir(); pointing TMPDIR at a folder of this process
 * and renaming it when complete keeps two runs from using a half-written binary.
 */
async function npmChromium() {
  const version = installed('@sparticuz/chromium');
  if (!version) {
    throw new MissingTool('no Chromium: none is installed and the @sparticuz/chromium devDependency is missing (run npm install)');
  }
  const dir = path.join(CACHE, `chromium-${version}`);
  const file = path.join(dir, 'chromium');
  if (fs.existsSync(file)) return { file, version, unpacked: false };
  fs.mkdirSync(CACHE, { recursive: true });
  const partial = fs.mkdtempSync(path.join(CACHE, `chromium-${version}.partial-`));
  const tmpdir = process.env.TMPDIR;
  process.env.TMPDIR = partial;
  try {
    const chromium = require('@sparticuz/chromium');
    const unpacked = await chromium.executablePath();
    if (path.dirname(unpacked) !== partial) throw new Error(`@sparticuz/chromium unpacked to ${unpacked}, not into ${partial}`);
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw err;
  } finally {
    if (tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdir;
  }
  try {
    fs.renameSync(partial, dir);
  } catch (err) {
    // Another run finished first: use its copy.
    fs.rmSync(partial, { recursive: true, force: true });
    if (!fs.existsSync(file)) throw err;
  }
  return { file, version, unpacked: true };
}

async function ensureChromium(): Promise<Tool> {
  if (found.has('chromium')) return found.get('chromium')!;
  const system = systemChromium();
  if (system) {
    const v = versionOf(system);
    if (!v.ok)
      throw new MissingTool(
        `${system} is installed but does not start (${v.text.split('\n')[0]}): repair it, or remove it to use the Chromium from npm`,
      );
    return remember({ name: 'chromium', path: system, what: `${v.text.split('\n')[0]} ${system}`, source: 'on this machine' });
  }
  const since = Date.now();
  const { file, version, unpacked } = await npmChromium();
  const notes: string[] = [];
  const missing = missingLibraries(file);
  if (missing.length) {
    const packages = [...new Set(missing.map((lib) => (DEBIAN_LIBRARIES.find(([re]) => re.test(lib)) || [])[1]))];
    if (packages.includes(undefined) || !canApt()) {
      const known = packages.filter(Boolean);
      throw new MissingTool(
        `the Chromium from npm lacks ${missing.join(', ')}: ${known.length && !packages.includes(undefined) ? `run \`sudo apt-get install ${known.join(' ')}\`` : 'install the packages that hold them'} (or install chromium) and then npm test again`,
      );
    }
    aptInstall(packages as string[]);
    notes.push(`apt-get install ${packages.join(' ')}`);
  }
  const v = versionOf(file);
  if (!v.ok) throw new MissingTool(`the Chromium from npm (${file}) does not start: ${v.text.split('\n')[0]}`);
  notes.unshift(
    unpacked ? `unpacked now into ${path.relative(ROOT, path.dirname(file))}` : `unpacked before in ${path.relative(ROOT, path.dirname(file))}`,
  );
  if (unpacked || missing.length) notes.push(seconds(since));
  return remember({
    name: 'chromium',
    path: file,
    what: v.text.split('\n')[0],
    source: `from npm, @sparticuz/chromium ${version} (no chromium on this machine; ${notes.join(', ')})`,
  });
}

/** Everything the suite needs, in order; resolves the tools, or throws the first MissingTool. */
async function ensureAll() {
  return [ensureSocat(), ensureBroker(), await ensureChromium()];
}

/** What `ensure…` found for `name` ('socat', 'mqtt', 'chromium'); it must have run (mocha's global setup does). */
function get(name: string) {
  const tool = found.get(name);
  if (!tool) throw new Error(`test tool ${name} was not set up: run the tests through mocha (.mocharc.json requires test/support/setup.ts)`);
  return tool;
}

export { ensureAll, ensureSocat, ensureBroker, ensureChromium, get, which, MissingTool };
