/**
 * Whether a GetLastResult/GetLastReport/GetResultByUid answer is the outcome of the request we sent. The terminal
 * keeps only the last result, so on v1.1.10 a result is ours only if it differs from the snapshot taken just
 * before sending and, for a financial request, names our method and amount. On later firmware the result carries
 * the transactionUid we sent: that ties it to our request beyond doubt. Anything else is not ours: never another
 * sale's receipt.
 */
import type { MethodSpec } from './catalogue';
import { OUTCOME_ERROR_CODES } from './codes';
import { FIRST_STEP_COMPLETED, isApproved, type EcrResponse } from './normalise';
import { resultDigest, snapshotDigest } from './snapshot';
import { valueText } from './shown';
import type { Params } from './validate';

export type Verdict =
  | { kind: 'ours' }
  | { kind: 'unchanged' }
  | { kind: 'foreign'; reason: string }
  /** The answer says the result could not be read (a request error, an undocumented code): not yet. */
  | { kind: 'unreadable'; reason: string }
  /** Step 1 of a two-step operation: the card was read, nothing charged; never a final outcome. */
  | { kind: 'first-step' }
  /** It matches, but nothing ties it to a request that was never acknowledged: another ECR's identical sale? */
  | { kind: 'untied'; reason: string };

export interface JudgeContext {
  /** The terminal acknowledged our request. */
  acked: boolean;
  /** The owner says no other ECR sends to this terminal, so an unacknowledged request's match is taken as ours. */
  soleEcr?: boolean;
  /** The status sequence proved the operation ran after our acknowledgement (it went busy, then idle). */
  ran?: boolean;
}

/**
 * Equal results, track2 aside (a journal keeps its snapshot without it): compared by digest, which a journal keeps
 * with a snapshot whose params it had to cut, and which no nesting or size makes fail.
 */
export function sameResult(a: EcrResponse | null, b: EcrResponse): boolean {
  if (!a) return false;
  return snapshotDigest(a) === resultDigest(b);
}

/** An answer that says what became of an operation (§4.3.3's transaction codes), rather than that it cannot say. */
function tellsAnOutcome(result: EcrResponse): boolean {
  return !result.error || OUTCOME_ERROR_CODES.has(result.errorCode);
}

const digits = (value: unknown): bigint | undefined => (typeof value === 'string' && /^\d+$/.test(value) ? BigInt(value) : undefined);

/** Amounts a result of this request may carry: the amount, the discounted amount, a preauth's end amount, a cash back's sum. */
function expectedAmounts(spec: MethodSpec, params: Params): Set<string> | null {
  if (spec.name === 'PartialVoid' || params.transAmount === undefined) return null;
  const amounts = new Set<string>();
  for (const key of ['transAmount', 'discountedAmount', 'endAmount']) {
    if (params[key] !== undefined) amounts.add(String(BigInt(valueText(params[key]))));
  }
  // A CashBack's result (§5.2.4) may state the whole sum taken from the card: the purchase plus the cash.
  if (params.cashAmount !== undefined) amounts.add(String(BigInt(valueText(params.transAmount)) + BigInt(valueText(params.cashAmount))));
  return amounts;
}

function uidOf(result: EcrResponse): string | undefined {
  const uid = result.params.transactionUid;
  return typeof uid === 'string' && uid !== '' ? uid : undefined;
}

export function judgeResult(
  spec: MethodSpec,
  params: Params,
  snapshot: EcrResponse | null,
  result: EcrResponse,
  ctx: JudgeContext = { acked: true },
): Verdict {
  if (!tellsAnOutcome(result)) {
    return {
      kind: 'unreadable',
      reason: `${result.errorCode || 'an error without a code'}${result.errorDescription ? ` ${result.errorDescription}` : ''}`,
    };
  }
  const p = result.params;
  const firstStep = p.transactionResult === FIRST_STEP_COMPLETED;
  const ours = typeof params.transactionUid === 'string' ? params.transactionUid : undefined;
  const theirs = uidOf(result);
  if (ours && theirs) {
    if (theirs === ours) return firstStep ? { kind: 'first-step' } : { kind: 'ours' };
    // Another operation's: the one before ours (nothing happened yet) or one after it (ours is no longer there).
    if (sameResult(snapshot, result)) return { kind: 'unchanged' };
    return { kind: 'foreign', reason: `the last result is operation ${theirs}, not ${ours}` };
  }
  if (sameResult(snapshot, result)) return { kind: 'unchanged' };
  if (firstStep) return { kind: 'first-step' };
  if (spec.group === 'report') return tie(ctx);
  // "Empty/zero values when there is no last result" (§5.5.1): an empty buffer is nobody's outcome.
  if (result.errorCode === 'E20' || (!result.error && !p.transactionResult)) {
    return { kind: 'foreign', reason: 'the terminal reports no last operation' };
  }
  const name = typeof p.originalTrnName === 'string' ? p.originalTrnName.trim() : '';
  if (name && name.toLowerCase() !== spec.name.toLowerCase()) {
    return { kind: 'foreign', reason: `the last result is a ${name}, not a ${spec.name}` };
  }
  const amounts = expectedAmounts(spec, params);
  if (amounts) {
    const got = digits(p.transAmount);
    const withDiscount = got === undefined ? '' : String(got + (digits(p.discount) ?? 0n));
    const noMoneyMoved = !isApproved(result) && (got === undefined || got === 0n);
    if (!amounts.has(got === undefined ? '' : String(got)) && !amounts.has(withDiscount) && !noMoneyMoved) {
      return { kind: 'foreign', reason: `the last result is for amount ${got ?? '(none)'}, not ${[...amounts].join(' or ')}` };
    }
  }
  return tie(ctx);
}

/** A changed, matching result: ours if our request was acknowledged (or the owner says no other ECR is there). */
function tie(ctx: JudgeContext): Verdict {
  if (ctx.acked || ctx.soleEcr) return { kind: 'ours' };
  return {
    kind: 'untied',
    reason:
      'a matching result appeared, but the request was never acknowledged and nothing in the result ties it to this request (another ECR may have made the same operation)',
  };
}

/**
 * The result is unchanged, but our acknowledged request certainly ran (the terminal went busy after the ack and is
 * idle again): two identical results in a row (two Echo, two cancellations in the same second). Once the settle
 * grace has passed, such a result is ours, as v1.1.10 gives no way to tell the two apart.
 */
export function identicalButRan(spec: MethodSpec, params: Params, result: EcrResponse, ctx: JudgeContext): boolean {
  const theirs = uidOf(result);
  // A result that names another operation's uid is that operation's, however much it looks like ours.
  if (theirs !== undefined && typeof params.transactionUid === 'string' && theirs !== params.transactionUid) return false;
  return ctx.acked && ctx.ran === true && spec.resultMethod !== undefined;
}

/**
 * An operation's result: by its uid on later firmware (whatever ran after it). An answer that does not carry that uid
 * (no such operation yet, a terminal that does not know the method after all) says nothing about it, so the last
 * result is read and judged as on v1.1.10. `onUnknownMethod` hears of a terminal that answered GetResultByUid E05.
 */
export async function readResultOf(
  exchange: (method: string, params?: Params) => Promise<EcrResponse>,
  resultMethod: 'GetLastResult' | 'GetLastReport',
  uid: string | undefined,
  onUnknownMethod?: () => void,
): Promise<EcrResponse> {
  if (uid && resultMethod === 'GetLastResult') {
    const byUid = await exchange('GetResultByUid', { transactionUid: uid });
    if (byUid.params.transactionUid === uid) return byUid;
    if (byUid.error && byUid.errorCode === 'E05') onUnknownMethod?.();
  }
  return exchange(resultMethod);
}
