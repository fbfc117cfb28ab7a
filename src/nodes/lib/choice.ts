/**
 * Node settings that pick one of a few values (an operation, a method, a mode), either fixed in the node or, with
 * the setting 'msg', carried by each msg. A value outside the list is refused before anything is sent.
 */
import { invalid } from '../../core/internal';

/** The node's setting, or with 'msg' the value the msg carries; `fallback` when either is empty. */
export function settingOrMsg(setting: unknown, fromMsg: () => unknown, fallback?: string): unknown {
  const value = setting === 'msg' ? fromMsg() : setting;
  return value === undefined || value === null || value === '' ? fallback : value;
}

/** `value` when it is one of `allowed`; otherwise a VALIDATION error that lists them. */
export function oneOf<T extends string>(where: string, field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw invalid(where, field, `must be one of ${allowed.join(', ')}`, { value });
}

/** A boolean node setting (the editor may store "true"/"false"). */
export function flag(value: unknown): boolean {
  return value === true || value === 'true';
}
