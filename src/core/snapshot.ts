/**
 * What a journal keeps of a result buffer, and how two result buffers are told apart. A terminal may send a result
 * of any shape (a key nested 20,000 levels deep, a megabyte string): the journal keeps a bounded copy, to be read
 * by a person, plus a digest of the whole params, by which the snapshot is compared with a later result. So
 * writing a record never fails for depth or size, and cutting never makes an unchanged result look changed.
 */
import { createHash } from 'node:crypto';
import { maskPan } from './mask';
import type { EcrResponse } from './normalise';

/** Limits of a bounded copy: levels below its root, characters of a string, characters in all (roughly). */
export interface Bounds {
  depth: number;
  string: number;
  size: number;
}

/** A snapshot kept in a journal record. */
export const SNAPSHOT_BOUNDS: Bounds = { depth: 8, string: 512, size: 16_384 };

/** A digest as the journal keeps it: sha256, base64url (hex would hold long digit runs that look like card numbers). */
const DIGEST = /^[A-Za-z0-9_-]{43}$/;

class Token {
  constructor(readonly text: string) {}
}
const COMMA = new Token(',');
const CLOSE_ARRAY = new Token(']');
const CLOSE_OBJECT = new Token('}');

const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * sha256 of a value as data: keys sorted, track2 left out and PANs masked at any depth (a journal keeps neither),
 * written without recursion, so no nesting or size makes it throw.
 */
export function dataDigest(params: unknown): string {
  const hash = createHash('sha256');
  const stack: unknown[] = [params];
  while (stack.length > 0) {
    const item = stack.pop();
    if (item instanceof Token) {
      hash.update(item.text);
    } else if (Array.isArray(item)) {
      hash.update('[');
      stack.push(CLOSE_ARRAY);
      for (let i = item.length - 1; i >= 0; i--) {
        stack.push(item[i] === undefined ? null : item[i]);
        if (i > 0) stack.push(COMMA);
      }
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item as Record<string, unknown>)
        .filter(([k, v]) => k !== 'track2' && v !== undefined && typeof v !== 'function')
        .sort(byKey);
      hash.update('{');
      stack.push(CLOSE_OBJECT);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, value] = entries[i];
        stack.push(key === 'pan' && typeof value === 'string' ? maskPan(value) : value);
        stack.push(new Token(`${JSON.stringify(key)}:`));
        if (i > 0) stack.push(COMMA);
      }
    } else if (typeof item === 'bigint') {
      hash.update(String(item));
    } else {
      hash.update(JSON.stringify(item) ?? 'null');
    }
  }
  return hash.digest('base64url');
}

/** The digest of what tells one result buffer from another: error, errorCode and params. */
export function resultDigest(response: EcrResponse): string {
  return dataDigest({ error: response.error, errorCode: response.errorCode, params: response.params });
}

/**
 * The digest a snapshot was kept with (its params may have been cut since), or that of the response. A terminal
 * could send a keptDigest of its own; it controls its result buffer anyway, so that lie gains it nothing new.
 */
export function snapshotDigest(snapshot: EcrResponse): string {
  return typeof snapshot.keptDigest === 'string' && DIGEST.test(snapshot.keptDigest) ? snapshot.keptDigest : resultDigest(snapshot);
}

/** A text as a record keeps it: its first `max` characters and, where it was cut, how long it was. */
export function cutText(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (cut: ${value.length} characters)`;
}

/**
 * A copy no deeper than bounds.depth, with strings and the whole cut to size; track2 dropped and PANs masked at
 * any depth. What is cut is replaced by a string that says so.
 */
export function boundValue(value: unknown, bounds: Bounds): unknown {
  let left = bounds.size;
  const copy = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') {
      const s = cutText(v, bounds.string);
      left -= s.length + 2;
      return s;
    }
    if (v === null || typeof v !== 'object') {
      left -= 8;
      return typeof v === 'bigint' ? String(v) : v;
    }
    if (depth >= bounds.depth) {
      left -= 40;
      return `… (cut: ${Array.isArray(v) ? 'an array' : 'an object'} nested deeper than ${bounds.depth} levels)`;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) {
        if (left <= 0) {
          out.push(`… (cut: ${v.length - i} more items)`);
          break;
        }
        out.push(copy(v[i], depth + 1));
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    const entries = Object.entries(v as Record<string, unknown>).filter(([k]) => k !== 'track2');
    for (let i = 0; i < entries.length; i++) {
      const [key, item] = entries[i];
      if (left <= 0) {
        out['…'] = `(cut: ${entries.length - i} more keys)`;
        break;
      }
      const kept = cutText(key, bounds.string);
      left -= kept.length + 4;
      // A data property, so that a "__proto__" key stays a key.
      Object.defineProperty(out, kept, {
        value: key === 'pan' && typeof item === 'string' ? maskPan(cutText(item, bounds.string)) : copy(item, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
  return copy(value, 0);
}

const text = (value: unknown, max: number): string | undefined => (typeof value === 'string' ? cutText(value, max) : undefined);
const primitive = (value: unknown): unknown =>
  typeof value === 'string' ? text(value, 64) : value === null || typeof value !== 'object' ? value : undefined;

/**
 * The snapshot a journal record keeps of a result buffer: its outcome fields, a bounded copy of its params, and
 * the digest of the whole (keptDigest), by which it is compared with a later result. `stored`: the response is a
 * snapshot read back from a journal, whose digest was taken before its params were cut; a response from a
 * terminal always has its digest taken here.
 */
export function keepSnapshot(response: EcrResponse | null, stored = false): EcrResponse | null {
  if (!response) return null;
  const kept: EcrResponse = {
    method: text(response.method, 64) ?? '',
    error: primitive(response.error) as boolean,
    errorCode: text(response.errorCode, 64) ?? '',
    errorDescription: text(response.errorDescription, SNAPSHOT_BOUNDS.string) ?? '',
    params: boundValue(response.params ?? {}, SNAPSHOT_BOUNDS) as Record<string, unknown>,
    keptDigest: stored ? snapshotDigest(response) : resultDigest(response),
  };
  if (typeof response.status === 'string') kept.status = text(response.status, 64);
  return kept;
}
