/**
 * What became of an operation left open (a crash, an OUTCOME_UNKNOWN): once the terminal is idle, its result is
 * judged against the snapshot taken before sending, as live. On later firmware the record's transactionUid asks
 * for that very operation's result (GetResultByUid), whatever ran after it; a Purchase left waiting between its two
 * steps is interrupted, as nothing was charged.
 */
import { getMethod, type MethodSpec, type TransactMethod } from './catalogue';
import { SECOND_STEP_STATUS } from './codes';
import type { JournalRecord } from './journal-record';
import { FIRST_STEP_COMPLETED, type EcrResponse } from './normalise';
import { resultOf, type ResultOf } from './method-types';
import { judgeResult, readResultOf } from './result-judgement';
import type { Params } from './validate';

/** The outcome of a financial or report operation: its GetLastResult (or GetResultByUid) or GetLastReport. */
export type OperationResult = ResultOf<TransactMethod>;

/** reconcile() established the operation's outcome: `result` is it. */
export interface RecoveredReport {
  record: JournalRecord;
  verdict: 'ours';
  result: OperationResult;
  reason?: undefined;
  retry?: undefined;
}

/** The operation never ran (`reason` says how that is known); `result` is what the terminal showed instead. */
export interface NotPerformedReport {
  record: JournalRecord;
  verdict: 'not-performed';
  reason: string;
  result?: OperationResult;
  retry?: undefined;
}

/** Still unresolved (`reason`); `result` is what the terminal showed, if it could be asked. */
export interface UnknownReport {
  record: JournalRecord;
  verdict: 'unknown';
  reason: string;
  result?: OperationResult;
  /** The terminal could not be asked, or not yet: trying again later may settle it. */
  retry?: boolean;
}

/** What reconcile() established for one unresolved operation, told apart by `verdict`. */
export type ReconcileReport = RecoveredReport | NotPerformedReport | UnknownReport;

export interface ReconcileHost {
  readonly settings: { unackedGrace: number; soleEcr: boolean };
  exchange(method: string, params?: Params): Promise<EcrResponse>;
  /** Polls until the terminal is idle, calling `onStatus` with every status seen before that. */
  untilIdle(method: string, onStatus?: (status: string) => Promise<void>): Promise<void>;
}

function uidOf(record: JournalRecord): string | undefined {
  const uid = record.params.transactionUid;
  return typeof uid === 'string' ? uid : undefined;
}

/** How long ago the request (its step 2, if one was sent) was handed to the connection. */
function sinceSent(record: JournalRecord): number {
  return Date.now() - Date.parse(record.secondStep?.sentAt ?? record.sentAt ?? record.startedAt);
}

/**
 * A two-step Purchase of ours waits in S08 for a step 2 that will not come (its client is gone, or step 2 never
 * arrived): nothing is charged until step 2, so the terminal is told to Interrupt, and ends CANCELLED.
 */
async function releaseSecondStep(
  host: ReconcileHost,
  spec: MethodSpec,
  record: JournalRecord,
  uid: string | undefined,
  status: string,
): Promise<void> {
  if (status !== SECOND_STEP_STATUS || !spec.twoStep || !uid) return;
  const step2Pending = record.step === 'second-step' && !record.secondStep?.acknowledged && sinceSent(record) < host.settings.unackedGrace;
  if (record.secondStep?.acknowledged || step2Pending) return;
  const first = await host.exchange('GetResultByUid', { transactionUid: uid });
  if (first.params.transactionResult === FIRST_STEP_COMPLETED && first.params.transactionUid === uid)
    await host.exchange('Interrupt').catch(() => undefined);
}

export async function reconcileRecord(host: ReconcileHost, record: JournalRecord): Promise<ReconcileReport> {
  const spec = getMethod(record.method);
  if (!spec?.resultMethod) return { record, verdict: 'unknown', reason: record.reason ?? `${record.method} cannot be reconciled` };
  const uid = uidOf(record);
  let result: OperationResult;
  try {
    await host.untilIdle(`reconcile ${record.method}`, (status) => releaseSecondStep(host, spec, record, uid, status));
    result = resultOf<TransactMethod>(await readResultOf((m, p) => host.exchange(m, p), spec.resultMethod, uid));
  } catch (err) {
    return { record, verdict: 'unknown', retry: true, reason: `the terminal could not be asked: ${(err as Error).message}` };
  }
  const acked = record.acknowledged === true;
  const verdict = judgeResult(spec, record.params, record.snapshot, result, { acked, soleEcr: host.settings.soleEcr });
  const tiedByUid = uid !== undefined && result.params.transactionUid === uid;
  if (verdict.kind === 'unreadable') return { record, verdict: 'unknown', retry: true, result, reason: `${spec.resultMethod}: ${verdict.reason}` };
  if (record.superseded && !tiedByUid) {
    return {
      record,
      verdict: 'unknown',
      result,
      reason: `later operations ran on the terminal (allowed while this was unresolved): its ${spec.resultMethod} can no longer tell; check the terminal's journal or receipts`,
    };
  }
  if (verdict.kind === 'ours') return { record, verdict: 'ours', result };
  if (verdict.kind === 'first-step' && tiedByUid)
    return { record, verdict: 'not-performed', result, reason: 'only step 1 ran (the card was read); nothing was charged' };
  if (verdict.kind === 'foreign' || verdict.kind === 'untied')
    return { record, verdict: 'unknown', result, reason: `${verdict.reason}; it is not taken as this operation's` };
  const what = `the terminal's ${spec.resultMethod} did not change`;
  if (acked) return { record, verdict: 'unknown', result, reason: `acknowledged, but ${what}` };
  const since = sinceSent(record);
  if (since < host.settings.unackedGrace) {
    return {
      record,
      verdict: 'unknown',
      retry: true,
      result,
      reason: `never acknowledged and ${what}, but the request may still reach the terminal for ${host.settings.unackedGrace - since} ms`,
    };
  }
  return { record, verdict: 'not-performed', result, reason: `never acknowledged, and ${what}` };
}
