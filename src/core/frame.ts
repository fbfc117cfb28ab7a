/**
 * Frame format (§1.3): 0x02 0x66 0x01 | LEN (2 bytes, big-endian, DATA only) | DATA (UTF-8 JSON) | LRC (XOR of DATA).
 */
import { EcrError, LIB_CODES } from './errors';

export const STX = 0x02;
export const PROTOCOL_ID = 0x66;
export const PROTOCOL_VERSION = 0x01;
export const HEADER_SIZE = 5;
export const MAX_BODY = 0xffff;
/** Header, the largest DATA and the LRC byte. */
export const MAX_FRAME = HEADER_SIZE + MAX_BODY + 1;

/** Below this many bytes a plain loop is as quick as viewing the bytes as 32-bit words. */
const LRC_WORDS_FROM = 64;

export function lrc(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let x = 0;
  let i = start;
  if (end - start >= LRC_WORDS_FROM) {
    // XOR four bytes at a time over the 4-byte-aligned middle, then fold the word's bytes into one: the
    // XOR of every byte, whatever the platform's byte order, in a third of the time.
    const head = (4 - ((bytes.byteOffset + start) & 3)) & 3;
    for (const stop = i + head; i < stop; i++) x ^= bytes[i];
    const words = (end - i) >> 2;
    const view = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
    let w = 0;
    for (let k = 0; k < words; k++) w ^= view[k];
    w ^= w >>> 16;
    w ^= w >>> 8;
    x ^= w & 0xff;
    i += words << 2;
  }
  for (; i < end; i++) x ^= bytes[i];
  return x;
}

export function encodeFrame(message: object | string, method?: string): Buffer {
  const json = typeof message === 'string' ? message : JSON.stringify(message);
  const size = Buffer.byteLength(json, 'utf8');
  if (size > MAX_BODY) {
    throw new EcrError(
      LIB_CODES.FRAME_TOO_LARGE,
      `${method ?? 'message'}: the request is ${size} bytes of UTF-8 JSON; a frame carries at most ${MAX_BODY}`,
      { method, rule: `encoded size <= ${MAX_BODY} bytes` },
    );
  }
  const frame = Buffer.allocUnsafe(HEADER_SIZE + size + 1);
  frame[0] = STX;
  frame[1] = PROTOCOL_ID;
  frame[2] = PROTOCOL_VERSION;
  frame.writeUInt16BE(size, 3);
  frame.write(json, HEADER_SIZE, size, 'utf8');
  frame[HEADER_SIZE + size] = lrc(frame, HEADER_SIZE, HEADER_SIZE + size);
  return frame;
}

/** What the decoder could not turn into a message. None of these stop it: it resynchronises on the next frame. */
export type DecodeIssue =
  /**
   * Bytes that start no frame. In a flood of bad frames, once the issue credit is spent (see ISSUE_COST), the
   * failures count here too, with the junk around them.
   */
  | { kind: 'junk'; bytes: number }
  | { kind: 'header'; id: number; version?: number }
  /** `received` is the LRC byte the frame carries, `computed` the XOR of its data. */
  | { kind: 'lrc'; received: number; computed: number; body: Buffer }
  | { kind: 'json'; reason: string; body: Buffer }
  | { kind: 'not-object'; body: Buffer };

export interface DecoderHandlers {
  onMessage(message: Record<string, unknown>): void;
  onIssue?(issue: DecodeIssue): void;
}

/** The smallest window allocated (from Buffer's pool); one larger than KEEP_WINDOW is let go once empty. */
const MIN_WINDOW = 1024;
const KEEP_WINDOW = 4096;
/** Bytes taken into the window at a time while it is rescanned, where candidates may come every few bytes. */
const PULL = 1024;
/** Below this distance a loop finds a start byte sooner than a call to indexOf. */
const NEAR = 16;
/**
 * Issues cost their listeners (an event each, up to the application) and the decoder (a view of the body, a
 * reason): a flood of 6-byte bad frames would make one per 6 bytes. So an issue is paid for from a credit the
 * bytes received replenish: so many bytes per issue, fewer for junk (random noise holds a start byte every 256
 * bytes on average), up to ISSUE_CREDIT. Without credit, what would have been an issue is counted as junk,
 * reported together with the junk around it.
 */
const ISSUE_COST = 256;
const JUNK_COST = 64;
const ISSUE_CREDIT = 256 * ISSUE_COST;
/**
 * JSON.parse throws on what is not JSON, at microseconds an exception: a flood of short frames with a right LRC
 * and wrong JSON (`02 66 01 00 00 00`) would cost that much per 6 bytes. So an exception over DATA shorter than
 * this is paid for from a second credit, this many bytes received per exception, up to a burst of MAX_PARSES;
 * without credit the decoder checks the JSON grammar itself (jsonFault) and words the reason.
 */
const PARSE_COST = 16 * 1024;
const MAX_PARSES = 128;

/** A start byte followed by the protocol id: where a frame may begin. */
const START = Buffer.from([STX, PROTOCOL_ID]);

/** The first start byte in buf[from, to), or -1. */
function stxIn(buf: Buffer, from: number, to: number): number {
  const near = Math.min(to, from + NEAR);
  for (let k = from; k < near; k++) if (buf[k] === STX) return k;
  if (near >= to) return -1;
  const at = buf.indexOf(STX, near);
  return at >= 0 && at < to ? at : -1;
}

/** What JSON.parse says about the text. */
function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message;
  }
  return 'a raw control character (0x02) in the JSON text';
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const LITERALS: Readonly<Record<number, string>> = { 0x74: 'true', 0x66: 'false', 0x6e: 'null' };
/** What jsonFault() expects next. */
const VALUE = 0;
const KEY = 1;
const AFTER = 2;
/** jsonFault()'s stack of open brackets for texts up to PARSE_COST bytes (it calls nothing, so one serves all). */
const OPEN = new Uint8Array(PARSE_COST);
const HEX = Array.from({ length: 256 }, (_, b) => `0x${b.toString(16).padStart(2, '0')}`);
const ESCAPES = new Set([...'"\\/bfnrt'].map((c) => c.charCodeAt(0)));

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** The end of the string starting with the quote at i, or ~(where it goes wrong). */
function stringEnd(buf: Buffer, i: number, b: number): number {
  for (let k = i + 1; ; k++) {
    if (k >= b) return ~k;
    const c = buf[k];
    if (c === QUOTE) return k + 1;
    // Bytes of 0x80 and above decode to characters (U+FFFD where not UTF-8), all allowed in a string; controls are not.
    if (c < 0x20) return ~k;
    if (c !== BACKSLASH) continue;
    k++;
    if (k >= b) return ~k;
    if (ESCAPES.has(buf[k])) continue;
    if (buf[k] !== 0x75) return ~k;
    for (let h = 1; h <= 4; h++) if (k + h >= b || !isHex(buf[k + h])) return ~(k + h);
    k += 4;
  }
}

/** The end of the number starting at i, or ~(where it goes wrong): -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
function numberEnd(buf: Buffer, i: number, b: number): number {
  let k = i;
  if (buf[k] === MINUS) k++;
  if (k >= b || !isDigit(buf[k])) return ~k;
  if (buf[k++] !== DIGIT_0) while (k < b && isDigit(buf[k])) k++;
  if (k < b && buf[k] === 0x2e) {
    k++;
    if (k >= b || !isDigit(buf[k])) return ~k;
    while (k < b && isDigit(buf[k])) k++;
  }
  if (k < b && (buf[k] === 0x65 || buf[k] === 0x45)) {
    k++;
    if (k < b && (buf[k] === 0x2b || buf[k] === MINUS)) k++;
    if (k >= b || !isDigit(buf[k])) return ~k;
    while (k < b && isDigit(buf[k])) k++;
  }
  return k;
}

/** The end of true, false or null at i, or ~(where it goes wrong). */
function literalEnd(buf: Buffer, i: number, b: number): number {
  const word = LITERALS[buf[i]];
  if (word === undefined) return ~i;
  for (let j = 0; j < word.length; j++) if (i + j >= b || buf[i + j] !== word.charCodeAt(j)) return ~(i + j);
  return i + word.length;
}

/**
 * Where the UTF-8 text buf[a, b) stops being JSON (its offset from a; b - a when it ends too soon), or -1 when it
 * is JSON text that JSON.parse accepts: the grammar of RFC 8259 checked byte by byte, without an exception to pay
 * for. Outside strings only ASCII is JSON, so bytes of 0x80 and above are a fault there.
 */
export function jsonFault(buf: Buffer, a: number, b: number): number {
  // The brackets open at each depth (no deeper than the text is long), and how many are open.
  const open = b - a <= OPEN.length ? OPEN : new Uint8Array(b - a);
  let depth = 0;
  let i = a;
  let state = VALUE;
  for (;;) {
    while (i < b && isWs(buf[i])) i++;
    if (state === AFTER) {
      if (depth === 0) return i < b ? i - a : -1;
      if (i >= b) return i - a;
      const top = open[depth - 1];
      if (buf[i] === 0x2c) {
        i++;
        state = top === OPEN_OBJECT ? KEY : VALUE;
      } else if (buf[i] === top + 2) {
        // "}" is "{" + 2, "]" is "[" + 2.
        depth--;
        i++;
      } else return i - a;
      continue;
    }
    if (i >= b) return i - a;
    const c = buf[i];
    if (state === KEY) {
      if (c !== QUOTE) return i - a;
      const end = stringEnd(buf, i, b);
      if (end < 0) return ~end - a;
      i = end;
      while (i < b && isWs(buf[i])) i++;
      if (i >= b || buf[i] !== 0x3a) return i - a;
      i++;
      state = VALUE;
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      i++;
      while (i < b && isWs(buf[i])) i++;
      if (i < b && buf[i] === c + 2) {
        i++;
        state = AFTER;
      } else {
        open[depth++] = c;
        state = c === OPEN_OBJECT ? KEY : VALUE;
      }
      continue;
    }
    const end = c === QUOTE ? stringEnd(buf, i, b) : c === MINUS || isDigit(c) ? numberEnd(buf, i, b) : literalEnd(buf, i, b);
    if (end < 0) return ~end - a;
    i = end;
    state = AFTER;
  }
}

/**
 * A streaming decoder: frames split over any number of chunks, several frames per chunk, junk before a frame
 * and bad checksums. A whole frame inside one chunk is parsed in place; the bytes of a split one are copied once
 * into a window, so the decoder never holds more than one maximum frame.
 *
 * Resynchronisation: at each start byte (0x02) it tries a frame; a frame that checks out (LRC, then JSON) is
 * consumed whole; anything else costs only its start byte, and the scan goes on at the next start byte, also
 * inside the bytes of the failed frame (a truncated frame never hides the next one). A frame whose length runs
 * past the bytes received is waited for.
 *
 * Work is linear in the input, however hostile:
 * - Candidates that overlap (`02 66 01 FF FF` repeated starts a 64 KiB candidate every 5 bytes) would each cost a
 *   checksum over their whole length; so once a candidate fails, the bytes after it are rescanned in the window,
 *   where the XOR of any range comes from prefix XORs in constant time: each byte is XORed and copied a bounded
 *   number of times.
 * - JSON.parse runs only on a matching checksum, and never over a start byte: a raw 0x02 is not JSON (not
 *   whitespace, and not allowed unescaped in a string), so DATA holding one is no JSON object, whatever its LRC.
 * - One bad stretch is one issue: a candidate starting inside the bytes of a failure already reported (no frame
 *   decoded since) that cannot be a frame, its DATA holding a start byte, is dropped without an issue of its own.
 * - Floods of small bad frames are bounded by the issue and exception credits (ISSUE_COST, PARSE_COST).
 */
export class FrameDecoder {
  /**
   * Bytes taken from the stream and not yet resolved: win[winStart, winEnd), starting with the candidate frame in
   * progress. Written once and never overwritten (an issue's body may be a view of it); win[winEnd] and the byte
   * after it are a start byte and the protocol id, put there so that a search never runs past the end.
   */
  private win: Buffer | null = null;
  private winStart = 0;
  private winEnd = 0;
  /** How many bytes from winStart the candidate there needs before it can be looked at again. */
  private want = 0;
  /** While the window is rescanned: px[k] ^ px[j] is the XOR of win[j, k), for pxFrom <= j <= k <= pxEnd. */
  private px: Uint8Array | null = null;
  private pxFrom = -1;
  private pxEnd = 0;
  /** The window position up to which bytes belong to a failure already reported (no frame decoded since); -1 if none. */
  private stretchEnd = -1;
  /** What examine() found, handed out once the scan position has moved past it; outJunk: its bytes as junk. */
  private outIssue: DecodeIssue | null = null;
  private outMessage: Record<string, unknown> | null = null;
  private outJunk = 0;
  /** Junk (and failures without issue credit) not reported yet: it goes out as one issue. */
  private pendingJunk = 0;
  private issueCredit = ISSUE_CREDIT;
  private parseCredit = MAX_PARSES * PARSE_COST;
  private readonly queue: Buffer[] = [];
  private draining = false;
  /** Set after a wrong protocol id/version until a good header or the peer's next write. */
  private foreign = false;
  /** Counts reset()s: a handler that resets the decoder ends the scan under way. */
  private epoch = 0;

  constructor(private readonly handlers: DecoderHandlers) {}

  /** Bytes held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.winEnd - this.winStart;
  }

  reset(): void {
    this.epoch++;
    this.queue.length = 0;
    this.winStart = this.winEnd;
    this.settled();
    this.foreign = false;
    this.pendingJunk = 0;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    // A push from inside onMessage/onIssue waits its turn behind the bytes being scanned.
    if (this.draining) {
      this.queue.push(chunk);
      return;
    }
    this.draining = true;
    try {
      let next: Buffer | undefined = chunk;
      while (next) {
        this.take(next);
        this.flushJunk();
        next = this.queue.shift();
      }
    } finally {
      this.draining = false;
    }
  }

  private take(chunk: Buffer): void {
    const epoch = this.epoch;
    if (this.winStart === this.winEnd) this.foreign = false;
    const n = chunk.length;
    this.issueCredit = Math.min(ISSUE_CREDIT, this.issueCredit + n);
    this.parseCredit = Math.min(MAX_PARSES * PARSE_COST, this.parseCredit + n);
    let i = 0;
    /** How many of the bytes held came from this chunk: chunk[i - pulled, i). */
    let pulled = 0;
    for (;;) {
      if (this.winStart < this.winEnd) {
        const short = this.winStart + this.want - this.winEnd;
        if (short > 0) {
          if (i >= n) return;
          const take = Math.min(this.pxFrom >= 0 ? Math.max(short, PULL) : short, n - i);
          this.append(chunk, i, i + take);
          i += take;
          pulled += take;
          if (take < short) return;
        }
        this.drain();
        if (this.epoch !== epoch) return;
        const held = this.winEnd - this.winStart;
        if (held > 0 && held <= pulled && this.stretchEnd <= this.winStart) {
          // What is still held came from this chunk, after any bad stretch: scan it in place again, not byte by
          // byte through the window (a run of start bytes each waits for the next one).
          i -= held;
          pulled = 0;
          this.winStart = this.winEnd;
          this.settled();
        } else pulled = Math.min(pulled, held);
      } else {
        if (i >= n) return;
        i = this.scanChunk(chunk, i, n);
        if (this.epoch !== epoch) return;
        // A failure in the chunk left bytes of it in the window, to be rescanned.
        pulled = this.winEnd - this.winStart;
      }
    }
  }

  /** Frames in the chunk itself, while nothing is held; returns where the chunk goes on once the window is settled. */
  private scanChunk(chunk: Buffer, i: number, n: number): number {
    const epoch = this.epoch;
    while (i < n) {
      if (!this.reporting(JUNK_COST) && (chunk[i] !== STX || chunk[i + 1] !== PROTOCOL_ID)) {
        i = this.skipJunk(chunk, i, n);
        if (i >= n) return n;
      }
      const s = chunk[i] === STX ? i : chunk.indexOf(STX, i);
      if (s < 0) {
        this.junk(n - i);
        return n;
      }
      if (s > i && !this.junk(s - i, epoch)) return n;
      // A start byte not followed by the protocol id (a run of them, say) is settled here, without examine().
      const next = s + 1 < n && chunk[s + 1] !== PROTOCOL_ID ? this.badHeader(s, 1, chunk[s + 1]) : this.examine(chunk, s, n, false);
      if (next < 0) {
        this.append(chunk, s, n);
        return n;
      }
      i = next;
      if (!this.flush(epoch)) return n;
      // A failed candidate left its bytes in the window, to be rescanned before the rest of the chunk.
      if (this.winStart < this.winEnd) return i;
    }
    return n;
  }

  /** Resolves the candidates in the window until one needs more bytes or the window is empty. */
  private drain(): void {
    const epoch = this.epoch;
    while (this.winStart < this.winEnd) {
      const win = this.win!;
      const end = this.winEnd;
      if (!this.reporting(JUNK_COST) && (win[this.winStart] !== STX || win[this.winStart + 1] !== PROTOCOL_ID))
        this.winStart = this.skipJunk(win, this.winStart, end);
      const p = this.winStart;
      const s = win[p] === STX ? p : win.indexOf(STX, p);
      if (s >= end) {
        this.winStart = end;
        if (end > p && !this.junk(end - p, epoch)) return;
        break;
      }
      this.winStart = s;
      if (s > p && !this.junk(s - p, epoch)) return;
      const next = this.examine(win, s, end, true);
      if (next < 0) return;
      this.winStart = next;
      if (!this.flush(epoch)) return;
    }
    this.settled();
  }

  /**
   * Looks at the candidate frame whose start byte is buf[s], the bytes known up to `end`. Returns where the scan
   * goes on (what it found is in outIssue/outMessage), or -1 when the candidate needs `want` bytes.
   */
  private examine(buf: Buffer, s: number, end: number, inWindow: boolean): number {
    if (end - s < 2) return this.wait(2);
    if (buf[s + 1] !== PROTOCOL_ID) return this.badHeader(s, 1, buf[s + 1]);
    if (end - s < 3) return this.wait(3);
    if (buf[s + 2] !== PROTOCOL_VERSION) return this.badHeader(s, 2, buf[s + 2]);
    this.foreign = false;
    if (end - s < HEADER_SIZE) return this.wait(HEADER_SIZE);
    const a = s + HEADER_SIZE;
    // The LRC byte.
    const b = a + ((buf[s + 3] << 8) | buf[s + 4]);
    if (b >= end) return this.wait(b + 1 - s);
    const rescan = inWindow && this.pxFrom >= 0;
    let stx = -2;
    if (rescan && s < this.stretchEnd) {
      // Inside a bad stretch already reported: a candidate that cannot be a frame is part of it.
      stx = stxIn(buf, a, b);
      if (stx >= 0) return this.failed(buf, s, b, inWindow, stx);
    }
    const computed = rescan ? this.xorOf(a, b) : lrc(buf, a, b);
    if (computed !== buf[b]) {
      if (this.reporting()) this.outIssue = { kind: 'lrc', received: buf[b], computed, body: buf.subarray(a, b) };
      this.outJunk = 1;
      return this.failed(buf, s, b, inWindow, stx);
    }
    // A checksum that matched by chance over junk (or crafted): the bytes inside may still hold a real frame.
    if (stx === -2) stx = stxIn(buf, a, b);
    // JSON has no raw 0x02 (not whitespace, not allowed unescaped in a string): the text up to it says why.
    if (stx >= 0) return this.notJson(buf, s, a, b, inWindow, stx, stx + 1, stx - a);
    if (b - a < PARSE_COST && this.parseCredit < PARSE_COST) {
      const fault = jsonFault(buf, a, b);
      if (fault >= 0) return this.notJson(buf, s, a, b, inWindow, -1, b, fault);
    }
    let value: unknown;
    try {
      value = JSON.parse(buf.toString('utf8', a, b));
    } catch (err) {
      if (b - a < PARSE_COST) this.parseCredit -= PARSE_COST;
      if (this.reporting()) this.outIssue = { kind: 'json', reason: (err as Error).message, body: buf.subarray(a, b) };
      this.outJunk = 1;
      return this.failed(buf, s, b, inWindow, -1);
    }
    this.stretchEnd = -1;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      if (this.reporting()) this.outIssue = { kind: 'not-object', body: buf.subarray(a, b) };
      this.outJunk = b + 1 - s;
    } else this.outMessage = value as Record<string, unknown>;
    return b + 1;
  }

  /**
   * Out of credit even for junk, every byte before the next `02 66` is junk (a start byte followed by anything else fails
   * its header): it is counted in one step, not start byte by start byte. A start byte ending the bytes is kept,
   * as its header is still to come.
   */
  private skipJunk(buf: Buffer, i: number, end: number): number {
    let to = buf.indexOf(START, i);
    if (to < 0 || to >= end) to = buf[end - 1] === STX ? end - 1 : end;
    if (to > i) {
      const stx = buf.indexOf(STX, i);
      if (stx >= 0 && stx < to) this.foreign = true;
      this.pendingJunk += to - i;
    }
    return to;
  }

  /** Whether an issue found now would be handed out (see ISSUE_COST); if not, it is counted as junk. */
  private reporting(cost = ISSUE_COST): boolean {
    return this.issueCredit >= cost && this.handlers.onIssue !== undefined;
  }

  /** DATA buf[a, b) is no JSON: the text up to reasonEnd shows it, going wrong at offset `fault`. */
  private notJson(buf: Buffer, s: number, a: number, b: number, inWindow: boolean, stx: number, reasonEnd: number, fault: number): number {
    if (this.reporting()) this.outIssue = { kind: 'json', reason: this.reason(buf, a, reasonEnd, fault), body: buf.subarray(a, b) };
    this.outJunk = 1;
    return this.failed(buf, s, b, inWindow, stx);
  }

  /**
   * Why buf[a, end) is no JSON, `fault` being where it goes wrong: JSON.parse's own words while the credit lasts
   * (or when the text is long enough to pay for its exception), else the decoder's.
   */
  private reason(buf: Buffer, a: number, end: number, fault: number): string {
    if (end - a >= PARSE_COST) return jsonError(buf.toString('utf8', a, end));
    if (this.parseCredit >= PARSE_COST) {
      this.parseCredit -= PARSE_COST;
      return jsonError(buf.toString('utf8', a, end));
    }
    const what =
      a + fault < end ? `Unexpected byte ${HEX[buf[a + fault]]} in JSON at position ${fault}` : `Unexpected end of JSON input at position ${fault}`;
    return `${what} (the decoder's words: bad frames come too fast for JSON.parse's own)`;
  }

  private wait(bytes: number): number {
    this.want = bytes;
    return -1;
  }

  /** One foreign frame is one header issue: start bytes inside it (a version 2, a length) are junk. */
  private badHeader(s: number, matched: 1 | 2, byte: number): number {
    if (this.foreign) this.outJunk = matched;
    else if (this.reporting()) this.outIssue = matched === 1 ? { kind: 'header', id: byte } : { kind: 'header', id: PROTOCOL_ID, version: byte };
    else this.outJunk = matched;
    this.foreign = true;
    return s + matched;
  }

  /**
   * The candidate at s, LRC byte at b, is no frame: the scan goes on at the next start byte after s, which may be
   * in its length field, its DATA or its LRC byte. In a chunk, those bytes move to the window to be rescanned.
   * `stx`: the first start byte in DATA, -1 if there is none, -2 if not looked for.
   */
  private failed(buf: Buffer, s: number, b: number, inWindow: boolean, stx: number): number {
    // buf[s + 1], buf[s + 2] are the protocol id and version.
    let next: number;
    if (buf[s + 3] === STX) next = s + 3;
    else if (buf[s + 4] === STX) next = s + 4;
    else if (stx >= 0) next = stx;
    else next = stx === -1 ? (buf[b] === STX ? b : -1) : stxIn(buf, s + HEADER_SIZE, b + 1);
    if (!inWindow) {
      if (next < 0) return b + 1;
      this.append(buf, next, b + 1);
      this.rescanFrom(this.winStart);
      this.stretchEnd = this.winEnd;
      this.want = 0;
      return b + 1;
    }
    if (b + 1 > this.stretchEnd) this.stretchEnd = b + 1;
    if (this.pxFrom < 0) this.rescanFrom(next < 0 ? b + 1 : next);
    return next < 0 ? b + 1 : next;
  }

  private rescanFrom(at: number): void {
    const size = this.win!.length + 1;
    if (!this.px || this.px.length < size) this.px = new Uint8Array(size);
    this.pxFrom = at;
    this.pxEnd = at;
    this.px[at] = 0;
  }

  /** The XOR of win[a, b), a >= pxFrom, extending the prefix XORs as far as b. */
  private xorOf(a: number, b: number): number {
    const px = this.px!;
    let k = this.pxEnd;
    if (b > k) {
      const win = this.win!;
      let x = px[k];
      for (; k < b; k++) {
        x ^= win[k];
        px[k + 1] = x;
      }
      this.pxEnd = b;
    }
    return px[a] ^ px[b];
  }

  private append(src: Buffer, from: number, to: number): void {
    const len = to - from;
    let win = this.win;
    if (!win || this.winEnd + len + 2 > win.length) win = this.grow(len);
    src.copy(win, this.winEnd, from, to);
    this.winEnd += len;
    win[this.winEnd] = STX;
    win[this.winEnd + 1] = PROTOCOL_ID;
  }

  /** A new window with the bytes held and room for `len` more (the old one may be viewed by an issue's body). */
  private grow(len: number): Buffer {
    const live = this.winEnd - this.winStart;
    // Room for at least as many bytes again as are held: each byte is copied a bounded number of times.
    const win = Buffer.allocUnsafe(Math.max(MIN_WINDOW, 2 * (live + len) + 2));
    if (this.win && live > 0) this.win.copy(win, 0, this.winStart, this.winEnd);
    this.stretchEnd -= this.winStart;
    this.win = win;
    this.winStart = 0;
    this.winEnd = live;
    if (this.pxFrom >= 0) this.rescanFrom(0);
    return win;
  }

  /** The window is empty: no rescan, no bad stretch; a large window or prefix array is let go. */
  private settled(): void {
    this.want = 0;
    this.pxFrom = -1;
    this.stretchEnd = -1;
    if (this.win && this.win.length > KEEP_WINDOW) {
      this.win = null;
      this.winStart = 0;
      this.winEnd = 0;
    }
    if (this.px && this.px.length > KEEP_WINDOW + 1) this.px = null;
  }

  /** Hands out what examine() found; false when a handler reset the decoder. */
  private flush(epoch: number): boolean {
    const issue = this.outIssue;
    const message = this.outMessage;
    const junk = this.outJunk;
    this.outIssue = null;
    this.outMessage = null;
    this.outJunk = 0;
    if (issue) this.issue(issue);
    else if (junk > 0) this.junk(junk);
    if (message) {
      this.flushJunk();
      this.handlers.onMessage(message);
    }
    return this.epoch === epoch;
  }

  /** Junk is reported with the junk just before it, as one issue, or later with what follows when out of credit. */
  private junk(bytes: number, epoch = this.epoch): boolean {
    if (this.reporting(JUNK_COST)) {
      this.issueCredit -= JUNK_COST;
      const all = this.pendingJunk + bytes;
      this.pendingJunk = 0;
      this.handlers.onIssue!({ kind: 'junk', bytes: all });
    } else this.pendingJunk += bytes;
    return this.epoch === epoch;
  }

  private flushJunk(): void {
    if (this.pendingJunk === 0) return;
    const bytes = this.pendingJunk;
    this.pendingJunk = 0;
    this.handlers.onIssue?.({ kind: 'junk', bytes });
  }

  /** An issue that was paid for in examine() (reporting() was true): any junk held back goes out first. */
  private issue(issue: DecodeIssue): void {
    this.issueCredit -= ISSUE_COST;
    this.flushJunk();
    this.handlers.onIssue!(issue);
  }
}
