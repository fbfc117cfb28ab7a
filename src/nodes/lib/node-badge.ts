import { clock, readable, type Translate } from './i18n';
import { hubBadge } from './status';
import type { HubState } from './terminal-hub';
import type { Node, NodeStatus } from './red';

/**
 * A flow node's status: its running operation's, else its last outcome (its own badge), else its terminal's.
 * The node's last outcome stays: what the shared terminal does for other nodes is theirs to show. Only a state
 * that refuses this node's next payment (journal unusable, an outcome unresolved) takes its place.
 */
export class NodeBadge {
  private running = 0;
  private own: NodeStatus | null = null;

  constructor(
    private readonly node: Node,
    private readonly translate: Translate,
    private readonly t: Translate,
  ) {}

  /** Texts, not keys: a Status node passes on what it receives, untranslated. */
  readonly say = (status: NodeStatus): void => {
    this.node.status(readable(this.translate, status));
  };

  /** The terminal's state, shown when no operation of this node runs and no outcome of its own is shown. */
  show(state: HubState): void {
    if (this.running === 0 && !this.own) this.say(hubBadge(state));
  }

  readonly onState = (state: HubState): void => {
    if (state.journal !== undefined || state.unresolved > 0) this.own = null;
    this.show(state);
  };

  /** An outcome of this node's, with the time it came: it stays until the node's next operation. */
  readonly badge = (status: NodeStatus): void => {
    const text = readable(this.translate, status).text ?? '';
    this.own = { ...status, text: this.t('status.at', { text, time: clock() }) };
    this.node.status(this.own);
  };

  operationStarted(): void {
    this.running++;
    this.own = null;
  }

  operationEnded(): void {
    this.running--;
  }
}
