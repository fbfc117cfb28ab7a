/** Shaping a GetLastReport (X or Z report) into the msg that leaves ssi-report. */
import { type EcrResponse, money, redactForLog, REPORT_TOTAL_KEYS } from '../../core';
import { amountNumber } from './inputs';
import type { NodeStatus } from './red';
import { outcomeReason } from './reasons';

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
      t && typeof t === 'object' && !Array.isArray(t)
        ? { ...(t as Record<string, unknown>), transAmount: amountNumber((t as Record<string, unknown>).transAmount) }
        : t,
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

/** ✔ Z report 3 / 74.50 (sales count / amount) or ✘ Z report: Z report required, in the catalogue's language. */
export function reportBadge(payload: Record<string, unknown>, t: (key: string, values?: Record<string, unknown>) => string): NodeStatus {
  const name = t(`status.${String(payload.report)}`);
  if (payload.ok) return { fill: 'green', shape: 'dot', text: `✔ ${name} ${String(payload.totalSaleCount)} / ${money(payload.totalSaleAmount)}` };
  const reason = outcomeReason(payload, payload.errorCode);
  return { fill: 'red', shape: 'ring', text: `✘ ${name}: ${t(`reason.${reason}`)}` };
}
