/**
 * Node status badges. Terminal and connection states are message keys of the ssi-terminal catalogue, so the
 * editor shows them in each user's language; outcomes are shown as ✔ 24.50 / ✘ DECLINED_ONLINE (05).
 */
import type { HubState } from './terminal-hub';
import type { UnreachableReason } from './unreachable';
import type { NodeStatus } from './red';

export const STATUS_NS = '@ssi-ecr/node-red/ssi-terminal:ssi-terminal.status.';

const TERMINAL_BADGES: Readonly<Record<string, NodeStatus>> = {
  S00: { fill: 'green', shape: 'dot', text: `${STATUS_NS}S00` },
  S01: { fill: 'blue', shape: 'dot', text: `${STATUS_NS}S01` },
  S02: { fill: 'blue', shape: 'dot', text: `${STATUS_NS}S02` },
  S03: { fill: 'blue', shape: 'dot', text: `${STATUS_NS}S03` },
  S04: { fill: 'blue', shape: 'dot', text: `${STATUS_NS}S04` },
  S05: { fill: 'blue', shape: 'dot', text: `${STATUS_NS}S05` },
  S06: { fill: 'yellow', shape: 'dot', text: `${STATUS_NS}S06` },
  S07: { fill: 'blue', shape: 'dot', text: `${STATUS_NS}S07` },
  // Later firmware: step 1 read the card; nothing is charged until step 2.
  S08: { fill: 'blue', shape: 'dot', text: `${STATUS_NS}S08` },
};

export function terminalBadge(status: string): NodeStatus {
  // A status this pack does not know is shown as it came, never as idle.
  return TERMINAL_BADGES[status] ?? { fill: 'yellow', shape: 'ring', text: status };
}

/** The terminal cannot be reached: why, in words (a wrong address, nothing listening, no answer). */
export function unreachableBadge(reason: UnreachableReason | undefined): NodeStatus {
  return { fill: 'red', shape: 'ring', text: `${STATUS_NS}unreachable.${reason ?? 'other'}` };
}

export function hubBadge(state: HubState): NodeStatus {
  // A journal that cannot be used refuses every payment: nothing else the node could show matters as much.
  if (state.journal !== undefined) return { fill: 'red', shape: 'ring', text: `${STATUS_NS}journal-error` };
  // An outcome nobody knows yet matters more than the terminal being idle: payments wait for it.
  if (state.unresolved > 0 && state.reachability !== 'disconnected') return { fill: 'yellow', shape: 'ring', text: `${STATUS_NS}unresolved` };
  switch (state.reachability) {
    case 'unknown':
      return { fill: 'grey', shape: 'ring', text: `${STATUS_NS}unknown` };
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', text: `${STATUS_NS}connecting` };
    case 'disconnected':
      return unreachableBadge(state.reason);
    case 'connected':
      return state.status ? terminalBadge(state.status.status) : { fill: 'green', shape: 'dot', text: `${STATUS_NS}connected` };
  }
}
