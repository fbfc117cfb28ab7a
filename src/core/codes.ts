/** errorCode values of the protocol (§4.3.3) and status values (§4.3.4), with English and Ukrainian texts. */

export type ErrorCategory = 'request' | 'transaction';

export interface ErrorCodeInfo {
  code: string;
  /** The errorDescription a terminal sends. */
  description: string;
  en: string;
  uk: string;
  category: ErrorCategory;
}

function e<const C extends string>(code: C, description: string, en: string, uk: string, category: ErrorCategory): ErrorCodeInfo & { code: C } {
  return { code, description, en, uk, category };
}

const ERROR_LIST = [
  e('E00', 'General error', 'General error', 'Загальна помилка', 'request'),
  e(
    'E01',
    'Protocol version is not supported by the terminal',
    'Protocol id or version not supported by the terminal',
    'Версія протоколу не підтримується терміналом',
    'request',
  ),
  e('E02', 'Checksum error', 'Checksum (LRC) error', 'Помилка контрольної суми', 'request'),
  e('E03', 'Json message format error', 'Malformed JSON message', 'Помилка формату JSON повідомлення', 'request'),
  e('E04', 'Required fields are missing', 'Required fields are missing', 'Відсутні обов’язкові поля', 'request'),
  e('E05', 'Unknown method', 'Unknown method', 'Невідомий метод', 'request'),
  e(
    'E06',
    'Terminal Busy',
    'Terminal busy with another operation, retry later',
    'Термінал зайнятий іншою операцією, повторіть запит пізніше',
    'request',
  ),
  e('E07', 'Merchant Id is not found', 'Merchant id not found', 'Не знайдено торговця з вказаним Merchant ID', 'request'),
  e('E08', 'Interrupt prohibited', 'Interrupt not allowed now', 'Переривання заборонено', 'request'),
  e('E09', 'Format error', 'A value has the wrong format', 'Помилка у форматі даних', 'request'),
  e('E10', 'Connection error', 'Connection error with the bank', 'Помилка зв’язку', 'transaction'),
  e('E11', 'Verification error (pin, signature)', 'Cardholder verification failed (PIN, signature)', 'Помилка верифікації', 'transaction'),
  e('E12', 'Transaction canceled', 'Transaction cancelled', 'Транзакцію скасовано', 'transaction'),
  e('E13', 'MAC Error', 'MAC error', 'Помилка макування', 'transaction'),
  e('E14', 'Key error', 'Keys missing or invalid', 'Помилка/відсутність ключів', 'transaction'),
  e('E15', 'Need z report', 'Settlement (Z report) required', 'Необхідно виконати звірку', 'transaction'),
  e('E16', 'Card error', 'Card read error', 'Помилка зчитування карти', 'transaction'),
  e('E17', 'EMV error', 'EMV error', 'Помилка EMV', 'transaction'),
  e(
    'E18',
    'Printer is out of paper or inoperational',
    'Printer out of paper or not working',
    'В принтері немає паперу або принтер не працює',
    'request',
  ),
  e('E19', 'Transaction amount out of limit', 'Transaction amount out of limit', 'Сума транзакції поза лімітом', 'request'),
  e('E20', 'No last transactions found', 'No last transaction found', 'Відсутні останні операції', 'transaction'),
  e('E21', 'General error in transaction', 'General error in transaction', 'Загальна помилка в операції', 'transaction'),
];

/** An errorCode §4.3.3 documents. */
export type DocumentedErrorCode = (typeof ERROR_LIST)[number]['code'];

export const ERROR_CODES: Readonly<Record<string, ErrorCodeInfo>> = Object.freeze(
  Object.fromEntries(ERROR_LIST.map((info) => [info.code, Object.freeze(info)])),
);

export interface StatusInfo {
  code: string;
  en: string;
  uk: string;
}

function s(code: string, en: string, uk: string): StatusInfo {
  return Object.freeze({ code, en, uk });
}

export const STATUS_CODES: Readonly<Record<string, StatusInfo>> = Object.freeze({
  S00: s('S00', 'idle', 'термінал в режимі очікування'),
  S01: s('S01', 'busy with the current operation', 'виконання транзакції, термінал зайнятий'),
  S02: s('S02', 'insert, tap or swipe card', 'очікування платіжного засобу'),
  S03: s('S03', 'enter PIN', 'очікування вводу ПІН-коду'),
  S04: s('S04', 'connecting to the bank', 'зв’язок з банком'),
  S05: s('S05', 'printing the receipt', 'друк чеку'),
  S06: s('S06', 'Z report (settlement) required', 'термінал вимагає виконати Z-звіт'),
  S07: s('S07', 'remove the card', 'витягніть картку з картоприймача'),
  // Later firmware (1.3/1.4): step 1 of a two-step Purchase read the card; the ECR sends step 2 (or Interrupt).
  S08: s('S08', 'waiting for the second step', 'очікується другий крок'),
});

/** Statuses in which the terminal accepts a new operation or hands out the last result. */
export const IDLE_STATUSES: ReadonlySet<string> = new Set(['S00', 'S06']);

/** Statuses in which Interrupt cancels the running operation (§5.4.2; S08 on later firmware). */
export const INTERRUPTIBLE_STATUSES: ReadonlySet<string> = new Set(['S02', 'S03', 'S08']);

/** Status of a terminal parked between the two steps of an operation (later firmware). */
export const SECOND_STEP_STATUS = 'S08';

/**
 * The E-codes that §4.3.3 gives as a transaction's outcome. Any other code in a GetLastResult or GetLastReport
 * answer (a request error, E22 of later firmware, "", a code nobody documented) says the result could not be read,
 * not what became of the operation.
 */
export const OUTCOME_ERROR_CODES: ReadonlySet<string> = new Set(['E10', 'E11', 'E12', 'E13', 'E14', 'E15', 'E16', 'E17', 'E20', 'E21']);

export interface StatusEvent {
  status: string;
  /** English text; for a status this library does not know, says so. */
  text: string;
  uk: string;
  /** False for a status this library does not know (e.g. S09 of some future firmware): never idle, never final. */
  known: boolean;
  idle: boolean;
}

export function describeStatus(status: string): StatusEvent {
  const info = Object.hasOwn(STATUS_CODES, status) ? STATUS_CODES[status] : undefined;
  if (!info) {
    return { status, text: `unknown status ${status}`, uk: `невідомий статус ${status}`, known: false, idle: false };
  }
  return { status, text: info.en, uk: info.uk, known: true, idle: IDLE_STATUSES.has(status) };
}

export function describeError(code: string): ErrorCodeInfo | undefined {
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code] : undefined;
}
