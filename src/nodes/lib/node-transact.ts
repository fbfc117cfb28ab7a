import { type StatusEvent, type Terminal, unchecked } from '../../core';
import { correlationRef } from './correlation-ref';
import type { OperationContext } from './flow-node';
import { outcomeOfError, outcomeOfResult } from './last-outcomes';
import type { Node, NodeMessage } from './red';
import type { TerminalHub } from './terminal-hub';

/** transact for one msg: its correlationId is the operation's ref. Its outcome joins the terminal's last ones. */
export function transactFor(
  terminal: Terminal,
  hub: TerminalHub,
  node: Node,
  onStatus: (status: StatusEvent) => void,
  msg?: NodeMessage,
): OperationContext['transact'] {
  return async (method, params, extra) => {
    const ref = msg && correlationRef(method, msg);
    const about = { method, node: node.id, ref, params };
    try {
      // Params built from a msg: checked by transact() when it runs, as a JavaScript caller's.
      const result = await terminal.transact(method, unchecked(params), { ...extra, onStatus, tag: node.id, ref });
      hub.noteOutcome(outcomeOfResult(about, result));
      return result;
    } catch (err) {
      hub.noteOutcome(outcomeOfError(about, err));
      throw err;
    }
  };
}
