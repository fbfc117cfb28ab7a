/**
 * What every flow node of the pack does the same way: find its ssi-terminal, share its Terminal, show an honest
 * status, run one operation per msg with the (msg, send, done) contract, and let go of everything on close.
 */
import {
  EcrError,
  type EcrResponse,
  errorJson,
  LIB_CODES,
  type Params,
  type StatusEvent,
  type Terminal,
  type TransactMethod,
  type TransactOptions,
} from '../../core';
import { valueText } from '../../core/internal';
import { SECOND_STEP_KEY, strayAnswer } from './price-by-card';
import { translator, type Translate } from './i18n';
import { sendLate, reportCutOff } from './late-outcome';
import { NodeBadge } from './node-badge';
import { transactFor } from './node-transact';
import { errorReason } from './reasons';
import { RecoveredOutcomes } from './recovered-outcomes';
import { terminalBadge, STATUS_NS } from './status';
import type { TerminalHub } from './terminal-hub';
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
  transact: (method: TransactMethod, params: Params, options?: NodeTransactOptions) => Promise<EcrResponse>;
  config: TerminalConfigNode;
  /** Shows a status the terminal reported while this node's operation runs. */
  onStatus: (status: StatusEvent) => void;
  /**
   * Shows a badge of the node's own, an outcome (✔ 24.50, ✘ insufficient funds; a text or a key of this pack),
   * with the time it came: it stays until the node's next operation, whatever the shared terminal does meanwhile.
   */
  badge: (status: NodeStatus) => void;
  /** Shows a passing status (a key of this pack is translated): while the operation runs. */
  say: (status: NodeStatus) => void;
  /** RED._ of the shared ssi-terminal catalogue (the English one when the runtime has none). */
  t: (key: string, values?: Record<string, unknown>) => string;
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

export { correlationRef } from './correlation-ref';

/** A node without a usable ssi-terminal: it says so, and fails each msg with the reason. */
function unusable(node: Node, say: (status: NodeStatus) => void, hasConfig: boolean, err: Error): null {
  say({ fill: 'red', shape: 'ring', text: `${STATUS_NS}${hasConfig ? 'config-error' : 'no-config'}` });
  node.on('input', (msg: NodeMessage, _send: Send, done: Done) => {
    msg.ecrError = errorJson(err);
    done(err);
  });
  return null;
}

/** What the input and close handlers of a node share, once it has its terminal. */
interface Link {
  RED: NodeAPI;
  node: Node;
  hub: TerminalHub;
  terminal: Terminal;
  ctx: OperationContext;
  badge: NodeBadge;
  t: Translate;
  onStatus: (status: StatusEvent) => void;
  recovered: RecoveredOutcomes;
  keeps: boolean;
  closed: boolean;
  removed: boolean;
}

/**
 * `recover`, for nodes that run financial or report operations: the outcome of an operation this node started
 * before a restart (or whose outcome was unknown) is sent with it, marked msg.recovered = payload.recovered = true.
 */
export function attachTerminal(
  RED: NodeAPI,
  node: Node,
  def: NodeDef,
  run: MessageHandler,
  recover?: Shape,
  options: AttachOptions = {},
): OperationContext | null {
  const translate = translator(RED);
  const t = (key: string, values?: Record<string, unknown>) => translate(`${SHARED_NS}ssi-terminal.${key}`, values);
  const badge = new NodeBadge(node, translate, t);
  const config = RED.nodes.getNode(valueText(def.terminal)) as TerminalConfigNode | null;
  if (!config || !config.hub) return unusable(node, badge.say, !!config, new EcrError('NO_TERMINAL', t('errors.no-config')));
  const hub = config.hub;
  let terminal: Terminal;
  try {
    terminal = hub.acquire(node.id);
  } catch (err) {
    return unusable(node, badge.say, true, err as Error);
  }
  hub.on('state', badge.onState);
  badge.show(hub.state);

  const onStatus = (status: StatusEvent) => badge.say(terminalBadge(status.status));
  const ctx: OperationContext = {
    terminal,
    transact: transactFor(terminal, hub, node, onStatus),
    config,
    onStatus,
    badge: badge.badge,
    say: badge.say,
    t,
  };
  const recovered = new RecoveredOutcomes(RED, node, hub, ctx, recover);
  const link: Link = { RED, node, hub, terminal, ctx, badge, t, onStatus, recovered, keeps: !!recover, closed: false, removed: false };
  node.on('input', (msg: NodeMessage, send: Send, done: Done) => {
    if (options.intercept?.(msg, done)) return;
    runOperation(link, run, msg, send, done);
  });
  node.on('close', (wasRemoved: boolean, done: () => void) => close(link, wasRemoved, done));
  return ctx;
}

/** One msg, one operation: its status while it runs, what it sends, and its badge when it fails. */
function runOperation(link: Link, run: MessageHandler, msg: NodeMessage, send: Send, done: Done): void {
  const { node, terminal, ctx, badge, t } = link;
  // An answer to a card read that nobody waits for (any more) must never start an operation of its own.
  if (msg[SECOND_STEP_KEY] !== undefined) {
    const err = strayAnswer(node.type, msg);
    msg.ecrError = errorJson(err);
    done(err);
    return;
  }
  badge.operationStarted();
  // Operations ahead of this one in the terminal's queue: the wait is shown, not hidden behind "sending".
  const ahead = terminal.pending;
  badge.say(
    ahead > 0
      ? { fill: 'blue', shape: 'ring', text: t('status.queued', { count: ahead }) }
      : { fill: 'blue', shape: 'ring', text: `${STATUS_NS}sending` },
  );
  let method: string | undefined;
  const transact = transactFor(terminal, link.hub, node, link.onStatus, msg);
  const noted: OperationContext['transact'] = (...args) => {
    method = args[0];
    return transact(...args);
  };
  run(msg, { ...ctx, transact: noted })
    .then((out) => {
      // The flow was stopped (a redeploy) while the terminal finished: the outcome must not vanish unseen.
      if (link.closed) sendLate(link, msg, method, out, send);
      else if (out) send(out);
      done();
    })
    .catch((err: unknown) => {
      if (link.closed) reportCutOff(node, link.removed, err);
      msg.ecrError = errorJson(err);
      const code = err instanceof EcrError ? err.code : 'ERROR';
      const reason = errorReason(code);
      ctx.badge({
        fill: 'red',
        shape: code === LIB_CODES.OUTCOME_UNKNOWN ? 'dot' : 'ring',
        text: `✘ ${reason ? t(`reason.${reason}`) : `${t('reason.failed')} (${code})`}`,
      });
      done(err instanceof Error ? err : new Error(String(err)));
    })
    .finally(() => {
      badge.operationEnded();
    });
}

/** The node stops: what waits for it is kept or said, and it lets go of its terminal. */
function close(link: Link, wasRemoved: boolean, done: () => void): void {
  const { node, hub } = link;
  link.closed = true;
  link.removed = wasRemoved === true;
  link.recovered.close(link.removed);
  hub.removeListener('state', link.badge.onState);
  node.status({});
  hub.release(node.id).then(done, (err: Error) => {
    node.warn(err.message);
    done();
  });
}
