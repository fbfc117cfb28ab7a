/**
 * The terminal's watch: right after deploy, when the first node opens the connection, one GetStatus tells every
 * node that uses the terminal whether it is there (a wrong address shows before the first customer, not at the
 * first payment), and then one every `every` ms while the connection stays open.
 *
 * A check never disturbs a payment: it is skipped while an operation runs or waits in the Terminal's queue (the
 * operation shows the terminal's state itself); GetStatus only reads and is answered in any status, so a terminal
 * busy with another cash register's payment is "busy", not unreachable; it goes through the transport like any
 * request (one at a time on the wire, the request gap of later firmware kept, a connection the terminal closed
 * after its last answer opened again). Once the terminal answers idle, its protocol generation is found out if
 * not known yet, in turn with operations, so that the gap is kept from then on and the first payment need not ask.
 */
import { EcrError, GENERATION_DEFAULTS, LIB_CODES, type Terminal } from '../../core';
import { checkHealth } from './health';
import { Poller } from './poller';
import type { TerminalHub } from './terminal-hub';
import type { WatchSettings } from './terminal-settings';

/** The first check waits for the flow to start, like an inject node's "once" (and ssi-status's watch). */
export const FIRST_CHECK_MS = 100;

/** The hub's user while a check runs: the connection is not closed under it. */
const WATCH_USER = 'hub:watch';

/** What the watch says: the terminal stopped answering (once), and answers again. */
export interface WatchLog {
  unreachable(message: string): void;
  reachable(): void;
}

export class TerminalWatch {
  private poller: Poller | undefined;
  private once: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Counts starts and pauses: a check that began before one does nothing more after it. */
  private epoch = 0;
  /** What the last check found; undefined before the first. */
  private online: boolean | undefined;

  constructor(
    private readonly hub: TerminalHub,
    readonly settings: WatchSettings,
    private readonly log: WatchLog,
    private readonly firstDelay = FIRST_CHECK_MS,
  ) {
    hub.on('open', () => this.start());
    hub.on('shut', () => this.pause());
    if (hub.open) this.start();
  }

  stop(): void {
    this.stopped = true;
    this.pause();
  }

  private start(): void {
    this.pause();
    if (this.stopped) return;
    const { probeAtDeploy, every } = this.settings;
    if (every > 0) this.poller = new Poller(every, () => this.check()).start(probeAtDeploy ? this.firstDelay : every);
    else if (probeAtDeploy) this.once = setTimeout(() => void this.check(), this.firstDelay);
  }

  private pause(): void {
    this.epoch++;
    this.poller?.stop();
    this.poller = undefined;
    clearTimeout(this.once);
    this.once = undefined;
  }

  private async check(): Promise<void> {
    if (!this.hub.open || this.stopped) return;
    const epoch = this.epoch;
    let terminal: Terminal;
    try {
      terminal = this.hub.acquire(WATCH_USER);
    } catch {
      return;
    }
    try {
      // An operation in flight or waiting: no request of the watch goes between its steps.
      if (terminal.pending > 0) return;
      await this.checkOnce(terminal, () => epoch === this.epoch);
    } finally {
      await this.hub.release(WATCH_USER).catch(() => undefined);
    }
  }

  private async checkOnce(terminal: Terminal, current: () => boolean): Promise<void> {
    let checked: Awaited<ReturnType<typeof checkHealth>>;
    try {
      checked = await checkHealth(terminal, 'GetStatus');
    } catch (err) {
      if (!current() || !(err instanceof EcrError) || err.code === LIB_CODES.CLOSED) return;
      // The terminal answered, if with an error (E06 while another cash register's payment runs): it is there.
      // Something that is no terminal answers at its address when the answer is no protocol response at all.
      if (err.response !== undefined) return this.answered();
      return this.silent(err);
    }
    if (!current()) return;
    if (!checked.health.online) return this.silent(checked.error ?? new Error(checked.health.error ?? 'no answer'));
    this.answered();
    if (checked.health.idle && terminal.firmware === undefined) await this.findGeneration(terminal, current);
  }

  private answered(): void {
    this.hub.markReachable();
    if (this.online === false) this.log.reachable();
    this.online = true;
  }

  private silent(err: Error): void {
    this.hub.markUnreachable(err);
    if (this.online !== false) this.log.unreachable(err.message);
    this.online = false;
  }

  /** Later firmware wants a gap between two requests, which the transport keeps only once the generation is known. */
  private async findGeneration(terminal: Terminal, current: () => boolean): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, GENERATION_DEFAULTS['1.4'].minRequestGap));
    if (!current() || terminal.pending > 0 || terminal.firmware !== undefined) return;
    await terminal.detectFirmware().catch(() => undefined);
  }
}
