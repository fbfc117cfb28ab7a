/** The errors an answer of the terminal turns into: a refusal (its E-code), and whether an operation may have run. */
import { describeError } from './codes';
import { EcrError, LIB_CODES, type TerminalErrorCode } from './errors';
import type { EcrResponse } from './normalise';
import { clip } from './shown';

/** A terminal's detail, for a message: whatever it sent (even JSON nested too deep to write) gives a short text. */
export function brief(details: unknown): string {
  let text: string;
  try {
    text = typeof details === 'string' ? details : (JSON.stringify(details) ?? String(details));
  } catch {
    text = '(details too deeply nested to show)';
  }
  return clip(text, 200);
}

export function refused(method: string, response: EcrResponse, sent = true, prefix?: string): EcrError {
  const info = describeError(response.errorCode);
  const text = response.errorDescription || info?.en || 'error';
  const details = response.params.details ?? response.errorParams ?? response.errorDetails;
  const message = `${prefix ?? `${method}: refused by the terminal`}: ${response.errorCode || 'error'} ${text}${details ? ` (${brief(details)})` : ''}`;
  // The terminal's own code, whatever its form (see TerminalErrorCode): what it said is passed on, not rewritten.
  const code = (response.errorCode as TerminalErrorCode) || LIB_CODES.BAD_RESPONSE;
  return new EcrError(code, message, {
    method,
    field: typeof response.errorParams === 'string' ? response.errorParams : undefined,
    response,
    sent,
  });
}

export function isRefusal(err: EcrError): boolean {
  return /^E\d\d$/.test(err.code) && (err.response as EcrResponse | undefined)?.error === true;
}

/** Sent, and neither refused nor shown not performed: the operation may have run, so its ref stays taken. */
export function outcomeOpen(err: unknown): boolean {
  if (!(err instanceof EcrError)) return true;
  return err.sent === true && err.code !== LIB_CODES.NOT_PERFORMED && !isRefusal(err);
}
