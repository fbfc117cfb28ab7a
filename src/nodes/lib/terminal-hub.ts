/**
 * What an ssi-terminal config node holds: one Terminal shared by every flow node that uses it, opened when the
 * first one needs it and closed when the last one goes, and the state they all show. Nothing here may take the
 * Node-RED process down: every promise it starts is caught, and what went wrong is reported as a 'problem'.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { JOURNAL_UNAVAILABLE, UNREADABLE_JOURNAL } from '../../core/journal';
import { Terminal, type ReconcileReport, type TerminalOptions } from '../../core/terminal';
import type { Generation } from '../../core/catalogue';
import type { StatusEvent } from '../../core/codes';
import type { ConnectionEvent, TransportIssue } from '../../core/transports/transport';

/** Whether a journal file holds operations to reconcile (an unreadable one counts: the Terminal will flag it). */
function journalHasRecords(path: string | undefined): boolean {
  if (!path) return false;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  try {
    return (JSON.parse(text) as { records?: unknown[] }).records?.length !== 0;
  } catch {
    return true;
  }
}

export type RecoveredHandler = (report: ReconcileReport) => void;

export type Reachability = 'unknown' | 'connecting' | 'connected' | 'disconnected';

export interface HubState {
  reachability: Reachability;
  /** The last status the terminal reported. */
  status?: StatusEvent;
  /** Why the terminal is unreachable. */
  error?: string;
  /** Operations whose outcome is not established yet (see the journal). */
  unresolved: number;
  /** Why the journal cannot be used: every payment is refused (JOURNAL) until the cause is fixed and the flows restarted. */
  journal?: string;
}

/** A 'firmware' event: the protocol generation the terminal turned out to speak, and how that was told. */
export interface FirmwareEvent {
  generation: Generation;
  reason: string;
}

/** A 'problem' event: something the config node reports (node.error or node.warn). */
export type ProblemLevel = 'error' | 'warn';

/**
 * Events: 'state' (HubState), 'recovered' (ReconcileReport), 'problem' (message, ProblemLevel): the journal cannot
 * be used or was kept aside, a stale lock was taken over, the recovery at start failed; 'firmware' (FirmwareEvent).
 */
export class TerminalHub extends EventEmitter {
  private terminal: Terminal | null = null;
  private readonly users = new Set<string>();
  private current: HubState = { reachability: 'unknown', unresolved: 0 };
  private closed = false;
  /** Recovered outcomes waiting for the node that started them, by its id (the journal record's tag). */
  private readonly recovered = new Map<string, ReconcileReport[]>();
  private readonly recipients = new Map<string, RecoveredHandler>();
  private recoveryTimer: NodeJS.Timeout | undefined;

  /** ms a closing hub waits for running operations. */
  drainTimeout = 10_000;
  /** ms between attempts to reconcile while the terminal cannot be asked. */
  recoveryRetry = 10_000;

  constructor(readonly options: TerminalOptions, private readonly create: (options: TerminalOptions) => Terminal = (o) => new Terminal(o)) {
    super();
    this.setMaxListeners(0);
    // Operations left open by a previous run (Node-RED was stopped or killed during a payment) are settled first.
    if (journalHasRecords(options.journal)) setImmediate(() => this.recoverSafely());
  }

  /** Hands recovered outcomes of node `tag` to `handler`, now (those that waited) and later. */
  onRecovered(tag: string, handler: RecoveredHandler): () => void {
    this.recipients.set(tag, handler);
    for (const report of this.recovered.get(tag) ?? []) handler(report);
    this.recovered.delete(tag);
    return () => {
      if (this.recipients.get(tag) === handler) this.recipients.delete(tag);
    };
  }

  /**
   * Reconciles the journal until nothing is left that asking the terminal again could settle. Never rejects: a
   * Terminal that cannot be made, or a journal that cannot be used, is reported as a 'problem' and reconciled no
   * further (asking the terminal again would not help).
   */
  async recover(): Promise<ReconcileReport[]> {
    if (this.closed) return [];
    clearTimeout(this.recoveryTimer);
    let terminal: Terminal;
    try {
      terminal = this.acquire('hub:recovery');
    } catch (err) {
      this.problem(`the terminal's unresolved operations could not be reconciled: ${(err as Error).message}`);
      return [];
    }
    try {
      if (this.current.journal !== undefined) return [];
      const reports = await terminal.reconcile();
      if (!this.closed && reports.some((r) => r.verdict === 'unknown' && r.retry)) this.retryRecovery();
      return reports;
    } catch (err) {
      this.problem(`reconciling the journal failed (tried again in ${this.recoveryRetry} ms): ${(err as Error).message}`, 'warn');
      if (!this.closed) this.retryRecovery();
      return [];
    } finally {
      await this.releaseSafely('hub:recovery');
    }
  }

  /** The open journal records of the terminal. */
  unresolved(): ReturnType<Terminal['unresolved']> {
    const terminal = this.acquire('hub:admin');
    try {
      return terminal.unresolved();
    } finally {
      void this.releaseSafely('hub:admin');
    }
  }

  /**
   * Marks a journal record resolved by hand. The record of a journal that cannot be used is not one: it goes once
   * the cause is fixed, never by hand.
   */
  markResolved(id: string): boolean {
    const terminal = this.acquire('hub:admin');
    try {
      if (id === JOURNAL_UNAVAILABLE && this.current.journal !== undefined) return false;
      return terminal.markResolved(id);
    } finally {
      void this.releaseSafely('hub:admin');
    }
  }

  private recoverSafely(): void {
    this.recover().catch((err: Error) => this.problem(`reconciling the journal failed: ${err.message}`));
  }

  private retryRecovery(): void {
    clearTimeout(this.recoveryTimer);
    this.recoveryTimer = setTimeout(() => this.recoverSafely(), this.recoveryRetry);
  }

  private releaseSafely(user: string): Promise<void> {
    return this.release(user).catch((err: Error) => this.problem(`closing the terminal failed: ${err.message}`, 'warn'));
  }

  private problem(message: string, level: ProblemLevel = 'error'): void {
    if (this.listenerCount('problem') > 0) this.emit('problem', message, level);
  }

  private deliver(report: ReconcileReport): void {
    const tag = report.record.tag;
    const handler = tag ? this.recipients.get(tag) : undefined;
    if (handler) handler(report);
    else if (tag) this.recovered.set(tag, [...(this.recovered.get(tag) ?? []), report]);
    this.emit('recovered', report);
  }

  get state(): HubState {
    return this.current;
  }

  get userCount(): number {
    return this.users.size;
  }

  get open(): boolean {
    return this.terminal !== null;
  }

  /**
   * The shared Terminal, created on first use; `user` is released with release(). Throws only when the Terminal
   * cannot be made (a setting is wrong); a journal that cannot be used makes a Terminal that refuses every
   * payment, shown in the state and reported as a 'problem'.
   */
  acquire(user: string): Terminal {
    if (this.closed) throw new Error('the terminal configuration was closed');
    if (!this.terminal) {
      const terminal = this.create(this.options);
      terminal.on('connection', (event: ConnectionEvent) => this.onConnection(event));
      terminal.on('status', (status: StatusEvent) => this.update({ status, reachability: 'connected', error: undefined }));
      terminal.on('journal', (unresolved: number) => this.update({ unresolved }));
      terminal.on('recovered', (report: ReconcileReport) => this.deliver(report));
      terminal.on('firmware', (event: FirmwareEvent) => this.emit('firmware', event));
      terminal.on('issue', (issue: TransportIssue) => {
        if (issue.kind === 'journal') this.problem(issue.message, 'warn');
      });
      this.terminal = terminal;
      const records = terminal.unresolved();
      const unusable = records.find((r) => r.id === JOURNAL_UNAVAILABLE);
      this.update({ unresolved: records.length, journal: unusable?.reason });
      if (unusable) this.problem(unusable.reason ?? 'the journal cannot be used');
      else if (records.some((r) => r.id === UNREADABLE_JOURNAL)) this.problem(records.find((r) => r.id === UNREADABLE_JOURNAL)!.reason ?? 'the journal could not be read', 'warn');
    }
    this.users.add(user);
    return this.terminal;
  }

  /** Resolves once the Terminal is closed if `user` was the last one. */
  async release(user: string): Promise<void> {
    this.users.delete(user);
    if (this.users.size === 0) await this.shutdown();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.recoveryTimer);
    this.users.clear();
    await this.shutdown();
    this.removeAllListeners();
  }

  private async shutdown(): Promise<void> {
    const terminal = this.terminal;
    if (!terminal) return;
    this.terminal = null;
    // A payment still running gets time to end (Node-RED allows a node 15 s to close) before it is cut off.
    await terminal.whenIdle(this.drainTimeout);
    terminal.removeAllListeners();
    await terminal.close();
    this.update({ reachability: 'unknown', status: undefined, error: undefined, unresolved: 0, journal: undefined });
  }

  private onConnection(event: ConnectionEvent): void {
    // Some terminals close the socket after every answer: a close without an error is not "unreachable".
    if (event.state === 'connected') this.update({ reachability: 'connected', error: undefined });
    else if (event.state === 'connecting' && this.current.reachability !== 'connected') this.update({ reachability: 'connecting' });
    else if (event.state === 'disconnected' && event.error) this.update({ reachability: 'disconnected', error: event.error.message });
  }

  private update(change: Partial<HubState>): void {
    const next = { ...this.current, ...change };
    const same = next.reachability === this.current.reachability && next.status?.status === this.current.status?.status && next.error === this.current.error && next.journal === this.current.journal;
    if (same && next.unresolved === this.current.unresolved) return;
    this.current = next;
    this.emit('state', next);
  }
}
