/** The one shape of an error for a value that breaks a rule, wherever the value came from. */
import { EcrError, LIB_CODES, type LibCode } from './errors';
import { shownValue } from './shown';

export interface InvalidInit {
  /** What was given: shown after "got" when present (undefined too). */
  value?: unknown;
  method?: string;
  /** VALIDATION unless another LIB_CODES code fits better (FRAME_TOO_LARGE). */
  code?: LibCode;
  /** A sentence on what follows from it, after the value. */
  consequence?: string;
}

/**
 * "where: field rule; got value": an EcrError naming the field and the rule, nothing sent. `where` is the method,
 * node or option holder the value was given to (Purchase, ssi-terminal, Terminal).
 */
export function invalid(where: string, field: string, rule: string, init: InvalidInit = {}): EcrError {
  const got = 'value' in init ? `; got ${shownValue(init.value)}` : '';
  const then = init.consequence ? `. ${init.consequence}` : '';
  // A key named "" cannot be named in words: the message goes straight on with the rule.
  const what = field === '' ? rule : `${field} ${rule}`;
  return new EcrError(init.code ?? LIB_CODES.VALIDATION, `${where}: ${what}${got}${then}`, { method: init.method, field, rule });
}
