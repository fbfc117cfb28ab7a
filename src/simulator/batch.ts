/** The terminal's batch journal: approved operations per merchant, X/Z totals by category, Z clears it. */
import { REPORT_TOTAL_KEYS, type BatchCategory } from '../core/catalogue';

export interface BatchEntry {
  method: string;
  category?: BatchCategory;
  merchantId: string;
  invoiceNum: string;
  rrn: string;
  authCode: string;
  amount: number;
  date: string;
  time: string;
  pan: string;
  responseCode: string;
  binName: string;
  /** Amount already taken off by Void/PartialVoid (Void takes all). */
  voided: number;
  /** A preauthorisation completed by SalePreauth or voided by VoidPreauth. */
  closed?: boolean;
}

export type Totals = Record<(typeof REPORT_TOTAL_KEYS)[number], string>;

export function totals(entries: readonly BatchEntry[], padded: boolean): Totals {
  const sums: Record<BatchCategory, { count: number; amount: number }> = {
    Sale: { count: 0, amount: 0 },
    FinAuth: { count: 0, amount: 0 },
    Refund: { count: 0, amount: 0 },
    Cash: { count: 0, amount: 0 },
    Payment: { count: 0, amount: 0 },
    Void: { count: 0, amount: 0 },
  };
  for (const e of entries) {
    if (!e.category) continue;
    sums[e.category].count++;
    sums[e.category].amount += e.amount;
  }
  const amount = (n: number) => (padded ? String(n).padStart(12, '0') : String(n));
  const out = {} as Totals;
  for (const [category, sum] of Object.entries(sums)) {
    out[`total${category}Count` as keyof Totals] = String(sum.count);
    out[`total${category}Amount` as keyof Totals] = amount(sum.amount);
  }
  return out;
}

export function zeroTotals(padded: boolean): Totals {
  return totals([], padded);
}

export function detailOf(e: BatchEntry): Record<string, string> {
  return {
    originalTrnName: e.method,
    transAmount: String(e.amount),
    authCode: e.authCode,
    date: e.date,
    time: e.time,
    invoiceNum: e.invoiceNum,
    pan: e.pan,
    responseCode: e.responseCode,
    rrn: e.rrn,
    binName: e.binName,
  };
}
