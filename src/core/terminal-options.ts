/** What a Terminal is made with: its options, their defaults, and the check that refuses a wrong one at once. */
import { PROTOCOLS, type Protocol } from './firmware';
import { invalid } from './invalid';
import { POLLING_MODES, type Polling } from './poll-schedule';
import { LRC_ENCODINGS, type LrcEncoding } from './receipt-xml';
import type { TransportOptions } from './transport-factory';

export interface TerminalOptions extends TransportOptions {
  /** ms between GetStatus polls while an operation runs: every time (fixed), or the base the adaptive schedule scales. */
  pollInterval?: number;
  /** 'adaptive' (default): slow while the cardholder acts, fast when the outcome is near. 'fixed': every pollInterval. */
  polling?: Polling;
  /** ms to wait for each response (default 10 000 on v1.1.10, 15 000 on later firmware). */
  requestTimeout?: number;
  /** ms an operation may go without a status change before its outcome is declared unknown (default 180 000). */
  overallTimeout?: number;
  /**
   * ms an operation may take at most, however often its status changes (a terminal flapping between two statuses
   * would otherwise keep it going for ever); then OUTCOME_UNKNOWN. Default 10 × overallTimeout.
   */
  operationCeiling?: number;
  /**
   * Which protocol the terminal speaks: 'auto' (default) finds out before the first operation with a harmless probe
   * (GetResultByUid for an id that cannot exist: v1.1.10 answers E05) and from the first S08; '1.1' or '1.4' says so.
   */
  protocol?: Protocol;
  /** ms between the end of one exchange and the next request (default 0 on v1.1.10, 250 on later firmware). */
  minRequestGap?: number;
  /** transCurrency when a request leaves it out (default "980", the hryvnia). */
  currency?: string;
  /**
   * No other ECR sends to this terminal (default false). Then a matching result that appears after a request
   * that was never acknowledged is taken as its outcome; otherwise, unless a transactionUid ties it (later
   * firmware), that ends OUTCOME_UNKNOWN, as another ECR's identical sale cannot be told from it.
   */
  soleEcr?: boolean;
  /** ms to keep polling when the terminal is idle but its last result has not changed yet. */
  settleGrace?: number;
  /**
   * ms after sending a request that was never acknowledged before it may be called not performed: until then it
   * may still reach the terminal (held in a network buffer, or read late by a busy payment app).
   */
  unackedGrace?: number;
  /** Operations allowed to wait behind the running one. */
  maxQueue?: number;
  /**
   * A file where financial and report operations are written down before they are sent and crossed out when
   * their outcome is delivered: after a crash, reconcile() establishes what became of them.
   */
  journal?: string;
  /** Let new financial operations run while an earlier one's outcome is unresolved (default: refuse them). */
  allowWhileUnresolved?: boolean;
  /** How PrintXml's `lrc` is written: 'decimal' (default, e.g. "31") or 'hex' (two upper-case digits, e.g. "1F"). */
  lrcEncoding?: LrcEncoding;
}

export const TERMINAL_DEFAULTS = Object.freeze({
  pollInterval: 500,
  requestTimeout: 10_000,
  overallTimeout: 180_000,
  connectTimeout: 5_000,
  settleGrace: 3_000,
  unackedGrace: 15_000,
  maxQueue: 32,
  currency: '980',
});

/** The options a Terminal runs with, checked and defaulted; the two that depend on the firmware stay as given. */
export interface CheckedOptions {
  pollInterval: number;
  polling: Polling;
  protocol: Protocol;
  currency: string;
  requestTimeout: number | undefined;
  minRequestGap: number | undefined;
  overallTimeout: number;
  operationCeiling: number;
  settleGrace: number;
  unackedGrace: number;
  soleEcr: boolean;
  lrcEncoding: LrcEncoding;
  connectTimeout: number;
  allowWhileUnresolved: boolean;
}

/** A number of ms: `fallback` when not given; a VALIDATION error naming the option unless it is a number >= 0. */
export function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid('Terminal', name, 'must be a non-negative number of ms', { value });
  return value;
}

function oneOf<T extends string>(name: string, value: T | undefined, allowed: readonly T[], fallback: T, listed: string): T {
  const chosen = value ?? fallback;
  if (!allowed.includes(chosen)) throw invalid('Terminal', name, `must be ${listed}`, { value });
  return chosen;
}

function currencyOption(value: unknown): string {
  if (value === undefined) return TERMINAL_DEFAULTS.currency;
  const text = typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 999 ? String(value).padStart(3, '0') : value;
  if (typeof text === 'string' && /^\d{3}$/.test(text)) return text;
  throw invalid('Terminal', 'currency', 'must be a 3-digit ISO 4217 numeric code such as "980"', { value });
}

/** Every option checked, in the order they are documented; the first wrong one is refused, naming it. */
export function checkOptions(options: TerminalOptions): CheckedOptions {
  const pollInterval = nonNegative('pollInterval', options.pollInterval, TERMINAL_DEFAULTS.pollInterval);
  const polling = oneOf('polling', options.polling, POLLING_MODES, 'adaptive', POLLING_MODES.join(' or '));
  const protocol = oneOf('protocol', options.protocol, PROTOCOLS, 'auto', PROTOCOLS.join(', '));
  const currency = currencyOption(options.currency);
  const requestTimeout = options.requestTimeout === undefined ? undefined : nonNegative('requestTimeout', options.requestTimeout, 0);
  const minRequestGap = options.minRequestGap === undefined ? undefined : nonNegative('minRequestGap', options.minRequestGap, 0);
  const overallTimeout = nonNegative('overallTimeout', options.overallTimeout, TERMINAL_DEFAULTS.overallTimeout);
  return {
    pollInterval,
    polling,
    protocol,
    currency,
    requestTimeout,
    minRequestGap,
    overallTimeout,
    operationCeiling: nonNegative('operationCeiling', options.operationCeiling, 10 * overallTimeout),
    settleGrace: nonNegative('settleGrace', options.settleGrace, TERMINAL_DEFAULTS.settleGrace),
    unackedGrace: nonNegative('unackedGrace', options.unackedGrace, TERMINAL_DEFAULTS.unackedGrace),
    soleEcr: options.soleEcr === true,
    lrcEncoding: oneOf('lrcEncoding', options.lrcEncoding, LRC_ENCODINGS, 'decimal', LRC_ENCODINGS.join(' or ')),
    connectTimeout: nonNegative('connectTimeout', options.connectTimeout, TERMINAL_DEFAULTS.connectTimeout),
    allowWhileUnresolved: options.allowWhileUnresolved === true,
  };
}
