'use strict';
import { mulberry32 } from './support/prng';

import should = require('should');
import { PassThrough } from 'node:stream';
import { encodeFrame, FrameDecoder, lrc, STX, PROTOCOL_ID, PROTOCOL_VERSION, HEADER_SIZE, MAX_BODY, MAX_FRAME } from '../src/core/frame';
import { FrameParser } from '../src/core/frame-parser';
import type { Wire } from './support/wire';
import type { DecodeIssue } from '../src/core/frame';

// ---------------------------------------------------------------------------------------------------------------
// Helpers written independently of the code under test.

/** XOR of every byte, computed by hand. */
function xorAll(bytes) {
  let x = 0;
  for (const b of bytes) x ^= b;
  return x;
}

/**
 * Builds a frame byte by byte from DATA (a string, Buffer or object). Options override the header and the LRC so
 * broken frames can be made.
 */
function rawFrame(data, opts: { len?: number; stx?: number; id?: number; version?: number; noLrc?: boolean; lrc?: number } = {}) {
  const body = Buffer.isBuffer(data) ? data : Buffer.from(typeof data === 'string' ? data : JSON.stringify(data), 'utf8');
  const len = opts.len !== undefined ? opts.len : body.length;
  const bytes = [
    opts.stx !== undefined ? opts.stx : 0x02,
    opts.id !== undefined ? opts.id : 0x66,
    opts.version !== undefined ? opts.version : 0x01,
    (len >> 8) & 0xff,
    len & 0xff,
    ...body,
  ];
  if (!opts.noLrc) bytes.push(opts.lrc !== undefined ? opts.lrc : xorAll(body));
  return Buffer.from(bytes);
}

/** A decoder that records everything it reports. */
function recorder() {
  const messages: Wire[] = [];
  const issues: Wire[] = [];
  const decoder = new FrameDecoder({
    onMessage: (m: Wire) => messages.push(m),
    onIssue: (i) => issues.push(i),
  });
  return { decoder, messages, issues };
}

function feed(decoder, ...chunks) {
  for (const c of chunks) decoder.push(c);
}

const CYRILLIC = {
  method: 'GetLastResult',
  error: false,
  errorCode: '',
  errorDescription: '',
  params: {
    bankName: 'ПриватБанк',
    cardholderName: 'ІВАН ПЕТРЕНКО',
    originalTrnName: 'Оплата',
    transactionResult: 'APPROVED_ONLINE',
    transAmount: '2450',
    note: 'Дякуємо за покупку! Ґґ Єє Її',
  },
};

const ASTRAL = {
  method: 'PrintXml',
  params: {
    receipt: '<receipt><text align="center">Кава ☕ 😀 𝕏 👍🏽 🇺🇦</text></receipt>',
    tag: '\u{1F600}\u{1F4B3}',
  },
};

function ping(n) {
  return { method: 'PingDevice', error: false, errorCode: '', errorDescription: '', params: { n } };
}

// ---------------------------------------------------------------------------------------------------------------

describe('frame: constants and lrc()', function () {
  it('has the header bytes and sizes of §1.3', function () {
    STX.should.equal(0x02);
    PROTOCOL_ID.should.equal(0x66);
    PROTOCOL_VERSION.should.equal(0x01);
    HEADER_SIZE.should.equal(5);
    MAX_BODY.should.equal(65535);
    MAX_FRAME.should.equal(5 + 65535 + 1);
  });

  it('lrc() is the XOR of the bytes in [start, end)', function () {
    lrc(Buffer.from([])).should.equal(0);
    lrc(Buffer.from([0x01, 0x02, 0x04])).should.equal(0x07);
    lrc(Buffer.from([0xff, 0x0f])).should.equal(0xf0);
    lrc(Buffer.from([0xaa, 0x01, 0x02, 0x04, 0xbb]), 1, 4).should.equal(0x07);
    const text = Buffer.from('{"method":"Дякуємо"}', 'utf8');
    lrc(text).should.equal(xorAll(text));
  });

  it('lrc() of long runs (read four bytes at a time) matches byte by byte at every alignment, offset and length', function () {
    const bytes = Buffer.alloc(400);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
    for (let offset = 0; offset < 8; offset++) {
      // A view starting at an odd place in its ArrayBuffer, as a socket's chunk does.
      const view = bytes.subarray(offset);
      for (const start of [0, 1, 2, 3, 5]) {
        for (let end = start; end <= 200; end += 7) {
          lrc(view, start, end).should.equal(xorAll(view.subarray(start, end)), `offset ${offset}, [${start}, ${end})`);
        }
      }
    }
  });
});

describe('frame: encodeFrame', function () {
  it('lays out STX, id, version, big-endian DATA length, DATA, XOR of DATA', function () {
    const message = { method: 'PingDevice' };
    const json = JSON.stringify(message);
    const frame = encodeFrame(message);
    frame.should.be.instanceOf(Buffer);
    frame.equals(rawFrame(json)).should.be.true();
    frame.length.should.equal(5 + json.length + 1);
    frame[0].should.equal(0x02);
    frame[1].should.equal(0x66);
    frame[2].should.equal(0x01);
    frame[3].should.equal(0);
    frame[4].should.equal(json.length);
    frame
      .subarray(5, 5 + json.length)
      .toString('utf8')
      .should.equal(json);
    frame[frame.length - 1].should.equal(xorAll(Buffer.from(json)));
  });

  it('sends a string message as given, byte for byte', function () {
    const json = '{"method":"GetStatus","params":{}}';
    encodeFrame(json).equals(rawFrame(json)).should.be.true();
  });

  it('counts UTF-8 bytes, not characters, in the length field (Cyrillic and emoji)', function () {
    const json = JSON.stringify(CYRILLIC);
    const bytes = Buffer.byteLength(json, 'utf8');
    bytes.should.be.above(json.length);
    const frame = encodeFrame(CYRILLIC);
    frame.readUInt16BE(3).should.equal(bytes);
    frame.length.should.equal(bytes + 6);
    frame.equals(rawFrame(json)).should.be.true();

    const astral = JSON.stringify(ASTRAL);
    const f2 = encodeFrame(ASTRAL);
    f2.readUInt16BE(3).should.equal(Buffer.byteLength(astral, 'utf8'));
    f2.equals(rawFrame(astral)).should.be.true();
  });

  it('a length whose bytes are 0x02 0x66 (614 bytes of DATA) is written big-endian', function () {
    const base = JSON.stringify({ method: 'Echo', pad: '' });
    const message = { method: 'Echo', pad: 'x'.repeat(0x0266 - base.length) };
    const frame = encodeFrame(message);
    frame
      .subarray(0, 5)
      .equals(Buffer.from([0x02, 0x66, 0x01, 0x02, 0x66]))
      .should.be.true();
  });

  it('encodes exactly 65,535 bytes of DATA', function () {
    const base = JSON.stringify({ method: 'PrintXml', pad: '' });
    const message = { method: 'PrintXml', pad: 'a'.repeat(MAX_BODY - base.length) };
    const frame = encodeFrame(message, 'PrintXml');
    frame.length.should.equal(MAX_FRAME);
    frame[3].should.equal(0xff);
    frame[4].should.equal(0xff);
    const r = recorder();
    r.decoder.push(frame);
    r.messages.should.eql([message]);
    r.issues.should.eql([]);
  });

  it('refuses 65,536 bytes of DATA with FRAME_TOO_LARGE', function () {
    const base = JSON.stringify({ method: 'PrintXml', pad: '' });
    const message = { method: 'PrintXml', pad: 'a'.repeat(MAX_BODY + 1 - base.length) };
    let err;
    try {
      encodeFrame(message, 'PrintXml');
    } catch (e) {
      err = e;
    }
    should.exist(err);
    err.should.be.instanceOf(Error);
    err.code.should.equal('FRAME_TOO_LARGE');
    err.method.should.equal('PrintXml');
    err.message.should.startWith('PrintXml:');
    err.message.should.containEql('65536');
    err.message.should.containEql('65535');
  });

  it('refuses a body that is under 65,535 characters but over 65,535 UTF-8 bytes', function () {
    const json = JSON.stringify({ t: 'Ж'.repeat(32768) });
    json.length.should.be.below(MAX_BODY);
    Buffer.byteLength(json).should.be.above(MAX_BODY);
    (() => encodeFrame(json)).should.throw({ code: 'FRAME_TOO_LARGE' });
    // Astral characters: 4 bytes each, 2 UTF-16 code units.
    const astral = JSON.stringify({ t: '😀'.repeat(16384) });
    (() => encodeFrame(astral)).should.throw({ code: 'FRAME_TOO_LARGE' });
  });
});

describe('frame: FrameDecoder round trips', function () {
  it('decodes Cyrillic and astral (emoji) text unchanged', function () {
    const r = recorder();
    r.decoder.push(encodeFrame(CYRILLIC));
    r.decoder.push(encodeFrame(ASTRAL));
    r.messages.should.eql([CYRILLIC, ASTRAL]);
    r.messages[1].params.tag.should.equal('😀💳');
    r.issues.should.eql([]);
    r.decoder.bufferedBytes.should.equal(0);
  });

  it('decodes a frame split into two chunks at every byte offset', function () {
    const frame = encodeFrame(CYRILLIC);
    // The split must fall inside multi-byte characters too.
    frame.length.should.be.above(100);
    for (let k = 1; k < frame.length; k++) {
      const r = recorder();
      r.decoder.push(frame.subarray(0, k));
      r.messages.should.have.length(0);
      r.decoder.bufferedBytes.should.equal(k);
      r.decoder.push(frame.subarray(k));
      r.messages.should.eql([CYRILLIC], `split at ${k}`);
      r.issues.should.eql([], `split at ${k}`);
      r.decoder.bufferedBytes.should.equal(0);
    }
  });

  it('decodes a frame split into three chunks at every pair of offsets', function () {
    const message = { method: 'Purchase', params: { n: 'Ї😀' } };
    const frame = encodeFrame(message);
    for (let a = 1; a < frame.length - 1; a++) {
      for (let b = a + 1; b < frame.length; b++) {
        const r = recorder();
        feed(r.decoder, frame.subarray(0, a), frame.subarray(a, b), frame.subarray(b));
        r.messages.should.eql([message], `split at ${a}, ${b}`);
        r.issues.should.eql([]);
      }
    }
  });

  it('decodes a frame fed one byte at a time, holding exactly the bytes seen so far', function () {
    const frame = encodeFrame(ASTRAL);
    const r = recorder();
    for (let k = 0; k < frame.length; k++) {
      r.messages.should.have.length(0);
      r.decoder.push(frame.subarray(k, k + 1));
      r.decoder.bufferedBytes.should.equal(k + 1 === frame.length ? 0 : k + 1);
    }
    r.messages.should.eql([ASTRAL]);
    r.issues.should.eql([]);
  });

  it('decodes several frames merged in one chunk, in order', function () {
    const messages = [CYRILLIC, ping(1), ASTRAL, ping(2), {}];
    const r = recorder();
    r.decoder.push(Buffer.concat(messages.map((m) => encodeFrame(m))));
    r.messages.should.eql(messages);
    r.issues.should.eql([]);
    r.decoder.bufferedBytes.should.equal(0);
  });

  it('decodes frames merged and split across chunk boundaries at every offset', function () {
    const messages = [ping(1), CYRILLIC, ping(2)];
    const all = Buffer.concat(messages.map((m) => encodeFrame(m)));
    for (let k = 1; k < all.length; k++) {
      const r = recorder();
      feed(r.decoder, all.subarray(0, k), all.subarray(k));
      r.messages.should.eql(messages, `split at ${k}`);
      r.issues.should.eql([]);
    }
  });

  it('ignores an empty chunk', function () {
    const r = recorder();
    const frame = encodeFrame(ping(1));
    feed(r.decoder, Buffer.alloc(0), frame.subarray(0, 3), Buffer.alloc(0), frame.subarray(3));
    r.messages.should.eql([ping(1)]);
    r.issues.should.eql([]);
  });

  it('decodes a frame whose length bytes are 0x02 0x66 at every split', function () {
    const base = JSON.stringify({ method: 'Echo', pad: '' });
    const message = { method: 'Echo', pad: 'Ж'.repeat((0x0266 - base.length) / 2) };
    const frame = encodeFrame(message);
    frame.readUInt16BE(3).should.equal(0x0266);
    for (let k = 1; k < 12; k++) {
      const r = recorder();
      feed(r.decoder, frame.subarray(0, k), frame.subarray(k), encodeFrame(ping(1)));
      r.messages.should.eql([message, ping(1)]);
      r.issues.should.eql([]);
    }
  });

  it('decodes an empty object and a frame whose LRC byte is 0x02', function () {
    // Find a message whose LRC is 0x02 so the LRC byte looks like a start byte.
    let message;
    for (let n = 0; n < 100000; n++) {
      message = { method: 'GetStatus', n };
      if (xorAll(Buffer.from(JSON.stringify(message))) === 0x02) break;
    }
    const frame = encodeFrame(message);
    frame[frame.length - 1].should.equal(0x02);
    const r = recorder();
    feed(r.decoder, frame, encodeFrame({}), frame.subarray(0, frame.length - 1), frame.subarray(frame.length - 1));
    r.messages.should.eql([message, {}, message]);
    r.issues.should.eql([]);
  });

  it('delivers frames in order when onMessage pushes more bytes (re-entrant push)', function () {
    const seen: Wire[] = [];
    let pushedBack = false;
    const decoder = new FrameDecoder({
      onMessage(m: Wire) {
        seen.push(m.params.n);
        if (!pushedBack) {
          pushedBack = true;
          decoder.push(encodeFrame(ping(99)));
        }
      },
    });
    decoder.push(Buffer.concat([encodeFrame(ping(1)), encodeFrame(ping(2)), encodeFrame(ping(3))]));
    seen.should.eql([1, 2, 3, 99]);
  });

  it('reset() drops a partial frame; the next frame decodes', function () {
    const r = recorder();
    const frame = encodeFrame(CYRILLIC);
    r.decoder.push(frame.subarray(0, 40));
    r.decoder.bufferedBytes.should.equal(40);
    r.decoder.reset();
    r.decoder.bufferedBytes.should.equal(0);
    r.decoder.push(encodeFrame(ping(7)));
    r.messages.should.eql([ping(7)]);
    r.issues.should.eql([]);
  });

  it('works without an onIssue handler', function () {
    const messages: Wire[] = [];
    const decoder = new FrameDecoder({ onMessage: (m: Wire) => messages.push(m) });
    decoder.push(Buffer.from('junk'));
    decoder.push(rawFrame('{"a":1}', { lrc: 0 }));
    decoder.push(rawFrame('nope'));
    decoder.push(encodeFrame(ping(1)));
    messages.should.eql([ping(1)]);
  });
});

describe('frame: FrameDecoder resynchronisation', function () {
  it('reports junk before a frame and decodes the frame', function () {
    const r = recorder();
    r.decoder.push(Buffer.concat([Buffer.from('hello world'), encodeFrame(CYRILLIC)]));
    r.issues.should.eql([{ kind: 'junk', bytes: 11 }]);
    r.messages.should.eql([CYRILLIC]);
  });

  it('reports junk between frames and after the last frame', function () {
    const r = recorder();
    const junk = Buffer.from([0x00, 0xff, 0x66, 0x01, 0x10, 0x7b]);
    r.decoder.push(Buffer.concat([encodeFrame(ping(1)), junk, encodeFrame(ping(2)), Buffer.from('zz')]));
    r.messages.should.eql([ping(1), ping(2)]);
    r.issues.should.eql([
      { kind: 'junk', bytes: 6 },
      { kind: 'junk', bytes: 2 },
    ]);
    r.decoder.bufferedBytes.should.equal(0);
  });

  it('reports a chunk of pure junk and keeps nothing', function () {
    const r = recorder();
    r.decoder.push(Buffer.from('no start byte in here'));
    r.issues.should.eql([{ kind: 'junk', bytes: 21 }]);
    r.decoder.bufferedBytes.should.equal(0);
    r.decoder.push(encodeFrame(ping(1)));
    r.messages.should.eql([ping(1)]);
  });

  it('resynchronises on 0x02 0x66 0x01 after stray start bytes', function () {
    const r = recorder();
    // 0x02 0x02: the first is not followed by the id; 0x02 0x66 0x02: wrong version; then a real frame.
    r.decoder.push(Buffer.concat([Buffer.from([0x02, 0x02, 0x66, 0x02]), encodeFrame(ping(1))]));
    r.messages.should.eql([ping(1)]);
    // One foreign start is one header issue; the start bytes inside it (the wrong version 0x02 too) are junk.
    r.issues.should.eql([
      { kind: 'header', id: 0x02 },
      { kind: 'junk', bytes: 2 },
      { kind: 'junk', bytes: 1 },
    ]);
  });

  it('resynchronises after junk fed one byte at a time', function () {
    const r = recorder();
    const all = Buffer.concat([Buffer.from([0x41, 0x02, 0x41, 0x02, 0x66, 0x41]), encodeFrame(CYRILLIC), Buffer.from('x')]);
    for (let k = 0; k < all.length; k++) r.decoder.push(all.subarray(k, k + 1));
    r.messages.should.eql([CYRILLIC]);
    r.issues.map((i) => i.kind).should.eql(['junk', 'header', 'junk', 'header', 'junk', 'junk']);
  });

  it('finds a frame after a truncated header (1–5 bytes of an unfinished frame) in one chunk', function () {
    const next = encodeFrame(CYRILLIC);
    const filler: Wire[] = [];
    for (let n = 0; n < 30; n++) filler.push(ping(n));
    const fillerBytes = Buffer.concat(filler.map((m) => encodeFrame(m)));
    for (let cut = 1; cut <= 5; cut++) {
      const r = recorder();
      r.decoder.push(Buffer.concat([next.subarray(0, cut), next, fillerBytes]));
      r.messages.should.eql([CYRILLIC, ...filler], `cut after ${cut} bytes`);
    }
  });

  it('finds a frame after a truncated header when everything comes one byte at a time', function () {
    const next = encodeFrame(CYRILLIC);
    const filler: Wire[] = [];
    for (let n = 0; n < 30; n++) filler.push(ping(n));
    const all0 = Buffer.concat(filler.map((m) => encodeFrame(m)));
    for (let cut = 3; cut <= 4; cut++) {
      const r = recorder();
      const all = Buffer.concat([next.subarray(0, cut), next, all0]);
      for (let k = 0; k < all.length; k++) r.decoder.push(all.subarray(k, k + 1));
      r.messages.should.eql([CYRILLIC, ...filler], `cut after ${cut} bytes`);
      r.issues[0].kind.should.equal('lrc');
    }
  });

  it('reports a corrupted LRC and decodes the next good frame in the same chunk', function () {
    const good = xorAll(Buffer.from(JSON.stringify(CYRILLIC)));
    const bad = rawFrame(CYRILLIC, { lrc: good ^ 0x55 });
    const r = recorder();
    r.decoder.push(Buffer.concat([bad, encodeFrame(ping(1))]));
    r.messages.should.eql([ping(1)]);
    r.issues.should.have.length(1);
    const issue = r.issues[0];
    issue.kind.should.equal('lrc');
    issue.received.should.equal(good ^ 0x55);
    issue.computed.should.equal(good);
    Buffer.from(issue.body).toString('utf8').should.equal(JSON.stringify(CYRILLIC));
  });

  it('reports a corrupted LRC and decodes the next good frame in a later chunk', function () {
    const bad = rawFrame(ping(1), { lrc: xorAll(Buffer.from(JSON.stringify(ping(1)))) ^ 1 });
    const r = recorder();
    r.decoder.push(bad);
    r.messages.should.eql([]);
    r.issues.map((i) => i.kind).should.eql(['lrc']);
    r.decoder.bufferedBytes.should.equal(0);
    r.decoder.push(encodeFrame(ping(2)));
    r.messages.should.eql([ping(2)]);
    r.issues.should.have.length(1);
  });

  it('reports a corrupted DATA byte (LRC mismatch) when the frame is split at every offset', function () {
    const frame = Buffer.from(encodeFrame(CYRILLIC));
    frame[20] ^= 0x01; // corrupt one DATA byte
    const next = encodeFrame(ping(3));
    const all = Buffer.concat([frame, next]);
    for (let k = 1; k < all.length; k++) {
      const r = recorder();
      feed(r.decoder, all.subarray(0, k), all.subarray(k));
      r.messages.should.eql([ping(3)], `split at ${k}`);
      r.issues.map((i) => i.kind).should.eql(['lrc'], `split at ${k}`);
    }
  });

  it('reports a wrong protocol id as a header issue and decodes the next frame', function () {
    const wrong = rawFrame(ping(1), { id: 0xee });
    wrong.indexOf(0x02, 1).should.equal(-1);
    const r = recorder();
    r.decoder.push(Buffer.concat([wrong, encodeFrame(ping(2))]));
    r.messages.should.eql([ping(2)]);
    // The id byte and all that follows it up to the next start byte are junk.
    r.issues.should.eql([
      { kind: 'header', id: 0xee },
      { kind: 'junk', bytes: wrong.length - 1 },
    ]);
  });

  it('reports a wrong protocol version as a header issue and decodes the next frame', function () {
    const wrong = rawFrame(ping(1), { version: 0x03 });
    wrong.indexOf(0x02, 1).should.equal(-1);
    const r = recorder();
    r.decoder.push(wrong);
    r.decoder.push(encodeFrame(ping(2)));
    r.messages.should.eql([ping(2)]);
    r.issues.should.eql([
      { kind: 'header', id: 0x66, version: 0x03 },
      { kind: 'junk', bytes: wrong.length - 2 },
    ]);
  });

  it('a length field larger than the data that follows: the next real frame is found after the LRC failure', function () {
    // Header announcing 300 bytes, only 20 follow, then real frames.
    const bogus = rawFrame('{"method":"Purchase"', { len: 300, noLrc: true });
    bogus.length.should.equal(25);
    const real = [ping(1), CYRILLIC, ping(2), ping(3), ping(4), ping(5)];
    const realBytes = Buffer.concat(real.map((m) => encodeFrame(m)));
    realBytes.length.should.be.above(300);

    // All in one chunk.
    let r = recorder();
    r.decoder.push(Buffer.concat([bogus, realBytes]));
    r.messages.should.eql(real);
    r.issues[0].kind.should.equal('lrc');
    r.issues.map((i) => i.kind).should.not.containEql('json');

    // The real frames come later, one chunk per frame.
    r = recorder();
    r.decoder.push(bogus);
    r.decoder.bufferedBytes.should.equal(25);
    for (const m of real) r.decoder.push(encodeFrame(m));
    r.messages.should.eql(real);
    r.issues[0].kind.should.equal('lrc');

    // One byte at a time.
    r = recorder();
    const all = Buffer.concat([bogus, realBytes]);
    for (let k = 0; k < all.length; k++) {
      r.decoder.push(all.subarray(k, k + 1));
      r.decoder.bufferedBytes.should.be.belowOrEqual(MAX_FRAME);
    }
    r.messages.should.eql(real);
  });

  it('a maximum length field (65,535) over real frames: every frame is still decoded', function () {
    const bogus = rawFrame('{"x":', { len: 0xffff, noLrc: true });
    const real: Wire[] = [];
    let size = 0;
    for (let n = 0; size < 70000; n++) {
      real.push(ping(n));
      size += encodeFrame(ping(n)).length;
    }
    const realBytes = Buffer.concat(real.map((m) => encodeFrame(m)));
    let r = recorder();
    r.decoder.push(Buffer.concat([bogus, realBytes]));
    r.messages.should.eql(real);
    r.issues.map((i) => i.kind).should.eql(['lrc']);

    r = recorder();
    r.decoder.push(bogus);
    for (let k = 0; k < realBytes.length; k += 1000) {
      r.decoder.push(realBytes.subarray(k, k + 1000));
      r.decoder.bufferedBytes.should.be.belowOrEqual(MAX_FRAME);
    }
    r.messages.should.eql(real);
  });

  it('reports invalid JSON and keeps decoding', function () {
    const r = recorder();
    const broken = rawFrame('{"method":"GetStatus",}');
    r.decoder.push(Buffer.concat([broken, encodeFrame(ping(1))]));
    r.decoder.push(rawFrame('{"method": "Оплата"'));
    r.decoder.push(encodeFrame(ping(2)));
    r.messages.should.eql([ping(1), ping(2)]);
    r.issues.map((i) => i.kind).should.eql(['json', 'json']);
    r.issues[0].reason.should.be.a.String();
    r.issues[0].reason.length.should.be.above(0);
    Buffer.from(r.issues[0].body).toString().should.equal('{"method":"GetStatus",}');
    Buffer.from(r.issues[1].body).toString().should.equal('{"method": "Оплата"');
  });

  it('reports JSON that is not an object (array, number, string, null, boolean) and keeps decoding', function () {
    const values = ['[1,2,3]', '42', '"Привіт"', 'null', 'true', '[]'];
    const r = recorder();
    const chunks: Buffer[] = [];
    values.forEach((v, n) => {
      chunks.push(rawFrame(v));
      chunks.push(encodeFrame(ping(n)));
    });
    r.decoder.push(Buffer.concat(chunks));
    r.messages.should.eql(values.map((_, n) => ping(n)));
    r.issues.map((i) => i.kind).should.eql(values.map(() => 'not-object'));
    r.issues.map((i) => Buffer.from(i.body).toString()).should.eql(values);
  });

  it('reports an empty DATA frame as invalid JSON', function () {
    const r = recorder();
    r.decoder.push(Buffer.concat([rawFrame(''), encodeFrame(ping(1))]));
    r.messages.should.eql([ping(1)]);
    r.issues.map((i) => i.kind).should.eql(['json']);
  });
});

describe('frame: FrameDecoder stays bounded on garbage', function () {
  it('bufferedBytes never exceeds MAX_FRAME over 1 MB of random bytes in random chunk sizes', function () {
    const rand = mulberry32(0x5eed1234);
    const total = 1 << 20;
    const data = Buffer.alloc(total);
    for (let k = 0; k < total; k++) data[k] = Math.floor(rand() * 256);
    const r = recorder();
    let max = 0;
    let junk = 0;
    for (let k = 0; k < total;) {
      const size = 1 + Math.floor(rand() * 4096);
      r.decoder.push(data.subarray(k, k + size));
      k += size;
      max = Math.max(max, r.decoder.bufferedBytes);
      r.decoder.bufferedBytes.should.be.belowOrEqual(MAX_FRAME);
    }
    for (const i of r.issues) if (i.kind === 'junk') junk += i.bytes;
    max.should.be.belowOrEqual(MAX_FRAME);
    // Random bytes hold thousands of start bytes; almost everything is junk.
    junk.should.be.above(total * 0.9);
    // At most one header issue per write: the start bytes after a foreign one count as junk.
    const headers = r.issues.filter((i) => i.kind === 'header').length;
    headers.should.be.above(100);
    headers.should.be.belowOrEqual(Math.ceil(total / 2048));

    // After a run of bytes with no start byte, longer than any frame, the decoder is in sync again.
    r.decoder.push(Buffer.alloc(MAX_FRAME));
    r.decoder.push(encodeFrame(CYRILLIC));
    r.messages[r.messages.length - 1].should.eql(CYRILLIC);
    r.decoder.bufferedBytes.should.equal(0);
  });

  it('bufferedBytes never exceeds MAX_FRAME when random bytes are mixed with headers and real frames', function () {
    const rand = mulberry32(42);
    const parts: Buffer[] = [];
    let size = 0;
    const sent: Wire[] = [];
    while (size < 1 << 20) {
      const pick = rand();
      let part;
      if (pick < 0.4) {
        part = Buffer.alloc(1 + Math.floor(rand() * 2000));
        for (let k = 0; k < part.length; k++) part[k] = Math.floor(rand() * 256);
      } else if (pick < 0.6) {
        // A header with a random (often huge) length and no body.
        const len = rand() < 0.2 ? 0xffff : Math.floor(rand() * 0x10000);
        part = Buffer.from([0x02, 0x66, 0x01, len >> 8, len & 0xff]);
      } else {
        const m = ping(sent.length);
        sent.push(m);
        part = encodeFrame(m);
      }
      parts.push(part);
      size += part.length;
    }
    const data = Buffer.concat(parts);
    const r = recorder();
    for (let k = 0; k < data.length;) {
      const n = 1 + Math.floor(rand() * 8192);
      r.decoder.push(data.subarray(k, k + n));
      k += n;
      r.decoder.bufferedBytes.should.be.belowOrEqual(MAX_FRAME);
    }
    // A run of zeros longer than any frame completes whatever bogus length is pending; then the decoder is in sync.
    r.decoder.push(Buffer.alloc(MAX_FRAME));
    r.decoder.push(encodeFrame(ASTRAL));
    should(r.messages.pop()).eql(ASTRAL);
    r.decoder.bufferedBytes.should.equal(0);
    // Every decoded message is one that was sent, in the order sent, without duplicates.
    const ns = r.messages.map((m) => m.params.n);
    for (let k = 1; k < ns.length; k++) ns[k].should.be.above(ns[k - 1]);
    r.messages.forEach((m) => m.should.eql(ping(m.params.n)));
    // Real frames survive: a bogus header only delays them until its length is filled, then they are rescanned,
    // also when the bogus header's LRC matches by chance (about 1 in 256) and its bytes fail as JSON.
    const lrcIssues = r.issues.filter((i) => i.kind === 'lrc').length;
    const jsonIssues = r.issues.filter((i) => i.kind === 'json').length;
    lrcIssues.should.be.above(300);
    jsonIssues.should.be.above(0);
    ns.should.eql(sent.map((m) => m.params.n));
  });
});

describe('frame: FrameParser stream', function () {
  function collect(parser) {
    const out = { messages: [] as Wire[], issues: [] as DecodeIssue[] };
    parser.on('data', (m) => out.messages.push(m));
    parser.on('issue', (i) => out.issues.push(i));
    return out;
  }

  it('turns piped bytes into message objects', function (done) {
    const source = new PassThrough();
    const parser = new FrameParser();
    const out = collect(parser);
    source.pipe(parser);
    const all = Buffer.concat([encodeFrame(CYRILLIC), Buffer.from('junk'), encodeFrame(ASTRAL), encodeFrame(ping(1))]);
    parser.on('end', () => {
      out.messages.should.eql([CYRILLIC, ASTRAL, ping(1)]);
      out.issues.should.eql([{ kind: 'junk', bytes: 4 }]);
      done();
    });
    for (let k = 0; k < all.length; k += 7) source.write(all.subarray(k, k + 7));
    source.end();
  });

  it('reads objects with read() in object mode', function (done) {
    const source = new PassThrough();
    const parser = new FrameParser();
    parser.readableObjectMode.should.be.true();
    source.pipe(parser);
    const got: Wire[] = [];
    parser.on('readable', () => {
      let m;
      while ((m = parser.read()) !== null) got.push(m);
    });
    parser.on('end', () => {
      got.should.eql([ping(1), ping(2)]);
      done();
    });
    source.write(Buffer.concat([encodeFrame(ping(1)), encodeFrame(ping(2)).subarray(0, 5)]));
    source.end(encodeFrame(ping(2)).subarray(5));
  });

  it('emits issues and carries on; a partial frame at the end is dropped', function (done) {
    const source = new PassThrough();
    const parser = new FrameParser();
    const out = collect(parser);
    source.pipe(parser);
    parser.on('end', () => {
      out.messages.should.eql([ping(2)]);
      out.issues.map((i) => i.kind).should.eql(['lrc', 'not-object', 'json']);
      done();
    });
    source.write(rawFrame(ping(1), { lrc: 0 ^ xorAll(Buffer.from(JSON.stringify(ping(1)))) ^ 0xff }));
    source.write(rawFrame('[]'));
    source.write(rawFrame('{'));
    source.write(encodeFrame(ping(2)));
    source.end(encodeFrame(ping(3)).subarray(0, 10));
  });
});
