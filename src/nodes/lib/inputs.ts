/**
 * Turning an incoming msg into request params. Everything here is checked before anything is sent; the core's
 * validation then checks the protocol rules and names the field.
 */
import { type Params, REQUEST_KEYS } from '../../core';
import { invalid } from '../../core/internal';

export type AmountUnits = 'minor' | 'major';

export const AMOUNT_KEYS = Object.freeze(
  Object.values(REQUEST_KEYS)
    .filter((k) => k.format === 'amount')
    .map((k) => k.name),
);

/**
 * An amount as the user gave it, in the wire form (minor units as a digit string). Major units take a dot
 * and at most two decimals ("24.50", 24.5 → "2450"); minor units must already be whole.
 */
export function toMinorUnits(value: unknown, units: AmountUnits, method: string, field: string): unknown {
  if (units === 'minor') return value;
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  const m = typeof text === 'string' ? /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(text.trim()) : null;
  if (!m) throw invalid(method, field, 'must be an amount in major units with at most two decimals, e.g. 24.50', { value, method });
  return String(BigInt(m[1]) * 100n + BigInt((m[2] ?? '').padEnd(2, '0')));
}

/** msg.payload as an object of keys; a bare number (or numeric string) is the amount. */
export function payloadObject(payload: unknown, amountKey = 'transAmount'): Record<string, unknown> {
  if (payload === null || payload === undefined || payload === '') return {};
  if (typeof payload === 'number' || (typeof payload === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(payload))) return { [amountKey]: payload };
  if (typeof payload === 'object' && !Array.isArray(payload)) {
    const p = { ...(payload as Record<string, unknown>) };
    // Friendly names: `amount` for the method's amount key, `currency` for transCurrency.
    for (const [friendly, key] of [
      ['amount', amountKey],
      ['currency', 'transCurrency'],
    ]) {
      if (p[friendly] !== undefined && p[key] === undefined) p[key] = p[friendly];
      delete p[friendly];
    }
    return p;
  }
  return {};
}

export interface ParamSources {
  /** Keys from msg.payload: they win. */
  payload: Record<string, unknown>;
  /** Keys set on the node (TypedInputs evaluated for this msg); empty values are skipped. */
  node?: Record<string, unknown>;
  /** Defaults of the terminal configuration (merchantId, transCurrency). */
  defaults?: Record<string, unknown>;
}

/** The params a method takes, from the first source that has each key; amounts converted from major units. */
export function buildParams(method: string, keys: readonly string[], sources: ParamSources, units: AmountUnits): Params {
  const out: Params = {};
  for (const key of keys) {
    let value: unknown;
    for (const source of [sources.payload, sources.node, sources.defaults]) {
      const v = source?.[key];
      if (v !== undefined && v !== null && v !== '') {
        value = v;
        break;
      }
    }
    if (value === undefined) continue;
    out[key] = AMOUNT_KEYS.includes(key) ? toMinorUnits(value, units, method, key) : value;
  }
  return out;
}

/** A money field of a response as a number of minor units (0 when empty). */
export function amountNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return 0;
}

/** TypedInput settings of a node evaluated for this msg; empty settings are left out. */
export function typedValues(
  evaluate: (value: unknown, type: string) => unknown,
  def: Record<string, unknown>,
  keys: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [setting, param] of Object.entries(keys)) {
    const value = def[setting];
    const type = typeof def[`${setting}Type`] === 'string' ? (def[`${setting}Type`] as string) : 'str';
    if (value === undefined || value === null || (value === '' && type !== 'env')) continue;
    const v = evaluate(value, type);
    if (v !== undefined && v !== null && v !== '') out[param] = v;
  }
  return out;
}
