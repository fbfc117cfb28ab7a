/**
 * Why a payment did not go through, in a few words a cashier can act on. The terminal's own text (often in
 * Ukrainian, often a bank's code) stays in the payload; `reason` is a short English phrase beside it, and the
 * node's status shows the same phrase in the editor's language (ssi-terminal.reason.<id> in the catalogues).
 */
import { valueText } from '../../core/internal';

/** Reason ids and their English phrases. The catalogues (en-US, uk) carry one entry per id. */
export const REASONS = Object.freeze({
  'insufficient-funds': 'insufficient funds',
  'wrong-pin': 'wrong PIN',
  'pin-tries-exceeded': 'PIN tries exceeded',
  'expired-card': 'expired card',
  'invalid-card': 'invalid card',
  'lost-or-stolen': 'card reported lost or stolen',
  'not-permitted': 'not permitted for this card',
  'limit-exceeded': 'amount over the card limit',
  'declined-by-bank': 'declined by the bank',
  cancelled: 'cancelled',
  'no-bank-connection': 'no connection to the bank',
  'card-read-error': 'card could not be read',
  'z-report-required': 'Z report required',
  'terminal-busy': 'terminal busy',
  'terminal-unreachable': 'terminal not reachable',
  'terminal-silent': 'terminal did not answer',
  'outcome-unknown': 'outcome unknown: check the terminal',
  'not-performed': 'not performed by the terminal',
  unresolved: 'an earlier outcome is unresolved',
  duplicate: 'repeated request refused',
  'invalid-input': 'invalid input',
  'printer-problem': 'printer out of paper or not working',
  'amount-out-of-limit': 'amount out of the terminal limit',
  'merchant-not-found': 'merchant id not found',
  'terminal-error': 'terminal error',
  'not-supported': 'not supported by this terminal',
  'no-last-transaction': 'no last transaction on the terminal',
  failed: 'failed',
});

export type ReasonId = keyof typeof REASONS;

/** ISO 8583 response codes a bank sends with a decline. */
const RESPONSE_CODES: Readonly<Record<string, ReasonId>> = {
  '51': 'insufficient-funds',
  '55': 'wrong-pin',
  '75': 'pin-tries-exceeded',
  '38': 'pin-tries-exceeded',
  '54': 'expired-card',
  '33': 'expired-card',
  '14': 'invalid-card',
  '15': 'invalid-card',
  '41': 'lost-or-stolen',
  '43': 'lost-or-stolen',
  '57': 'not-permitted',
  '58': 'not-permitted',
  '61': 'limit-exceeded',
  '65': 'limit-exceeded',
  '91': 'no-bank-connection',
  '96': 'terminal-error',
  '05': 'declined-by-bank',
};

/** transactionResult values that name the reason themselves. */
const RESULTS: Readonly<Record<string, ReasonId>> = {
  PIN_ERROR: 'wrong-pin',
  NO_CONNECTION: 'no-bank-connection',
  CONNECTION_ERROR: 'no-bank-connection',
  CONNECTION_TIMEOUT: 'no-bank-connection',
};

/** The terminal's error codes (E..) and the library's codes (EcrError.code). */
const ERROR_CODES: Readonly<Record<string, ReasonId>> = {
  E05: 'not-supported',
  E06: 'terminal-busy',
  E07: 'merchant-not-found',
  E10: 'no-bank-connection',
  E11: 'wrong-pin',
  E12: 'cancelled',
  E15: 'z-report-required',
  E16: 'card-read-error',
  E17: 'card-read-error',
  E18: 'printer-problem',
  E19: 'amount-out-of-limit',
  E20: 'no-last-transaction',
  BUSY: 'terminal-busy',
  QUEUE_FULL: 'terminal-busy',
  CONNECTION_FAILED: 'terminal-unreachable',
  CONNECTION_LOST: 'terminal-unreachable',
  TIMEOUT: 'terminal-silent',
  OUTCOME_UNKNOWN: 'outcome-unknown',
  NOT_PERFORMED: 'not-performed',
  UNRESOLVED: 'unresolved',
  DUPLICATE: 'duplicate',
  VALIDATION: 'invalid-input',
  UNKNOWN_METHOD: 'invalid-input',
  NO_TERMINAL: 'terminal-unreachable',
};

/** The reason of a financial outcome that is not approved: the bank's code first, then the result, then the error. */
export function outcomeReason(params: Record<string, unknown>, errorCode: unknown): ReasonId {
  const byResponse = RESPONSE_CODES[valueText(params.responseCode).trim()];
  if (byResponse) return byResponse;
  const result = valueText(params.transactionResult);
  if (result.startsWith('CANCELLED')) return 'cancelled';
  if (RESULTS[result]) return RESULTS[result];
  const byError = ERROR_CODES[valueText(errorCode)];
  if (byError) return byError;
  return result.startsWith('DECLINED') ? 'declined-by-bank' : 'failed';
}

/** The reason of a failure (an error code of the terminal or the library); undefined when none fits. */
export function errorReason(code: string): ReasonId | undefined {
  return ERROR_CODES[code];
}
