/**
 * What every flow node of the pack does the same way: find its ssi-terminal, share its Terminal, show an honest
 * status, run one operation per msg with the (msg, send, done) contract, and let go of everything on close.
 */
import type { StatusEvent } from '../../core/codes';
import { EcrError, LIB_CODES } from '../../core/errors';
import { redactForLog } from '../../core/mask';
import { MAX_REF_LENGTH } from '../../core/refs';
import type { Terminal, TransactOptions } from '../../core/terminal';
import type { EcrResponse } from '../../core/normalise';
import type { Params } from '../../core/validate';
import { SECOND_STEP_KEY, strayAnswer } from './price-by-card';
import { clock, readable, translator } from './i18n';
import { errorReason } from './reasons';
import { hubBadge, terminalBadge, STATUS_NS } from './status';
import type { TerminalHub, HubState } from './terminal-hub';
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
  transact(method: string, params: Params, options?: NodeTransactOptions): Promise<EcrResponse>;
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
export type Operation = (msg: NodeMessage, ctx: OperationContext) => Promise<NodeMessage | (NodeMessage | null)[] | null>;

/** Shapes an outcome into what the node sends; also used for outcomes recovered after a restart. */
export type Shape = (msg: NodeMessage, method: string, result: EcrResponse, ctx: OperationContext) => NodeMessage | (NodeMessage | null)[];

export const SHARED_NS = '@ssi-ecr/node-red/ssi-terminal:';

/** msg.correlationId as a ref: a string or a finite number; anything else is refused, naming the property. */
export function correlationRef(method: string, msg: NodeMessage): string | undefined {
  const id = msg.correlationId;
  if (id === undefined || id === null) return undefined;
  const ref = typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? String(id) : undefined;
  if (ref !== undefined && ref.length >= 1 && ref.length <= MAX_REF_LENGTH) return ref;
  throw new EcrError(LIB_CODES.VALIDATION, `${method}: msg.correlationId must be a string or a number of 1 to ${MAX_REF_LENGTH} characters; got ${JSON.stringify(id)?.slice(0, 80) ?? typeof id}`, { method, field: 'msg.correlationId', rule: `string or number, 1 to ${MAX_REF_LENGTH} characters`, sent: false });
}

/** What a Catch node and the debug sidebar need to know about a failure, on msg.ecrError (card data masked once more). */
export function errorDetails(err: unknown): Record<string, unknown> {
  if (err instanceof EcrError) {
    return redactForLog({ code: err.code, message: err.message, method: err.method, field: err.field, rule: err.rule, sent: err.sent, facts: err.facts, response: err.response });
  }
  return { code: 'ERROR', message: redactForLog(err instanceof Error ? err.message : String(err)) };
}

/**
 * `recover`, for nodes that run financial or report operations: the outcome of an operation this node started
 * before a restart (or whose outcome was unknown) is sent with it, marked msg.recovered = payload.recovered = true.
 */
export function attachTerminal(RED: NodeAPI, node: Node, def: NodeDef, run: Operation, recover?: Shape, options: AttachOptions = {}): OperationContext | null {
  const translate = translator(RED);
  const t = (key: string, values?: Record<string, unknown>) => translate(`${SHARED_NS}ssi-terminal.${key}`, values);
  // Texts, not keys: a Status node passes on what it receives, untranslated.
  const say = (status: NodeStatus) => node.status(readable(translate, status));
  const config = RED.nodes.getNode(String(def.terminal ?? '')) as TerminalConfigNode | null;
  const unusable = (err: Error) => {
    say({ fill: 'red', shape: 'ring', text: `${STATUS_NS}${config ? 'config-error' : 'no-config'}` });
    node.on('input', (msg: NodeMessage, _send: Send, done: Done) => {
      msg.ecrError = errorDetails(err);
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
      terminal.transact(method, params, { ...extra, onStatus: ctx.onStatus, tag: node.id, ref: msg && correlationRef(method, msg) });
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
  const stopRecovered = recover
    ? hub.onRecovered(node.id, (report) => {
        const { record, result } = report;
        const msg: NodeMessage = { topic: 'recovered', recovered: true, journal: redactForLog(record) };
        if (record.ref !== undefined) msg.correlationId = record.ref;
        const out = recover(msg, record.method, result!, ctx);
        if (msg.payload && typeof msg.payload === 'object') (msg.payload as Record<string, unknown>).recovered = true;
        node.warn(`recovered the outcome of ${record.method} started ${record.startedAt}: ${JSON.stringify(redactForLog(msg.payload))}`);
        node.send(out);
      })
    : undefined;
  node.on('input', (msg: NodeMessage, send: Send, done: Done) => {
    if (options.intercept?.(msg, done)) return;
    // An answer to a card read that nobody waits for (any more) must never start an operation of its own.
    if (msg[SECOND_STEP_KEY] !== undefined) {
      const err = strayAnswer(node.type, msg);
      msg.ecrError = errorDetails(err);
      done(err);
      return;
    }
    running++;
    ownBadge = null;
    // Operations ahead of this one in the terminal's queue: the wait is shown, not hidden behind "sending".
    const ahead = terminal.pending;
    say(ahead > 0 ? { fill: 'blue', shape: 'ring', text: t('status.queued', { count: ahead }) } : { fill: 'blue', shape: 'ring', text: `${STATUS_NS}sending` });
    run(msg, { ...ctx, transact: transactFor(msg) })
      .then((out) => {
        // The flow was stopped (a redeploy) while the terminal finished: the outcome must not vanish unseen.
        if (closed) node.warn(`the outcome arrived after this node was stopped and was not sent on: ${JSON.stringify(redactForLog(msg.payload))}`);
        if (out) send(out);
        done();
      })
      .catch((err: unknown) => {
        msg.ecrError = errorDetails(err);
        const code = err instanceof EcrError ? err.code : 'ERROR';
        const reason = errorReason(code);
        ctx.badge({ fill: 'red', shape: code === LIB_CODES.OUTCOME_UNKNOWN ? 'dot' : 'ring', text: `✘ ${reason ? t(`reason.${reason}`) : `${t('reason.failed')} (${code})`}` });
        done(err instanceof Error ? err : new Error(String(err)));
      })
      .finally(() => {
        running--;
      });
  });

  node.on('close', (_removed: boolean, done: () => void) => {
    closed = true;
    stopRecovered?.();
    hub.removeListener('state', onState);
    node.status({});
    hub.release(node.id).then(done, (err: Error) => {
      node.warn(err.message);
      done();
    });
  });
  return ctx;
}

