/**
 * Card data in what the pack hands out. normaliseResponse() applies maskCardData() to every response, so the
 * library's results, the journal, the command line and the Node-RED messages are safe by construction;
 * redactForLog() applies it again before anything is logged, written or sent on (it changes nothing safe).
 *
 * The rule, for every value at any depth, whatever its type, object keys included:
 * - Track 2 is dropped: a key named track2 (any case, also track_2, track2Data…) goes, whatever it holds; track 2
 *   anywhere else — `;`? PAN `=` (or `D`) YYMM more digits `?`?, a whole value or inside a text — is replaced by
 *   its masked PAN (so a response keeps its shape: errorDescription stays a string).
 * - A PAN keeps its first 6 and last 4 digits, the others become X (spaces and dashes stay). Digits with at most
 *   a single space or dash between two of them form a run (anything else ends it), split into groups at those
 *   spaces and dashes; a PAN is any sequence of whole groups of a run holding 13–19 digits, leading zeros not
 *   counted (a PAN padded with zeros is one; a zero-padded merchantId 000000060007176 is too short), that passes
 *   the Luhn check. So "4111 1111 1111 1111 05/26" masks the PAN before the expiry date. Masking repeats until
 *   no such sequence is left. A number holding one becomes the masked string; an integer beyond 2^53 of 16–19
 *   digits is masked without the check, its last digits being no longer those the terminal sent.
 * - Under a key named pan (or maskedPan, cardNumber) any run of 12 digits or more is masked, Luhn or not: test
 *   cards fail the check.
 * - Never masked: the values of amounts, counts and the identifiers the protocol defines (KEPT below). Long
 *   digit strings there are no card numbers (a merchantId may pass the Luhn check), and a Refund needs its rrn,
 *   a Void its invoiceNum exactly as the terminal gave them.
 * Runs of digits shorter than 13 (an rrn of 12, amounts of at most 12) are never PANs; a longer one that is no
 * card number is masked only if it passes the Luhn check, as 1 in 10 does: the price of never letting one by.
 */
import { REPORT_TOTAL_KEYS } from './catalogue';

/** Keys whose values are never masked (as the protocol spells them); an array under one holds such values too (merchantList). */
const KEPT = new Set<string>([
  'transAmount',
  'discount',
  'balance',
  'cashAmount',
  'endAmount',
  'discountedAmount',
  'amount',
  ...REPORT_TOTAL_KEYS,
  'merchantCount',
  'merchantId',
  'merchantList',
  'terminalId',
  'rrn',
  'invoiceNum',
  'authCode',
  'batchNumber',
  'transactionUid',
  'transCurrency',
  'responseCode',
  'terminalSerialNumber',
  'pos_sn',
  'serialNumber',
  'date',
  'time',
  'transactionDate',
  'transactionTime',
]);
/** Keys (any case) whose digits are a card number whatever the Luhn check says. */
const PAN_KEYS = new Set(['pan', 'maskedpan', 'cardnumber']);
const TRACK2_KEY = /^track_?2/i;

/** A run of digits with at most a single space or dash between two of them. */
const RUN = /\d(?:[ -]?\d)*/g;
/** Whether a text holds a run of 12 digits or more at all: most texts do not, and are left alone at once. */
const LONG_RUN = /\d(?:[ -]?\d){11}/;
/** Track 2: start sentinel, PAN, separator, YYMM, service code and discretionary data (F-padded), end sentinel. */
const TRACK2 = /;?(\d(?:[ -]?\d){11,18})[=D]\d{4}[\dF]*\??/g;

/** The Luhn check of a string of digits. */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

/** A run of `count` digits with its first 6 and last 4 kept, the others X. */
function maskRun(run: string, count: number): string {
  let seen = 0;
  let out = '';
  for (const c of run) {
    if (c >= '0' && c <= '9') {
      out += seen < 6 || seen >= count - 4 ? c : 'X';
      seen++;
    } else out += c;
  }
  return out;
}

function digitsOf(run: string): string {
  return run.replace(/[ -]/g, '');
}

/** Longer sequences of groups are not looked at: 19 digits and as many zeros of padding. */
const MAX_WINDOW = 38;

/** The run with every PAN in it masked: each sequence of whole groups that is one (see the rule above). */
function maskWindows(run: string): string {
  const groups: { start: number; end: number }[] = [];
  for (let i = 0; i < run.length;) {
    let j = i;
    while (j < run.length && run[j] >= '0' && run[j] <= '9') j++;
    groups.push({ start: i, end: j });
    i = j + 1;
  }
  let hidden: Uint8Array | null = null;
  for (let a = 0; a < groups.length; a++) {
    let digits = '';
    for (let b = a; b < groups.length; b++) {
      digits += run.slice(groups[b].start, groups[b].end);
      if (digits.length > MAX_WINDOW) break;
      const lead = digits.length - digits.replace(/^0+/, '').length;
      const count = digits.length - lead;
      if (count > 19) break;
      if (count < 13 || !luhn(digits)) continue;
      // The digits of this PAN past its first 6 and before its last 4 (leading zeros not counted).
      hidden ??= new Uint8Array(run.length);
      let seen = 0;
      for (let k = groups[a].start; k < groups[b].end; k++) {
        if (run[k] < '0' || run[k] > '9') continue;
        const n = seen++ - lead;
        if (n >= 6 && n < count - 4) hidden[k] = 1;
      }
    }
  }
  if (!hidden) return run;
  let out = '';
  for (let k = 0; k < run.length; k++) out += hidden[k] ? 'X' : run[k];
  return out;
}

/** The text with track 2 replaced by its masked PAN and every PAN masked; `panKey`: under a key named pan. */
function maskText(text: string, panKey: boolean): string {
  if (!LONG_RUN.test(text)) return text;
  let out = text.replace(TRACK2, (_track, pan: string) => maskRun(pan, digitsOf(pan).length));
  // Masking may join what is left of a PAN with digits next to it into a new candidate: until none is left.
  for (;;) {
    const next = out.replace(RUN, (run) => {
      const count = digitsOf(run).length;
      if (panKey) return count >= 12 ? maskRun(run, count) : run;
      return count >= 13 ? maskWindows(run) : run;
    });
    if (next === out) return out;
    out = next;
  }
}

function maskNumber(value: number, panKey: boolean): number | string {
  if (!Number.isInteger(value) || Math.abs(value) < 1e11) return value;
  const text = String(value);
  const digits = text.replace('-', '');
  if (!Number.isSafeInteger(value) && digits.length >= 16 && digits.length <= 19) return maskRun(text, digits.length);
  const masked = maskText(text, panKey);
  return masked === text ? value : masked;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A value that is no object or array, masked as found under `key`. Most values cannot hold 12 digits: they are
 * told apart before the key is looked at.
 */
function maskPrimitive(value: unknown, key: string): unknown {
  if (typeof value === 'string') {
    if (!LONG_RUN.test(value) || KEPT.has(key)) return value;
    return maskText(value, PAN_KEYS.has(key.toLowerCase()));
  }
  if (typeof value === 'number') {
    if (!(Math.abs(value) >= 1e11) || KEPT.has(key)) return value;
    return maskNumber(value, PAN_KEYS.has(key.toLowerCase()));
  }
  return value;
}

/** Whether an object's key goes (track2) or changes (a PAN as a key). */
function badKey(name: string): boolean {
  return ((name.charCodeAt(0) | 0x20) === 0x74 && TRACK2_KEY.test(name)) || (name.length >= 12 && maskText(name, false) !== name);
}

function isContainer(value: unknown): value is unknown[] | Record<string, unknown> {
  return Array.isArray(value) || isPlainObject(value);
}

type Container = unknown[] | Record<string, unknown>;

/** Whether anything in the plain objects and arrays of `value` is to be masked or dropped. */
function holdsCardData(value: Container): boolean {
  // Allocated only for nested objects and arrays; `seen` guards against a cycle (a msg may hold one).
  let pending: { from: Container; key: string }[] | null = null;
  let seen: Set<object> | null = null;
  let from: Container | undefined = value;
  let key = '';
  while (from) {
    const items: unknown[] = Array.isArray(from) ? from : Object.values(from);
    const keys = Array.isArray(from) ? null : Object.keys(from);
    for (let i = 0; i < items.length; i++) {
      const name = keys ? keys[i] : key;
      if (keys && badKey(name)) return true;
      const item = items[i];
      if (isContainer(item)) {
        seen ??= new Set([value]);
        if (seen.has(item)) continue;
        seen.add(item);
        (pending ??= []).push({ from: item, key: name });
      } else if (!Object.is(maskPrimitive(item, name), item)) return true;
    }
    const next: { from: Container; key: string } | undefined = pending?.pop();
    from = next?.from;
    key = next?.key ?? '';
  }
  return false;
}

/**
 * `value` with card data masked or dropped by the rule above, at any depth: `value` itself when there is none,
 * else a copy of its plain objects and arrays (keys as data properties: "__proto__" stays a key); anything else
 * is kept as it is. Iterative: a 64 KiB frame can nest JSON deeper than the call stack goes.
 */
export function maskCardData<T>(value: T): T {
  if (!Array.isArray(value) && !isPlainObject(value)) return maskPrimitive(value, '') as T;
  if (!holdsCardData(value)) return value;
  const copies = new Map<object, Container>();
  const pending: { from: Container; to: Container; key: string }[] = [];
  const copyOf = (from: Container, key: string): Container => {
    let to = copies.get(from);
    if (!to) {
      to = Array.isArray(from) ? [] : {};
      copies.set(from, to);
      pending.push({ from, to, key });
    }
    return to;
  };
  /** The masked value of an entry found under `key`. */
  const entry = (v: unknown, key: string): unknown => (isContainer(v) ? copyOf(v, key) : maskPrimitive(v, key));
  const root = copyOf(value as Container, '');
  for (let job = pending.pop(); job; job = pending.pop()) {
    const { from, to, key } = job;
    if (Array.isArray(from)) {
      // Items of an array are taken as found under the array's own key (merchantList, pan).
      for (const item of from) (to as unknown[]).push(entry(item, key));
      continue;
    }
    for (const [name, item] of Object.entries(from)) {
      if ((name.charCodeAt(0) | 0x20) === 0x74 && TRACK2_KEY.test(name)) continue;
      const masked = entry(item, name);
      const safeName = maskText(name, false);
      // A data property for "__proto__", so that it stays a key instead of replacing the prototype.
      if (safeName === '__proto__') Object.defineProperty(to, safeName, { value: masked, enumerable: true, writable: true, configurable: true });
      else (to as Record<string, unknown>)[safeName] = masked;
    }
  }
  return root as T;
}

/** The second guard, before a log line, a file or a message: maskCardData() again (results are masked already). */
export function redactForLog<T>(value: T): T {
  return maskCardData(value);
}

/** "4402722218390184" → "440272XXXXXX0184": every run of 12 digits or more, as under a key named pan. */
export function maskPan(value: string): string {
  return maskText(value, true);
}

/** "4402722218390184=26092011881002000001" → "440272XXXXXX0184": the masked PAN, the rest of track 2 dropped. */
export function maskTrack2(value: string): string {
  const sep = value.search(/[=D]/);
  return maskPan(sep < 0 ? value : value.slice(0, sep).replace(/^\s*;/, ''));
}
