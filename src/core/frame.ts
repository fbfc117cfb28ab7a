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

interface Slice {
  buf: Buffer;
  start: number;
  end: number;
}

/**
 * A streaming decoder: frames split over any number of chunks, several frames per chunk, junk before a frame
 * and bad checksums. A whole frame inside one chunk is parsed in place; a split one is copied once into a
 * buffer of exactly its size, so the decoder never holds more than one maximum frame.
 */
export class FrameDecoder {
  private readonly header = Buffer.alloc(HEADER_SIZE);
  private headerLen = 0;
  private body: Buffer | null = null;
  private filled = 0;
  private readonly work: Slice[] = [];
  private draining = false;
  /** Set after a wrong protocol id/version until a good header or the peer's next write. */
  private foreign = false;

  constructor(private readonly handlers: DecoderHandlers) {}

  /** Bytes held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.body ? this.filled + HEADER_SIZE : this.headerLen;
  }

  reset(): void {
    this.headerLen = 0;
    this.body = null;
    this.filled = 0;
    this.work.length = 0;
    this.foreign = false;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.headerLen === 0 && !this.body) this.foreign = false;
    // A push from inside onMessage/onIssue waits its turn behind the bytes being scanned.
    if (this.draining) {
      this.work.push({ buf: chunk, start: 0, end: chunk.length });
      return;
    }
    this.draining = true;
    try {
      this.scan(chunk, 0, chunk.length);
      let slice: Slice | undefined;
      while ((slice = this.work.shift())) this.scan(slice.buf, slice.start, slice.end);
    } finally {
      this.draining = false;
    }
  }

  private scan(chunk: Buffer, start: number, n: number): void {
    let i = start;
    while (i < n) {
      if (this.body) {
        const body = this.body;
        const take = Math.min(body.length - this.filled, n - i);
        chunk.copy(body, this.filled, i, i + take);
        this.filled += take;
        i += take;
        if (this.filled === body.length) {
          this.body = null;
          this.filled = 0;
          if (!this.finish(body, 0, body.length - 1)) {
            // The length bytes of the bad header may themselves be the start of the real frame.
            const lenBytes = this.header.subarray(3, HEADER_SIZE);
            const at = lenBytes.indexOf(STX);
            const bad = at < 0 ? body : Buffer.concat([lenBytes.subarray(at), body]);
            return this.rescan(bad, 0, bad.length, chunk, i, n);
          }
        }
        continue;
      }
      if (this.headerLen === 0) {
        let stx = chunk.indexOf(STX, i);
        if (stx >= n) stx = -1;
        if (stx < 0) {
          this.issue({ kind: 'junk', bytes: n - i });
          return;
        }
        if (stx > i) this.issue({ kind: 'junk', bytes: stx - i });
        i = stx;
        if (n - i > HEADER_SIZE && chunk[i + 1] === PROTOCOL_ID && chunk[i + 2] === PROTOCOL_VERSION) {
          this.foreign = false;
          const len = chunk.readUInt16BE(i + 3);
          const end = i + HEADER_SIZE + len;
          if (end < n) {
            if (!this.finish(chunk, i + HEADER_SIZE, end)) return this.rescan(chunk, i + 1, end + 1, chunk, end + 1, n);
            i = end + 1;
            continue;
          }
        }
        this.header[0] = STX;
        this.headerLen = 1;
        i++;
        continue;
      }
      const b = chunk[i];
      if ((this.headerLen === 1 && b !== PROTOCOL_ID) || (this.headerLen === 2 && b !== PROTOCOL_VERSION)) {
        // One foreign frame is one header issue: 0x02 bytes inside it (a version 2, a length) are junk.
        if (this.foreign) this.issue({ kind: 'junk', bytes: this.headerLen });
        else this.issue(this.headerLen === 1 ? { kind: 'header', id: b } : { kind: 'header', id: PROTOCOL_ID, version: b });
        this.foreign = true;
        this.headerLen = 0;
        continue;
      }
      this.header[this.headerLen++] = b;
      i++;
      if (this.headerLen === HEADER_SIZE) {
        this.headerLen = 0;
        this.foreign = false;
        this.body = Buffer.allocUnsafe(this.header.readUInt16BE(3) + 1);
        this.filled = 0;
      }
    }
  }

  /** After a bad checksum, the bytes that followed the bad start byte (length field included) may hold the start of a good frame. */
  private rescan(bad: Buffer, from: number, badEnd: number, rest: Buffer, restStart: number, restEnd: number): void {
    if (restStart < restEnd) this.work.unshift({ buf: rest, start: restStart, end: restEnd });
    const next = bad.indexOf(STX, from);
    if (next >= 0 && next < badEnd) this.work.unshift({ buf: bad, start: next, end: badEnd });
  }

  /** Checks the LRC at `end` and delivers DATA[start, end). Returns false when the bytes are not a frame (bad checksum or JSON). */
  private finish(buf: Buffer, start: number, end: number): boolean {
    const computed = lrc(buf, start, end);
    if (computed !== buf[end]) {
      this.issue({ kind: 'lrc', received: buf[end], computed, body: buf.subarray(start, end) });
      return false;
    }
    let value: unknown;
    try {
      value = JSON.parse(buf.toString('utf8', start, end));
    } catch (err) {
      // A checksum that matched by chance over junk: the bytes inside may still hold a real frame.
      this.issue({ kind: 'json', reason: (err as Error).message, body: buf.subarray(start, end) });
      return false;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.issue({ kind: 'not-object', body: buf.subarray(start, end) });
      return true;
    }
    this.handlers.onMessage(value as Record<string, unknown>);
    return true;
  }

  private issue(issue: DecodeIssue): void {
    this.handlers.onIssue?.(issue);
  }
}
