/** Receipt texts as a Ukrainian terminal prints them (Cyrillic, 32 columns). */
import { METHODS } from '../core/catalogue';
import { money } from '../core/money';
import type { BatchEntry, Totals } from './batch';

const WIDTH = 32;

function center(text: string): string {
  const pad = Math.max(0, Math.floor((WIDTH - text.length) / 2));
  return ' '.repeat(pad) + text;
}

function pair(left: string, right: string): string {
  return left + ' '.repeat(Math.max(1, WIDTH - left.length - right.length)) + right;
}

export interface ReceiptHeader {
  merchantName: string;
  address: string;
  merchantId: string;
  terminalId: string;
}

function header(h: ReceiptHeader): string[] {
  return [center(h.merchantName), center(h.address), pair('ТЕРМІНАЛ', h.terminalId), pair('МЕРЧАНТ', h.merchantId)];
}

export interface ReceiptFacts {
  method: string;
  amount: string;
  currency: string;
  approved: boolean;
  text: string;
  invoiceNum: string;
  date: string;
  time: string;
  pan: string;
  binName: string;
  authCode: string;
  rrn: string;
  responseCode: string;
}

export function transactionReceipt(h: ReceiptHeader, f: ReceiptFacts): string {
  const title = METHODS[f.method]?.title.uk.toUpperCase() ?? f.method;
  const lines = [
    ...header(h),
    pair(`ЧЕК № ${f.invoiceNum}`, `${f.date} ${f.time}`),
    center(title),
    pair('КАРТКА', f.pan),
    pair('ПЛАТІЖНА СИСТЕМА', f.binName),
    pair('СУМА', `${money(f.amount)} ${f.currency === '980' ? 'ГРН' : f.currency}`),
  ];
  if (f.approved) lines.push(pair('КОД АВТОРИЗАЦІЇ', f.authCode), pair('RRN', f.rrn), center('СХВАЛЕНО'), center('ДЯКУЄМО ЗА ПОКУПКУ!'));
  else lines.push(pair('КОД ВІДПОВІДІ', f.responseCode || '--'), center(f.text || 'ВІДМОВЛЕНО'));
  return lines.join('\n');
}

export function reportReceipt(
  h: ReceiptHeader,
  kind: 'XReport' | 'ZReport',
  t: Totals,
  entries: readonly BatchEntry[],
  detail: boolean,
  batchNumber: string,
  when: string,
): string {
  const lines = [...header(h), center(kind === 'ZReport' ? 'Z-ЗВІТ (ЗВІРКА)' : 'X-ЗВІТ'), pair('ПАКЕТ №', batchNumber), center(when)];
  if (detail) {
    for (const e of entries) lines.push(pair(`${e.invoiceNum} ${METHODS[e.method]?.title.uk ?? e.method}`, money(e.amount)));
  }
  lines.push(
    pair(`ОПЛАТА (${t.totalSaleCount})`, money(t.totalSaleAmount)),
    pair(`ПРЕАВТОРИЗАЦІЯ (${t.totalFinAuthCount})`, money(t.totalFinAuthAmount)),
    pair(`ПОВЕРНЕННЯ (${t.totalRefundCount})`, money(t.totalRefundAmount)),
    pair(`ГОТІВКА (${t.totalCashCount})`, money(t.totalCashAmount)),
    pair(`ПОПОВНЕННЯ (${t.totalPaymentCount})`, money(t.totalPaymentAmount)),
    pair(`СКАСУВАННЯ (${t.totalVoidCount})`, money(t.totalVoidAmount)),
    center(entries.length === 0 ? 'ПАКЕТ ПОРОЖНІЙ' : kind === 'ZReport' ? 'ЗВІРКА УСПІШНА' : 'КІНЕЦЬ ЗВІТУ'),
  );
  return lines.join('\n');
}
