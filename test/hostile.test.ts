'use strict';
import { mulberry32 } from './support/prng';

/*
 * Hostile input over real loopback sockets. Against the simulator: raw sockets write garbage, lying length fields,
 * maximum-size frames, JSON that is not an object, deep nesting and floods of tiny writes; the simulator must answer
 * E01/E02/E03 as a terminal does, never crash, and serve a normal purchase afterwards. Against the client (Terminal):
 * a scripted fake terminal answers the wrong method, sends frames nobody asked for, garbage, huge frames, frames
 * that are not JSON, and cut-off frames; the client must fail with a clear code, never crash or leave a promise
 * rejection unhandled, and the next request must work.
 */

import should = require('should');
import net = require('node:net');
import { Terminal, encodeFrame, FrameDecoder, MAX_FRAME, type DecodeIssue } from '../src/core';
import type { Wire } from './support/wire';
import { startSimulator } from '../src/simulator';
import { purchase, delay, waitFor, financialCount, FAST } from './support/fixtures';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------------------------------------------
// No promise may be left rejected without a handler, anywhere in this file.

// (Hooks registered inside this file's describe blocks, so that they do not run for other files' tests.)

function failOnUnhandledRejections() {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason) => unhandled.push(reason);
  before(function () {
    process.on('unhandledRejection', onUnhandled);
  });
  after(function () {
    process.off('unhandledRejection', onUnhandled);
  });
  afterEach(async function () {
    await delay(20);
    if (unhandled.length) {
      const reasons = unhandled.splice(0);
      throw new Error(
        `unhandled rejection(s) during "${this.currentTest!.title}": ${reasons.map((r) => (r instanceof Error && r.stack) || String(r)).join('\n')}`,
      );
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers

/** mulberry32 with helpers for junk bytes. */
function prng(seed: number) {
  const next = mulberry32(seed) as (() => number) & { int: (n: number) => number; junk: (size: number) => Buffer };
  next.int = (n) => Math.floor(next() * n);
  /** Random bytes without the start byte 0x02. */
  next.junk = (size) =>
    Buffer.from(
      Array.from({ length: size }, () => {
        const b = next.int(255);
        return b >= 0x02 ? b + 1 : b;
      }),
    );
  return next;
}

const xor = (bytes) => bytes.reduce((x, b) => x ^ b, 0);
const hex = (n) => n.toString(16).padStart(2, '0');

/** A frame built by hand so the header, length and LRC can lie. */
function rawFrame(data, opts: { len?: number; id?: number; version?: number; noLrc?: boolean; lrc?: number } = {}) {
  const body = Buffer.isBuffer(data) ? data : Buffer.from(typeof data === 'string' ? data : JSON.stringify(data), 'utf8');
  const len = opts.len ?? body.length;
  const head = Buffer.from([0x02, opts.id ?? 0x66, opts.version ?? 0x01, len >> 8, len & 0xff]);
  return Buffer.concat([head, body, opts.noLrc ? Buffer.alloc(0) : Buffer.from([opts.lrc ?? xor(body)])]);
}

const ok = (method, extra = {}) => ({ method, error: false, errorCode: '', errorDescription: '', params: {}, ...extra });
const E01 = (details) => ({
  method: 'Unknown',
  error: true,
  errorCode: 'E01',
  errorDescription: 'Protocol version is not supported by the terminal',
  params: { details },
});
const E02 = (method, details) => ({ method, error: true, errorCode: 'E02', errorDescription: 'Checksum error', params: { details } });
const E03 = (details) => ({ method: 'Unknown', error: true, errorCode: 'E03', errorDescription: 'Json message format error', params: { details } });
const NOT_OBJECT = E03('the message is not a JSON object');

/** What the simulator answers to a frame with these DATA bytes (and a right LRC): E03 with JSON.parse's own words. */
function e03For(text) {
  try {
    JSON.parse(text);
  } catch (err) {
    return E03(err.message);
  }
  return NOT_OBJECT;
}

/** JSON text of exactly `size` bytes: `message` with a padding string added as `pad` (ASCII or two-byte Cyrillic). */
function padded(message, size, cyrillic = false) {
  const room = size - Buffer.byteLength(JSON.stringify({ ...message, pad: '' }));
  const pad = cyrillic ? 'Ж'.repeat(Math.floor(room / 2)) + 'x'.repeat(room % 2) : 'x'.repeat(room);
  const text = JSON.stringify({ ...message, pad });
  Buffer.byteLength(text).should.equal(size);
  return text;
}

/** A raw framed TCP connection: write bytes, read decoded messages in order. */
class Raw {
  messages: Wire[];
  issues: DecodeIssue[];
  waiters: (() => void)[];
  closed: boolean;
  socket: net.Socket;
  decoder: FrameDecoder;
  ready: Promise<unknown>;
  read: number;

  constructor(port: number) {
    this.messages = [];
    this.issues = [];
    this.waiters = [];
    this.closed = false;
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.closed = true;
    });
    this.decoder = new FrameDecoder({ onMessage: (m: Wire) => this.onMessage(m), onIssue: (i) => this.issues.push(i) });
    this.socket.on('data', (chunk) => this.decoder.push(chunk));
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.read = 0;
  }

  onMessage(m) {
    this.messages.push(m);
    for (const w of this.waiters.splice(0)) w();
  }

  write(bytes) {
    return new Promise<void>((resolve, reject) =>
      this.socket.write(Buffer.isBuffer(bytes) ? bytes : encodeFrame(bytes), (err) => (err ? reject(err) : resolve())),
    );
  }

  /** The next `count` messages not read yet; fails after `ms`. */
  async next(count = 1, ms = 3000) {
    const until = Date.now() + ms;
    while (this.messages.length < this.read + count) {
      if (this.closed) throw new Error(`connection closed after ${this.messages.length - this.read} of ${count} messages`);
      const left = until - Date.now();
      if (left <= 0) throw new Error(`only ${this.messages.length - this.read} of ${count} messages within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const out = this.messages.slice(this.read, this.read + count);
    this.read += count;
    return count === 1 ? out[0] : out;
  }

  /** Nothing arrives for `ms`. */
  async silent(ms = 150) {
    await delay(ms);
    this.messages.slice(this.read).should.eql([], 'no answer expected');
  }

  close() {
    this.socket.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------------------

describe('hostile input: the simulator', function () {
  this.timeout(20_000);
  failOnUnhandledRejections();
  let sim;
  let raws;
  let terminals;

  beforeEach(async function () {
    sim = await startSimulator({ port: 0, httpPort: false, phases: FAST });
    raws = [];
    terminals = [];
  });

  afterEach(async function () {
    for (const r of raws) r.close();
    await Promise.all(terminals.map((t) => t.close()));
    await sim.stop();
  });

  async function raw() {
    const r = new Raw(sim.port);
    raws.push(r);
    await r.ready;
    return r;
  }

  /** Still up: a new client runs a normal purchase to its approved result. */
  async function servesPurchase(amount = '2450') {
    const before = financialCount(sim, 'Purchase');
    const t = new Terminal({ host: '127.0.0.1', port: sim.port, pollInterval: 5, settleGrace: 100 });
    terminals.push(t);
    const r = await t.transact('Purchase', purchase(amount));
    r.params.should.match({ transactionResult: 'APPROVED_ONLINE', transAmount: amount, originalTrnName: 'Purchase' });
    financialCount(sim, 'Purchase').should.equal(before + 1);
  }

  it('garbage frames (wrong id, bad LRC, bad JSON, junk) in random order each get exactly their answer, in order', async function () {
    const rand = prng(0xbadf00d);
    const c = await raw();
    const expected: object[] = [];
    const writes: Buffer[] = [];
    const kinds = { E01: 0, E02: 0, E03: 0, junk: 0 };
    // Every byte outside a frame's start is chosen so that it cannot start another frame (no 0x02 in lengths, DATA or
    // LRC), and every foreign header is followed by a good one before the next (a run of foreign bytes draws one E01,
    // whatever TCP does to the writes): so the answers are known exactly.
    let foreignPending = false;
    for (let n = 0; n < 300; n++) {
      let kind = ['E01', 'E02', 'E03', 'junk'][rand.int(4)];
      if (kind === 'E01' && foreignPending) kind = 'E02';
      kinds[kind]++;
      if (kind === 'E01') {
        foreignPending = true;
        const id = [0x00, 0x01, 0x65, 0x67, 0xee, 0xff][rand.int(6)];
        writes.push(Buffer.concat([Buffer.from([0x02, id]), rand.junk(rand.int(40))]));
        expected.push(E01(`actual: ${hex(id)}, expected: 66`));
      } else if (kind === 'E02') {
        foreignPending = false;
        let size;
        do size = 1 + rand.int(600);
        while (size >> 8 === 0x02 || (size & 0xff) === 0x02);
        const body = rand.junk(size);
        let bad;
        do bad = rand.int(256);
        while (bad === xor(body) || bad === 0x02);
        writes.push(rawFrame(body, { lrc: bad }));
        expected.push(E02('Unknown', `actual: ${hex(bad)}, expected: ${hex(xor(body))}`));
      } else if (kind === 'E03') {
        foreignPending = false;
        let text;
        let frame;
        do {
          const junk = rand.junk(1 + rand.int(30)).toString('latin1');
          // eslint-disable-next-line no-control-regex -- the junk is meant to hold control characters: they become x
          text = `{${junk.replace(/[\u0000-\u001f]/g, 'x')}`;
          frame = rawFrame(text);
        } while (
          frame.indexOf(0x02, 1) >= 0 ||
          e03For(text) === NOT_OBJECT ||
          (() => {
            try {
              JSON.parse(text);
              return true;
            } catch {
              return false;
            }
          })()
        );
        writes.push(frame);
        expected.push(e03For(text));
      } else {
        writes.push(rand.junk(1 + rand.int(100)));
      }
    }
    // Some writes alone, some several at once.
    for (let n = 0; n < writes.length;) {
      const k = 1 + rand.int(4);
      await c.write(Buffer.concat(writes.slice(n, n + k)));
      n += k;
    }
    await c.write({ method: 'GetStatus' });
    const answers = await c.next(expected.length + 1, 10_000);
    answers.slice(0, -1).should.eql(expected);
    answers[answers.length - 1].should.eql(ok('GetStatus', { status: 'S00' }));
    Object.values(kinds).forEach((k) => k.should.be.above(40));
    sim.frameIssues.should.match({ header: kinds.E01, lrc: kinds.E02, json: kinds.E03 });
    sim.requests.map((r) => r.method).should.eql(['GetStatus']);
    await servesPurchase();
  });

  it('random bytes (start bytes and bogus headers included) never crash it; after a run of zeros it answers again', async function () {
    const rand = prng(7);
    const c = await raw();
    for (let n = 0; n < 200; n++) {
      const size = 1 + rand.int(2000);
      const bytes = Buffer.from(Array.from({ length: size }, () => rand.int(256)));
      // Now and then a real header with a lying length in the middle.
      if (rand() < 0.2) bytes.set([0x02, 0x66, 0x01, rand.int(256), rand.int(256)], rand.int(Math.max(1, size - 5)));
      await c.write(bytes);
    }
    // Whatever length is pending, MAX_FRAME zero bytes complete it; then a real frame is in sync.
    await c.write(Buffer.alloc(MAX_FRAME));
    await c.write({ method: 'PingDevice', params: { n: 'after garbage' } });
    await waitFor(() => c.messages.some((m) => m.method === 'PingDevice'), 10_000, 'the PingDevice answer');
    const answers = c.messages;
    answers[answers.length - 1].should.eql(ok('PingDevice'));
    // Everything before it was a frame error answer (random bytes do not make a valid request).
    const codes = new Set(answers.slice(0, -1).map((m) => m.errorCode));
    [...codes].every((code) => ['E01', 'E02', 'E03'].includes(code)).should.be.true(`codes ${[...codes]}`);
    answers
      .slice(0, -1)
      .every((m) => m.error === true)
      .should.be.true();
    codes.has('E01').should.be.true();
    c.closed.should.be.false();
    await servesPurchase();
  });

  it('a length field larger than the data, then silence: no answer, others are served; the frame inside is found once the length is filled', async function () {
    const c = await raw();
    const inner = encodeFrame({ method: 'PingDevice' });
    // 0x02 0x66 0x01 0xFF 0xFF announces 65,535 bytes; a whole PingDevice frame follows, then nothing.
    const lying = Buffer.concat([rawFrame(Buffer.alloc(0), { len: 0xffff, noLrc: true }), inner]);
    await c.write(lying);
    await c.silent(200);
    // Not stuck: another connection is answered at once, and a purchase runs.
    const other = await raw();
    await other.write({ method: 'GetStatus' });
    (await other.next()).should.eql(ok('GetStatus', { status: 'S00' }));
    sim.requests.map((r) => r.method).should.eql(['GetStatus']);
    await servesPurchase('111');
    await c.silent(50);
    const seen = sim.requests.length;
    // The rest of the announced 65,535 bytes, a wrong LRC, and a good frame.
    const fill = Buffer.alloc(0xffff - inner.length);
    const body = Buffer.concat([inner, fill]);
    const lrcSent = xor(body) ^ 0x55;
    await c.write(Buffer.concat([fill, Buffer.from([lrcSent])]));
    await c.write({ method: 'GetStatus' });
    // E02 for the lying frame (its bytes name PingDevice), then the PingDevice inside it, then GetStatus.
    (await c.next(3)).should.eql([
      E02('PingDevice', `actual: ${hex(lrcSent)}, expected: ${hex(xor(body))}`),
      ok('PingDevice'),
      ok('GetStatus', { status: 'S00' }),
    ]);
    sim.frameIssues.lrc.should.equal(1);
    sim.requests
      .slice(seen)
      .map((r) => r.method)
      .should.eql(['PingDevice', 'GetStatus']);
  });

  it('a length field larger than the data, then the client gives up: the connection closes and nothing is left behind', async function () {
    const c = await raw();
    await c.write(Buffer.concat([rawFrame(Buffer.alloc(0), { len: 5000, noLrc: true }), Buffer.from('{"method":"Purchase"')]));
    await c.silent(100);
    c.close();
    await waitFor(() => sim.connections === 0, 2000, 'the connection to close');
    sim.requests.should.eql([]);
    await servesPurchase();
  });

  it('65,535-byte frames (the maximum) are answered: ASCII and Cyrillic padding, one write or a thousand', async function () {
    const c = await raw();
    const ascii = padded({ method: 'PingDevice', params: { note: 'max' } }, 0xffff);
    const cyrillic = padded({ method: 'GetStatus' }, 0xffff, true);
    const frame = encodeFrame(ascii);
    frame.length.should.equal(MAX_FRAME);
    await c.write(frame);
    (await c.next()).should.eql(ok('PingDevice'));
    await c.write(encodeFrame(cyrillic));
    (await c.next()).should.eql(ok('GetStatus', { status: 'S00' }));
    // The same frame in 1,000 writes.
    const f = encodeFrame(cyrillic);
    const step = Math.ceil(f.length / 1000);
    for (let k = 0; k < f.length; k += step) await c.write(f.subarray(k, k + step));
    (await c.next()).should.eql(ok('GetStatus', { status: 'S00' }));
    sim.requests.map((r) => r.method).should.eql(['PingDevice', 'GetStatus', 'GetStatus']);
    sim.requests[0].params.should.eql({ note: 'max' });
  });

  it('a 65,535-byte Purchase (padded with an unknown key) is acknowledged and runs; a 65,535-byte PrintXml prints', async function () {
    const c = await raw();
    await c.write(
      encodeFrame(padded({ method: 'Purchase', params: { transAmount: '4242', transCurrency: '980', merchantId: '000000060007176' } }, 0xffff)),
    );
    (await c.next()).should.eql(ok('Purchase'));
    await waitFor(() => sim.status === 'S00', 2000, 'the purchase to end');
    await c.write({ method: 'GetLastResult' });
    (await c.next()).params.should.match({ transAmount: '4242', transactionResult: 'APPROVED_ONLINE' });
    // PrintXml whose request is exactly 65,535 bytes with the right lrc.
    const head = '<receipt><text align="left">';
    const tail = '</text></receipt>';
    const sized = (n) => `${head}${'Ї'.repeat(n)}${tail}`;
    const requestOf = (receipt) => JSON.stringify({ method: 'PrintXml', params: { receipt, lrc: String(xor(Buffer.from(receipt))) } });
    let n = Math.floor((0xffff - Buffer.byteLength(requestOf(sized(0)))) / 2) - 4;
    while (Buffer.byteLength(requestOf(sized(n + 1))) <= 0xffff) n++;
    let text = requestOf(sized(n));
    // Top up to exactly 65,535 bytes with spaces JSON allows between tokens.
    text = text.replace('{', `{${' '.repeat(0xffff - Buffer.byteLength(text))}`);
    Buffer.byteLength(text).should.equal(0xffff);
    await c.write(encodeFrame(text));
    (await c.next()).should.eql(ok('PrintXml'));
    await waitFor(() => sim.status === 'S00', 2000, 'printing to end');
    await servesPurchase();
  });

  it('JSON that is not an object, and text that is not JSON, get E03 every time; the connection goes on', async function () {
    const c = await raw();
    const bodies = [
      '[1,2]',
      '[]',
      '"PingDevice"',
      '42',
      '-0.5e3',
      'null',
      'true',
      '"{\\"method\\":\\"PingDevice\\"}"',
      '[{"method":"PingDevice"}]',
      '{"method":"PingDevice"',
      '',
      ' ',
      '{method:"PingDevice"}',
      "{'method':'PingDevice'}",
      '{"method":"PingDevice"}}',
      '\ufeff{"method":"PingDevice"}',
      '{"method":"PingDevice",}',
      'NaN',
      'undefined',
      '{"a":1}{"b":2}',
      'Привіт',
    ];
    for (const body of bodies) {
      await c.write(rawFrame(body));
      (await c.next()).should.eql(e03For(body), body);
    }
    // The not-object ones got the fixed wording; the others JSON.parse's own.
    bodies.filter((b) => e03For(b) === NOT_OBJECT).length.should.equal(9);
    await c.write({ method: 'PingDevice' });
    (await c.next()).should.eql(ok('PingDevice'));
    sim.requests.map((r) => r.method).should.eql(['PingDevice']);
    await servesPurchase();
  });

  it('deeply nested JSON inside 64 KiB (32,767 levels of [[…]], 10,000 levels of {"x":…}) gets E03 or a normal answer, never a crash', async function () {
    const c = await raw();
    const levels = 32_767;
    const arrays = `${'['.repeat(levels)}${']'.repeat(levels)}`;
    Buffer.byteLength(arrays).should.equal(65_534);
    await c.write(rawFrame(arrays));
    // JSON.parse either manages it (then it is not an object) or throws (a RangeError or SyntaxError): E03 both ways.
    (await c.next()).should.eql(e03For(arrays));

    // Unbalanced: 65,535 opening brackets.
    const open = '['.repeat(0xffff);
    await c.write(rawFrame(open));
    (await c.next()).should.eql(e03For(open));

    // A real request with a deeply nested key it does not know: the key is ignored (§1.2), the request answered.
    const deepKey = (depth) => `${'{"x":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const ping = `{"method":"PingDevice","extra":${deepKey(10_000)}}`;
    Buffer.byteLength(ping).should.be.below(0xffff);
    await c.write(rawFrame(ping));
    (await c.next()).should.eql(ok('PingDevice'));
    // The same depth inside params, and as a Purchase amount (a wrong type: E09).
    const inParams = `{"method":"GetStatus","params":{"extra":[${'['.repeat(20_000)}${']'.repeat(20_000)}]}}`;
    await c.write(rawFrame(inParams));
    (await c.next()).should.eql(ok('GetStatus', { status: 'S00' }));
    const amount = `{"method":"Purchase","params":{"transCurrency":"980","merchantId":"000000060007176","transAmount":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
    await c.write(rawFrame(amount));
    (await c.next()).should.match({ method: 'Purchase', error: true, errorCode: 'E09', errorParams: 'transAmount' });
    sim.status.should.equal('S00');
    await servesPurchase();
  });

  it('a flood of 1,000 tiny junk writes is skipped silently, then a request on the same connection is answered', async function () {
    const rand = prng(1000);
    const c = await raw();
    const before = sim.frameIssues.junk ?? 0;
    for (let n = 0; n < 1000; n++) c.socket.write(rand.junk(1 + rand.int(3)));
    await c.write({ method: 'GetStatus' });
    (await c.next()).should.eql(ok('GetStatus', { status: 'S00' }));
    c.messages.length.should.equal(1);
    (sim.frameIssues.junk - before).should.be.above(0);
    should(sim.frameIssues.header).be.undefined();
    sim.requests.map((r) => r.method).should.eql(['GetStatus']);
    await servesPurchase();
  });

  it('a flood of 1,000 tiny writes of any bytes (start bytes too), from 20 connections at once, leaves it serving', async function () {
    const rand = prng(2000);
    const conns = await Promise.all(Array.from({ length: 20 }, () => raw()));
    for (let n = 0; n < 1000; n++) conns[n % conns.length].socket.write(Buffer.from(Array.from({ length: 1 + rand.int(3) }, () => rand.int(256))));
    for (const c of conns) {
      await c.write(Buffer.alloc(MAX_FRAME));
      await c.write({ method: 'PingDevice' });
    }
    for (const c of conns) {
      await waitFor(() => c.messages.some((m) => m.method === 'PingDevice' && !m.error), 10_000, 'PingDevice');
      c.messages
        .slice(0, -1)
        .every((m) => m.error === true && ['E01', 'E02', 'E03'].includes(m.errorCode))
        .should.be.true();
    }
    sim.connections.should.equal(20);
    await servesPurchase();
  });
});

// ---------------------------------------------------------------------------------------------------------------

/**
 * A scripted fake terminal: `script(message, reply, counts)` decides what to write back for each request, raw bytes
 * included: reply(object | string | Buffer) frames an object or a JSON string; a Buffer goes out as it is.
 */
async function fakeTerminal(script) {
  const counts: Record<string, number> = {};
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const reply = (what) => {
      if (!socket.destroyed) socket.write(Buffer.isBuffer(what) ? what : encodeFrame(what));
    };
    reply.close = () => socket.destroy();
    const decoder = new FrameDecoder({
      onMessage: (m: Wire) => {
        counts[m.method] = (counts[m.method] || 0) + 1;
        // A v1.1.10 terminal: the client's probe for later firmware is an unknown method to it (§5.1).
        if (m.method === 'GetResultByUid')
          return reply({ method: 'Unknown', error: true, errorCode: 'E05', errorDescription: 'Unknown method', params: {} });
        script(m, reply, counts);
      },
    });
    socket.on('data', (d) => decoder.push(d));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    counts,
    get connections() {
      return connections;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const RESULT_BEFORE = ok('GetLastResult', {
  params: { originalTrnName: 'Purchase', transAmount: '500', invoiceNum: '000009', rrn: 'A1', transactionResult: 'APPROVED_ONLINE' },
});
const resultAfter = (amount) =>
  ok('GetLastResult', {
    params: {
      originalTrnName: 'Purchase',
      transAmount: amount,
      invoiceNum: '000010',
      rrn: 'A2',
      transactionResult: 'APPROVED_ONLINE',
      responseCode: '00',
    },
  });

describe('hostile input: the client', function () {
  this.timeout(20_000);
  failOnUnhandledRejections();
  let peer;
  let t;
  let issues;

  afterEach(async function () {
    if (t) await t.close();
    if (peer) await peer.close();
    t = undefined;
    peer = undefined;
  });

  function open(options = {}) {
    t = new Terminal({ host: '127.0.0.1', port: peer.port, pollInterval: 5, settleGrace: 100, requestTimeout: 300, ...options });
    issues = [];
    t.on('issue', (i) => issues.push(i));
    return t;
  }

  /** Rejects with an EcrError; returns it. */
  async function failure(promise) {
    const err = await promise.should.be.rejected();
    err.name.should.equal('EcrError');
    return err;
  }

  it('an answer of the wrong method is not taken: reported, and the request times out with TIMEOUT; the next request works', async function () {
    let wrong = true;
    peer = await fakeTerminal((m, reply) => {
      if (m.method === 'GetStatus') reply(wrong ? ok('PingDevice') : ok('GetStatus', { status: 'S00' }));
    });
    open();
    const err = await failure(t.request('GetStatus'));
    err.code.should.equal('TIMEOUT');
    err.method.should.equal('GetStatus');
    err.sent.should.be.true();
    err.message.should.match(/^GetStatus: no response from .* within 300 ms$/);
    issues.should.have.length(1);
    issues[0].should.match({ kind: 'stray', expected: 'GetStatus', message: { method: 'PingDevice' } });
    wrong = false;
    (await t.request('GetStatus')).status.should.equal('S00');
    // After a timeout a late answer must not be taken for the next request: the next one went on a new connection.
    peer.connections.should.equal(2);
  });

  it('an answer of the wrong method followed by the right one: the right one is taken', async function () {
    peer = await fakeTerminal((m, reply) => {
      reply(
        Buffer.concat([
          encodeFrame(ok('GetLastResult', { params: { transAmount: '999' } })),
          encodeFrame(ok('PingDevice')),
          encodeFrame(ok(m.method, { status: 'S03' })),
        ]),
      );
    });
    open();
    (await t.request('GetStatus')).should.match({ method: 'GetStatus', status: 'S03', error: false });
    issues
      .map((i) => [i.kind, i.message.method, i.expected])
      .should.eql([
        ['stray', 'GetLastResult', 'GetStatus'],
        ['stray', 'PingDevice', 'GetStatus'],
      ]);
    (await t.request('PingDevice')).method.should.equal('PingDevice');
    peer.connections.should.equal(1);
  });

  it('a frame nobody asked for (no request pending) is reported as an issue, and not taken for the next answer', async function () {
    peer = await fakeTerminal((m, reply) => {
      reply(ok(m.method, { params: { marker: 'real' } }));
      // 20 ms later, unasked: a GetLastResult, then the method the client will ask next.
      setTimeout(
        () =>
          reply(
            Buffer.concat([
              encodeFrame(ok('GetLastResult', { params: { marker: 'stray' } })),
              encodeFrame(ok('GetMerchantList', { params: { marker: 'stray' } })),
            ]),
          ),
        20,
      );
    });
    open();
    (await t.request('PingDevice')).params.marker.should.equal('real');
    await waitFor(() => issues.length === 2, 2000, 'two issues');
    issues
      .map((i) => [i.kind, i.message.method, i.expected, i.message.params.marker])
      .should.eql([
        ['stray', 'GetLastResult', undefined, 'stray'],
        ['stray', 'GetMerchantList', undefined, 'stray'],
      ]);
    const r = await t.request('GetMerchantList');
    r.params.marker.should.equal('real');
    t.connected.should.be.true();
  });

  it('garbage, a huge frame, a bad checksum and frames that are not JSON objects before every answer: a purchase still completes, sent once', async function () {
    const rand = prng(99);
    const huge = encodeFrame(padded(ok('GetTerminalInfo'), 0xffff));
    huge.length.should.equal(MAX_FRAME);
    const body = rand.junk(200);
    const badLrc = [0x01, 0x04, 0x08].map((x) => xor(body) ^ x).find((b) => b !== 0x02);
    // No 0x02 where a failed frame is rescanned (its length, DATA and LRC): nothing can swallow the answer.
    const notJson = rawFrame('not json {');
    notJson.indexOf(0x02, 1).should.equal(-1);
    const noise = () =>
      Buffer.concat([rand.junk(1 + rand.int(50)), huge, rawFrame(body, { lrc: badLrc }), notJson, rawFrame('[1,2,3]'), rand.junk(1 + rand.int(50))]);
    peer = await fakeTerminal((m, reply, counts) => {
      let answer;
      if (m.method === 'GetLastResult') answer = counts.GetStatus ? resultAfter('2450') : RESULT_BEFORE;
      else if (m.method === 'Purchase') answer = ok('Purchase');
      else if (m.method === 'GetStatus') answer = ok('GetStatus', { status: counts.GetStatus < 3 ? 'S02' : 'S00' });
      if (!answer) return;
      // Split the noise and the answer at a random byte, in two writes.
      const bytes = Buffer.concat([noise(), encodeFrame(answer)]);
      const cut = rand.int(bytes.length);
      reply(bytes.subarray(0, cut));
      setImmediate(() => reply(bytes.subarray(cut)));
    });
    open();
    const r = await t.transact('Purchase', purchase('2450'));
    r.params.should.match({ transAmount: '2450', invoiceNum: '000010', transactionResult: 'APPROVED_ONLINE' });
    peer.counts.Purchase.should.equal(1);
    const exchanges = peer.counts.GetLastResult + peer.counts.Purchase + peer.counts.GetStatus;
    const kinds = issues.map((i) => i.kind);
    const count = (k) => kinds.filter((x) => x === k).length;
    count('stray').should.equal(exchanges);
    count('lrc').should.equal(exchanges);
    count('json').should.equal(exchanges);
    count('not-object').should.equal(exchanges);
    count('junk').should.be.aboveOrEqual(exchanges);
    issues
      .filter((i) => i.kind === 'stray')
      .every((i) => i.message.method === 'GetTerminalInfo')
      .should.be.true();
    // One for the probe and the snapshot, one of its own for the Purchase (then its polls).
    peer.connections.should.equal(2);
  });

  it('a 65,535-byte answer is taken whole', async function () {
    const text = padded(ok('GetTerminalInfo', { params: { terminalModel: 'X990' } }), 0xffff, true);
    peer = await fakeTerminal((m, reply) => reply(text));
    open();
    const r = await t.request('GetTerminalInfo');
    r.params.terminalModel.should.equal('X990');
    Buffer.byteLength(r.pad).should.equal(Buffer.byteLength(JSON.parse(text).pad));
    issues.should.eql([]);
  });

  for (const [label, bytes, kind] of [
    ['not JSON', rawFrame('{"method":"GetStatus","status":"S00"'), 'json'],
    ['a JSON array', rawFrame('[{"method":"GetStatus","status":"S00"}]'), 'not-object'],
    ['a bad checksum', rawFrame('{"method":"GetStatus","status":"S00"}', { lrc: 0x00 }), 'lrc'],
    ['a wrong protocol version', rawFrame('{"method":"GetStatus","status":"S00"}', { version: 0x07 }), 'header'],
  ]) {
    it(`an answer that is ${label} is reported and not taken: TIMEOUT; the next request works`, async function () {
      let broken = true;
      peer = await fakeTerminal((m, reply) => reply(broken ? bytes : ok(m.method, { status: 'S00' })));
      open();
      const err = await failure(t.request('GetStatus'));
      err.code.should.equal('TIMEOUT');
      err.sent.should.be.true();
      issues.map((i) => i.kind)[0].should.equal(kind);
      broken = false;
      (await t.request('GetStatus')).status.should.equal('S00');
    });
  }

  it('a length field larger than the data, then the terminal closes: CONNECTION_LOST; the next request reconnects and works', async function () {
    let cut = true;
    peer = await fakeTerminal((m, reply) => {
      if (!cut) return reply(ok(m.method, { status: 'S00' }));
      reply(Buffer.concat([rawFrame(Buffer.alloc(0), { len: 0xffff, noLrc: true }), Buffer.from('{"method":"GetStatus","status":"S00"}')]));
      setTimeout(() => reply.close(), 20);
    });
    open({ requestTimeout: 5000 });
    const started = Date.now();
    const err = await failure(t.request('GetStatus'));
    err.code.should.equal('CONNECTION_LOST');
    err.sent.should.be.true();
    err.method.should.equal('GetStatus');
    (Date.now() - started).should.be.below(2000);
    cut = false;
    (await t.request('GetStatus')).status.should.equal('S00');
    peer.connections.should.equal(2);
  });

  it('a poll answer cut off mid-frame by a close during a purchase: the client reconnects and still gets the outcome, Purchase sent once', async function () {
    peer = await fakeTerminal((m, reply, counts) => {
      if (m.method === 'GetLastResult') return reply(counts.GetStatus ? resultAfter('777') : RESULT_BEFORE);
      if (m.method === 'Purchase') return reply(ok('Purchase'));
      if (m.method === 'GetStatus') {
        if (counts.GetStatus === 2) {
          const f = encodeFrame(ok('GetStatus', { status: 'S04' }));
          reply(f.subarray(0, f.length - 7));
          return reply.close();
        }
        return reply(ok('GetStatus', { status: counts.GetStatus < 4 ? 'S04' : 'S00' }));
      }
      return undefined;
    });
    open();
    const r = await t.transact('Purchase', purchase('777'));
    r.params.should.match({ transAmount: '777', invoiceNum: '000010' });
    peer.counts.Purchase.should.equal(1);
    // The probe and the snapshot share one; the Purchase goes on a connection of its own; the cut makes the third.
    peer.connections.should.equal(3);
  });

  it('an "Unknown" error answer (what a terminal sends for a frame it could not read) is taken with its code', async function () {
    peer = await fakeTerminal((m, reply) => reply(E03('Unexpected end of JSON input')));
    open();
    const err = await failure(t.request('GetStatus'));
    err.code.should.equal('E03');
    err.sent.should.be.true();
    err.message.should.equal('GetStatus: refused by the terminal: E03 Json message format error (Unexpected end of JSON input)');
  });

  it('a terminal that never answers anything: TIMEOUT each time, with no promise left behind', async function () {
    peer = await fakeTerminal(() => {});
    open({ requestTimeout: 100 });
    const results = await Promise.allSettled([t.request('GetStatus'), t.request('PingDevice'), t.request('GetLastResult')]);
    results.map((r) => r.status).should.eql(['rejected', 'rejected', 'rejected']);
    results.map((r) => (r as PromiseRejectedResult).reason.code).should.eql(['TIMEOUT', 'TIMEOUT', 'TIMEOUT']);
  });

  it("a request timeout runs from that request's sending, after many answered ones and with its own length", async function () {
    let answer = true;
    peer = await fakeTerminal((m, reply) => {
      if (answer) reply(ok(m.method, { status: 'S00' }));
    });
    // Protocol v1.1.10 said, so no pacing between the requests: the times measured are the timeouts' alone.
    open({ requestTimeout: 200, protocol: '1.1' });
    for (let i = 0; i < 50; i++) await t.request('GetStatus');
    await delay(150);
    answer = false;
    let started = Date.now();
    (await failure(t.request('GetStatus'))).code.should.equal('TIMEOUT');
    (Date.now() - started).should.be.within(190, 1000);
    answer = true;
    (await t.request('GetStatus', undefined, { timeout: 50 })).status.should.equal('S00');
    answer = false;
    started = Date.now();
    const err = await failure(t.request('GetStatus', undefined, { timeout: 60 }));
    err.message.should.match(/within 60 ms$/);
    (Date.now() - started).should.be.within(55, 180);
  });

  it('a client that is closed leaves nothing behind that keeps the process running (no request timer lingers)', function () {
    this.timeout(20_000);
    const code = `
      const { Terminal } = require('./dist/core');
      const { startSimulator } = require('./dist/simulator');
      (async () => {
        const sim = await startSimulator({ port: 0, httpPort: false });
        const t = new Terminal({ host: '127.0.0.1', port: sim.port, requestTimeout: 15000 });
        for (let i = 0; i < 20; i++) await t.request('GetStatus');
        await t.close();
        await sim.stop();
      })();`;
    const started = Date.now();
    const out = require('node:child_process').spawnSync(process.execPath, ['-e', code], {
      cwd: require('node:path').join(__dirname, '..'),
      encoding: 'utf8',
      timeout: 14_000,
    });
    should(out.error).be.undefined();
    out.status.should.equal(0, out.stderr);
    (Date.now() - started).should.be.below(10_000);
  });

  it('an error answer whose details nest deeper than JSON.stringify can go still rejects with the E-code', async function () {
    peer = await fakeTerminal((m, reply) =>
      reply(
        `{"method":"${m.method}","error":true,"errorCode":"E00","errorDescription":"x","params":{"details":${'['.repeat(30_000)}${']'.repeat(30_000)}}}`,
      ),
    );
    open();
    const err = await failure(t.request('GetStatus'));
    err.code.should.equal('E00');
    err.message.should.match(/too deeply nested/);
  });

  it("an answer without a method (some later firmware) is the one request in flight's, said once per connection", async function () {
    peer = await fakeTerminal((m, reply) => reply('{"error":false,"errorCode":"","errorDescription":"","params":{}}'));
    open({ requestTimeout: 1000 });
    const issues: unknown[] = [];
    t.on('issue', (i) => issues.push(i));
    (await t.request('PingDevice')).should.match({ method: 'PingDevice', error: false });
    (await t.request('GetMerchantList')).should.match({ method: 'GetMerchantList', error: false });
    issues.should.eql([{ kind: 'no-method', expected: 'PingDevice' }]);
  });

  it("a frame without a method and no request in flight is nobody's: reported as stray, not taken for the next answer", async function () {
    peer = await fakeTerminal((m, reply) => {
      if (m.method === 'GetStatus') {
        reply(ok('GetStatus', { status: 'S00' }));
        setTimeout(() => reply('{"error":false,"errorCode":"","errorDescription":"","params":{"marker":"stray"}}'), 10);
      } else reply(ok(m.method, { params: { marker: 'real' } }));
    });
    open({ requestTimeout: 1000 });
    const issues: string[] = [];
    t.on('issue', (i) => issues.push(i.kind));
    await t.request('GetStatus');
    await new Promise((resolve) => setTimeout(resolve, 50));
    (await t.request('PingDevice')).params.marker.should.equal('real');
    issues.should.containEql('stray');
  });
});
