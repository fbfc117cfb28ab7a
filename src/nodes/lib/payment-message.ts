/** The msg a payment's outcome leaves a node as: on the approved or the declined output, with the receipt on request. */
import { classifyResult, type EcrResponse, isApproved, money, redactForLog } from '../../core';
import { valueText } from '../../core/internal';
import type { OperationContext } from './flow-node';
import { amountNumber } from './inputs';
import type { NodeMessage } from './red';
import { outcomeReason, REASONS } from './reasons';

/**
 * The time of a transaction as ISO 8601 in the runtime's local time with its offset (2026-12-05T10:17:03+02:00),
 * from v1.1.10's date (dd/MM/yyyy) and time (HH:mm:ss) or later firmware's transactionDate (DDMMYYYY) and
 * transactionTime (HHMMSS); undefined when the result carries neither.
 */
export function transactionTimestamp(params: Record<string, unknown>): string | undefined {
  const d = /^(\d{2})\/?(\d{2})\/?(\d{4})$/.exec(valueText(params.date ?? params.transactionDate).trim());
  const t = /^(\d{2}):?(\d{2}):?(\d{2})$/.exec(valueText(params.time ?? params.transactionTime).trim());
  if (!d || !t) return undefined;
  const [day, month, year] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const [h, m, sec] = [Number(t[1]), Number(t[2]), Number(t[3])];
  const at = new Date(year, month - 1, day, h, m, sec);
  // A date the calendar does not have (31/02) is not a time.
  if (at.getFullYear() !== year || at.getMonth() !== month - 1 || at.getDate() !== day || at.getHours() !== h) return undefined;
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = -at.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const zone = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${year}-${pad(month)}-${pad(day)}T${pad(h)}:${pad(m)}:${pad(sec)}${zone}`;
}

/** Minor units as major units, a number: 2450 → 24.5. */
export function majorUnits(minor: number): number {
  return Math.round(minor) / 100;
}

/**
 * A financial outcome on output 1 (approved) or 2 (declined, cancelled, failed). msg.payload holds every key
 * of the normalised GetLastResult plus `approved`, `outcome` (approved, declined, cancelled or failed), `amount`
 * (integer minor units), `amountMajor` (24.5), `timestamp` (ISO 8601, when the result dates it) and, when not approved,
 * `errorCode`, `errorDescription` (the terminal's text, unless errorDetails already holds it) and `reason` (a short English phrase); the rest of msg is kept. Card data is masked (the library's results are; redactForLog
 * guards the msg once more: debug shows it all).
 */
export function financialOutcome(msg: NodeMessage, method: string, outcome: EcrResponse, ctx: OperationContext): (NodeMessage | null)[] {
  const result = redactForLog(outcome);
  const approved = isApproved(result);
  const amount = amountNumber(result.params.transAmount);
  const payload: Record<string, unknown> = { ...result.params, approved, outcome: classifyResult(result), amount, amountMajor: majorUnits(amount) };
  const time = transactionTimestamp(result.params);
  if (time !== undefined) payload.timestamp = time;
  const reason = approved ? undefined : outcomeReason(result.params, result.errorCode);
  if (!approved) {
    payload.errorCode = result.errorCode;
    // The terminal's text once: later firmware repeats errorDescription as errorDetails.
    if (result.errorDescription !== undefined && result.errorDescription !== payload.errorDetails) payload.errorDescription = result.errorDescription;
    payload.reason = REASONS[reason!];
  }
  msg.payload = payload;
  msg.ecr = { method, response: result };
  ctx.badge(
    approved ? { fill: 'green', shape: 'dot', text: `✔ ${money(amount)}` } : { fill: 'red', shape: 'ring', text: `✘ ${ctx.t(`reason.${reason!}`)}` },
  );
  return approved ? [msg, null] : [null, msg];
}

/**
 * The receipt of the outcome just sent by the terminal (GetLastReceipt), on msg.payload.receipt. The payment has
 * happened: a receipt that cannot be fetched never hides its outcome (receipt: null and receiptError). Only asked
 * when nothing else is in the terminal's queue: an operation that ran in between would make "the last receipt"
 * another payment's.
 */
export async function attachReceipt(msg: NodeMessage, ctx: OperationContext): Promise<void> {
  const payload = msg.payload as Record<string, unknown>;
  if (ctx.terminal.pending > 0) {
    payload.receipt = null;
    payload.receiptError =
      'another operation was already queued for the terminal, so its last receipt may not be this one; fetch it with ssi-command GetLastReceipt';
    return;
  }
  try {
    const response = await ctx.terminal.request('GetLastReceipt');
    const receipt = response.params.receipt;
    if (response.error || typeof receipt !== 'string') {
      payload.receipt = null;
      payload.receiptError = response.error
        ? `GetLastReceipt: ${response.errorCode} ${response.errorDescription}`
        : 'GetLastReceipt: the answer carries no receipt';
    } else {
      payload.receipt = receipt;
    }
  } catch (err) {
    payload.receipt = null;
    payload.receiptError = redactForLog((err as Error).message);
  }
}
