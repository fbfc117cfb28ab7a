/** What becomes of an operation's outcome, or its failure, that arrives once its flow node was stopped. */
import { EcrError, LIB_CODES, redactForLog } from '../../core';
import { valueText } from '../../core/internal';
import type { Node, NodeAPI, NodeMessage, Send } from './red';
import type { TerminalHub } from './terminal-hub';

/** The node that was stopped, and whether it keeps outcomes for its next instance (it recovers outcomes). */
export interface StoppedNode {
  RED: NodeAPI;
  node: Node;
  hub: TerminalHub;
  keeps: boolean;
  removed: boolean;
}

/** The ids the messages of `out` would be sent to (by output), and which of them are running nodes now. */
function destinations(RED: NodeAPI, node: Node, out: NodeMessage | (NodeMessage | null)[]): { all: string[]; stopped: string[] } {
  const wires = (node as Node & { wires?: string[][] }).wires ?? [];
  const slots = Array.isArray(out) ? out : [out];
  const all: string[] = [];
  slots.forEach((m, i) => {
    if (m !== null && m !== undefined && !(Array.isArray(m) && m.length === 0)) all.push(...(wires[i] ?? []));
  });
  return { all, stopped: all.filter((id) => !RED.nodes.getNode(id)) };
}

/**
 * An outcome that arrives once this node was stopped (a redeploy, Node-RED stopping). Node-RED still routes what
 * a stopped node sends to the nodes its wires lead to, if they run: they get it, and the log says so. When they
 * were stopped too, sending would lose it: a node that recovers outcomes keeps it for its next instance (the
 * same node id, after the redeploy), which sends it marked recovered; the log says what became of it, and has it.
 */
export function sendLate(
  { RED, node, hub, keeps, removed }: StoppedNode,
  msg: NodeMessage,
  method: string | undefined,
  out: NodeMessage | (NodeMessage | null)[] | null,
  send: Send,
): void {
  const text = JSON.stringify(redactForLog(msg.payload));
  if (!out) return node.warn(`the outcome arrived after this node was stopped; it had nothing to send on: ${text}`);
  const { all, stopped } = destinations(RED, node, out);
  if (all.length === 0) return node.warn(`the outcome arrived after this node was stopped; no wire leads on from its output: ${text}`);
  if (stopped.length === 0) {
    send(out);
    return node.warn(`the outcome arrived after this node was stopped (a redeploy) and was sent on to ${all.join(', ')}: ${text}`);
  }
  if (keeps && !removed) {
    hub.keep(node.id, { kept: { out, payload: msg.payload, method: method ?? 'the operation', arrivedAt: new Date().toISOString() } });
    return node.warn(
      `the outcome arrived after this node was stopped and could not be sent on (${stopped.join(', ')} stopped too): it is kept, and sent marked recovered when this node starts again; if Node-RED is stopping, it is lost: ${text}`,
    );
  }
  const running = all.filter((id) => !stopped.includes(id));
  if (running.length) send(out);
  node.error(
    `the outcome arrived after this node was ${removed ? 'removed' : 'stopped'} and could not be sent on to ${stopped.join(', ')}${running.length ? ` (sent on to ${running.join(', ')})` : ''}: ${text}`,
  );
}

/** A failure once this node was stopped: a payment the redeploy's wait cut off stays open in the journal. */
export function reportCutOff(node: Node, removed: boolean, err: unknown): void {
  const journalId = err instanceof EcrError ? (err.facts as { journalId?: unknown } | undefined)?.journalId : undefined;
  if (err instanceof EcrError && err.code === LIB_CODES.OUTCOME_UNKNOWN && journalId !== undefined) {
    const then = removed
      ? 'this node was removed, so it goes to the log of its ssi-terminal'
      : "it is sent, marked recovered, by this node's next instance";
    node.warn(
      `the ${err.method ?? 'operation'} was cut off when this node was stopped: its outcome is established from the terminal (journal record ${valueText(journalId)}), and ${then}: ${err.message}`,
    );
  } else node.warn(`failed after this node was stopped: ${(err as Error)?.message ?? String(err)}`);
}
