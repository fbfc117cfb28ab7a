'use strict';

/*
 * Property tests (fast-check) of the three places where outside input meets the library: the frame encoder and
 * decoder, and request validation. The seed is fixed so CI is repeatable; FUZZ_RUNS (the total over the three
 * properties, default 100,000) and FUZZ_SEED change them for longer local runs, e.g.
 *   FUZZ_RUNS=1000000 FUZZ_SEED=7 npx mocha --no-config --node-option require=tsx/cjs --timeout 0 test/fuzz.test.ts
 * A failure prints the seed and the counterexample path to replay it.
 */

import should = require('should');
import util = require('node:util');
import assert = require('node:assert/strict');
import fc = require('fast-check');
import { encodeFrame, FrameDecoder, MAX_FRAME, MAX_BODY, type DecodeIssue } from '../src/core/frame';
import { validateRequest } from '../src/core/validate';
import { METHOD_NAMES, REQUEST_KEYS, getMethod } from '../src/core/catalogue';
import { EcrError } from '../src/core/errors';
import type { Wire } from './support/wire';

const TOTAL_RUNS = Number(process.env.FUZZ_RUNS || 100_000);
const SEED = Number(process.env.FUZZ_SEED || 0x55ec4);
if (!Number.isSafeInteger(TOTAL_RUNS) || TOTAL_RUNS < 10) throw new Error(`FUZZ_RUNS must be a whole number >= 10; got ${process.env.FUZZ_RUNS}`);
if (!Number.isSafeInteger(SEED)) throw new Error(`FUZZ_SEED must be an integer; got ${process.env.FUZZ_SEED}`);

// 40 % round trips, 20 % hostile byte streams (each carries more than 64 KiB), 40 % validation.
const RUNS = {
  roundTrip: Math.round(TOTAL_RUNS * 0.4),
  streams: Math.round(TOTAL_RUNS * 0.2),
  validation: TOTAL_RUNS - Math.round(TOTAL_RUNS * 0.4) - Math.round(TOTAL_RUNS * 0.2),
};

/** Generous per-test time limit: at least a minute, and four times a slow core's 25 µs per round trip, 400 µs per stream, 25 µs per validation. */
const limit = (runs, usPerRun) => Math.max(60_000, Math.ceil((runs * usPerRun) / 1000) * 4);

const timings: Record<string, { runs: number; ms: number; outcomes?: Record<string, number> }> = {};
function report() {
  const parts = Object.entries(timings).map(([name, t]) => `${name} ${t.runs} runs in ${t.ms} ms`);
  if (parts.length) console.log(`      fuzz: seed ${SEED}: ${parts.join('; ')}`);
  for (const name of Object.keys(timings)) delete timings[name];
}

function check(name, runs, property) {
  const started = Date.now();
  fc.assert(property, { seed: SEED, numRuns: runs });
  timings[name] = { runs, ms: Date.now() - started };
}

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries

/** One character: ASCII (controls included), Cyrillic, other BMP text, astral (emoji, math letters), lone surrogates. */
const char = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0x00, max: 0x7f }).map((c) => String.fromCharCode(c)) },
  { weight: 3, arbitrary: fc.integer({ min: 0x400, max: 0x4ff }).map((c) => String.fromCodePoint(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xd7ff }).map((c) => String.fromCodePoint(c)) },
  { weight: 2, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
  { weight: 1, arbitrary: fc.constantFrom('\u2028', '\u2029', '\ufeff', '\ufffd', '\u0002', '"', '\\', 'ї', 'Ґ', '😀', '🇺🇦', '\ud800', '\udfff') },
);
const text = (maxLength) => fc.string({ unit: char, maxLength });

/** JSON values with unicode strings in keys and values, several levels deep. */
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.oneof(text(24), fc.string({ unit: 'binary', maxLength: 16 })),
    fc.array(tie('value'), { maxLength: 5 }),
    tie('object'),
  ),
  object: fc.dictionary(fc.oneof(text(8), fc.constantFrom('method', 'params', '__proto__', 'constructor', '')), tie('value'), { maxKeys: 6 }),
}));

/** A message as a terminal or an ECR could send it: any JSON object. */
const message = fc.oneof(
  { weight: 3, arbitrary: json.object },
  { weight: 1, arbitrary: fc.record({ method: text(16), params: json.object }) },
  { weight: 1, arbitrary: fc.jsonValue({ stringUnit: 'binary', maxDepth: 3 }).map((v) => ({ value: v })) },
);

/** Cut points for splitting a byte string: sorted, distinct, strictly inside it. */
const cuts = fc.array(fc.nat(), { maxLength: 12 });
function chunksOf(buffer: Buffer, points: number[]) {
  const at = [...new Set(points.map((p) => (buffer.length > 1 ? 1 + (p % (buffer.length - 1)) : 0)))].filter((p) => p > 0).sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of at) {
    out.push(buffer.subarray(from, p));
    from = p;
  }
  out.push(buffer.subarray(from));
  return out;
}

/** What the decoder turns the object into: its JSON text parsed back (undefined dropped, -0 as 0, "__proto__" as data). */
const viaJson = (m) => JSON.parse(JSON.stringify(m));

function recorder() {
  const messages: Wire[] = [];
  const issues: DecodeIssue[] = [];
  return { messages, issues, decoder: new FrameDecoder({ onMessage: (m: Wire) => messages.push(m), onIssue: (i) => issues.push(i) }) };
}

// ---------------------------------------------------------------------------------------------------------------

describe(`fuzz: frames (seed ${SEED})`, function () {
  after(report);
  it(`encodeFrame → FrameDecoder gives every object back unchanged, in any chunking (${RUNS.roundTrip} runs)`, function () {
    this.timeout(limit(RUNS.roundTrip, 25));
    check(
      'round trip',
      RUNS.roundTrip,
      fc.property(fc.array(message, { minLength: 1, maxLength: 4 }), cuts, (messages, points) => {
        const frames = messages.map((m) => encodeFrame(m));
        const bytes = Buffer.concat(frames);
        // The header and LRC wrap the UTF-8 JSON exactly.
        // (node:assert in the hot loops: should.js would take most of the time budget.)
        frames.forEach((f, n) => {
          const body = Buffer.from(JSON.stringify(messages[n]), 'utf8');
          assert.equal(f.length, body.length + 6);
          assert.equal(f.readUInt16BE(3), body.length);
          assert.ok(f.subarray(5, 5 + body.length).equals(body));
        });
        const r = recorder();
        for (const chunk of chunksOf(bytes, points)) {
          r.decoder.push(chunk);
          assert.ok(r.decoder.bufferedBytes <= MAX_FRAME);
        }
        assert.deepEqual(r.issues, []);
        assert.equal(r.decoder.bufferedBytes, 0);
        assert.equal(r.messages.length, messages.length);
        r.messages.forEach((m, n) => {
          // Same keys in the same order, same values: compared as JSON text so "__proto__" keys count too.
          assert.equal(JSON.stringify(m), JSON.stringify(messages[n]));
          assert.ok(util.isDeepStrictEqual(m, viaJson(messages[n])));
        });
      }),
    );
  });

  it(`arbitrary bytes never make the decoder throw or hold more than MAX_FRAME, and a frame after ${MAX_FRAME} zero bytes is decoded (${RUNS.streams} runs)`, function () {
    this.timeout(limit(RUNS.streams, 400));
    const ZEROS = Buffer.alloc(MAX_FRAME + 64);
    const smallObject = fc.dictionary(text(4), fc.oneof(fc.integer(), text(6), fc.boolean()), { maxKeys: 3 });
    const header = (len) => Buffer.from([0x02, 0x66, 0x01, len >> 8, len & 0xff]);
    const segment = fc.oneof(
      fc.uint8Array({ maxLength: 48 }).map((a) => Buffer.from(a)),
      fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a.map((b) => (b & 1 ? 0x02 : b)))),
      smallObject.map((m) => encodeFrame({ inner: m })),
      // A header alone, with any length: often longer than everything that follows.
      fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0, 1, 0x0266, 0xffff)).map(header),
      // A header of another protocol id or version.
      fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([id, v]) => Buffer.from([0x02, id, v])),
      // A frame with one byte changed (bad LRC, bad length, bad header) or cut short.
      fc.tuple(smallObject, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([m, at, x]) => {
        const f = Buffer.from(encodeFrame(m));
        f[at % f.length] ^= x;
        return f;
      }),
      fc.tuple(smallObject, fc.nat()).map(([m, at]) => {
        const f = encodeFrame(m);
        return f.subarray(0, at % f.length);
      }),
      // Frames whose checksum is right but whose DATA is not a JSON object.
      fc.constantFrom('', '[', '[1,2]', '42', 'null', '"x"', '{"a":', 'true', '\u0002f\u0001').map((s) => encodeFrame(s)),
    );
    const ISSUE_KINDS = new Set(['junk', 'header', 'lrc', 'json', 'not-object']);
    const tailMessage = fc.record({ tail: fc.nat(), v: fc.oneof(text(12), fc.integer(), json.object) });

    check(
      'byte streams',
      RUNS.streams,
      fc.property(
        fc.array(segment, { maxLength: 10 }),
        fc.nat(64),
        fc.array(tailMessage, { minLength: 1, maxLength: 3 }),
        cuts,
        cuts,
        (segments, extraZeros, tail, points, tailPoints) => {
          const hostile = Buffer.concat(segments);
          const stream = Buffer.concat([hostile, ZEROS.subarray(0, MAX_FRAME + extraZeros), ...tail.map((m) => encodeFrame(m))]);
          const r = recorder();
          const feed = (bytes, at) => {
            for (const chunk of chunksOf(bytes, at)) {
              r.decoder.push(chunk);
              assert.ok(r.decoder.bufferedBytes <= MAX_FRAME, `bufferedBytes ${r.decoder.bufferedBytes}`);
            }
          };
          // The hostile part: whatever the chunking, the decoder finds what a plain scan of the whole buffer finds,
          // and holds exactly the bytes of the frame it is still waiting for.
          feed(hostile, points);
          const partial = referenceDecode(hostile);
          assert.deepEqual(r.messages, partial.messages);
          assert.equal(r.decoder.bufferedBytes, partial.pending);
          // Then the zeros and the tail frames.
          feed(stream.subarray(hostile.length), tailPoints);
          const whole = referenceDecode(stream);
          assert.deepEqual(r.messages, whole.messages);
          // Only JSON objects are delivered.
          for (const m of r.messages) assert.ok(m !== null && typeof m === 'object' && !Array.isArray(m));
          // The frames after the zeros are all there, in order, once; nothing is left half-read.
          assert.deepEqual(
            r.messages.filter((m) => Object.hasOwn(m, 'tail')),
            tail.map(viaJson),
          );
          assert.equal(r.decoder.bufferedBytes, 0);
          // Every issue is one of the documented kinds.
          for (const i of r.issues) assert.ok(ISSUE_KINDS.has(i.kind), i.kind);
        },
      ),
    );
  });
});

/**
 * The decoder's rules applied to a whole buffer at once, written independently of it: at each start byte try a
 * frame; a frame that checks out (LRC, then JSON) is consumed whole (delivered if it is an object); anything else
 * costs only its start byte and the scan goes on at the next byte. A frame running past the end is pending.
 */
function referenceDecode(bytes) {
  const messages: Wire[] = [];
  const n = bytes.length;
  for (let i = 0; ;) {
    const s = bytes.indexOf(0x02, i);
    if (s < 0) return { messages, pending: 0 };
    if ((s + 1 < n && bytes[s + 1] !== 0x66) || (s + 2 < n && bytes[s + 2] !== 0x01)) {
      i = s + 1;
      continue;
    }
    if (s + 5 > n) return { messages, pending: n - s };
    const end = s + 5 + bytes.readUInt16BE(s + 3); // the LRC byte
    if (end >= n) return { messages, pending: n - s };
    let x = 0;
    for (let k = s + 5; k < end; k++) x ^= bytes[k];
    let value;
    try {
      if (x !== bytes[end]) throw new Error('lrc');
      value = JSON.parse(bytes.toString('utf8', s + 5, end));
    } catch {
      i = s + 1;
      continue;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) messages.push(value);
    i = end + 1;
  }
}

// ---------------------------------------------------------------------------------------------------------------

/** A valid request for `method` from the catalogue's examples. */
function exampleParams(method: string) {
  const params: Record<string, unknown> = {};
  for (const name of Object.keys(getMethod(method)!.params)) params[name] = REQUEST_KEYS[name].example;
  if ('lrc' in params) delete params.lrc; // computed when left out; the catalogue's example does not match (§10.6)
  return params;
}

const OMIT = Symbol('omit');
const digits = (min, max) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const anything = fc.anything({
  maxDepth: 2,
  maxKeys: 4,
  stringUnit: 'binary',
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withSparseArray: true,
  withNullPrototype: true,
  withObjectString: true,
});
const RECEIPT_OK =
  '<receipt><text align="left" size="normal" weight="bold" darkness="normal">Кава||45.00 ☕</text><image>iVBORw0KGgo=</image></receipt>';
// Under the receipt's 65,000 characters but over 65,535 bytes of UTF-8: the frame limit, not the length, refuses it.
const RECEIPT_HUGE = `<receipt><text>${'Ж'.repeat(33_000)}</text></receipt>`;

/** Values for a key: mostly plausible (valid, near-valid), sometimes anything at all. */
function valueFor(name) {
  const key = REQUEST_KEYS[name];
  const plausible = {
    amount: fc.oneof(fc.integer({ min: -5, max: 1e13 }), digits(0, 14), fc.double(), fc.constantFrom('24.50', '1e3', ' 100', '-1', '0', '007')),
    currency: fc.oneof(fc.integer({ min: -1, max: 1001 }), digits(0, 4), fc.constantFrom('UAH', '98O', 980.5)),
    n: fc.oneof(digits(0, 14), fc.integer()),
    an: fc.oneof(fc.string({ unit: fc.constantFrom(...'AZaz09-_ Ї'), maxLength: 34 }), fc.stringMatching(/^[A-Za-z0-9]{1,33}$/)),
    ans: fc.oneof(text(40), fc.constantFrom('x'.repeat(255), 'x'.repeat(256), 'T\u0000', 'T1\n')),
    boolean: fc.oneof(fc.boolean(), fc.constantFrom('true', 0, 1)),
    url: fc.oneof(
      fc.webUrl(),
      fc.constantFrom(
        'javascript:alert(1)',
        'ftp://example.com/a.pdf',
        'https://',
        'http:/x',
        'HTTPS://EXAMPLE.COM/R.PDF',
        'https://пример.укр/чек.pdf',
        `https://e.com/${'a'.repeat(2048)}`,
      ),
    ),
    xml: fc.oneof(
      {
        weight: 6,
        arbitrary: fc.constantFrom(
          RECEIPT_OK,
          '<receipt></receipt>',
          '<receipt><text align="middle">x</text></receipt>',
          '<receipt><text>a & b</text></receipt>',
          'plain text',
        ),
      },
      { weight: 4, arbitrary: text(30).map((t) => `<receipt><text>${t}</text></receipt>`) },
      { weight: 1, arbitrary: fc.constant(RECEIPT_HUGE) },
    ),
    lrc: fc.oneof(fc.integer({ min: -200, max: 300 }), digits(0, 4), fc.constantFrom('-0', '+1', '0x1f')),
    uid: fc.oneof(fc.uuid(), fc.string({ unit: fc.constantFrom(...'AZaz09-_. /Ї'), maxLength: 70 }), fc.constantFrom('x'.repeat(64), 'x'.repeat(65))),
  }[key.format];
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(key.example) },
    { weight: 3, arbitrary: plausible },
    { weight: 1, arbitrary: fc.constantFrom(OMIT, undefined, null, '') },
    { weight: 1, arbitrary: anything },
  );
}

/** Params for a known method: its keys (sometimes left out, sometimes broken) plus keys the catalogue does not know. */
function paramsFor(method) {
  const names = Object.keys(getMethod(method)!.params);
  const example = exampleParams(method);
  return fc
    .tuple(
      fc.tuple(
        ...names.map((name) => fc.oneof({ weight: 4, arbitrary: fc.constant(example[name] ?? OMIT) }, { weight: 1, arbitrary: valueFor(name) })),
      ),
      fc.option(fc.dictionary(fc.oneof(text(8), fc.constantFrom('__proto__', 'toString', 'transAmount')), anything, { maxKeys: 3 }), { freq: 3 }),
    )
    .map(([values, extra]) => {
      const params = {};
      names.forEach((name, n) => {
        if (values[n] !== OMIT) params[name] = values[n];
      });
      if (extra)
        for (const [k, v] of Object.entries(extra))
          Object.defineProperty(params, k, { value: v, enumerable: true, writable: true, configurable: true });
      return params;
    });
}

// Built once per method: making arbitraries is far dearer than drawing from them.
const requestsOf = new Map(METHOD_NAMES.map((method) => [method, fc.record({ method: fc.constant(method), params: paramsFor(method) })]));
const knownRequest = fc.constantFrom(...METHOD_NAMES).chain((method) => requestsOf.get(method)!);
/** A valid request padded by an unknown key to within a few bytes of the 65,535-byte frame limit, on either side. */
const nearLimit = fc.tuple(fc.constantFrom(...METHOD_NAMES), fc.integer({ min: -4, max: 4 }), fc.boolean()).map(([method, delta, cyrillic]) => {
  const params = exampleParams(method);
  const base = Buffer.byteLength(JSON.stringify({ method, params: { ...validateRequest(method, params).params, pad: '' } }));
  const room = MAX_BODY - base + delta;
  params.pad = cyrillic ? 'Ж'.repeat(Math.floor(room / 2)) + 'x'.repeat(room % 2) : 'x'.repeat(room);
  return { method, params };
});

const anyRequest = fc.oneof(
  { weight: 12, arbitrary: knownRequest },
  { weight: 1, arbitrary: nearLimit },
  // A known method with params of any shape (array, string, boxed value, Map, ...).
  { weight: 2, arbitrary: fc.record({ method: fc.constantFrom(...METHOD_NAMES), params: anything }) },
  // Method names that are not in the catalogue, or not strings at all.
  {
    weight: 2,
    arbitrary: fc.record({
      method: fc.oneof(
        text(20),
        fc.constantFrom('purchase', 'Purchse', 'PURCHASE', 'Purchase ', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'Unknown', ''),
        anything,
      ),
      params: fc.oneof(json.object, anything),
    }),
  },
);

const CODES = ['VALIDATION', 'UNKNOWN_METHOD', 'FRAME_TOO_LARGE'];

describe(`fuzz: validateRequest (seed ${SEED})`, function () {
  after(report);
  it(`throws only EcrErrors naming the method, and what it accepts re-validates to the same params (${RUNS.validation} runs)`, function () {
    this.timeout(limit(RUNS.validation, 25));
    const outcomes = { accepted: 0, VALIDATION: 0, UNKNOWN_METHOD: 0, FRAME_TOO_LARGE: 0 };
    check(
      'validation',
      RUNS.validation,
      fc.property(anyRequest, ({ method, params }) => {
        let valid;
        try {
          valid = validateRequest(method, params);
        } catch (err) {
          if (!(err instanceof EcrError)) throw new Error(`threw ${err && err.name}: ${err && err.message}`);
          assert.ok(CODES.includes(err.code), err.code);
          assert.equal(err.sent, false);
          assert.equal(typeof err.rule, 'string');
          assert.ok(err.rule!.length > 3);
          if (typeof method === 'string' && method !== '') {
            assert.equal(err.method, method);
            assert.ok(err.message.startsWith(`${method}: `), err.message);
          } else {
            assert.equal(err.code, 'UNKNOWN_METHOD');
            assert.ok(err.message.startsWith('method must be a non-empty string'), err.message);
          }
          if (err.code === 'UNKNOWN_METHOD') {
            assert.equal(err.field, 'method');
            assert.equal(getMethod(typeof method === 'string' ? method : ''), undefined);
          } else {
            // The field is named, and is the method's own key, "params", or a key the caller gave; then the rule.
            // (A key named "" cannot be named in words: the message then goes straight on with the rule.)
            assert.equal(typeof err.field, 'string');
            assert.ok(err.message.startsWith(err.field === '' ? `${method}: ${err.rule}` : `${method}: ${err.field} ${err.rule}`), err.message);
            const spec = getMethod(method as string)!;
            assert.ok(err.field === 'params' || Object.hasOwn(spec.params, err.field!) || Object.hasOwn(params as object, err.field!), err.field);
          }
          outcomes[err.code]++;
          return;
        }
        outcomes.accepted++;
        assert.equal(valid.method, method);
        assert.equal(valid.spec, getMethod(method as string));
        // Every mandatory key is there, in wire form (strings, except the boolean isDetailReport).
        for (const [name, requirement] of Object.entries(valid.spec.params)) {
          if (requirement === 'M') assert.ok(Object.hasOwn(valid.params, name), name);
          if (Object.hasOwn(valid.params, name)) assert.equal(typeof valid.params[name], name === 'isDetailReport' ? 'boolean' : 'string');
        }
        // It fits in one frame.
        assert.ok(encodeFrame({ method, params: valid.params }, method as string).length <= MAX_FRAME);
        // Idempotent: the wire form validates to itself, key order included.
        const again = validateRequest(method, valid.params);
        assert.ok(util.isDeepStrictEqual(again.params, valid.params));
        assert.deepEqual(Object.keys(again.params), Object.keys(valid.params));
      }),
    );
    // Each way out was taken often enough for the property to mean something.
    outcomes.accepted.should.be.above(RUNS.validation * 0.15);
    outcomes.VALIDATION.should.be.above(RUNS.validation * 0.15);
    outcomes.UNKNOWN_METHOD.should.be.above(RUNS.validation * 0.02);
    outcomes.FRAME_TOO_LARGE.should.be.above(RUNS.validation * 0.01);
    timings.validation.outcomes = outcomes;
    console.log(`      validation outcomes: ${JSON.stringify(outcomes)}`);
  });
});

describe('validateRequest: regressions found by the fuzzer', function () {
  const PING_EXTRA = (value) => validateRequest('PingDevice', { extra: value });
  const refusedOn = (fn, field, code = 'VALIDATION') => {
    let err;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    should(err).be.instanceOf(EcrError);
    err.code.should.equal(code);
    err.field.should.equal(field);
    return err;
  };

  it('an unknown key holding a BigInt is refused by name (it was a TypeError from JSON.stringify)', function () {
    const err = refusedOn(() => validateRequest('GetLastResult', { '': 1, big: [0n] }), 'big');
    err.message.should.equal('GetLastResult: big must be a JSON value (no BigInt, no cycles, not nested too deeply); got an array');
  });

  it('an unknown key holding a cycle is refused by name (it was a TypeError)', function () {
    const cycle: { self?: object } = {};
    cycle.self = cycle;
    refusedOn(() => PING_EXTRA(cycle), 'extra').message.should.equal(
      'PingDevice: extra must be a JSON value (no BigInt, no cycles, not nested too deeply); got object',
    );
  });

  it('an unknown key nested deeper than JSON.stringify can go is refused by name (it was a RangeError)', function () {
    const deep = JSON.parse(`${'['.repeat(30_000)}${']'.repeat(30_000)}`);
    refusedOn(() => PING_EXTRA(deep), 'extra');
  });

  it('an oversize request with a null-prototype unknown key names the largest key (it was a TypeError from String())', function () {
    const receipt = `<receipt><text>${'x'.repeat(65_600)}</text></receipt>`;
    const err = refusedOn(() => validateRequest('PrintXml', { receipt, meta: Object.create(null) }), 'receipt', 'FRAME_TOO_LARGE');
    err.message.should.match(/^PrintXml: receipt makes the request \d+ bytes of UTF-8 JSON; a frame carries at most 65535$/);
  });

  it('unknown keys that JSON leaves out or writes plainly still pass through unchanged', function () {
    const fn = () => 1;
    const date = new Date(0);
    const valid = validateRequest('PingDevice', { u: undefined, f: fn, d: date, n: null });
    valid.params.should.have.keys('u', 'f', 'd', 'n');
    should(valid.params.f).equal(fn);
    should(valid.params.d).equal(date);
  });
});
