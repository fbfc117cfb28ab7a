/** The options a Terminal runs with: their defaults, and the check that refuses a wrong one at once (for JavaScript callers). */
import { PROTOCOLS, type Protocol } from './firmware';
import { invalid } from './invalid';
import { POLLING_MODES, type Polling } from './poll-schedule';
import { LRC_ENCODINGS, type LrcEncoding } from './receipt-xml';
import type { OperationOptions } from './terminal-options';

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
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw invalid('Terminal', name, 'must be a non-negative number of ms', { value });
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
export function checkOptions(options: OperationOptions): CheckedOptions {
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
