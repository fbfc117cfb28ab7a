/**
 * Every failure the library reports is an EcrError with a stable `.code`:
 * the terminal's E-code when the terminal refused, or one of LIB_CODES.
 */
import type { DocumentedErrorCode } from './codes';

export const LIB_CODES = Object.freeze({
  /** The request broke a rule of the method catalogue; nothing was sent. */
  VALIDATION: 'VALIDATION',
  /** The method is not in the catalogue; nothing was sent. */
  UNKNOWN_METHOD: 'UNKNOWN_METHOD',
  /** The encoded message is larger than a frame can carry; nothing was sent. */
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  /** No connection could be made; nothing was sent. */
  CONNECTION_FAILED: 'CONNECTION_FAILED',
  /** The connection was lost after the request was written; the terminal may have received it. */
  CONNECTION_LOST: 'CONNECTION_LOST',
  /** No response within the request timeout. */
  TIMEOUT: 'TIMEOUT',
  /** The terminal answered with something that is not a protocol response. */
  BAD_RESPONSE: 'BAD_RESPONSE',
  /** A financial or report request was sent but its outcome could not be established. Never a guess. */
  OUTCOME_UNKNOWN: 'OUTCOME_UNKNOWN',
  /** The request was sent without acknowledgement and the terminal shows it did not perform it. */
  NOT_PERFORMED: 'NOT_PERFORMED',
  /** An earlier operation's outcome is not established yet; no new money moves until it is. Nothing was sent. */
  UNRESOLVED: 'UNRESOLVED',
  /** An operation with the same `ref` ran already, runs, or waits; nothing was sent. */
  DUPLICATE: 'DUPLICATE',
  /** The journal could not be written before sending; nothing was sent. */
  JOURNAL: 'JOURNAL',
  /** Too many operations are waiting for this terminal. */
  QUEUE_FULL: 'QUEUE_FULL',
  /** Cancelled by the caller's AbortSignal before anything was sent. */
  ABORTED: 'ABORTED',
  /** The Terminal was closed. */
  CLOSED: 'CLOSED',
});

export type LibCode = (typeof LIB_CODES)[keyof typeof LIB_CODES];

/** Codes the Node-RED nodes of this package add (a flow's Catch node sees them); a Terminal never raises them. */
export const NODE_CODES = Object.freeze({
  /** The node refuses at once while the terminal's queue holds an operation (its busy policy); nothing was sent. */
  BUSY: 'BUSY',
  /** The node has no ssi-terminal configured; nothing was sent. */
  NO_TERMINAL: 'NO_TERMINAL',
});

export type NodeCode = (typeof NODE_CODES)[keyof typeof NODE_CODES];

type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9';

/**
 * The terminal's errorCode when it refused, trimmed and upper-cased: E00–E21 as §4.3.3 documents them, or another
 * two-digit code of later firmware (E22). A terminal that sends a code of another form breaks §4.3.3; its code is
 * passed on as it came all the same, so that nothing it said is lost.
 */
export type TerminalErrorCode = DocumentedErrorCode | `E${Digit}${Digit}`;

/** What EcrError.code holds. */
export type EcrErrorCode = LibCode | NodeCode | TerminalErrorCode;

export interface EcrErrorInit {
  method?: string;
  field?: string;
  rule?: string;
  response?: unknown;
  /** Whether any byte of the request may have reached the terminal. */
  sent?: boolean;
  /** What is known when the outcome is unknown: last status, whether acked, last result seen, … */
  facts?: Record<string, unknown>;
  cause?: unknown;
}

export class EcrError extends Error {
  readonly code: EcrErrorCode;
  readonly method?: string;
  readonly field?: string;
  readonly rule?: string;
  readonly response?: unknown;
  readonly sent: boolean;
  readonly facts?: Record<string, unknown>;

  constructor(code: EcrErrorCode, message: string, init: EcrErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'EcrError';
    this.code = code;
    this.method = init.method;
    this.field = init.field;
    this.rule = init.rule;
    this.response = init.response;
    this.sent = init.sent ?? false;
    this.facts = init.facts;
  }
}

export function isEcrError(err: unknown): err is EcrError {
  return err instanceof EcrError;
}
