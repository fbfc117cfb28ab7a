/** Shaping a terminal outcome into the msg that leaves a node. */
import { redactForLog } from '../../core/mask';
import { money } from '../../core/money';
import { classifyResult, isApproved, type EcrResponse } from '../../core/normalise';
import { amountNumber } from './inputs';
import type { OperationContext } from './flow-node';
import type { NodeMessage } from './red';

/**
 * A financial outcome on output 1 (approved) or 2 (declined, cancelled, failed). msg.payload holds every key
 * of the normalised GetLastResult plus `approved`, `outcome` (approved, declined, cancelled or failed) and `amount`
 * (integer minor units); the rest of msg is kept. Card data is masked (the library's results are; redactForLog
 * guards the msg once more: debug shows it all).
 */
export function financialOutcome(msg: NodeMessage, method: string, outcome: EcrResponse, ctx: OperationContext): (NodeMessage | null)[] {
  const result = redactForLog(outcome);
  const approved = isApproved(result);
  const amount = amountNumber(result.params.transAmount);
  const payload: Record<string, unknown> = { ...result.params, approved, outcome: classifyResult(result), amount };
  if (!approved) {
    payload.errorCode = result.errorCode;
    payload.errorDescription = result.errorDescription;
  }
  msg.payload = payload;
  msg.ecr = { method, response: result };
  const what = String(result.params.transactionResult || result.errorCode || 'FAILED');
  const code = result.params.responseCode ? ` (${String(result.params.responseCode)})` : '';
  ctx.badge(approved ? { fill: 'green', shape: 'dot', text: `✔ ${money(amount)}` } : { fill: 'red', shape: 'ring', text: `✘ ${what}${code}` });
  return approved ? [msg, null] : [null, msg];
}

/** TypedInput settings of a node evaluated for this msg; empty settings are left out. */
export function typedValues(
  evaluate: (value: unknown, type: string) => unknown,
  def: Record<string, unknown>,
  keys: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [setting, param] of Object.entries(keys)) {
    const value = def[setting];
    const type = typeof def[`${setting}Type`] === 'string' ? (def[`${setting}Type`] as string) : 'str';
    if (value === undefined || value === null || (value === '' && type !== 'env')) continue;
    const v = evaluate(value, type);
    if (v !== undefined && v !== null && v !== '') out[param] = v;
  }
  return out;
}
