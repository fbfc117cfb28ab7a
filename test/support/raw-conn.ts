'use strict';
import 'should';
import net = require('node:net');
import { encodeFrame, FrameDecoder, type DecodeIssue } from '../../src/core';
import type { Simulator } from '../../src/simulator';
import type { Wire } from './wire';

/** Every connection made and not closed yet, so a test's afterEach can close them all. */
const open = new Set<Conn>();

/** A raw framed TCP connection to the simulator: write frames (or bytes), await decoded messages one by one. */
class Conn {
  queue: Wire[] = [];
  waiters: { resolve: (m: Wire) => void; reject: (e: Error) => void }[] = [];
  issues: DecodeIssue[] = [];
  closed = false;
  closedAt: number | undefined;
  lastAt: number | undefined;
  socket: net.Socket;
  decoder: FrameDecoder;
  closedPromise: Promise<void>;
  ready: Promise<unknown>;

  constructor(port: number) {
    this.queue = [];
    this.waiters = [];
    this.issues = [];
    this.closed = false;
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.decoder = new FrameDecoder({
      onMessage: (m: Wire) => this.deliver(m),
      onIssue: (issue) => this.issues.push(issue),
    });
    this.socket.on('data', (chunk) => this.decoder.push(chunk));
    this.socket.on('error', () => {});
    this.closedPromise = new Promise<void>((resolve) =>
      this.socket.once('close', () => {
        this.closed = true;
        this.closedAt = Date.now();
        for (const w of this.waiters.splice(0)) w.reject(new Error('connection closed'));
        resolve();
      }),
    );
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    open.add(this);
    this.socket.once('close', () => open.delete(this));
  }

  deliver(message: Wire) {
    this.lastAt = Date.now();
    const w = this.waiters.shift();
    if (w) w.resolve(message);
    else this.queue.push(message);
  }

  /** A message object is framed; a Buffer is written as it is. */
  send(message: object | Buffer) {
    this.socket.write(Buffer.isBuffer(message) ? message : encodeFrame(message));
  }

  next(ms = 1500): Promise<Wire> {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      const w = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no message within ${ms} ms`));
      }, ms);
      this.waiters.push(w);
    });
  }

  async call(message: object | Buffer, ms?: number) {
    this.send(message);
    return this.next(ms);
  }

  /** Resolves when the peer closed the connection; rejects after `ms`. */
  async waitClosed(ms = 1000) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.closedPromise,
      new Promise((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`connection still open after ${ms} ms`)), ms);
      }),
    ]);
    clearTimeout(timer);
  }
}

/** A Conn to `sim`, once connected. */
async function connect(sim: Simulator | { port: number }) {
  const c = new Conn(sim.port);
  await c.ready;
  return c;
}

/** The simulator's status over `c` (a terminal whose answers leave "method" out is taken at its word). */
async function status(c: Conn) {
  const r = await c.call({ method: 'GetStatus' });
  if (r.method !== undefined) r.method.should.equal('GetStatus');
  r.error.should.be.false();
  return r.status;
}

/** Polls until `wanted(status)`, or fails after `ms`. */
async function waitStatus(c: Conn, wanted: (status: string) => boolean, ms = 2000) {
  const until = Date.now() + ms;
  for (;;) {
    const s = await status(c);
    if (wanted(s)) return s;
    if (Date.now() > until) throw new Error(`status still ${s} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function closeAll() {
  for (const c of open) c.socket.destroy();
  open.clear();
}

export { Conn, connect, closeAll, status, waitStatus };
