/**
 * Outcomes that come back to a flow node: recovered after a restart (or once unknown), settled by hand, or kept
 * for it by its previous instance (a redeploy). Each is sent marked msg.recovered = payload.recovered = true.
 */
import type { EventEmitter } from 'node:events';
import { redactForLog } from '../../core';
import type { OperationContext, Shape } from './flow-node';
import { type FlowStarts, flowStartsOf } from './flow-starts';
import type { Node, NodeAPI, NodeMessage } from './red';
import type { KeptOutcome, Recovered, TerminalHub } from './terminal-hub';

/** Marks a msg (or each msg of a slot per output) recovered: msg.recovered and, for an object payload, payload.recovered. */
function markRecovered(out: unknown): void {
  const each = (m: unknown) => {
    if (Array.isArray(m)) return m.forEach(each);
    if (!m || typeof m !== 'object') return;
    const msg = m as NodeMessage;
    msg.recovered = true;
    if (msg.payload && typeof msg.payload === 'object') (msg.payload as Record<string, unknown>).recovered = true;
  };
  each(out);
}

/** What the log says of an outcome that waited for a node that was removed. */
function waitedFor(item: Recovered): unknown {
  return item.kept
    ? { method: item.kept.method, arrivedAt: item.kept.arrivedAt, payload: item.kept.payload }
    : { method: item.report.record.method, startedAt: item.report.record.startedAt, payload: item.report.result.params };
}

export class RecoveredOutcomes {
  private closed = false;
  /** Made during a (re)start, this node hands on what waited for it only once the flows have started. */
  private readonly starts: FlowStarts | undefined;
  private readonly madeAt: number;
  private readonly early: Recovered[] = [];
  private readonly flushEarly = (): void => this.early.splice(0).forEach(this.send);
  private readonly stop: (() => void) | undefined;

  constructor(
    RED: NodeAPI,
    private readonly node: Node,
    private readonly hub: TerminalHub,
    private readonly ctx: OperationContext,
    private readonly recover?: Shape,
  ) {
    const events = (RED as NodeAPI & { events?: EventEmitter }).events;
    this.starts = events && flowStartsOf(events);
    this.madeAt = this.starts?.count ?? 0;
    this.stop = recover ? hub.onRecovered(node.id, this.arrived) : undefined;
  }

  private readonly arrived = (item: Recovered): void => {
    const starts = this.starts;
    if (!starts || starts.count > this.madeAt) return this.send(item);
    this.early.push(item);
    starts.waiting.add(this.flushEarly);
  };

  /** Sends a recovered outcome, or one a previous instance of this node (a redeploy) kept for it. */
  private readonly send = (item: Recovered): void => {
    if (this.closed) return this.hub.keep(this.node.id, item);
    if (item.kept) return this.sendKept(item.kept);
    const { node } = this;
    const { report, byHand } = item;
    const { record, result } = report;
    const msg: NodeMessage = { topic: 'recovered', recovered: true, journal: redactForLog(record) };
    if (record.ref !== undefined) msg.correlationId = record.ref;
    if (byHand) msg.settledByHand = byHand;
    const out = this.recover!(msg, record.method, result, this.ctx);
    if (msg.payload && typeof msg.payload === 'object') {
      (msg.payload as Record<string, unknown>).recovered = true;
      if (byHand) (msg.payload as Record<string, unknown>).settledByHand = byHand;
    }
    const text = JSON.stringify(redactForLog(msg.payload));
    if (byHand)
      node.warn(
        `the outcome of ${record.method} started ${record.startedAt} was settled by hand (${byHand.verdict}${byHand.by ? `, by ${byHand.by}` : ''}): ${text}`,
      );
    else node.warn(`recovered the outcome of ${record.method} started ${record.startedAt}: ${text}`);
    node.send(out);
  };

  private sendKept(kept: KeptOutcome): void {
    markRecovered(kept.out);
    this.node.warn(
      `sent the outcome of ${kept.method} that arrived ${kept.arrivedAt}, after the previous instance of this node was stopped (a redeploy), marked recovered: ${JSON.stringify(redactForLog(kept.payload))}`,
    );
    this.node.send(kept.out as NodeMessage | (NodeMessage | null)[]);
  }

  /** Removed from the flows, this node will not start again: what still waits for it is said, not kept. */
  close(removed: boolean): void {
    this.closed = true;
    this.stop?.();
    this.starts?.waiting.delete(this.flushEarly);
    if (!removed) for (const item of this.early.splice(0)) this.hub.keep(this.node.id, item);
    else
      for (const item of [...this.early.splice(0), ...this.hub.forget(this.node.id)])
        this.node.error(`an outcome waited for this node, which was removed: ${JSON.stringify(redactForLog(waitedFor(item)))}`);
  }
}
