/**
 * What every flow node of the pack does the same way: find its ssi-terminal, share its Terminal, show an honest
 * status, run one operation per msg with the (msg, send, done) contract, and let go of everything on close.
 */
import type { EventEmitter } from 'node:events';
import { EcrError, type EcrResponse, errorJson, LIB_CODES, MAX_REF_LENGTH, type Params, redactForLog, type StatusEvent, type Terminal, type TransactMethod, type TransactOptions, unchecked } from '../../core';
import { shownValue } from '../../core/internal';
import { SECOND_STEP_KEY, strayAnswer } from './price-by-card';
import { clock, readable, translator } from './i18n';
import { errorReason } from './reasons';
import { hubBadge, terminalBadge, STATUS_NS } from './status';
import type { TerminalHub, HubState, Recovered } from './terminal-hub';
import type { Done, Node, NodeAPI, NodeDef, NodeMessage, NodeStatus, Send } from './red';

/** The ssi-terminal config node as flow nodes see it. */
export interface TerminalConfigNode extends Node {
  hub: TerminalHub;
  /** Defaults for requests that name a merchant or a currency. */
  defaults: { merchantId?: string; transCurrency?: string };
}

export interface OperationContext {
  terminal: Terminal;
  /**
   * terminal.transact with this node's status display, its id in the journal (so a recovered outcome comes back
   * here) and msg.correlationId as the operation's ref (one payment per correlation id).
   */
  transact(method: TransactMethod, params: Params, options?: NodeTransactOptions): Promise<EcrResponse>;
  config: TerminalConfigNode;
  /** Shows a status the terminal reported while this node's operation runs. */
  onStatus(status: StatusEvent): void;
  /**
   * Shows a badge of the node's own, an outcome (✔ 24.50, ✘ insufficient funds; a text or a key of this pack),
   * with the time it came: it stays until the node's next operation, whatever the shared terminal does meanwhile.
   */
  badge(status: NodeStatus): void;
  /** Shows a passing status (a key of this pack is translated): while the operation runs. */
  say(status: NodeStatus): void;
  /** RED._ of the shared ssi-terminal catalogue (the English one when the runtime has none). */
  t(key: string, values?: Record<string, unknown>): string;
}

/** What a node may add to its operation's TransactOptions (the rest is the context's own). */
export type NodeTransactOptions = Pick<TransactOptions, 'onFirstStep'>;

export interface AttachOptions {
  /**
   * A msg the node answers itself instead of running an operation (an answer to a card read it waits for):
   * returns true when it took the msg (and called done).
   */
  intercept?: (msg: NodeMessage, done: Done) => boolean;
}

/** Returns what to send: one msg for one output, or an array with a slot per output. */
export type MessageHandler = (msg: NodeMessage, ctx: OperationContext) => Promise<NodeMessage | (NodeMessage | null)[] | null>;

/** Shapes an outcome into what the node sends; also used for outcomes recovered after a restart. */
export type Shape = (msg: NodeMessage, method: string, result: EcrResponse, ctx: OperationContext) => NodeMessage | (NodeMessage | null)[];

export const SHARED_NS = '@ssi-ecr/node-red/ssi-terminal:';

/** msg.correlationId as a ref: a string or a finite number; anything else is refused, naming the property. */
export function correlationRef(method: string, msg: NodeMessage): string | undefined {
  const id = msg.correlationId;
  if (id === undefined || id === null) return undefined;
  const ref = typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? String(id) : undefined;
  if (ref !== undefined && ref.length >= 1 && ref.length <= MAX_REF_LENGTH) return ref;
  throw new EcrError(LIB_CODES.VALIDATION, `${method}: msg.correlationId must be a string or a number of 1 to ${MAX_REF_LENGTH} characters; got ${shownValue(id)}`, { method, field: 'msg.correlationId', rule: `string or number, 1 to ${MAX_REF_LENGTH} characters`, sent: false });
}

/**
 * How many times each runtime has finished starting its flows ('flows:started'), counted from the first node of
 * this pack it made. A node made during a (re)start must not send before the nodes its wires lead to are made:
 * what it has to send at once (outcomes that waited for it) waits for the count to pass the one it was made at.
 */
const flowStarts = new WeakMap<EventEmitter, { count: number; waiting: Set<() => void> }>();

function flowStartsOf(events: EventEmitter): { count: number; waiting: Set<() => void> } {
  let starts = flowStarts.get(events);
  if (!starts) {
    const s = { count: 0, waiting: new Set<() => void>() };
    events.on('flows:started', () => {
      s.count++;
      const ready = [...s.waiting];
      s.waiting.clear();
      for (const fn of ready) fn();
    });
    flowStarts.set(events, s);
    starts = s;
  }
  return starts;
}

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
 * `recover`, for nodes that run financial or report operations: the outcome of an operation this node started
 * before a restart (or whose outcome was unknown) is sent with it, marked msg.recovered = payload.recovered = true.
 */
export function attachTerminal(RED: NodeAPI, node: Node, def: NodeDef, run: MessageHandler, recover?: Shape, options: AttachOptions = {}): OperationContext | null {
  const translate = translator(RED);
  const t = (key: string, values?: Record<string, unknown>) => translate(`${SHARED_NS}ssi-terminal.${key}`, values);
  // Texts, not keys: a Status node passes on what it receives, untranslated.
  const say = (status: NodeStatus) => node.status(readable(translate, status));
  const config = RED.nodes.getNode(String(def.terminal ?? '')) as TerminalConfigNode | null;
  const unusable = (err: Error) => {
    say({ fill: 'red', shape: 'ring', text: `${STATUS_NS}${config ? 'config-error' : 'no-config'}` });
    node.on('input', (msg: NodeMessage, _send: Send, done: Done) => {
      msg.ecrError = errorJson(err);
      done(err);
    });
    return null;
  };
  if (!config || !config.hub) return unusable(new EcrError('NO_TERMINAL', t('errors.no-config')));
  const hub = config.hub;
  let terminal: Terminal;
  try {
    terminal = hub.acquire(node.id);
  } catch (err) {
    return unusable(err as Error);
  }
  let running = 0;
  let ownBadge: NodeStatus | null = null;
  const show = (state: HubState) => {
    if (running === 0 && !ownBadge) say(hubBadge(state));
  };
  // The node's last outcome stays: what the shared terminal does for other nodes is theirs to show. Only a state
  // that refuses this node's next payment (journal unusable, an outcome unresolved) takes its place.
  const onState = (state: HubState) => {
    if (state.journal !== undefined || state.unresolved > 0) ownBadge = null;
    show(state);
  };
  hub.on('state', onState);
  show(hub.state);

  /** transact for one msg: its correlationId is the operation's ref. */
  const transactFor =
    (msg?: NodeMessage): OperationContext['transact'] =>
    async (method, params, extra) =>
      // Params built from a msg: checked by transact() when it runs, as a JavaScript caller's.
      terminal.transact(method, unchecked(params), { ...extra, onStatus: ctx.onStatus, tag: node.id, ref: msg && correlationRef(method, msg) });
  const ctx: OperationContext = {
    terminal,
    transact: transactFor(),
    config,
    onStatus: (status) => say(terminalBadge(status.status)),
    badge: (status) => {
      const text = readable(translate, status).text ?? '';
      ownBadge = { ...status, text: t('status.at', { text, time: clock() }) };
      node.status(ownBadge);
    },
    say,
    t,
  };

  let closed = false;
  let removed = false;
  /** Sends a recovered outcome, or one a previous instance of this node (a redeploy) kept for it. */
  const sendRecovered = (item: Recovered) => {
    if (closed) return hub.keep(node.id, item);
    const { report, kept } = item;
    if (kept) {
      markRecovered(kept.out);
      node.warn(`sent the outcome of ${kept.method} that arrived ${kept.arrivedAt}, after the previous instance of this node was stopped (a redeploy), marked recovered: ${JSON.stringify(redactForLog(kept.payload))}`);
      node.send(kept.out as NodeMessage | (NodeMessage | null)[]);
      return;
    }
    const { record, result } = report;
    const msg: NodeMessage = { topic: 'recovered', recovered: true, journal: redactForLog(record) };
    if (record.ref !== undefined) msg.correlationId = record.ref;
    const out = recover!(msg, record.method, result, ctx);
    if (msg.payload && typeof msg.payload === 'object') (msg.payload as Record<string, unknown>).recovered = true;
    node.warn(`recovered the outcome of ${record.method} started ${record.startedAt}: ${JSON.stringify(redactForLog(msg.payload))}`);
    node.send(out);
  };
  // Made during a (re)start, this node hands on what waited for it only once the flows have started.
  const events = (RED as NodeAPI & { events?: EventEmitter }).events;
  const starts = events && flowStartsOf(events);
  const madeAt = starts?.count ?? 0;
  const early: Recovered[] = [];
  const flushEarly = () => early.splice(0).forEach(sendRecovered);
  const stopRecovered = recover
    ? hub.onRecovered(node.id, (item) => {
        if (!starts || starts.count > madeAt) return sendRecovered(item);
        early.push(item);
        starts.waiting.add(flushEarly);
      })
    : undefined;
  /**
   * An outcome that arrives once this node was stopped (a redeploy, Node-RED stopping). Node-RED still routes what
   * a stopped node sends to the nodes its wires lead to, if they run: they get it, and the log says so. When they
   * were stopped too, sending would lose it: a node that recovers outcomes keeps it for its next instance (the
   * same node id, after the redeploy), which sends it marked recovered; the log says what became of it, and has it.
   */
  const late = (msg: NodeMessage, method: string | undefined, out: NodeMessage | (NodeMessage | null)[] | null, send: Send) => {
    const text = JSON.stringify(redactForLog(msg.payload));
    if (!out) return node.warn(`the outcome arrived after this node was stopped; it had nothing to send on: ${text}`);
    const { all, stopped } = destinations(RED, node, out);
    if (all.length === 0) return node.warn(`the outcome arrived after this node was stopped; no wire leads on from its output: ${text}`);
    if (stopped.length === 0) {
      send(out);
      return node.warn(`the outcome arrived after this node was stopped (a redeploy) and was sent on to ${all.join(', ')}: ${text}`);
    }
    if (recover && !removed) {
      hub.keep(node.id, { kept: { out, payload: msg.payload, method: method ?? 'the operation', arrivedAt: new Date().toISOString() } });
      return node.warn(`the outcome arrived after this node was stopped and could not be sent on (${stopped.join(', ')} stopped too): it is kept, and sent marked recovered when this node starts again; if Node-RED is stopping, it is lost: ${text}`);
    }
    const running = all.filter((id) => !stopped.includes(id));
    if (running.length) send(out);
    node.error(`the outcome arrived after this node was ${removed ? 'removed' : 'stopped'} and could not be sent on to ${stopped.join(', ')}${running.length ? ` (sent on to ${running.join(', ')})` : ''}: ${text}`);
  };
  /** A failure once this node was stopped: a payment the redeploy's wait cut off stays open in the journal. */
  const cutOff = (err: unknown) => {
    const journalId = err instanceof EcrError ? (err.facts as { journalId?: unknown } | undefined)?.journalId : undefined;
    if (err instanceof EcrError && err.code === LIB_CODES.OUTCOME_UNKNOWN && journalId !== undefined) {
      const then = removed ? 'this node was removed, so it goes to the log of its ssi-terminal' : "it is sent, marked recovered, by this node's next instance";
      node.warn(`the ${err.method ?? 'operation'} was cut off when this node was stopped: its outcome is established from the terminal (journal record ${String(journalId)}), and ${then}: ${err.message}`);
    } else node.warn(`failed after this node was stopped: ${(err as Error)?.message ?? String(err)}`);
  };
  node.on('input', (msg: NodeMessage, send: Send, done: Done) => {
    if (options.intercept?.(msg, done)) return;
    // An answer to a card read that nobody waits for (any more) must never start an operation of its own.
    if (msg[SECOND_STEP_KEY] !== undefined) {
      const err = strayAnswer(node.type, msg);
      msg.ecrError = errorJson(err);
      done(err);
      return;
    }
    running++;
    ownBadge = null;
    // Operations ahead of this one in the terminal's queue: the wait is shown, not hidden behind "sending".
    const ahead = terminal.pending;
    say(ahead > 0 ? { fill: 'blue', shape: 'ring', text: t('status.queued', { count: ahead }) } : { fill: 'blue', shape: 'ring', text: `${STATUS_NS}sending` });
    let method: string | undefined;
    const transact = transactFor(msg);
    const noted: OperationContext['transact'] = (...args) => {
      method = args[0];
      return transact(...args);
    };
    run(msg, { ...ctx, transact: noted })
      .then((out) => {
        // The flow was stopped (a redeploy) while the terminal finished: the outcome must not vanish unseen.
        if (closed) late(msg, method, out, send);
        else if (out) send(out);
        done();
      })
      .catch((err: unknown) => {
        if (closed) cutOff(err);
        msg.ecrError = errorJson(err);
        const code = err instanceof EcrError ? err.code : 'ERROR';
        const reason = errorReason(code);
        ctx.badge({ fill: 'red', shape: code === LIB_CODES.OUTCOME_UNKNOWN ? 'dot' : 'ring', text: `✘ ${reason ? t(`reason.${reason}`) : `${t('reason.failed')} (${code})`}` });
        done(err instanceof Error ? err : new Error(String(err)));
      })
      .finally(() => {
        running--;
      });
  });

  node.on('close', (wasRemoved: boolean, done: () => void) => {
    closed = true;
    removed = wasRemoved === true;
    stopRecovered?.();
    starts?.waiting.delete(flushEarly);
    // Removed from the flows, this node will not start again: what still waits for it is said, not kept.
    if (!removed) for (const item of early.splice(0)) hub.keep(node.id, item);
    else for (const item of [...early.splice(0), ...hub.forget(node.id)]) node.error(`an outcome waited for this node, which was removed: ${JSON.stringify(redactForLog(item.kept ? { method: item.kept.method, arrivedAt: item.kept.arrivedAt, payload: item.kept.payload } : { method: item.report.record.method, startedAt: item.report.record.startedAt, payload: item.report.result.params }))}`);
    hub.removeListener('state', onState);
    node.status({});
    hub.release(node.id).then(done, (err: Error) => {
      node.warn(err.message);
      done();
    });
  });
  return ctx;
}

