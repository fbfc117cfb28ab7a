/**
 * A terminal health check (GetStatus or PingDevice) as one plain object. An unreachable terminal is an answer
 * here (online: false), not a failure; a refusal or an invalid request still is one.
 */
import { describeStatus, EcrError, type EcrResponse, LIB_CODES, type Terminal } from '../../core';
import { Poller } from './poller';

export const HEALTH_MODES = ['GetStatus', 'PingDevice'] as const;
export type HealthMode = (typeof HEALTH_MODES)[number];

export interface Health {
  /** S00…S07 (or a code this library does not know); null for PingDevice and when offline. */
  status: string | null;
  text: string;
  uk: string;
  known: boolean;
  idle: boolean;
  online: boolean;
  needsZReport: boolean;
  /** Why the terminal is offline. */
  error?: string;
}

/** Failures that mean "no answer from the terminal". */
const UNREACHABLE: ReadonlySet<string> = new Set([LIB_CODES.CONNECTION_FAILED, LIB_CODES.CONNECTION_LOST, LIB_CODES.TIMEOUT]);

export function statusHealth(status: string): Health {
  const { text, uk, known, idle } = describeStatus(status);
  return { status, text, uk, known, idle, online: true, needsZReport: status === 'S06' };
}

export function pingHealth(): Health {
  return { status: null, text: 'the terminal answers', uk: 'термінал відповідає', known: false, idle: false, online: true, needsZReport: false };
}

export function offlineHealth(error: string): Health {
  return {
    status: null,
    text: 'the terminal does not answer',
    uk: 'термінал не відповідає',
    known: false,
    idle: false,
    online: false,
    needsZReport: false,
    error,
  };
}

/** `error`: why the terminal is offline (its cause tells the reason, see unreachableReason). */
export async function checkHealth(terminal: Terminal, mode: HealthMode): Promise<{ health: Health; response?: EcrResponse; error?: EcrError }> {
  let response: EcrResponse;
  try {
    response = await terminal.request(mode);
  } catch (err) {
    if (err instanceof EcrError && UNREACHABLE.has(err.code)) return { health: offlineHealth(err.message), error: err };
    throw err;
  }
  if (mode === 'PingDevice') return { health: pingHealth(), response };
  if (response.status === undefined) {
    throw new EcrError(LIB_CODES.BAD_RESPONSE, 'GetStatus: the answer carries no status', { method: mode, response, sent: true });
  }
  return { health: statusHealth(response.status), response };
}

/**
 * Polls the terminal's health every `every` ms (the first check after `firstDelay`), one check at a time, and
 * calls `changed` with the first result and then whenever status or online differs from the last one reported.
 * `problem` hears of failures that are not "offline" (a refusal), once per distinct message.
 */
export function watchHealth(
  terminal: Terminal,
  mode: HealthMode,
  every: number,
  firstDelay: number,
  changed: (health: Health, response?: EcrResponse) => void,
  problem: (message: string) => void,
): Poller {
  let last: string | undefined;
  let lastProblem: string | undefined;
  const poller: Poller = new Poller(every, async () => {
    let checked: Awaited<ReturnType<typeof checkHealth>>;
    try {
      checked = await checkHealth(terminal, mode);
    } catch (err) {
      const message = (err as Error).message;
      if (poller.active && message !== lastProblem) problem(message);
      lastProblem = message;
      return;
    }
    lastProblem = undefined;
    const key = `${checked.health.online}|${checked.health.status}`;
    if (!poller.active || key === last) return;
    last = key;
    changed(checked.health, checked.response);
  });
  return poller.start(firstDelay);
}
