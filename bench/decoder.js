'use strict';
/**
 * Item 1: the frame decoder against the cost of JSON.parse alone, on a stream of realistic GetLastResult frames
 * (≈600 B, Cyrillic included), fed whole and in random 1–64-byte chunks; and against a naive decoder that
 * Buffer.concats every chunk. 1d: crafted garbage against that stream of frames, byte for byte, in 4 KiB chunks
 * as a socket delivers them: what a hostile or broken peer can make the decoder spend.
 */
const { encodeFrame, FrameDecoder } = require('../dist/core');
const { sideBySide, median, prng, fmt } = require('./lib');

const NAMES = ['ІВАН ПЕТРЕНКО', 'ОЛЕНА КОВАЛЕНКО', 'МАРІЯ ШЕВЧЕНКО', 'ТАРАС БОЙКО', 'ANNA KOVAL'];
const DECLINES = ['', '', '', 'НЕДОСТАТНЬО КОШТІВ', 'КАРТКУ ЗАБЛОКОВАНО'];

/** A GetLastResult as a terminal sends it (the keys of §5): the bank's and cardholder's names and a decline's text in Cyrillic. */
function lastResult(i, rand) {
  const approved = i % 5 !== 3 && i % 5 !== 4;
  const amount = String(100 + Math.floor(rand() * 99_900));
  const n = String(1000 + i).padStart(6, '0');
  return {
    method: 'GetLastResult',
    error: !approved,
    errorCode: approved ? '' : 'E21',
    errorDescription: approved ? '' : DECLINES[i % 5],
    params: {
      originalTrnName: 'Purchase',
      transAmount: amount,
      discount: '0',
      authCode: approved ? (i * 7919).toString(36).toUpperCase().padStart(6, '0').slice(-6) : '',
      date: '14/03/2025',
      time: `1${i % 10}:${String(i % 60).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}`,
      invoiceNum: n,
      bankName: 'ПРИВАТБАНК',
      merchantId: '000000060007176',
      terminalId: 'T0000001',
      pan: i % 2 ? '4725XXXXXXXX1627' : '5168XXXXXXXX4402',
      responseCode: approved ? '00' : '51',
      rrn: approved ? `25${String(i).padStart(10, '0')}` : '',
      transactionResult: approved ? 'APPROVED_ONLINE' : 'DECLINED_ONLINE',
      posEntryMode: i % 3 ? 'CONTACTLESS' : 'CONTACT_EMV',
      binName: i % 2 ? 'VISA' : 'MASTERCARD',
      track2: i % 2 ? '4725760000001627=26092011881002000001' : '5168740000004402=27122011881002000002',
      cardholderName: NAMES[i % NAMES.length],
      parEnabled: false,
      parValue: '',
      balance: '',
      errorDetails: DECLINES[i % 5],
    },
  };
}

/** A stream of `size` bytes repeating `pattern`. */
function repeat(pattern, size) {
  const p = Buffer.from(pattern);
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = p[i % p.length];
  return out;
}

/** A frame carrying `data` with a right LRC, whatever `data` is. */
function frameOf(data) {
  const body = Buffer.from(data, 'utf8');
  let x = 0;
  for (const b of body) x ^= b;
  return Buffer.concat([Buffer.from([0x02, 0x66, 0x01, body.length >> 8, body.length & 0xff]), body, Buffer.from([x])]);
}

/** What a peer can send that is no frame, each shaped against one part of the decoder's work. */
function garbage(size, rand) {
  const noise = Buffer.alloc(size);
  for (let i = 0; i < size; i++) noise[i] = Math.floor(rand() * 256);
  return {
    // A new 64 KiB candidate every 5 bytes: each used to cost a checksum over its whole length.
    '02 66 01 FF FF': repeat([0x02, 0x66, 0x01, 0xff, 0xff], size),
    '02 66 01 00 05 +4': repeat([0x02, 0x66, 0x01, 0x00, 0x05, 0x41, 0x42, 0x43, 0x44], size),
    // Overlapping candidates whose LRC matches and whose DATA starts with "{": each used to cost a JSON.parse.
    'LRC-matching overlaps': repeat([0x02, 0x66, 0x01, 0xff, 0xf3, 0x7b, 0x04, 0x7d], size),
    'header FF FF + noise': Buffer.concat([Buffer.from([0x02, 0x66, 0x01, 0xff, 0xff]), noise.subarray(5)]),
    // Right LRC, no JSON: a JSON.parse exception each.
    'empty DATA, right LRC': repeat([0x02, 0x66, 0x01, 0x00, 0x00, 0x00], size),
    '"{", right LRC': repeat(frameOf('{'), size),
    'bad LRC / 7 B': repeat([0x02, 0x66, 0x01, 0x00, 0x01, 0x41, 0x42], size),
    'start bytes': repeat([0x02], size),
    random: noise,
  };
}

/** The baseline: what one writes first — glue every chunk onto what is buffered, then cut frames off the front. */
class NaiveDecoder {
  constructor(onMessage) {
    this.onMessage = onMessage;
    this.buf = Buffer.alloc(0);
  }

  push(chunk) {
    this.buf = Buffer.concat([this.buf, chunk]);
    for (;;) {
      const stx = this.buf.indexOf(0x02);
      if (stx < 0) {
        this.buf = Buffer.alloc(0);
        return;
      }
      if (stx > 0) this.buf = this.buf.subarray(stx);
      if (this.buf.length < 5) return;
      if (this.buf[1] !== 0x66 || this.buf[2] !== 0x01) {
        this.buf = this.buf.subarray(1);
        continue;
      }
      const len = this.buf.readUInt16BE(3);
      if (this.buf.length < 5 + len + 1) return;
      let x = 0;
      for (let i = 5; i < 5 + len; i++) x ^= this.buf[i];
      if (x === this.buf[5 + len]) this.onMessage(JSON.parse(this.buf.toString('utf8', 5, 5 + len)));
      this.buf = this.buf.subarray(5 + len + 1);
    }
  }
}

async function run({ quick }) {
  const frameCount = quick ? 200 : 2000;
  const n = quick ? 5 : 41;
  const rand = prng(0x55e1);
  const bodies = [];
  const frames = [];
  for (let i = 0; i < frameCount; i++) {
    const body = JSON.stringify(lastResult(i, rand));
    bodies.push(body);
    frames.push(encodeFrame(body));
  }
  const stream = Buffer.concat(frames);
  const chunks = [];
  for (let at = 0; at < stream.length;) {
    const size = 1 + Math.floor(rand() * 64);
    chunks.push(stream.subarray(at, at + size));
    at += size;
  }
  const avgBody = stream.length / frameCount - 6;
  const cyrillic = bodies.every((b) => /[\u0400-\u04FF]/.test(b));
  if (!cyrillic) throw new Error('decoder bench: every body should carry Cyrillic');

  let got = 0;
  let sink = 0;
  const onMessage = (m) => {
    got++;
    sink ^= m.params.invoiceNum.length;
  };
  // What any decoder must do with a body however it frames: turn its UTF-8 bytes into text and parse that.
  const bodyBytes = frames.map((f) => f.subarray(5, f.length - 1));
  const parseBodies = () => {
    for (let i = 0; i < bodyBytes.length; i++) onMessage(JSON.parse(bodyBytes[i].toString('utf8')));
  };
  // JSON.parse of the text alone, already decoded: shown beside, to tell the UTF-8 decoding apart.
  const parseTexts = () => {
    for (let i = 0; i < bodies.length; i++) onMessage(JSON.parse(bodies[i]));
  };
  const feed = (decoder, list) => () => {
    const d = decoder();
    for (let i = 0; i < list.length; i++) d.push(list[i]);
  };
  const ours = () => new FrameDecoder({ onMessage });
  const naive = () => new NaiveDecoder(onMessage);
  const check = (fn, what) => {
    got = 0;
    fn();
    if (got !== frameCount) throw new Error(`decoder bench: ${what} delivered ${got} of ${frameCount} messages`);
  };
  check(feed(ours, frames), 'whole frames');
  check(feed(ours, chunks), 'chunked');
  check(feed(naive, chunks), 'naive, chunked');

  const warmup = quick ? 1 : 5;
  const opts = { warmup };
  const whole = await sideBySide(n, feed(ours, frames), parseBodies, opts);
  const split = await sideBySide(n, feed(ours, chunks), parseBodies, opts);
  const vsNaive = await sideBySide(n, feed(naive, chunks), feed(ours, chunks), opts);
  const wholeVsText = await sideBySide(n, feed(ours, frames), parseTexts, opts);
  const splitVsText = await sideBySide(n, feed(ours, chunks), parseTexts, opts);

  // 1d: bytes per second of garbage against bytes per second of these frames, both in 4 KiB chunks. Throughput is
  // that of a peer sending on and on: one decoder across the rounds (and the warm-up), so the issues and JSON.parse
  // exceptions a new connection is allowed up front are spent. What a new connection's first bytes cost, those
  // allowances included, is in the detail.
  const KIB4 = 4096;
  const in4k = (bytes) => {
    const out = [];
    for (let at = 0; at < bytes.length; at += KIB4) out.push(bytes.subarray(at, at + KIB4));
    return out;
  };
  const validChunks = in4k(stream);
  let issues = 0;
  const withIssues = () => new FrameDecoder({ onMessage, onIssue: () => issues++ });
  check(feed(withIssues, validChunks), 'valid frames in 4 KiB chunks');
  const garbageSize = quick ? 32 * 1024 : 256 * 1024;
  const patterns = Object.entries(garbage(garbageSize, prng(0x9a7b)));
  const into = (decoder, list) => () => {
    for (let i = 0; i < list.length; i++) decoder.push(list[i]);
  };
  // Throughput ratio per round: (garbage bytes / its time) / (valid bytes / its time), in %.
  const throughput = (r, bytes) => ({
    ratio: median(r.ours.map((t, k) => (bytes / t / (stream.length / r.base[k])) * 100)),
    mbps: bytes / 1e3 / median(r.ours),
    validMbps: stream.length / 1e3 / median(r.base),
  });
  const perPattern = [];
  for (const [name, bytes] of patterns) {
    const chunked = in4k(bytes);
    const steady = await sideBySide(quick ? 3 : 15, into(withIssues(), chunked), into(withIssues(), validChunks), opts);
    const fresh = await sideBySide(quick ? 3 : 9, feed(withIssues, chunked), feed(withIssues, validChunks), opts);
    perPattern.push({ name, ...throughput(steady, bytes.length), fresh: throughput(fresh, bytes.length) });
  }
  const worst = perPattern.reduce((w, p) => (p.ratio < w.ratio ? p : w));
  const worstFresh = perPattern.reduce((w, p) => (p.fresh.ratio < w.fresh.ratio ? p : w));
  const validMbps = median(perPattern.map((p) => p.validMbps));
  if (sink < 0 || issues < 0) console.log(sink, issues);

  const us = (ms) => `${fmt((ms * 1000) / frameCount)} µs`;
  const stats = `${frameCount} frames, ${fmt(avgBody)} B body avg, ${n} rounds`;
  const text = (r) => `JSON.parse of the decoded text alone ${us(median(r.base))}, ratio ${fmt(r.ratio)} ×`;
  return [
    {
      id: '1a',
      figure: 'decode whole frames / JSON.parse of the bodies',
      value: whole.ratio,
      unit: '×',
      target: '≤ 1.2 ×',
      pass: whole.ratio <= 1.2,
      detail: `decoder ${us(median(whole.ours))} vs JSON.parse(body.toString()) ${us(median(whole.base))} per frame (${text(wholeVsText)}); ${stats}`,
    },
    {
      id: '1b',
      figure: 'decode 1–64 B chunks / JSON.parse of the bodies',
      value: split.ratio,
      unit: '×',
      target: '≤ 2.5 ×',
      pass: split.ratio <= 2.5,
      detail: `decoder ${us(median(split.ours))} vs ${us(median(split.base))} per frame (${text(splitVsText)}); ${chunks.length} chunks of ${fmt(stream.length / chunks.length)} B avg; ${stats}`,
    },
    {
      id: '1c',
      figure: 'naive Buffer.concat decoder / ours, chunked',
      value: vsNaive.ratio,
      unit: '×',
      target: '≥ 5 ×',
      pass: vsNaive.ratio >= 5,
      detail: `naive ${us(median(vsNaive.ours))} vs ours ${us(median(vsNaive.base))} per frame; a decoder costing nothing beyond JSON.parse(body.toString()) (${us(median(split.base))}) would reach ${fmt(median(vsNaive.ours) / median(split.base))} ×; ${stats}`,
    },
    {
      id: '1d',
      figure: 'garbage throughput / valid-frame throughput (worst)',
      value: worst.ratio,
      unit: '%',
      target: '≥ 50 %',
      pass: worst.ratio >= 50,
      detail: `worst: ${worst.name}; valid frames ${fmt(validMbps)} MB/s; ${perPattern.map((p) => `${p.name} ${fmt(p.mbps)} MB/s (${fmt(p.ratio)} %)`).join(', ')}; a new connection's first ${fmt(garbageSize / 1024)} KiB (its allowance of issues and JSON.parse exceptions spent in them): worst ${worstFresh.name} ${fmt(worstFresh.fresh.mbps)} MB/s (${fmt(worstFresh.fresh.ratio)} %); ${fmt(garbageSize / 1024)} KiB each in 4 KiB chunks, ${quick ? 3 : 15} rounds`,
    },
  ];
}

module.exports = { run, lastResult, NaiveDecoder };
