import { EcrError, LIB_CODES, MAX_REF_LENGTH } from '../../core';
import { shownValue } from '../../core/internal';
import type { NodeMessage } from './red';

/** msg.correlationId as a ref: a string or a finite number; anything else is refused, naming the property. */
export function correlationRef(method: string, msg: NodeMessage): string | undefined {
  const id = msg.correlationId;
  if (id === undefined || id === null) return undefined;
  const ref = typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? String(id) : undefined;
  if (ref !== undefined && ref.length >= 1 && ref.length <= MAX_REF_LENGTH) return ref;
  throw new EcrError(
    LIB_CODES.VALIDATION,
    `${method}: msg.correlationId must be a string or a number of 1 to ${MAX_REF_LENGTH} characters; got ${shownValue(id)}`,
    { method, field: 'msg.correlationId', rule: `string or number, 1 to ${MAX_REF_LENGTH} characters`, sent: false },
  );
}
