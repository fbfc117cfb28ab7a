/**
 * Responses as the library hands them out: lenient about what terminals send (the spellings and forms §4.3 and
 * §5.5.1 leave open), strict about what callers get. Keys this library does not know are kept as they came.
 */
import { responseKeysIn } from './catalogue';
import { maskCardData } from './mask';
import { valueText } from './shown';

/** A response as the library hands it out; `P` is its params' type (ResultOf types them by method). */
export interface EcrResponse<P extends object = Record<string, unknown>> {
  method: string;
  error: boolean;
  errorCode: string;
  errorDescription: string;
  params: P;
  status?: string;
  [key: string]: unknown;
}

// How each key is read comes from the catalogue, which the public result types (ResultOf) follow too.
const AMOUNT_KEYS = new Set(responseKeysIn('amount'));
const COUNT_KEYS = new Set(responseKeysIn('count'));
const BOOLEAN_KEYS = new Set(responseKeysIn('flag'));
const ENUM_KEYS = new Set(responseKeysIn('code'));
const RENAMED: Readonly<Record<string, string>> = {
  cardHolderName: 'cardholderName',
  MerchantList: 'merchantList',
  MerchantCount: 'merchantCount',
  Receipt: 'receipt',
};

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
  return typeof value === 'string'
    ? value
        .trim()
        .toUpperCase()
        .replace(/[-\s]+/g, '_')
    : value;
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
      normalised = value.map((t: unknown) => (t && typeof t === 'object' && !Array.isArray(t) ? normaliseParams(t as Record<string, unknown>) : t));
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

/** Later firmware's transactionDate (DDMMYYYY, sometimes YYYYMMDD) as v1.1.10's date (dd/MM/yyyy). */
export function dateFromCompact(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^\d{8}$/.test(value.trim())) return undefined;
  const v = value.trim();
  const yearFirst = /^(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/.test(v);
  const [d, m, y] = yearFirst ? [v.slice(6, 8), v.slice(4, 6), v.slice(0, 4)] : [v.slice(0, 2), v.slice(2, 4), v.slice(4, 8)];
  return `${d}/${m}/${y}`;
}

/** Later firmware's transactionTime (HHMMSS) as v1.1.10's time (HH:mm:ss). */
export function timeFromCompact(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^\d{6}$/.test(value.trim())) return undefined;
  const v = value.trim();
  return `${v.slice(0, 2)}:${v.slice(2, 4)}:${v.slice(4, 6)}`;
}

/** v1.1.10's date and time beside later firmware's transactionDate/transactionTime, whichever the terminal sent. */
function addDateTime(params: Record<string, unknown>): void {
  const date = params.date === undefined || params.date === '' ? dateFromCompact(params.transactionDate) : undefined;
  const time = params.time === undefined || params.time === '' ? timeFromCompact(params.transactionTime) : undefined;
  if (date !== undefined) params.date = date;
  if (time !== undefined) params.time = time;
}

export function normaliseResponse(raw: Record<string, unknown>): EcrResponse {
  const params = isObject(raw.params) ? normaliseParams(raw.params) : {};
  addDateTime(params);
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
  // A status is taken only as a string: whatever else a terminal puts there ({}, null, 8) is no status at all.
  delete out.status;
  const status = [raw.status, params.status].find((v): v is string => typeof v === 'string' && v.trim() !== '');
  if (status !== undefined) out.status = status.trim().toUpperCase();
  // What the terminal sent outside params too (normaliseParams masked those): every consumer gets safe data (mask.ts).
  const masked = maskCardData({ ...out, params: {} });
  masked.params = params;
  return masked;
}

/** Step 1 of a two-step operation of later firmware read the card; nothing is charged until step 2. */
export const FIRST_STEP_COMPLETED = 'FIRST_STEP_COMPLETED';

/** transactionResult spellings that say the money moved as asked (v1.1.10's and later firmware's). */
export const APPROVED_RESULTS: ReadonlySet<string> = new Set(['APPROVED_ONLINE', 'APPROVED_OFFLINE', 'APPROVED', 'COMPLETED', 'OK']);

export type ResultClass = 'approved' | 'declined' | 'cancelled' | 'first-step' | 'failed';

/** What a final GetLastResult says, in one word; `isApproved` is the question that matters for money. */
export function classifyResult(result: Pick<EcrResponse, 'error' | 'errorCode' | 'params'>): ResultClass {
  const r = valueText(result.params.transactionResult);
  if (r === FIRST_STEP_COMPLETED) return 'first-step';
  if (!result.error && APPROVED_RESULTS.has(r)) return 'approved';
  if (r.startsWith('CANCELLED') || result.errorCode === 'E12') return 'cancelled';
  if (r.startsWith('DECLINED')) return 'declined';
  return 'failed';
}

/** A GetLastResult that says the money moved as asked. */
export function isApproved(result: Pick<EcrResponse, 'error' | 'params'>): boolean {
  return !result.error && APPROVED_RESULTS.has(valueText(result.params.transactionResult));
}
