/**
 * Why the terminal cannot be reached, in words a venue can act on (a wrong IP, a wrong port, a cable): the node
 * status shows ssi-terminal.status.unreachable.<id> in the editor's language. Told from the system's error code
 * (ECONNREFUSED, EHOSTUNREACH, ENOENT…) of the failure or of its cause, else from the library's code.
 */
import { EcrError, LIB_CODES } from '../../core';

export const UNREACHABLE_REASONS = [
  'refused',
  'no-route',
  'unknown-host',
  'no-answer',
  'not-a-terminal',
  'lost',
  'port-missing',
  'port-denied',
  'port-busy',
  'other',
] as const;
export type UnreachableReason = (typeof UNREACHABLE_REASONS)[number];

const BY_SYSTEM_CODE: Readonly<Record<string, UnreachableReason>> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'no-route',
  ENETUNREACH: 'no-route',
  EHOSTDOWN: 'no-route',
  EADDRNOTAVAIL: 'no-route',
  ENOTFOUND: 'unknown-host',
  EAI_AGAIN: 'unknown-host',
  ETIMEDOUT: 'no-answer',
  ECONNRESET: 'lost',
  EPIPE: 'lost',
  ENOENT: 'port-missing',
  ENODEV: 'port-missing',
  EACCES: 'port-denied',
  EPERM: 'port-denied',
  EBUSY: 'port-busy',
};

const BY_LIB_CODE: Readonly<Record<string, UnreachableReason>> = {
  [LIB_CODES.TIMEOUT]: 'no-answer',
  [LIB_CODES.BAD_RESPONSE]: 'not-a-terminal',
  [LIB_CODES.CONNECTION_LOST]: 'lost',
};

/** The failure and its causes, outermost first. */
function chain(err: unknown): unknown[] {
  const all: unknown[] = [];
  for (let at = err; at !== undefined && at !== null && all.length < 5; at = (at as { cause?: unknown }).cause) all.push(at);
  return all;
}

/**
 * The reason of a failure to reach the terminal, or undefined when the failure does not tell (a connection not
 * tried again yet, during the backoff after failed attempts): the reason seen before still holds then.
 */
export function unreachableReason(err: unknown): UnreachableReason | undefined {
  const errors = chain(err);
  for (const e of errors) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && BY_SYSTEM_CODE[code]) return BY_SYSTEM_CODE[code];
  }
  // A connect attempt that ran out of time has no system code, only its message (the transports' own timer).
  if (errors.some((e) => e instanceof Error && /connect timed out/.test(e.message))) return 'no-answer';
  const lib = err instanceof EcrError ? BY_LIB_CODE[err.code] : undefined;
  if (lib) return lib;
  if (err instanceof EcrError && err.code === LIB_CODES.CONNECTION_FAILED && errors.length === 1) return undefined;
  return 'other';
}
