/**
 * ssi-status: is the terminal there, and is it idle? On every msg: GetStatus (or PingDevice) as msg.payload, with
 * online: false instead of an error when the terminal does not answer. With watch: polls from deploy every
 * `interval` seconds and sends a fresh msg (topic 'ssi-status') whenever status or online changed.
 */
import { invalid } from '../core/internal';
import { flag, oneOf } from './lib/choice';
import { attachTerminal } from './lib/flow-node';
import { checkHealth, HEALTH_MODES, watchHealth, type Health, type HealthMode } from './lib/health';
import { terminalBadge, unreachableBadge } from './lib/status';
import { unreachableReason } from './lib/unreachable';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from './lib/red';

const DEFAULT_INTERVAL = 30;
/** The first poll waits for the flow to start, like an inject node's "once". */
const FIRST_POLL_MS = 100;

function badge(health: Health, answers: string, error?: Error): NodeStatus {
  if (!health.online) return unreachableBadge(error && unreachableReason(error));
  return health.status === null ? { fill: 'green', shape: 'dot', text: `✔ ${answers}` } : terminalBadge(health.status);
}

function intervalSeconds(value: unknown): number {
  const seconds = value === undefined || value === null || value === '' ? DEFAULT_INTERVAL : Number(value);
  if (!Number.isFinite(seconds) || seconds < 1) throw invalid('ssi-status', 'interval', 'must be a number of seconds, at least 1', { value });
  return seconds;
}

export = function register(RED: NodeAPI): void {
  function SsiStatusNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const setting = def.mode || 'GetStatus';
    // A fleet of terminals feeds one dashboard: each msg says which terminal it is about (its configuration's
    // name in msg.topic, its id in msg.payload.terminal).
    const terminalName = (ctx: { config: { id: string; name?: string } }) => ctx.config.name || ctx.config.id;
    const ctx = attachTerminal(RED, this, def, async (msg, ctx) => {
      const mode = oneOf('ssi-status', 'mode', setting, HEALTH_MODES);
      const { health, response, error } = await checkHealth(ctx.terminal, mode);
      msg.payload = { ...health, terminal: ctx.config.id };
      // The msg's own topic is kept: it may be the flow's (a dashboard's), not an inject's empty one.
      if (msg.topic === undefined || msg.topic === null || msg.topic === '') msg.topic = terminalName(ctx);
      if (response) msg.ecr = { method: mode, response };
      ctx.badge(badge(health, ctx.t('status.answers'), error));
      return msg;
    });
    if (!ctx || !flag(def.watch)) return;

    let mode: HealthMode;
    let seconds: number;
    try {
      mode = oneOf('ssi-status', 'mode', setting, HEALTH_MODES);
      seconds = intervalSeconds(def.interval);
    } catch (err) {
      this.error((err as Error).message);
      return;
    }
    const poller = watchHealth(
      ctx.terminal,
      mode,
      seconds * 1000,
      FIRST_POLL_MS,
      (health, response) => {
        const out: NodeMessage = { topic: terminalName(ctx), payload: { ...health, terminal: ctx.config.id } };
        if (response) out.ecr = { method: mode, response };
        this.send(out);
      },
      (message) => this.warn(message),
    );
    this.on('close', () => poller.stop());
  }
  RED.nodes.registerType('ssi-status', SsiStatusNode);
};
