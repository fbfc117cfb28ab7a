/** What a paying node does when the terminal already has operations queued: wait its turn, or refuse at once. */
import { EcrError } from '../../core';
import type { OperationContext } from './flow-node';

/** The busy policy of a paying node: 'queue' (wait behind the operations ahead, the default) or 'refuse'. */
export type BusyPolicy = 'queue' | 'refuse';

export function busyPolicy(value: unknown): BusyPolicy {
  return value === 'refuse' ? 'refuse' : 'queue';
}

/**
 * With 'refuse' (a kiosk: the customer must not stand waiting for someone else's payment), a payment while the
 * terminal's queue holds an operation is refused at once with BUSY, nothing sent. Called right before transact,
 * with nothing awaited in between, so no other operation can slip into the queue after the check.
 */
export function refuseWhenBusy(policy: BusyPolicy, method: string, ctx: OperationContext): void {
  const pending = ctx.terminal.pending;
  if (policy !== 'refuse' || pending === 0) return;
  throw new EcrError(
    'BUSY',
    `${method}: the terminal is busy (${pending} operation${pending === 1 ? '' : 's'} in its queue) and this node refuses at once when busy; nothing was sent`,
    { method, sent: false, facts: { pending } },
  );
}
