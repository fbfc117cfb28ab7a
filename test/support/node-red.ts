'use strict';
/**
 * A real Node-RED 4 process with this pack installed the way the palette installs it (a package in the user
 * directory's node_modules), on a free port, with a throw-away user directory.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import net = require('node:net');
import http = require('node:http');
import { spawn } from 'node:child_process';
import type { Wire } from './wire';

const root = path.join(__dirname, '..', '..');

function freePort() {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number) {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A small HTTP client: resolves { status, headers, body (parsed JSON when it is JSON) }. */
function request(url: string, { method = 'GET', headers = {}, body }: { method?: string; headers?: http.OutgoingHttpHeaders; body?: unknown } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Wire }>((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(
      url,
      { method, headers: { ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: Wire = text;
          if (/json/.test(res.headers['content-type'] || '')) {
            try {
              parsed = JSON.parse(text);
            } catch {
              parsed = text;
            }
          }
          resolve({ status: res.statusCode!, headers: res.headers, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/**
 * `userDir` reuses a directory a previous run left (with `keep: true`), as after a crash: its flows and files
 * stay; `flows` is written only into a new one. `wrap(argv)` gives the command line to run instead of argv
 * (node, red.js and its options), e.g. inside `unshare`. The wait ends when Node-RED answers or exits; `timeout`
 * only bounds a start that never comes, generously, since a busy machine can take many times the usual second or two.
 */
async function startNodeRed({
  settings = {},
  flows = [],
  timeout = 90000,
  userDir: reuse,
  keep = false,
  wrap = (argv: string[]) => argv,
}: { settings?: object; flows?: object[]; timeout?: number; userDir?: string; keep?: boolean; wrap?: (argv: string[]) => string[] } = {}) {
  const userDir = reuse ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-nr-'));
  if (!reuse) {
    fs.mkdirSync(path.join(userDir, 'node_modules', '@ssi-ecr'), { recursive: true });
    fs.symlinkSync(root, path.join(userDir, 'node_modules', '@ssi-ecr', 'node-red'), 'dir');
    fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
  }
  const port = await freePort();
  const all = {
    uiPort: port,
    uiHost: '127.0.0.1',
    flowFile: 'flows.json',
    credentialSecret: false,
    logging: { console: { level: 'warn' } },
    ...settings,
  };
  fs.writeFileSync(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(all, null, 1)};\n`);
  const argv = wrap([process.execPath, path.join(root, 'node_modules', 'node-red', 'red.js'), '--userDir', userDir]);
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + timeout;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited early:\n${output}`);
    const ok = await request(`${url}/settings`).then(
      (r) => r.status === 200 || r.status === 401,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`Node-RED did not start within ${timeout} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    userDir,
    output: () => output,
    pid: child.pid,
    /** Whether the process still runs. */
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      const code = await exited;
      if (!keep) fs.rmSync(userDir, { recursive: true, force: true });
      return code;
    },
    /** Clicks an inject node; its flow starts a moment after the editor answers, so a 404 is tried again. */
    async inject(id: string, ms = 10000) {
      const until = Date.now() + ms;
      for (;;) {
        const r = await request(`${url}/inject/${id}`, { method: 'POST' });
        if (r.status !== 404 || Date.now() > until) return r;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    /** Kills the process outright, as a power cut or an OOM killer would; the user directory stays. */
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export { startNodeRed, request, freePort, accepts };
