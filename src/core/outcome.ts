/**
 * Whether a GetLastResult/GetLastReport is the outcome of the request we sent. The terminal keeps only the
 * last one, so a result is ours only if it differs from the snapshot taken just before sending and, for a
 * financial request, names our method and amount. Anything else is not ours: never another sale's receipt.
 */
import type { MethodSpec } from './catalogue';
import { isApproved, type EcrResponse } from './normalise';
import { resultDigest, snapshotDigest } from './snapshot';
import type { Params } from './validate';

export type Verdict = { kind: 'ours' } | { kind: 'unchanged' } | { kind: 'foreign'; reason: string };

/**
 * Equal results, track2 aside (a journal keeps its snapshot without it): compared by digest, which a journal keeps
 * with a snapshot whose params it had to cut, and which no nesting or size makes fail.
 */
export function sameResult(a: EcrResponse | null, b: EcrResponse): boolean {
  if (!a) return false;
  return snapshotDigest(a) === resultDigest(b);
}

/** Methods whose result carries an amount we can compare with the request. */
function expectedAmounts(spec: MethodSpec, params: Params): Set<string> | null {
  if (spec.name === 'PartialVoid' || params.transAmount === undefined) return null;
  const amounts = new Set<string>();
  for (const key of ['transAmount', 'discountedAmount', 'endAmount']) {
    if (params[key] !== undefined) amounts.add(String(BigInt(String(params[key]))));
  }
  return amounts;
}

export function judgeResult(spec: MethodSpec, params: Params, snapshot: EcrResponse | null, result: EcrResponse): Verdict {
  if (sameResult(snapshot, result)) return { kind: 'unchanged' };
  if (spec.group === 'report') return { kind: 'ours' };
  const p = result.params;
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
    const got = typeof p.transAmount === 'string' && /^\d+$/.test(p.transAmount) ? p.transAmount : '';
    const discount = typeof p.discount === 'string' && /^\d+$/.test(p.discount) ? BigInt(p.discount) : 0n;
    const withDiscount = got ? String(BigInt(got) + discount) : '';
    const noMoneyMoved = !isApproved(result) && (got === '' || got === '0');
    if (!amounts.has(got) && !amounts.has(withDiscount) && !noMoneyMoved) {
      return { kind: 'foreign', reason: `the last result is for amount ${got || '(none)'}, not ${[...amounts].join(' or ')}` };
    }
  }
  return { kind: 'ours' };
}
