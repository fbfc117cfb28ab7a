/** A failure as JSON, for a log line, a Node-RED msg or a --json document. */
import { EcrError } from './errors';
import { redactForLog } from './mask';

/**
 * An EcrError's code, message, method, field, rule, sent, facts and response; any other error's message under
 * `otherCode`. Card data is masked once more, as in everything the pack hands out.
 */
export function errorJson(err: unknown, otherCode = 'ERROR'): Record<string, unknown> {
  if (err instanceof EcrError) {
    return redactForLog({
      code: err.code,
      message: err.message,
      method: err.method,
      field: err.field,
      rule: err.rule,
      sent: err.sent,
      facts: err.facts,
      response: err.response,
    });
  }
  return redactForLog({ code: otherCode, message: err instanceof Error ? err.message : String(err) });
}
