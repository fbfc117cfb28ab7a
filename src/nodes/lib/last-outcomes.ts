/**
 * The last outcomes of each terminal configuration, for the operator's view in the editor: in memory only, the
 * newest LAST_OUTCOMES, and of the card its masked number only. Kept by configuration (as outcomes waiting for
 * nodes are), so a full redeploy, which makes the configuration node again, does not empty the list.
 */
import { classifyResult, EcrError, type EcrResponse, getMethod, type Params, redactForLog } from '../../core';
import { errorReason, outcomeReason, type ReasonId } from './reasons';

export const LAST_OUTCOMES = 20;

/** approved … failed: a payment's result; done: a report or other operation that went through; error: none came. */
export type OutcomeKind = 'approved' | 'declined' | 'cancelled' | 'first-step' | 'failed' | 'done' | 'error';

/** What an operator's sidebar shows of one outcome: no card data but the masked number. */
export interface OutcomeEntry {
  /** When it came (ISO 8601). */
  at: string;
  method: string;
  outcome: OutcomeKind;
  /** The node that ran it. */
  node?: string;
  /** Its msg.correlationId. */
  ref?: string;
  /** Minor units: the result's amount, else the one asked. */
  amount?: number;
  currency?: string;
  /** The masked card number. */
  pan?: string;
  rrn?: string;
  authCode?: string;
  invoiceNum?: string;
  transactionUid?: string;
  /** The terminal's error code (E21) or the library's (OUTCOME_UNKNOWN). */
  code?: string;
  /** Why it did not go through (ssi-terminal.reason.<id> in the catalogues). */
  reason?: ReasonId;
  /** For an error: whether the request may have reached the terminal. */
  sent?: boolean;
  /** Established after the fact: reconciled from the terminal, or settled by hand. */
  recovered?: boolean;
  /** Settled by a person: their verdict, who, when. */
  byHand?: { verdict: string; by?: string; at: string };
}

export interface OutcomeContext {
  method: string;
  node?: string;
  ref?: string;
  /** The request's params: the amount asked when the result has none (or there is no result). */
  params?: Params;
  recovered?: boolean;
  byHand?: OutcomeEntry['byHand'];
}

const KEPT_TEXT = ['rrn', 'authCode', 'invoiceNum', 'transactionUid'] as const;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}

function minor(value: unknown): number | undefined {
  const t = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  return /^\d{1,15}$/.test(t) ? Number(t) : undefined;
}

function base(ctx: OutcomeContext, outcome: OutcomeKind): OutcomeEntry {
  const entry: OutcomeEntry = { at: new Date().toISOString(), method: ctx.method, outcome };
  if (ctx.node !== undefined) entry.node = ctx.node;
  if (ctx.ref !== undefined) entry.ref = ctx.ref;
  if (ctx.recovered) entry.recovered = true;
  if (ctx.byHand) entry.byHand = ctx.byHand;
  const asked = minor(ctx.params?.transAmount);
  if (asked !== undefined) entry.amount = asked;
  const currency = text(ctx.params?.transCurrency);
  if (currency !== undefined) entry.currency = currency;
  return entry;
}

/** The entry for a final result (GetLastResult, GetLastReport) of the operation `ctx` describes. */
export function outcomeOfResult(ctx: OutcomeContext, result: EcrResponse): OutcomeEntry {
  const financial = getMethod(ctx.method)?.group === 'financial';
  const kind: OutcomeKind = financial ? classifyResult(result) : result.error ? 'failed' : 'done';
  const entry = base(ctx, kind);
  const p = result.params;
  const amount = minor(p.transAmount);
  if (amount !== undefined) entry.amount = amount;
  const currency = text(p.transCurrency);
  if (currency !== undefined) entry.currency = currency;
  const pan = text(p.pan);
  if (pan !== undefined) entry.pan = pan;
  for (const key of KEPT_TEXT) {
    const value = text(p[key]);
    if (value !== undefined) entry[key] = value;
  }
  if (result.errorCode) entry.code = result.errorCode;
  if (kind !== 'approved' && kind !== 'done')
    entry.reason = financial ? outcomeReason(p, result.errorCode) : (errorReason(result.errorCode) ?? 'terminal-error');
  // The library's results are masked already: once more, as for everything that leaves the runtime.
  return redactForLog(entry);
}

/** The entry for an operation that ended without a result (refused, unreachable, outcome unknown). */
export function outcomeOfError(ctx: OutcomeContext, err: unknown): OutcomeEntry {
  const entry = base(ctx, 'error');
  const code = err instanceof EcrError ? err.code : 'ERROR';
  entry.code = code;
  entry.reason = errorReason(code) ?? 'failed';
  if (err instanceof EcrError && err.sent !== undefined) entry.sent = err.sent;
  return entry;
}

const byConfiguration = new Map<string, OutcomeEntry[]>();

/** Keeps an outcome of configuration `key`, dropping the oldest beyond LAST_OUTCOMES. */
export function remember(key: string, entry: OutcomeEntry): void {
  const list = byConfiguration.get(key) ?? [];
  list.push(entry);
  if (list.length > LAST_OUTCOMES) list.splice(0, list.length - LAST_OUTCOMES);
  byConfiguration.set(key, list);
}

/** The last outcomes of configuration `key`, the newest first. */
export function recall(key: string): OutcomeEntry[] {
  return [...(byConfiguration.get(key) ?? [])].reverse();
}
