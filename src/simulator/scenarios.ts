/**
 * Scriptable outcomes. Like a payment sandbox, a few documented amounts (in minor units) always end the same
 * way; every other amount is approved. Tests can also queue outcomes for the next operations.
 */
import type { Phase } from '../core/catalogue';

export type TransactionResult =
  | 'APPROVED_ONLINE'
  | 'APPROVED_OFFLINE'
  | 'CANCELLED'
  | 'DECLINED_OFFLINE'
  | 'DECLINED_ONLINE'
  | 'FAILED'
  | 'NO_CONNECTION'
  | 'CONNECTION_ERROR'
  | 'CONNECTION_TIMEOUT'
  | 'PIN_ERROR'
  | 'SIGNATURE_VERIFICATION_ERROR'
  // Later firmware: an operation interrupted before a card was read.
  | 'CANCELLED_BEFORE_START';

export interface Outcome {
  result: TransactionResult;
  /** Bank response code; "00" when approved. */
  responseCode: string;
  /** E-code of the GetLastResult when not approved. */
  errorCode?: string;
  /** Text printed on the receipt and returned as errorDescription. */
  text?: string;
  /** The phase after which the operation ends (later phases are skipped; a host answer is still printed). */
  endsAfter?: Phase;
  /** Extra time spent in the host phase, ms (a host that does not answer). */
  hostDelay?: number;
}

export const APPROVED: Outcome = { result: 'APPROVED_ONLINE', responseCode: '00' };

/** The documented test amounts (README: "Simulator test amounts"). */
export const TEST_AMOUNTS: Readonly<Record<string, Outcome & { doc: string }>> = Object.freeze({
  '10005': {
    result: 'DECLINED_ONLINE',
    responseCode: '05',
    errorCode: 'E21',
    text: 'ВІДМОВЛЕНО БАНКОМ (05)',
    doc: 'declined by the bank: do not honour (05)',
  },
  '10051': {
    result: 'DECLINED_ONLINE',
    responseCode: '51',
    errorCode: 'E21',
    text: 'НЕДОСТАТНЬО КОШТІВ (51)',
    doc: 'declined by the bank: insufficient funds (51)',
  },
  '10012': {
    result: 'CANCELLED',
    responseCode: '',
    errorCode: 'E12',
    text: 'ОПЕРАЦІЮ СКАСОВАНО',
    endsAfter: 'card',
    doc: 'cancelled by the cardholder at the card prompt',
  },
  '10055': { result: 'PIN_ERROR', responseCode: '55', errorCode: 'E11', text: 'НЕВІРНИЙ ПІН', endsAfter: 'pin', doc: 'wrong PIN (55)' },
  '10091': {
    result: 'CONNECTION_TIMEOUT',
    responseCode: '',
    errorCode: 'E10',
    text: 'БАНК НЕ ВІДПОВІДАЄ',
    endsAfter: 'host',
    hostDelay: 5000,
    doc: 'the bank does not answer: 5 s more in S04, then CONNECTION_TIMEOUT',
  },
  '10096': {
    result: 'NO_CONNECTION',
    responseCode: '',
    errorCode: 'E10',
    text: 'НЕМАЄ ЗВ’ЯЗКУ З БАНКОМ',
    endsAfter: 'host',
    doc: 'no connection to the bank',
  },
  '10099': { result: 'FAILED', responseCode: '', errorCode: 'E16', text: 'ПОМИЛКА ЧИТАННЯ КАРТКИ', endsAfter: 'card', doc: 'card read error' },
});

/** Outcome of a journal check (void of an unknown receipt, …): fails before reaching the bank. */
export function failed(text: string, errorCode = 'E21'): Outcome {
  return { result: 'FAILED', responseCode: '', errorCode, text, endsAfter: 'card' };
}
