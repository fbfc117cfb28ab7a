/**
 * Request validation against the catalogue, before anything is sent. Values the caller may give in a
 * friendlier form (an amount as an integer, a currency as a number) are turned into the wire form.
 */
import { getMethod, METHOD_NAMES, REQUEST_KEYS, type KeySpec, type MethodSpec } from './catalogue';
import { EcrError, LIB_CODES } from './errors';
import { MAX_BODY } from './frame';
import { invalid } from './invalid';
import { formatLrc, inspectReceiptXml, LRC_ENCODINGS, lrcMatches, parseLrc, receiptLrc, type LrcEncoding } from './receipt-xml';
import { shownValue, valueText } from './shown';

export type Params = Record<string, unknown>;

export interface ValidRequest {
  method: string;
  spec: MethodSpec;
  params: Params;
  /**
   * What the request carries that the protocol does not describe and that is sent as it is, one sentence each
   * naming method and key: so far, an attribute or element of a PrintXml receipt. Absent when there is none.
   */
  issues?: string[];
}

export interface ValidateOptions {
  /** How PrintXml's `lrc` is written: 'decimal' (default, e.g. "31") or 'hex' (two upper-case digits, e.g. "1F"). */
  lrcEncoding?: LrcEncoding;
  /** Mandatory keys that may be left out here because the caller fills them in later (merchantId from the terminal). */
  optional?: readonly string[];
}

const MAX_AMOUNT = 999_999_999_999;
const DIGITS = /^\d+$/;
const ALNUM = /^[A-Za-z0-9]+$/;
const UID = /^[A-Za-z0-9._-]+$/;
// ans: any printable character; control characters never belong in these fields.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

type Check = { value?: unknown; rule?: string; issues?: string[] };

function ruleFor(key: KeySpec, lrcEncoding: LrcEncoding): string {
  switch (key.format) {
    case 'amount':
      return `must be an amount in minor units (kopecks): a whole number from ${key.min ?? 0} to ${MAX_AMOUNT}, or a string of 1–12 digits (24.50 is "2450")`;
    case 'currency':
      return 'must be a 3-digit ISO 4217 numeric code such as "980"';
    case 'n':
      return `must be a string of 1–${key.maxLength} digits, leading zeros kept as printed`;
    case 'an':
      return `must be a string of 1–${key.maxLength} Latin letters and digits`;
    case 'ans':
      return `must be a non-empty string of at most ${key.maxLength} characters without control characters`;
    case 'boolean':
      return 'must be true or false';
    case 'url':
      return 'must be an absolute http: or https: URL';
    case 'xml':
      return 'must be a receipt XML string';
    case 'lrc':
      return lrcEncoding === 'hex'
        ? 'must be the LRC of receipt as a hex string (one or two hex digits, 00–FF)'
        : 'must be the LRC of receipt as a decimal string (0–255, or the signed byte -128–127)';
    case 'uid':
      return `must be a string of 1–${key.maxLength} Latin letters, digits, "-", "_" or "."`;
  }
}

function checkValue(key: KeySpec, value: unknown, lrcEncoding: LrcEncoding): Check {
  const rule = ruleFor(key, lrcEncoding);
  switch (key.format) {
    case 'amount': {
      let text: string | undefined;
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_AMOUNT) text = String(value);
      else if (typeof value === 'string' && DIGITS.test(value) && value.length <= 12) text = value;
      if (text === undefined) return { rule };
      if (key.min !== undefined && Number(text) < key.min) return { rule: `must be at least ${key.min} (minor units)` };
      return { value: text };
    }
    case 'currency':
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 999) return { value: String(value).padStart(3, '0') };
      return typeof value === 'string' && /^\d{3}$/.test(value) ? { value } : { rule };
    case 'n':
      return typeof value === 'string' && DIGITS.test(value) && value.length <= key.maxLength! ? { value } : { rule };
    case 'an':
      return typeof value === 'string' && ALNUM.test(value) && value.length <= key.maxLength! ? { value } : { rule };
    case 'ans':
      return typeof value === 'string' && value.length > 0 && value.length <= key.maxLength! && !CONTROL.test(value) ? { value } : { rule };
    case 'boolean':
      return typeof value === 'boolean' ? { value } : { rule };
    case 'url': {
      if (typeof value !== 'string' || value.length > key.maxLength! || !/^https?:\/\//i.test(value)) return { rule };
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return { rule };
      }
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname ? { value } : { rule };
    }
    case 'xml': {
      if (typeof value !== 'string' || value.length === 0) return { rule };
      const { error, issues } = inspectReceiptXml(value);
      return error ? { rule: `must be a receipt XML string: it ${error}` } : { value, issues };
    }
    case 'uid':
      return typeof value === 'string' && UID.test(value) && value.length <= key.maxLength! ? { value } : { rule };
    case 'lrc': {
      // A number is the byte itself, written in the encoding; a string is taken as written, if written in it.
      if (typeof value === 'number') {
        if (!Number.isInteger(value) || value < -128 || value > 255) return { rule };
        return { value: lrcEncoding === 'hex' ? formatLrc(value < 0 ? value + 256 : value, 'hex') : String(value) };
      }
      return typeof value === 'string' && parseLrc(value, lrcEncoding) !== undefined ? { value } : { rule };
    }
  }
}

/** The JSON text of an object, or null when it cannot be written as JSON. */
function toJson(value: object): string | null {
  try {
    return JSON.stringify(value);
  } catch {
    return null;
  }
}

function suggest(method: string): string {
  const lower = method.toLowerCase();
  const near = METHOD_NAMES.find((m) => m.toLowerCase() === lower || m.toLowerCase().startsWith(lower.slice(0, 4)));
  return near ? ` Did you mean ${near}?` : '';
}

function isEmpty(value: object): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return false;
  return true;
}

/**
 * The request in its wire form, or an EcrError naming method, field and rule. `options.lrcEncoding` says how
 * PrintXml's `lrc` is written (decimal when not given).
 */
export function validateRequest(method: unknown, params?: unknown, options: ValidateOptions = {}): ValidRequest {
  const lrcEncoding = options.lrcEncoding ?? 'decimal';
  if (!LRC_ENCODINGS.includes(lrcEncoding)) {
    throw new EcrError(LIB_CODES.VALIDATION, `lrcEncoding must be ${LRC_ENCODINGS.join(' or ')}; got ${shownValue(lrcEncoding)}`, {
      field: 'lrcEncoding',
      rule: LRC_ENCODINGS.join(' | '),
    });
  }
  if (typeof method !== 'string' || method === '') {
    throw new EcrError(
      LIB_CODES.UNKNOWN_METHOD,
      `method must be a non-empty string naming one of the ${METHOD_NAMES.length} protocol methods; got ${shownValue(method)}`,
      { field: 'method', rule: 'known method name' },
    );
  }
  const spec = getMethod(method);
  if (!spec) {
    throw new EcrError(LIB_CODES.UNKNOWN_METHOD, `${method}: unknown method.${suggest(method)} Known methods: ${METHOD_NAMES.join(', ')}`, {
      method,
      field: 'method',
      rule: 'known method name',
    });
  }
  if (params !== undefined && params !== null && (typeof params !== 'object' || Array.isArray(params))) {
    throw invalid(method, 'params', 'must be an object of request keys', { value: params, method });
  }
  // The common case of a poll: a method without keys, asked without keys. Nothing to check or to measure.
  if (isEmpty(spec.params) && (params === undefined || params === null || isEmpty(params))) return { method, spec, params: {} };
  const given: Params = { ...((params as Params | null | undefined) ?? {}) };
  const out: Params = {};
  const issues: string[] = [];
  for (const [name, requirement] of Object.entries(spec.params)) {
    const key = REQUEST_KEYS[name];
    let value = given[name];
    delete given[name];
    if (value === undefined || value === null || value === '') {
      if (key.format === 'lrc' && typeof out.receipt === 'string') {
        value = formatLrc(receiptLrc(out.receipt), lrcEncoding);
      } else if (requirement === 'M' && !options.optional?.includes(name)) {
        throw invalid(method, name, `is required (${key.notation}, e.g. ${JSON.stringify(key.example)})`, { method });
      } else {
        continue;
      }
    }
    const checked = checkValue(key, value, lrcEncoding);
    if (checked.rule) throw invalid(method, name, checked.rule, { value, method });
    out[name] = checked.value;
    for (const issue of checked.issues ?? []) issues.push(`${method}: ${name} ${issue}; sent as it is`);
  }
  crossCheck(method, out, lrcEncoding);
  // Keys the catalogue does not describe go through unchanged: later firmware adds keys (§1.2). They must still be
  // JSON (a BigInt, a cycle or a structure too deep to write would otherwise throw a TypeError or RangeError later).
  const sizes = new Map<string, number>();
  for (const [key, value] of Object.entries(given)) {
    // Written at the depth it has in the request, so that the request as a whole can be written too.
    const json = toJson({ params: { [key]: value } });
    if (json === null) throw invalid(method, key, 'must be a JSON value (no BigInt, no cycles, not nested too deeply)', { value, method });
    sizes.set(key, json.length);
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  const request = { method, params: out };
  const size = Buffer.byteLength(JSON.stringify(request), 'utf8');
  if (size > MAX_BODY) {
    const length = (key: string, value: unknown) => sizes.get(key) ?? String(value).length;
    const largest = Object.entries(out).sort((a, b) => length(b[0], b[1]) - length(a[0], a[1]))[0]?.[0];
    throw invalid(method, largest ?? 'params', `makes the request ${size} bytes of UTF-8 JSON; a frame carries at most ${MAX_BODY}`, {
      method,
      code: LIB_CODES.FRAME_TOO_LARGE,
    });
  }
  return issues.length > 0 ? { method, spec, params: out, issues } : { method, spec, params: out };
}

function crossCheck(method: string, p: Params, lrcEncoding: LrcEncoding): void {
  if (p.discountedAmount !== undefined && Number(p.discountedAmount) > Number(p.transAmount)) {
    throw invalid(method, 'discountedAmount', `must not exceed transAmount (${valueText(p.transAmount)})`, { value: p.discountedAmount, method });
  }
  if (p.lrc !== undefined && typeof p.receipt === 'string' && !lrcMatches(valueText(p.lrc), p.receipt, lrcEncoding)) {
    throw invalid(
      method,
      'lrc',
      `does not match receipt (its LRC is ${formatLrc(receiptLrc(p.receipt), lrcEncoding)}); leave lrc out to have it computed`,
      { value: p.lrc, method },
    );
  }
}
