/**
 * What a failure carries: EcrError.code is one of the library's codes or a terminal's E-code. Compiled only (never
 * run): each `@ts-expect-error` line is a misuse that must be a compile error.
 */
import { EcrError, isEcrError, LIB_CODES, type EcrErrorCode, type LibCode, type TerminalErrorCode } from '@ssi-ecr/node-red';
import { expectType, type Equal } from './assert';

/** What a shop does with a failed payment, decided by the code alone. */
export function advice(err: unknown): string {
  if (!isEcrError(err)) return 'not from the terminal library';
  expectType<Equal<typeof err.code, EcrErrorCode>>();
  switch (err.code) {
    case 'OUTCOME_UNKNOWN':
      return 'check the terminal before charging again';
    case LIB_CODES.VALIDATION:
    case 'UNKNOWN_METHOD':
      return `fix the request (${err.field ?? '?'}: ${err.rule ?? '?'})`;
    case 'E06':
    case 'QUEUE_FULL':
      return 'busy: try again later';
    case 'E22':
      return "a later firmware's code";
    default:
      return err.message;
  }
}

export function rightUses(): void {
  const lib: LibCode = 'TIMEOUT';
  const terminal: TerminalErrorCode = 'E15';
  const codes: EcrErrorCode[] = [lib, terminal, 'DUPLICATE', 'E21'];
  void codes;
  void new EcrError('NOT_PERFORMED', 'Purchase: not performed', { method: 'Purchase', sent: true });
}

export function misuses(err: EcrError): void {
  // @ts-expect-error: no such code (a typo of TIMEOUT)
  if (err.code === 'TIMEOUTT') return;
  // @ts-expect-error: E-codes have two digits
  if (err.code === 'E6') return;
  // @ts-expect-error: an EcrError is made with one of the codes
  void new EcrError('OOPS', 'something');
  // @ts-expect-error: code is read-only
  err.code = 'TIMEOUT';
}
