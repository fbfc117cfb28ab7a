/**
 * Responses as the library hands them out (PROTOCOL.md §10): lenient about what terminals send, strict about
 * what callers get. Keys this library does not know are kept as they came.
 */
import { REPORT_TOTAL_KEYS } from './catalogue';
import { maskCardData } from './mask';

export interface EcrResponse {
  method: string;
  error: boolean;
  errorCode: string;
  errorDescription: string;
  params: Record<string, unknown>;
  status?: string;
  [key: string]: unknown;
}

const AMOUNT_KEYS = new Set([
  'transAmount', 'discount', 'balance', 'cashAmount', 'endAmount', 'discountedAmount',
  ...REPORT_TOTAL_KEYS.filter((k) => k.endsWith('Amount')),
]);
const COUNT_KEYS = new Set(['merchantCount', ...REPORT_TOTAL_KEYS.filter((k) => k.endsWith('Count'))]);
const BOOLEAN_KEYS = new Set(['isBatchEmpty', 'parEnabled']);
const ENUM_KEYS = new Set(['transactionResult', 'posEntryMode']);
const RENAMED: Readonly<Record<string, string>> = { cardHolderName: 'cardholderName', MerchantList: 'merchantList', MerchantCount: 'merchantCount', Receipt: 'receipt' };

/** "000000080000" and 80000 both become "80000"; anything that is not a whole number is kept as sent. */
export function canonicalAmount(value: unknown): unknown {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return String(BigInt(value.trim()));
  return value;
}

function toCount(value: unknown): unknown {
  if (typeof value === 'string' && /^\s*\d{1,15}\s*$/.test(value)) return Number(value);
  return value;
}

function toBoolean(value: unknown): unknown {
  if (value === 'true' || value === 'TRUE' || value === 1 || value === '1') return true;
  if (value === 'false' || value === 'FALSE' || value === 0 || value === '0') return false;
  return value;
}

function toEnum(value: unknown): unknown {
  return typeof value === 'string' ? value.trim().toUpperCase().replace(/[-\s]+/g, '_') : value;
}

export function normaliseParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(params)) {
    // Own keys only: "constructor", "toString" or "__proto__" sent by a terminal are data, not renames.
    const key = Object.hasOwn(RENAMED, rawKey) ? RENAMED[rawKey] : rawKey;
    if (key !== rawKey && params[key] !== undefined) continue;
    let normalised: unknown;
    if (AMOUNT_KEYS.has(key)) normalised = canonicalAmount(value);
    else if (COUNT_KEYS.has(key)) normalised = toCount(value);
    else if (BOOLEAN_KEYS.has(key)) normalised = toBoolean(value);
    else if (ENUM_KEYS.has(key)) normalised = toEnum(value);
    else if (key === 'transactions' && Array.isArray(value)) {
      normalised = value.map((t) => (t && typeof t === 'object' && !Array.isArray(t) ? normaliseParams(t as Record<string, unknown>) : t));
    } else normalised = value;
    // A data property, so that a "__proto__" key stays a key instead of replacing the prototype.
    Object.defineProperty(out, key, { value: normalised, enumerable: true, writable: true, configurable: true });
  }
  // Card data masked, track 2 dropped, at any depth (mask.ts).
  return maskCardData(out);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function normaliseResponse(raw: Record<string, unknown>): EcrResponse {
  const params = isObject(raw.params) ? normaliseParams(raw.params) : {};
  const errorCode = typeof raw.errorCode === 'string' ? raw.errorCode.trim().toUpperCase() : '';
  const error = toBoolean(raw.error);
  const out: EcrResponse = {
    ...raw,
    method: typeof raw.method === 'string' ? raw.method : 'Unknown',
    // Without a usable `error` flag, an error code is the only word the terminal gave: believe it.
    error: typeof error === 'boolean' ? error : errorCode !== '',
    errorCode,
    errorDescription: typeof raw.errorDescription === 'string' ? raw.errorDescription : '',
    params,
  };
  const status = raw.status ?? params.status;
  if (typeof status === 'string') out.status = status.trim().toUpperCase();
  // What the terminal sent outside params too (normaliseParams masked those): every consumer gets safe data (mask.ts).
  const masked = maskCardData({ ...out, params: {} });
  masked.params = params;
  return masked;
}

const APPROVED = new Set(['APPROVED_ONLINE', 'APPROVED_OFFLINE']);

/** A GetLastResult that says the money moved as asked. */
export function isApproved(result: Pick<EcrResponse, 'error' | 'params'>): boolean {
  return !result.error && APPROVED.has(String(result.params.transactionResult ?? ''));
}
