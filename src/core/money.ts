/** Amounts as people read them: the protocol carries minor units (kopecks), receipts and screens show 24.50. */
import { valueText } from './shown';

/** 2450 or "2450" → "24.50"; empty → "0.00"; a value that is not a whole number of minor units is shown as it came. */
export function money(minor: unknown): string {
  const text = minor === undefined || minor === null || minor === '' ? '0' : valueText(minor).trim();
  if (!/^\d+$/.test(text)) return valueText(minor);
  const n = BigInt(text);
  return `${n / 100n}.${String(n % 100n).padStart(2, '0')}`;
}
