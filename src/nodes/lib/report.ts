/** Shaping a GetLastReport (X or Z report) into the msg that leaves ssi-report. */
import { REPORT_TOTAL_KEYS } from '../../core/catalogue';
import { redactForLog } from '../../core/mask';
import { money } from '../../core/money';
import type { EcrResponse } from '../../core/normalise';
import { amountNumber } from './inputs';
import type { NodeStatus } from './red';

/** A count as a number (0 when empty). */
function countNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
  return 0;
}

/**
 * The report's params with every total as a number (amounts in minor units), transactions[] with numeric
 * transAmount, plus the report's name and ok (the terminal's error flag is false). Card data masked once more.
 */
export function reportPayload(report: string, result: EcrResponse): Record<string, unknown> {
  const payload: Record<string, unknown> = { ...redactForLog(result.params) };
  for (const key of REPORT_TOTAL_KEYS) payload[key] = key.endsWith('Count') ? countNumber(payload[key]) : amountNumber(payload[key]);
  if (Array.isArray(payload.transactions)) {
    payload.transactions = payload.transactions.map((t: unknown) =>
      t && typeof t === 'object' && !Array.isArray(t) ? { ...(t as Record<string, unknown>), transAmount: amountNumber((t as Record<string, unknown>).transAmount) } : t,
    );
  }
  payload.report = report;
  payload.ok = !result.error;
  if (result.error) {
    payload.errorCode = result.errorCode;
    payload.errorDescription = result.errorDescription;
  }
  return payload;
}

/** ✔ ZReport 3 / 74.50 (sales count / amount) or ✘ ZReport E21 (96). */
export function reportBadge(payload: Record<string, unknown>): NodeStatus {
  const report = String(payload.report);
  if (payload.ok) return { fill: 'green', shape: 'dot', text: `✔ ${report} ${String(payload.totalSaleCount)} / ${money(payload.totalSaleAmount as number)}` };
  const code = payload.responseCode ? ` (${String(payload.responseCode)})` : '';
  return { fill: 'red', shape: 'ring', text: `✘ ${report} ${String(payload.errorCode || 'FAILED')}${code}` };
}
