/**
 * Reading a journal file back: what it must hold to be trusted. A file that is not a journal this library wrote
 * (hand-edited, half-written by another program, hostile) is refused with the reason, never half-read.
 */
import { HAND_VERDICTS, type HandSettlement, type JournalRecord, type SettledRef } from './journal-record';

/**
 * Nesting a journal file may have: far more than this library writes (params and snapshots read back are bounded
 * again), far less than JSON.stringify can write back.
 */
const MAX_FILE_DEPTH = 1000;

export interface JournalFile {
  version: 1;
  records: JournalRecord[];
  settled?: SettledRef[];
  byHand?: HandSettlement[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Whether `value` nests no deeper than `max` levels; counted without recursion, whatever its depth. */
function nestsWithin(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return false;
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return true;
}

const STEPS: readonly unknown[] = ['sending', 'acknowledged', 'second-step', 'unknown'];
const AMOUNT_KEYS = ['transAmount', 'discountedAmount', 'endAmount'];

/** What is wrong with a record read from the file, or undefined. */
function badRecord(r: unknown, i: number): string | undefined {
  const at = `record ${i}`;
  if (!isObject(r)) return `${at} is ${r === null ? 'null' : Array.isArray(r) ? 'an array' : typeof r}, not an object`;
  if (typeof r.id !== 'string' || r.id === '') return `${at} has no id`;
  if (typeof r.method !== 'string' || r.method === '') return `${at} (${r.id}) has no method`;
  if (!isObject(r.params)) return `${at} (${r.id}) has no params object`;
  for (const key of ['tag', 'ref', 'startedAt', 'updatedAt', 'sentAt', 'lastStatus', 'reason']) {
    if (r[key] !== undefined && typeof r[key] !== 'string') return `${at} (${r.id}): ${key} is not a string`;
  }
  for (const key of ['acknowledged', 'superseded']) {
    if (r[key] !== undefined && typeof r[key] !== 'boolean') return `${at} (${r.id}): ${key} is not true or false`;
  }
  if (r.step !== undefined && !STEPS.includes(r.step)) return `${at} (${r.id}): step is not one of ${STEPS.join(', ')}`;
  const second = r.secondStep;
  if (
    second !== undefined &&
    !(isObject(second) && typeof second.sentAt === 'string' && (second.acknowledged === undefined || typeof second.acknowledged === 'boolean'))
  ) {
    return `${at} (${r.id}): secondStep is not { sentAt, acknowledged }`;
  }
  // The amounts reconciliation compares with the terminal's: whole numbers, as validation let them through.
  for (const key of AMOUNT_KEYS) {
    const v = r.params[key];
    if (v !== undefined && !(typeof v === 'string' ? /^\s*\d+\s*$/.test(v) : Number.isSafeInteger(v) && (v as number) >= 0))
      return `${at} (${r.id}): params.${key} is not an amount`;
  }
  const snap = r.snapshot;
  if (snap !== undefined && snap !== null) {
    if (!isObject(snap) || !isObject(snap.params)) return `${at} (${r.id}): snapshot is not a response with params`;
    if (snap.errorCode !== undefined && typeof snap.errorCode !== 'string') return `${at} (${r.id}): snapshot.errorCode is not a string`;
  }
  return undefined;
}

function badSettled(s: unknown, i: number): string | undefined {
  const at = `settled ref ${i}`;
  if (!isObject(s)) return `${at} is not an object`;
  if (typeof s.ref !== 'string') return `${at} has no ref`;
  if (typeof s.method !== 'string') return `${at} (${s.ref}) has no method`;
  if (!isObject(s.params)) return `${at} (${s.ref}) has no params object`;
  if (typeof s.settledAt !== 'string') return `${at} (${s.ref}) has no settledAt`;
  if (s.how !== 'result' && s.how !== 'resolved-by-hand') return `${at} (${s.ref}): how is not result or resolved-by-hand`;
  if (s.summary !== undefined && !isObject(s.summary)) return `${at} (${s.ref}): summary is not an object`;
  return undefined;
}

function badHand(h: unknown, i: number): string | undefined {
  const at = `settlement by hand ${i}`;
  if (!isObject(h)) return `${at} is not an object`;
  for (const key of ['id', 'method', 'startedAt', 'settledAt']) if (typeof h[key] !== 'string') return `${at} has no ${key}`;
  if (!isObject(h.params)) return `${at} (${String(h.id)}) has no params object`;
  for (const key of ['ref', 'tag', 'by'])
    if (h[key] !== undefined && typeof h[key] !== 'string') return `${at} (${String(h.id)}): ${key} is not a string`;
  if (!(HAND_VERDICTS as readonly unknown[]).includes(h.verdict)) return `${at} (${String(h.id)}): verdict is not one of ${HAND_VERDICTS.join(', ')}`;
  return undefined;
}

/** The journal a file holds; throws an Error saying what is wrong with it when it is not one. */
export function parseJournal(text: string): JournalFile {
  const file = JSON.parse(text) as unknown;
  if (!isObject(file)) throw new Error('it is not a JSON object');
  if (file.version !== 1) throw new Error(`its version is ${JSON.stringify(file.version) ?? 'missing'}, not 1`);
  if (!Array.isArray(file.records)) throw new Error('it has no records array');
  if (file.settled !== undefined && !Array.isArray(file.settled)) throw new Error('its settled refs are not an array');
  if (file.byHand !== undefined && !Array.isArray(file.byHand)) throw new Error('its settlements by hand are not an array');
  if (!nestsWithin(file, MAX_FILE_DEPTH)) throw new Error(`it nests deeper than ${MAX_FILE_DEPTH} levels`);
  const ids = new Set<string>();
  file.records.forEach((r: unknown, i: number) => {
    const bad = badRecord(r, i);
    if (bad) throw new Error(bad);
    const id = (r as JournalRecord).id;
    if (ids.has(id)) throw new Error(`two records have the id ${id}`);
    ids.add(id);
  });
  (file.settled ?? []).forEach((s: unknown, i: number) => {
    const bad = badSettled(s, i);
    if (bad) throw new Error(bad);
  });
  (file.byHand ?? []).forEach((h: unknown, i: number) => {
    const bad = badHand(h, i);
    if (bad) throw new Error(bad);
  });
  return file as unknown as JournalFile;
}
