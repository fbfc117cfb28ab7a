'use strict';
/**
 * A fault-injecting TCP proxy for the framed protocol: Terminal ⇄ proxy ⇄ simulator (or a real terminal).
 *
 * It cuts both directions into frames (0x02 0x66 0x01 | LEN | DATA | LRC), so it knows the method of the exchange
 * in progress (client → server) and which bytes make up its answer (server → client). A fault is injected on
 * demand and fires on the next exchange that matches it:
 *
 *   proxy.inject({ kind: 'lrc', method: 'GetStatus' });                   // the next GetStatus answer has a bad LRC
 *   proxy.inject({ kind: 'drop-after-request', method: 'financial' });    // the ack of the next financial request is lost
 *   proxy.inject({ kind: 'split', method: 'GetLastResult', afterFinancial: true, mode: 'bytes' });
 *
 * Match keys: method ('*' any, 'financial' any financial method, a name, or a list of names), step (only requests
 * whose "step" is this, e.g. '2' for the second step of a two-step Purchase), skip (let this many matching exchanges
 * pass first), afterFinancial (only once a financial request went through since the fault was injected), afterStep2
 * (only once a step-2 request went through since then), times (how often it fires, default 1).
 *
 * Kinds (where they act):
 *   request side   drop-before-request  the connection is cut; the request never reaches the terminal
 *                  blackhole            the request is swallowed, the socket stays open (half-open, towards the terminal)
 *                  late-request         the request reaches the terminal `ms` late, even if the client has hung up meanwhile
 *                                       (a relay that delivers the bytes it accepted, or a TCP retransmission)
 *   answer side    drop-after-request   the terminal got the request; its answer is lost with the connection
 *                  drop-after-answer    the answer is delivered, then the connection is cut
 *                  stall                the answer is never forwarded; the socket stays open (half-open)
 *                  split                the answer arrives in pieces: mode 'bytes' (one byte per write) or 'random'
 *                  merge                the answer shares one write with junk (with: 'junk') or copies of older frames (with: 'old')
 *                  junk                 junk bytes (no 0x02) arrive before the answer
 *                  delay                the answer is held back `ms`
 *                  lrc                  the answer's LRC byte is corrupted
 *   connection     refuse               the connection is cut before the request and new connections are refused for `ms`
 *                                       (mode 'reset': accepted and reset at once; 'unlisten': the port stops listening)
 * Any drop-* kind also takes `refuseMs` (and `refuseMode`) to refuse reconnects after the cut.
 *
 * A terminal that closes the connection after its answer (later firmware) is passed through as it is: its close
 * (FIN) reaches the client after the answer, behind whatever a fault does to that answer (held back, split, merged),
 * never instead of it; a stalled answer holds the close back too (the line is stalled, not closed). Bytes the client
 * writes after the terminal closed its side are not passed on (the terminal would never read them): `stats.afterClose`.
 *
 * proxy.counts holds how often each kind fired (`refuse` counts every refusal window); proxy.stats the traffic.
 */
import net = require('node:net');
import { encodeFrame } from '../../src/core';
import type { Wire } from './wire';

const FINANCIAL = new Set([
  'Purchase',
  'Void',
  'Refund',
  'CashBack',
  'Preauthorization',
  'SalePreauth',
  'VoidPreauth',
  'Cash',
  'Deposit',
  'Balance',
  'Echo',
  'PartialVoid',
]);
const REQUEST_SIDE = new Set(['drop-before-request', 'blackhole', 'late-request', 'refuse']);
const ANSWER_SIDE = new Set(['drop-after-request', 'drop-after-answer', 'stall', 'split', 'merge', 'junk', 'delay', 'lrc']);
const KINDS = [...REQUEST_SIDE, ...ANSWER_SIDE];
const HEADER = 5;
const OLD_FRAMES = 8;

/** A fault as a test asks for it (the match keys and kinds above). */
interface FaultSpec {
  kind: string;
  method?: string | string[];
  step?: string;
  skip?: number;
  times?: number;
  afterFinancial?: boolean;
  afterStep2?: boolean;
  ms?: number;
  mode?: string;
  refuseMs?: number;
  refuseMode?: string;
  bytes?: number;
  with?: 'junk' | 'old';
  at?: number;
}
/** A queued fault: its keys with their defaults, and what it has seen and done so far. */
type Fault = FaultSpec &
  Required<Pick<FaultSpec, 'method' | 'skip' | 'times' | 'afterFinancial' | 'afterStep2'>> & {
    fired: number;
    seenFinancial: boolean;
    seenStep2: boolean;
  };
/** A whole frame (`message` its parsed body) or bytes that are not one. */
interface Cut {
  raw: Buffer;
  message?: Wire;
}
/** One client connection and its connection to the terminal. */
interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  up: FrameCutter;
  down: FrameCutter;
  inflight: { method: string; fault: Fault | null } | null;
  dead: boolean;
  pendingUp: Buffer[];
  connected: boolean;
  out: Promise<void>;
  held: number;
  clientGone: boolean;
  terminalEnded: boolean;
  stalled: boolean;
}

/** Cuts a byte stream into whole frames; bytes that are not a frame header are passed on as they are. */
class FrameCutter {
  buf: Buffer;

  constructor() {
    this.buf = Buffer.alloc(0);
  }

  /** Returns [{ raw, message? }] for every complete frame (message undefined for junk or unparsable data). */
  push(chunk: Buffer) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Cut[] = [];
    for (;;) {
      const stx = this.buf.indexOf(0x02);
      if (stx !== 0) {
        const junk = stx < 0 ? this.buf : this.buf.subarray(0, stx);
        if (junk.length) out.push({ raw: junk });
        this.buf = stx < 0 ? Buffer.alloc(0) : this.buf.subarray(stx);
        if (stx < 0) return out;
      }
      if (this.buf.length < HEADER) return out;
      if (this.buf[1] !== 0x66 || this.buf[2] !== 0x01) {
        out.push({ raw: this.buf.subarray(0, 1) });
        this.buf = this.buf.subarray(1);
        continue;
      }
      const end = HEADER + this.buf.readUInt16BE(3) + 1;
      if (this.buf.length < end) return out;
      const raw = this.buf.subarray(0, end);
      this.buf = this.buf.subarray(end);
      let message;
      try {
        message = JSON.parse(raw.toString('utf8', HEADER, end - 1));
      } catch {
        message = undefined;
      }
      out.push({ raw, message });
    }
  }
}

function matchesMethod(want: string | string[] | undefined, method: string) {
  if (want === undefined || want === '*') return true;
  if (want === 'financial') return FINANCIAL.has(method);
  if (Array.isArray(want)) return want.includes(method);
  return want === method;
}

class FaultProxy {
  target: { host: string; port: number };
  rng: () => number;
  host: string;
  port: number;
  counts: Record<string, number>;
  stats: {
    connections: number;
    refused: number;
    requests: Record<string, number>;
    answers: number;
    writes: number;
    closedByTerminal: number;
    afterClose: number;
  };
  faults: Fault[];
  pairs: Set<Pair>;
  sockets: Set<net.Socket>;
  timers: Set<NodeJS.Timeout>;
  refuseUntil: number;
  refuseMode: string;
  history: Buffer[];
  server: net.Server | null;
  relistening: boolean;
  stopped: boolean;

  constructor({ target, rng = Math.random, host = '127.0.0.1' }: { target: { host?: string; port: number }; rng?: () => number; host?: string }) {
    this.target = { host: target.host || '127.0.0.1', port: target.port };
    this.rng = rng;
    this.host = host;
    this.port = 0;
    this.counts = Object.fromEntries(KINDS.map((k) => [k, 0]));
    this.stats = { connections: 0, refused: 0, requests: {}, answers: 0, writes: 0, closedByTerminal: 0, afterClose: 0 };
    this.faults = [];
    this.pairs = new Set();
    this.sockets = new Set();
    this.timers = new Set();
    this.refuseUntil = 0;
    this.refuseMode = 'reset';
    this.history = [];
    this.server = null;
    this.relistening = false;
    this.stopped = false;
  }

  async start() {
    await this.listen(0);
    return this;
  }

  /** Queues a fault; it fires on the next matching exchange. Returns it (`fired` counts its firings). */
  inject(fault: FaultSpec): Fault {
    if (!KINDS.includes(fault.kind)) throw new Error(`fault-proxy: unknown fault kind ${fault.kind}`);
    const f = {
      method: '*',
      skip: 0,
      times: 1,
      afterFinancial: false,
      afterStep2: false,
      ...fault,
      fired: 0,
      seenFinancial: false,
      seenStep2: false,
    };
    this.faults.push(f);
    return f;
  }

  /** Drops every queued fault and ends a refusal window; connections already stalled stay as they are. */
  clear() {
    this.faults.length = 0;
    this.endRefusal();
  }

  /** Refuses new connections for `ms` (mode 'reset' or 'unlisten'). */
  refuse(ms: number, mode = 'reset') {
    this.counts.refuse++;
    this.refuseUntil = Math.max(this.refuseUntil, Date.now() + ms);
    this.refuseMode = mode;
    if (mode === 'unlisten' && this.server) {
      const server = this.server;
      this.server = null;
      server.close();
      this.later(ms, () => this.endRefusal());
    }
  }

  /** Connections open now (client sides). */
  get connections() {
    return this.pairs.size;
  }

  async stop() {
    this.stopped = true;
    this.faults.length = 0;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const pair of this.pairs) this.cut(pair);
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ---- internals ----

  listen(port: number) {
    const server = net.createServer((socket) => this.accept(socket));
    return new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.host, () => {
        server.removeListener('error', reject);
        if (this.stopped) {
          server.close();
          return resolve();
        }
        this.server = server;
        this.port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  endRefusal() {
    this.refuseUntil = 0;
    if (this.server || this.stopped || this.relistening) return;
    this.relistening = true;
    this.listen(this.port)
      .catch(() => {
        /* the port was taken meanwhile: the proxy stays down and the test sees CONNECTION_FAILED */
      })
      .finally(() => (this.relistening = false));
  }

  later(ms: number, fn: () => void) {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  track(socket: net.Socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  accept(client: net.Socket) {
    client.on('error', () => client.destroy());
    this.track(client);
    if (Date.now() < this.refuseUntil) {
      this.stats.refused++;
      client.resetAndDestroy();
      return;
    }
    this.stats.connections++;
    client.setNoDelay(true);
    const upstream = net.connect({ host: this.target.host, port: this.target.port, noDelay: true });
    this.track(upstream);
    const pair: Pair = {
      client,
      upstream,
      up: new FrameCutter(),
      down: new FrameCutter(),
      inflight: null,
      dead: false,
      pendingUp: [],
      connected: false,
      out: Promise.resolve(),
      held: 0,
      clientGone: false,
      terminalEnded: false,
      stalled: false,
    };
    this.pairs.add(pair);
    upstream.on('error', () => this.cut(pair));
    // The terminal closed its side after answering: the close follows the answer, as it does on the wire.
    upstream.on('end', () => this.terminalEnded(pair));
    upstream.on('close', (hadError) => {
      if (hadError || !pair.terminalEnded) this.cut(pair);
    });
    client.on('close', () => {
      // A request held back (late-request) still goes out, as a relay delivers what it accepted; then the line closes.
      if (pair.held > 0) pair.clientGone = true;
      else this.cut(pair);
    });
    upstream.on('connect', () => {
      pair.connected = true;
      for (const b of pair.pendingUp.splice(0)) upstream.write(b);
    });
    client.on('data', (chunk) => this.fromClient(pair, chunk));
    upstream.on('data', (chunk) => this.fromTerminal(pair, chunk));
  }

  cut(pair: Pair) {
    if (pair.dead) return;
    pair.dead = true;
    this.pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  }

  /**
   * The terminal sent its FIN: once everything it sent before is delivered (faults included), the client gets the
   * FIN too. A stalled answer holds the close back with it.
   */
  terminalEnded(pair: Pair) {
    if (pair.dead || pair.terminalEnded) return;
    pair.terminalEnded = true;
    this.stats.closedByTerminal++;
    if (pair.stalled) return;
    this.deliver(pair, [], () => {
      pair.dead = true;
      this.pairs.delete(pair);
      pair.client.end();
      pair.upstream.destroy();
    });
  }

  toTerminal(pair: Pair, bytes: Buffer) {
    if (pair.terminalEnded) {
      this.stats.afterClose++;
      return;
    }
    if (pair.connected) pair.upstream.write(bytes);
    else pair.pendingUp.push(bytes);
  }

  /** Takes the first queued fault that matches this request (consuming `skip` on the way). */
  take(method: string, step: string | undefined) {
    for (const f of this.faults) {
      if (FINANCIAL.has(method)) f.seenFinancial = true;
      if (FINANCIAL.has(method) && step === '2') f.seenStep2 = true;
    }
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i];
      if (!matchesMethod(f.method, method) || (f.step !== undefined && f.step !== step)) continue;
      if ((f.afterFinancial && !f.seenFinancial) || (f.afterStep2 && !f.seenStep2)) continue;
      if (f.skip > 0) {
        f.skip--;
        continue;
      }
      f.fired++;
      if (f.fired >= f.times) this.faults.splice(i, 1);
      if (f.kind !== 'refuse') this.counts[f.kind]++; // refuse() counts its window itself
      return f;
    }
    return null;
  }

  fromClient(pair: Pair, chunk: Buffer) {
    for (const { raw, message } of pair.up.push(chunk)) {
      if (pair.dead) return;
      const method = message && typeof message.method === 'string' ? message.method : 'Unknown';
      if (!message) {
        this.toTerminal(pair, raw);
        continue;
      }
      this.stats.requests[method] = (this.stats.requests[method] || 0) + 1;
      const fault = this.take(method, message.step === undefined ? undefined : String(message.step));
      if (fault && REQUEST_SIDE.has(fault.kind)) {
        if (fault.kind === 'blackhole') continue;
        if (fault.kind === 'late-request') {
          pair.held++;
          pair.inflight = { method, fault: null };
          this.later(fault.ms ?? 300, () => {
            pair.held--;
            if (pair.dead) return;
            this.toTerminal(pair, raw);
            if (pair.clientGone && pair.held === 0) this.later(50, () => this.cut(pair));
          });
          continue;
        }
        this.cut(pair);
        if (fault.kind === 'refuse') this.refuse(fault.ms ?? 300, fault.mode);
        else if (fault.refuseMs) this.refuse(fault.refuseMs, fault.refuseMode);
        return;
      }
      pair.inflight = { method, fault };
      this.toTerminal(pair, raw);
    }
  }

  fromTerminal(pair: Pair, chunk: Buffer) {
    for (const { raw, message } of pair.down.push(chunk)) {
      if (pair.dead) return;
      const inflight = pair.inflight;
      pair.inflight = null;
      if (message) this.stats.answers++;
      const fault = message && inflight ? inflight.fault : null;
      if (message) {
        this.history.push(Buffer.from(raw));
        if (this.history.length > OLD_FRAMES) this.history.shift();
      }
      if (!fault) {
        this.deliver(pair, [raw]);
        continue;
      }
      this.answerFault(pair, fault, raw, message);
    }
  }

  answerFault(pair: Pair, fault: Fault, raw: Buffer, message: Wire) {
    switch (fault.kind) {
      case 'drop-after-request':
        this.cut(pair);
        if (fault.refuseMs) this.refuse(fault.refuseMs, fault.refuseMode);
        return;
      case 'stall':
        pair.stalled = true;
        return;
      case 'drop-after-answer':
        // The answer goes out with a FIN behind it, so the client reads it before the connection ends.
        this.deliver(pair, [], () => {
          pair.dead = true;
          this.pairs.delete(pair);
          pair.upstream.destroy();
          pair.client.end(raw);
          if (fault.refuseMs) this.refuse(fault.refuseMs, fault.refuseMode);
        });
        return;
      case 'lrc': {
        const bad = Buffer.from(raw);
        bad[bad.length - 1] ^= 0x5a;
        this.deliver(pair, [bad]);
        return;
      }
      case 'junk':
        this.deliver(pair, [this.junk(fault.bytes), raw], null, 1);
        return;
      case 'delay':
        this.deliver(pair, [raw], null, fault.ms ?? 50, true);
        return;
      case 'merge': {
        if (fault.with === 'old') {
          // Older frames of other methods before the answer, any older frame after it: both are strays, never the
          // answer. Before it, only frames that name a method: an answer without "method", or with "Unknown" (the
          // answer to a request the terminal could not read, §5.1), is the answer to whatever request is in flight,
          // so no client could tell such a stray from the answer.
          const method = message.method;
          const before = this.history
            .slice(0, -1)
            .filter((b) => {
              const m = methodOf(b);
              return typeof m === 'string' && m !== 'Unknown' && m !== method;
            })
            .slice(-2);
          const after = this.history.slice(0, -1).slice(-1);
          const extra =
            before.length + after.length
              ? [...before, raw, ...after]
              : [raw, encodeFrame({ method: 'PingDevice', error: false, errorCode: '', errorDescription: '', params: {} })];
          this.deliver(pair, [Buffer.concat(extra)]);
        } else {
          this.deliver(pair, [Buffer.concat([this.junk(fault.bytes), raw, this.junk(fault.bytes)])]);
        }
        return;
      }
      case 'split': {
        const pieces: Buffer[] = [];
        if (fault.mode === 'bytes') {
          for (let i = 0; i < raw.length; i++) pieces.push(raw.subarray(i, i + 1));
        } else {
          const cuts = new Set<number>();
          const n = 1 + Math.floor(this.rng() * 3);
          for (let i = 0; i < n; i++) cuts.add(1 + Math.floor(this.rng() * (raw.length - 1)));
          if (fault.at !== undefined) cuts.add(Math.max(1, Math.min(raw.length - 1, fault.at)));
          let from = 0;
          for (const at of [...cuts].sort((a, b) => a - b)) {
            pieces.push(raw.subarray(from, at));
            from = at;
          }
          pieces.push(raw.subarray(from));
        }
        this.deliver(pair, pieces, null, fault.mode === 'bytes' ? 0 : 1);
        return;
      }
      default:
        this.deliver(pair, [raw]);
    }
  }

  /** Junk that never holds 0x02, so it cannot start a frame that would swallow the answer. */
  junk(bytes?: number) {
    const n = bytes ?? 1 + Math.floor(this.rng() * 40);
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      let v = Math.floor(this.rng() * 256);
      if (v === 0x02) v = 0x03;
      b[i] = v;
    }
    return b;
  }

  /**
   * Writes the pieces to the client in order, one write each, `gap` ms apart (0: setImmediate); a `delayFirst`
   * holds back the first piece as well. Writes of one connection never overtake each other.
   */
  deliver(pair: Pair, pieces: Buffer[], then?: (() => void) | null, gap = 0, delayFirst = false) {
    const wait = (ms: number) =>
      new Promise<void>((resolve) => {
        if (ms > 0) this.later(ms, resolve);
        else setImmediate(resolve);
      });
    pair.out = pair.out.then(async () => {
      for (let i = 0; i < pieces.length; i++) {
        if (i > 0 || delayFirst) await wait(gap);
        if (pair.dead || pair.clientGone || this.stopped) return;
        this.stats.writes++;
        pair.client.write(pieces[i]);
      }
      if (then && !pair.dead) then();
    });
  }
}

function methodOf(frame: Buffer) {
  try {
    return JSON.parse(frame.toString('utf8', HEADER, frame.length - 1)).method;
  } catch {
    return undefined;
  }
}

async function startFaultProxy(options: ConstructorParameters<typeof FaultProxy>[0]) {
  return new FaultProxy(options).start();
}

export { startFaultProxy, FaultProxy, FrameCutter, FINANCIAL, KINDS, type FaultSpec, type Fault };
