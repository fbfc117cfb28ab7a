'use strict';
/*
 * Crafted garbage must not burn CPU (item 12 of "Nothing lost, part two"). Before, repeated `02 66 01 FF FF`
 * cost over a second of CPU per 256 KiB (after a bad checksum every start byte inside the failed frame was
 * checked again over a 64 KiB length), and frames with a right LRC but no JSON cost a JSON.parse exception per
 * 6 bytes. The limits below are generous (the decoder needs a few ms); the figures belong to `npm run bench`.
 */
import 'should';
import fc = require('fast-check');
import { encodeFrame, FrameDecoder, MAX_FRAME, jsonFault, type DecodeIssue } from '../src/core/frame';
import type { Wire } from './support/wire';

const KIB = 1024;
const SIZE = 256 * KIB;

function repeat(pattern, size = SIZE) {
  const p = Buffer.from(pattern);
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = p[i % p.length];
  return out;
}

function xor(bytes) {
  let x = 0;
  for (const b of bytes) x ^= b;
  return x;
}

/** A frame with DATA as given and a right LRC, whatever DATA is. */
function frameOf(data) {
  const body = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
  return Buffer.concat([Buffer.from([0x02, 0x66, 0x01, body.length >> 8, body.length & 0xff]), body, Buffer.from([xor(body)])]);
}

/** Deterministic pseudo-random bytes. */
function noise(size, seed) {
  const out = Buffer.alloc(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** `02 66 01 FF F3 7B 04 7D`: every candidate's 65,523 bytes of DATA XOR to its LRC byte and start with "{". */
const LRC_MATCHES = [0x02, 0x66, 0x01, 0xff, 0xf3, 0x7b, 0x04, 0x7d];

const PATTERNS = {
  // The one reported: a new 64 KiB candidate every 5 bytes.
  '02 66 01 FF FF': repeat([0x02, 0x66, 0x01, 0xff, 0xff]),
  '02 66 01 00 05 + 4 bytes': repeat([0x02, 0x66, 0x01, 0x00, 0x05, 0x41, 0x42, 0x43, 0x44]),
  'overlapping candidates whose LRC matches': repeat(LRC_MATCHES),
  'a valid-looking header with the largest length, then noise': Buffer.concat([Buffer.from([0x02, 0x66, 0x01, 0xff, 0xff]), noise(SIZE - 5, 7)]),
  'empty DATA with a right LRC (02 66 01 00 00 00)': repeat([0x02, 0x66, 0x01, 0x00, 0x00, 0x00]),
  'DATA "{" with a right LRC': repeat(frameOf('{')),
  'DATA "0" with a right LRC (JSON, not an object)': repeat(frameOf('0')),
  'a bad LRC every 7 bytes': repeat([0x02, 0x66, 0x01, 0x00, 0x01, 0x41, 0x42]),
  'start bytes only': repeat([0x02]),
  '02 66 repeated (wrong version 02)': repeat([0x02, 0x66]),
  'random bytes': noise(SIZE, 1),
};

/** Decodes `bytes` in chunks of `chunk` bytes, then MAX_FRAME zeros (whatever length is pending is filled) and a frame. */
function decode(bytes, chunk) {
  const out = { messages: [] as Wire[], issues: [] as DecodeIssue[], maxPushMs: 0, maxHeld: 0, cpuMs: 0, held: 0 };
  const decoder = new FrameDecoder({ onMessage: (m: Wire) => out.messages.push(m), onIssue: (i) => out.issues.push(i) });
  const cpu = process.cpuUsage();
  for (let i = 0; i < bytes.length; i += chunk) {
    // CPU time, not wall time: on a loaded machine the process may wait for a core in the middle of a push.
    const before = process.cpuUsage();
    decoder.push(bytes.subarray(i, i + chunk));
    const spent = process.cpuUsage(before);
    out.maxPushMs = Math.max(out.maxPushMs, (spent.user + spent.system) / 1000);
    out.maxHeld = Math.max(out.maxHeld, decoder.bufferedBytes);
  }
  const used = process.cpuUsage(cpu);
  out.cpuMs = (used.user + used.system) / 1000;
  decoder.push(Buffer.alloc(MAX_FRAME));
  decoder.push(encodeFrame({ method: 'PingDevice', params: { after: 'garbage' } }));
  out.held = decoder.bufferedBytes;
  return out;
}

describe('frame: crafted garbage costs linear time', function () {
  this.timeout(60_000);

  for (const [name, bytes] of Object.entries(PATTERNS)) {
    for (const chunk of [SIZE, 4 * KIB]) {
      // Generous bounds (a busy machine's CPU time varies; the figures themselves are the bench's row 1d): the old
      // decoder took 300 ms to 2.4 s of CPU for these 256 KiB.
      it(`${name}: 256 KiB in ${chunk === SIZE ? 'one push' : '4 KiB pushes'} take well under 250 ms of CPU${chunk === SIZE ? '' : ', no push 50 ms of it'}, and a frame after it is decoded`, function () {
        const r = decode(bytes, chunk);
        r.cpuMs.should.be.below(250, `${r.cpuMs.toFixed(1)} ms of CPU`);
        if (chunk !== SIZE) r.maxPushMs.should.be.below(50, `a push took ${r.maxPushMs.toFixed(1)} ms of CPU`);
        r.maxHeld.should.be.belowOrEqual(MAX_FRAME);
        r.messages[r.messages.length - 1].should.eql({ method: 'PingDevice', params: { after: 'garbage' } });
        r.held.should.equal(0);
        // No flood of issues either: a burst, then about one per 64 bytes received, the rest counted as junk.
        r.issues.length.should.be.belowOrEqual(256 + Math.ceil((SIZE + MAX_FRAME) / 64) + 3 * Math.ceil(SIZE / chunk) + 3);
      });
    }
  }

  it('a real frame between two stretches of 02 66 01 FF FF is decoded, and each stretch is one issue', function () {
    const garbage = repeat([0x02, 0x66, 0x01, 0xff, 0xff], 100 * KIB);
    const inner = { method: 'GetLastResult', params: { transAmount: '2450' } };
    const r = decode(Buffer.concat([garbage, encodeFrame(inner), garbage]), 4 * KIB);
    r.messages.should.eql([inner, { method: 'PingDevice', params: { after: 'garbage' } }]);
    r.issues.filter((i) => i.kind === 'lrc').length.should.be.belowOrEqual(6);
  });

  it('frames after a header announcing 65,535 bytes all arrive, in order, across any chunking', function () {
    const frames: Wire[] = [];
    for (let n = 0; frames.length === 0 || Buffer.concat(frames).length < 3 * MAX_FRAME; n++)
      frames.push(encodeFrame({ method: 'PingDevice', params: { n } }));
    const bytes = Buffer.concat([Buffer.from([0x02, 0x66, 0x01, 0xff, 0xff]), ...frames]);
    for (const chunk of [bytes.length, 4 * KIB, 7, 1]) {
      const r = decode(bytes, chunk);
      r.messages
        .slice(0, -1)
        .map((m) => m.params.n)
        .should.eql(
          frames.map((_, n) => n),
          `chunks of ${chunk}`,
        );
    }
  });

  it('an issue keeps the bytes of its body after later pushes (the window is never written over)', function () {
    const kept: Wire[] = [];
    const decoder = new FrameDecoder({
      onMessage() {},
      onIssue: (i) => {
        if ('body' in i) kept.push({ body: i.body, copy: Buffer.from(i.body) });
      },
    });
    // Frames with a bad LRC, each DATA different, split over 3-byte pushes: each goes through the window.
    const bad: Wire[] = [];
    for (let n = 0; n < 3000; n++) {
      const body = Buffer.from(`{"n":${n}}`);
      bad.push(Buffer.concat([Buffer.from([0x02, 0x66, 0x01, 0x00, body.length]), body, Buffer.from([xor(body) ^ 0x5a])]));
    }
    const bytes = Buffer.concat([...bad, noise(100 * KIB, 3), repeat(LRC_MATCHES, 70 * KIB), ...bad]);
    for (let i = 0; i < bytes.length; i += 3) decoder.push(bytes.subarray(i, i + 3));
    kept.length.should.be.above(100);
    for (const k of kept) k.body.equals(k.copy).should.be.true();
  });

  it('floods of bad JSON: JSON.parse words the first reasons, the decoder words the later ones, then they count as junk', function () {
    const issues: Wire[] = [];
    const decoder = new FrameDecoder({ onMessage() {}, onIssue: (i) => issues.push(i) });
    decoder.push(repeat([0x02, 0x66, 0x01, 0x00, 0x00, 0x00], 6 * 2000));
    let parseWords;
    try {
      JSON.parse('');
    } catch (err) {
      parseWords = err.message;
    }
    const json = issues.filter((i) => i.kind === 'json');
    json[0].reason.should.equal(parseWords);
    json[json.length - 1].reason.should.match(/^Unexpected end of JSON input at position 0 \(the decoder's words/);
    json.length.should.be.below(2000);
    const junk = issues.filter((i) => i.kind === 'junk').reduce((sum, i) => sum + i.bytes, 0);
    // Each failure not reported on its own is its start byte of junk.
    junk.should.equal(2000 - json.length);
  });

  it('without an onIssue handler the garbage is as cheap, and frames still arrive', function () {
    const messages: Wire[] = [];
    const decoder = new FrameDecoder({ onMessage: (m: Wire) => messages.push(m) });
    const cpu = process.cpuUsage();
    for (const bytes of Object.values(PATTERNS)) decoder.push(bytes);
    const used = process.cpuUsage(cpu);
    ((used.user + used.system) / 1000).should.be.below(1000);
    decoder.push(Buffer.alloc(MAX_FRAME));
    decoder.push(encodeFrame({ method: 'PingDevice' }));
    messages[messages.length - 1].should.eql({ method: 'PingDevice' });
  });
});

describe("frame: the decoder's own JSON check agrees with JSON.parse", function () {
  this.timeout(120_000);

  const accepts = (bytes) => {
    try {
      JSON.parse(bytes.toString('utf8'));
      return true;
    } catch {
      return false;
    }
  };
  // JSON's own characters, whitespace, escapes, bytes of UTF-8 (valid or not) and controls.
  const jsonish = fc
    .array(
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...'{}[]":,-+.eE0123456789tfnrulsa\\/bu \t\n\r'.split('').map((c) => c.charCodeAt(0))) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
      ),
      { maxLength: 40 },
    )
    .map((a) => Buffer.from(a));
  const mutated = fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([v, at, byte, cut]) => {
    const b = Buffer.from(JSON.stringify(v) ?? 'null', 'utf8');
    if (b.length === 0) return b;
    if (cut) return b.subarray(0, at % b.length);
    const c = Buffer.from(b);
    c[at % c.length] = byte;
    return c;
  });
  const texts = fc.oneof(
    jsonish,
    mutated,
    fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null', 'utf8')),
    fc.string({ unit: 'binary', maxLength: 30 }).map((s) => Buffer.from(JSON.stringify(s), 'utf8')),
    fc.uint8Array({ maxLength: 24 }).map((a) => Buffer.from(a)),
  );

  it('jsonFault() says -1 exactly when JSON.parse accepts the text, and points inside it otherwise (30,000 runs)', function () {
    fc.assert(
      fc.property(texts, fc.nat(8), (bytes, pad) => {
        // At an offset in a larger buffer, as the decoder calls it.
        const buf = Buffer.concat([Buffer.alloc(pad, 0x7b), bytes, Buffer.alloc(3, 0x7d)]);
        const fault = jsonFault(buf, pad, pad + bytes.length);
        if (accepts(bytes)) fault.should.equal(-1);
        else fault.should.be.within(0, bytes.length);
      }),
      { numRuns: 30_000, seed: 0x6a50 },
    );
  });

  it('out of exception credit, the decoder still tells messages, non-objects and bad JSON apart as JSON.parse does (2,000 runs)', function () {
    fc.assert(
      fc.property(fc.array(texts, { minLength: 1, maxLength: 8 }), (bodies) => {
        const messages: Wire[] = [];
        const issues: Wire[] = [];
        const decoder = new FrameDecoder({ onMessage: (m: Wire) => messages.push(m), onIssue: (i) => issues.push(i) });
        // 200 frames of "{" with a right LRC spend the credit for JSON.parse exceptions.
        decoder.push(repeat(frameOf('{'), 7 * 200));
        messages.length = 0;
        issues.length = 0;
        const expected: Wire[] = [];
        for (const body of bodies.filter((b) => b.length < 4096 && !b.includes(0x02))) {
          decoder.push(frameOf(body));
          let value;
          try {
            value = JSON.parse(body.toString('utf8'));
          } catch {
            expected.push('json');
            continue;
          }
          expected.push(value !== null && typeof value === 'object' && !Array.isArray(value) ? 'message' : 'not-object');
        }
        const got: Wire[] = [];
        // Each frame is one outcome: a message, or an issue (or, out of issue credit, junk).
        let m = 0;
        for (const kind of expected) {
          if (kind === 'message') got.push(messages[m++] === undefined ? 'missing' : 'message');
          else got.push(kind);
        }
        m.should.equal(messages.length);
        got.should.eql(expected);
        issues
          .filter((i) => i.kind === 'json' || i.kind === 'not-object')
          .map((i) => i.kind)
          .should.eql(expected.filter((k) => k !== 'message'));
      }),
      { numRuns: 2_000, seed: 0x6a51 },
    );
  });
});
