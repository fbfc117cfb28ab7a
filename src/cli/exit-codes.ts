/**
 * What `ssi-ecr` exits with. Each code answers the question a script (or a technician) has after a payment:
 * did the money move, may I try again, or must someone look at the terminal first?
 */
import { isEcrError, LIB_CODES } from '../core';
import { UsageError } from './args';

export const EXIT = Object.freeze({
  ok: 0,
  declined: 1,
  usage: 2,
  refused: 3,
  unreachable: 4,
  unknown: 5,
});

export type ExitOutcome = keyof typeof EXIT;

/** The table shown by --help and in the README. */
export const EXIT_DOCS: readonly (readonly [number, ExitOutcome, string])[] = [
  [EXIT.ok, 'ok', 'approved (payments), settled (reports), done (everything else)'],
  [EXIT.declined, 'declined', 'the terminal answered: not approved (declined, cancelled, wrong PIN, card error, …) or the settlement failed'],
  [
    EXIT.usage,
    'usage',
    'bad command line or a value that breaks a protocol rule (the message names the field and the rule); the request was not sent',
  ],
  [
    EXIT.refused,
    'refused',
    'the terminal refused the request (E06 busy, E07 merchant, E15 Z report needed, …) or it was not performed; no money moved',
  ],
  [EXIT.unreachable, 'unreachable', 'the terminal could not be reached or did not answer; a payment or report was not sent'],
  [
    EXIT.unknown,
    'unknown',
    'sent, but the outcome could not be established: check the terminal (screen, receipt, `ssi-ecr last-result`) before charging again; never just retry',
  ],
];

const USAGE_CODES: ReadonlySet<string> = new Set([LIB_CODES.VALIDATION, LIB_CODES.UNKNOWN_METHOD, LIB_CODES.FRAME_TOO_LARGE]);
const LINE_CODES: ReadonlySet<string> = new Set([LIB_CODES.CONNECTION_FAILED, LIB_CODES.CONNECTION_LOST, LIB_CODES.TIMEOUT, LIB_CODES.BAD_RESPONSE]);

/**
 * The outcome of a command that failed. `movesMoney`: a financial or report request, whose outcome must never be
 * guessed: anything that is not a clear refusal after it may have been sent is unknown.
 */
export function outcomeOfError(err: unknown, movesMoney: boolean): ExitOutcome {
  if (err instanceof UsageError) return 'usage';
  if (!isEcrError(err)) return movesMoney ? 'unknown' : 'refused';
  if (USAGE_CODES.has(err.code)) return 'usage';
  if (err.code === LIB_CODES.OUTCOME_UNKNOWN) return 'unknown';
  if (LINE_CODES.has(err.code) && (!err.sent || !movesMoney)) return 'unreachable';
  const refusal = /^E\d\d$/.test(err.code) || err.code === LIB_CODES.NOT_PERFORMED;
  if (movesMoney && err.sent && !refusal) return 'unknown';
  return 'refused';
}
