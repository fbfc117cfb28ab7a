/**
 * Card data in what the pack hands out: a PAN keeps its first 6 and last 4 digits; track 2 keeps only the masked
 * PAN; logs (warnings, journals) drop track 2 entirely.
 */

/** "4402722218390184" → "440272XXXXXX0184"; an already masked PAN passes unchanged. */
export function maskPan(value: string): string {
  return value.replace(/\d[\d*Xx]{11,18}/g, (pan) => (pan.length <= 10 ? pan : pan.slice(0, 6) + pan.slice(6, -4).replace(/\d/g, 'X') + pan.slice(-4)));
}

/** "4402722218390184=26092011881002000001" → "440272XXXXXX0184=XXXXXXXXXXXXXXXXXXXX". */
export function maskTrack2(value: string): string {
  const sep = value.search(/[=D]/);
  if (sep < 0) return maskPan(value);
  return maskPan(value.slice(0, sep)) + value[sep] + value.slice(sep + 1).replace(/[^=]/g, 'X');
}

/** A copy for a log line or a file: every track2 dropped, every pan masked, at any depth. */
export function redactForLog<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => redactForLog(v)) as T;
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'track2') continue;
    Object.defineProperty(out, key, { value: key === 'pan' && typeof v === 'string' ? maskPan(v) : redactForLog(v), enumerable: true, writable: true, configurable: true });
  }
  return out as T;
}
