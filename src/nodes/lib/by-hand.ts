/**
 * Settling an unresolved operation by hand, from the operator's view or the admin API: a person who checked the
 * terminal says it was approved or it was not performed. The verdict goes into the journal, and the node that
 * started the operation sends it as the outcome it never got, once, marked recovered and settled by hand.
 */
import { type EcrResponse, errorJson, getMethod, JOURNAL_UNAVAILABLE, type JournalRecord, LIB_CODES, redactForLog } from '../../core';
import { invalid } from '../../core/internal';
import type { TerminalConfigNode } from './flow-node';
import { outcomeOfResult } from './last-outcomes';
import type { TerminalHub } from './terminal-hub';

export const VERDICTS = ['approved', 'not-performed'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** What msg.settledByHand and payload.settledByHand say: the verdict, who gave it (when known), when. */
export interface ByHand {
  verdict: Verdict | 'checked';
  by?: string;
  at: string;
}

/**
 * What a person may do with a record: give a verdict (a payment), only mark it checked (a report, an unreadable
 * journal's record), or nothing yet: it runs or the terminal has not been asked (its step is not `unknown`), or it
 * says the journal cannot be used, which goes once the cause is fixed.
 */
export type SettleMode = 'verdict' | 'checked' | 'none';

export function settleMode(record: JournalRecord): SettleMode {
  if (record.id === JOURNAL_UNAVAILABLE || record.step !== 'unknown') return 'none';
  return getMethod(record.method)?.group === 'financial' ? 'verdict' : 'checked';
}

/** The verdict of a request body: approved, not-performed, or none (only marked checked); anything else is refused. */
export function verdictOf(value: unknown): Verdict | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if ((VERDICTS as readonly unknown[]).includes(value)) return value as Verdict;
  throw invalid('settling by hand', 'verdict', `must be one of ${VERDICTS.join(', ')} (or left out to mark the record checked)`, { value });
}

/**
 * The result a node shapes its recovered outcome from: what the journal knows of the request (amount, currency,
 * merchant, uid), with the person's verdict as the result. Nothing of it comes from the terminal: no rrn, no
 * card; msg.settledByHand says so.
 */
export function handResult(record: JournalRecord, verdict: Verdict): EcrResponse {
  const params: Record<string, unknown> = { ...record.params, originalTrnName: record.method };
  if (verdict === 'approved')
    return { method: 'GetLastResult', error: false, errorCode: '', errorDescription: '', params: { ...params, transactionResult: 'APPROVED' } };
  return {
    method: 'GetLastResult',
    error: true,
    errorCode: LIB_CODES.NOT_PERFORMED,
    errorDescription: 'not performed, as a person who checked the terminal said',
    params,
  };
}

let settlements = 0;

export type SettleResult =
  | { settled: true; record: JournalRecord; byHand: ByHand }
  | { settled: false; why: 'not-found' | 'not-now' | 'no-verdict-here'; record?: JournalRecord };

/**
 * Settles record `id` of `hub`'s journal: crosses it out with the verdict (and who gave it), and for a verdict hands
 * the node that started it its outcome, once the journal has it on disk (a restart must not find it open and
 * deliver the terminal's answer as well). Refused for a record that is not there (any more: settled twice, or the
 * terminal answered first; or the record of a journal that cannot be used), one whose outcome is still being
 * established (settleMode none), and a verdict on a record that takes none. Rejects when the journal cannot be
 * written (the record stays open, nothing is sent) or the terminal's settings are wrong.
 */
export async function settleByHand(hub: TerminalHub, id: string, verdict: Verdict | undefined, by: string | undefined): Promise<SettleResult> {
  // A user of its own: the admin API's reads (hub:admin) and other settlements come and go while the journal is written.
  const user = `hub:settle:${++settlements}`;
  const terminal = hub.acquire(user);
  try {
    const record = terminal.unresolved().find((r) => r.id === id);
    // The record of a journal that cannot be used is no operation: it goes once the cause is fixed, never by hand.
    if (!record || record.id === JOURNAL_UNAVAILABLE) return { settled: false, why: 'not-found' };
    const mode = settleMode(record);
    if (mode === 'none') return { settled: false, why: 'not-now', record };
    if (verdict !== undefined && mode !== 'verdict') return { settled: false, why: 'no-verdict-here', record };
    // Crossed out at once, before the write: nothing settles it meanwhile (a second click, reconcile).
    if (!(await terminal.resolveByHand(id, { verdict, by }))) return { settled: false, why: 'not-found' };
    const byHand: ByHand = { verdict: verdict ?? 'checked', at: new Date().toISOString() };
    if (by !== undefined) byHand.by = by;
    if (verdict !== undefined) {
      const result = handResult(record, verdict);
      hub.noteOutcome(
        outcomeOfResult({ method: record.method, node: record.tag, ref: record.ref, params: record.params, recovered: true, byHand }, result),
      );
      hub.handOver(record.tag, { report: { record, result }, byHand });
    }
    return { settled: true, record, byHand };
  } finally {
    await hub.release(user).catch(() => undefined);
  }
}

const REFUSED: Readonly<Record<'not-found' | 'not-now' | 'no-verdict-here', { status: number; error: (record?: JournalRecord) => string }>> = {
  'not-found': { status: 404, error: () => 'no unresolved journal record with this id (settled already, or never there)' },
  'not-now': { status: 409, error: () => 'its outcome is still being established: the operation runs, or the terminal has not been asked yet' },
  'no-verdict-here': {
    status: 409,
    error: (r) => `a verdict is for payments; ${r?.method ?? 'this record'} is only marked checked (leave verdict out)`,
  },
};

/**
 * The admin API's answer to POST /ssi-ecr/journal/<config>/resolve/<record> with `body` { verdict } (none: checked)
 * from `user` (Node-RED's adminAuth user, if any): { resolved, unresolved, settledByHand } or { resolved: false,
 * error } with 400 (a bad verdict), 404, 409 or 500. What was settled, and by whom, goes to the log as well.
 */
export async function settleRequest(
  node: TerminalConfigNode,
  id: string,
  body: unknown,
  user: { username?: unknown } | undefined,
): Promise<{ status: number; body: Record<string, unknown> }> {
  let verdict: Verdict | undefined;
  try {
    verdict = verdictOf((body as { verdict?: unknown } | undefined)?.verdict);
  } catch (err) {
    return { status: 400, body: { resolved: false, error: errorJson(err) } };
  }
  const by = typeof user?.username === 'string' ? user.username : undefined;
  let done: SettleResult;
  try {
    done = await settleByHand(node.hub, id, verdict, by);
  } catch (err) {
    return { status: 500, body: { resolved: false, error: errorJson(err) } };
  }
  const count = () => node.hub.unresolved().length;
  if (!done.settled)
    return { status: REFUSED[done.why].status, body: { resolved: false, error: REFUSED[done.why].error(done.record), unresolved: count() } };
  const { record, byHand } = done;
  node.warn(
    `journal record ${id} (${record.method} ${JSON.stringify(redactForLog(record.params))}, started ${record.startedAt}${record.ref === undefined ? '' : `, ref ${record.ref}`}) settled by hand${by ? ` by ${by}` : ''}: ${byHand.verdict}`,
  );
  const answer: Record<string, unknown> = { resolved: true, unresolved: count() };
  if (verdict) answer.settledByHand = byHand;
  return { status: 200, body: answer };
}
