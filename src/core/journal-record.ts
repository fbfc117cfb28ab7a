/**
 * What the journal holds: a record per operation written down before it was sent (crossed out when its outcome is
 * delivered), and the refs of settled operations, remembered so the same ref is not charged again.
 */
import type { EcrResponse } from './normalise';
import { boundValue, cutText, keepSnapshot, type Bounds } from './snapshot';
import type { Params } from './validate';
export type JournalStep =
  /** Written before the request went out; no acknowledgement seen (yet). */
  | 'sending'
  | 'acknowledged'
  /** Later firmware: step 1 read the card (S08); step 2, the request that moves money, is written down before it goes. */
  | 'second-step'
  /** The client gave up establishing the outcome (OUTCOME_UNKNOWN): reconciliation must settle it. */
  | 'unknown';

export interface JournalRecord {
  id: string;
  method: string;
  params: Params;
  /** Who asked: e.g. the id of the Node-RED node, so a recovered outcome reaches it. */
  tag?: string;
  /** The caller's reference (an order number, a correlation id): one operation per ref. */
  ref?: string;
  startedAt: string;
  updatedAt: string;
  step: JournalStep;
  /** The result buffer just before sending: a result equal to it is not this operation's. */
  snapshot: EcrResponse | null;
  /** When the request was handed to the connection: until unackedGrace has passed it may still arrive. */
  sentAt?: string;
  acknowledged?: boolean;
  /** Set when later financial operations ran (allowed while this was open): its result can no longer tell. */
  superseded?: boolean;
  /** The last status seen while it ran: written with the record's next change, not on its own. */
  lastStatus?: string;
  reason?: string;
  /** Two-step operations (later firmware): when step 2 was handed to the connection, and whether it was acknowledged. */
  secondStep?: { sentAt: string; acknowledged?: boolean };
}

/** What is remembered of a settled operation that had a ref, so the same ref is not charged again. */
export interface SettledRef {
  ref: string;
  method: string;
  params: Params;
  settledAt: string;
  /** result: its outcome was delivered (summary below); resolved-by-hand: someone checked the terminal. */
  how: 'result' | 'resolved-by-hand';
  /** The result without card data: transactionResult, responseCode, approved, rrn, invoiceNum, authCode, amount. */
  summary?: Record<string, unknown>;
}

/** What a person said became of an operation they crossed out by hand, kept for whoever checks later. */
export interface HandSettlement {
  /** The journal record's id, method, params, ref, tag and start. */
  id: string;
  method: string;
  params: Params;
  ref?: string;
  tag?: string;
  startedAt: string;
  /** approved or not-performed: the person's verdict; checked: crossed out without one. */
  verdict: HandVerdict;
  /** Who, when the caller knows (Node-RED's adminAuth user). */
  by?: string;
  settledAt: string;
}

export const HAND_VERDICTS = ['approved', 'not-performed', 'checked'] as const;
export type HandVerdict = (typeof HAND_VERDICTS)[number];
/** Settlements by hand kept in the journal: the newest this many. */
export const HAND_MEMORY_MAX = 100;

/** What a person says of an operation they cross out by hand (Terminal.markResolved, resolveByHand). */
export interface HandNote {
  verdict?: Exclude<HandVerdict, 'checked'>;
  by?: string;
}

/** The settlement by hand of `record`, as the journal keeps it. */
export function handSettlement(record: JournalRecord, hand: HandNote): HandSettlement {
  const { id, method, params, ref, tag, startedAt } = record;
  return { id, method, params, ref, tag, startedAt, verdict: hand.verdict ?? 'checked', by: hand.by, settledAt: new Date().toISOString() };
}

/** A settled ref is remembered this long, and at most this many of them. */
export const REF_MEMORY_MS = 24 * 60 * 60 * 1000;
export const REF_MEMORY_MAX = 1000;

/** The record an unreadable journal is replaced with (the file kept aside): markResolved() it once checked. */
export const UNREADABLE_JOURNAL = 'unreadable-journal';
/** The one record of a journal that cannot be used; its reason says why. It goes once the cause is fixed and the Terminal made again. */
export const JOURNAL_UNAVAILABLE = 'journal-unavailable';

/** Settled refs still remembered at `now`, the newest `REF_MEMORY_MAX`. */
export function keptRefs(settled: readonly SettledRef[], now = Date.now()): SettledRef[] {
  return settled.filter((s) => now - Date.parse(s.settledAt) < REF_MEMORY_MS).slice(-REF_MEMORY_MAX);
}

/** What is kept of request params: they passed validation (at most a frame), only their depth is bounded. */
const PARAMS_BOUNDS: Bounds = { depth: 16, string: Infinity, size: Infinity };
/** What is kept of a settled ref's summary. */
const SUMMARY_BOUNDS: Bounds = { depth: 2, string: 256, size: 4096 };
/** Characters kept of a reason, and of a status. */
const MAX_REASON = 2000;
const MAX_STATUS = 64;

/** A record the library writes itself, to say why payments wait (an unreadable or unusable journal). */
export function syntheticRecord(id: string, reason: string): JournalRecord {
  const now = new Date().toISOString();
  return { id, method: 'Unknown', params: {}, startedAt: now, updatedAt: now, step: 'unknown', snapshot: null, reason: cutText(reason, MAX_REASON) };
}

/** A record as it is kept: what came from a terminal bounded, so that writing it never fails for depth or size. */
export function kept(record: JournalRecord, stored = false): JournalRecord {
  const out: JournalRecord = {
    ...record,
    params: boundValue(record.params, PARAMS_BOUNDS) as Params,
    snapshot: keepSnapshot(record.snapshot ?? null, stored),
  };
  if (out.reason !== undefined) out.reason = cutText(out.reason, MAX_REASON);
  if (out.lastStatus !== undefined) out.lastStatus = cutText(out.lastStatus, MAX_STATUS);
  return out;
}

export function keptHand(h: HandSettlement): HandSettlement {
  return { ...h, params: boundValue(h.params, PARAMS_BOUNDS) as Params };
}

export function keptRef(s: SettledRef): SettledRef {
  const out: SettledRef = { ...s, params: boundValue(s.params, PARAMS_BOUNDS) as Params };
  if (s.summary !== undefined) out.summary = boundValue(s.summary, SUMMARY_BOUNDS) as Record<string, unknown>;
  return out;
}

/** A change to a record, its texts bounded as a kept record's. */
export function keptChange<T extends Partial<Pick<JournalRecord, 'lastStatus' | 'reason'>>>(change: T): T {
  const next = { ...change };
  if (typeof next.lastStatus === 'string') next.lastStatus = cutText(next.lastStatus, MAX_STATUS);
  if (typeof next.reason === 'string') next.reason = cutText(next.reason, MAX_REASON);
  return next;
}
