/**
 * What an ssi-terminal config node holds: one Terminal shared by every flow node that uses it, opened when the
 * first one needs it and closed when the last one goes, and the state they all show.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { Terminal, type ReconcileReport, type TerminalOptions } from '../../core/terminal';
import type { StatusEvent } from '../../core/codes';
import type { ConnectionEvent } from '../../core/transports/transport';

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
}

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
    if (journalHasRecords(options.journal)) setImmediate(() => this.recover());
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

  /** Reconciles the journal until nothing is left that asking the terminal again could settle. */
  async recover(): Promise<ReconcileReport[]> {
    if (this.closed) return [];
    clearTimeout(this.recoveryTimer);
    const terminal = this.acquire('hub:recovery');
    try {
      const reports = await terminal.reconcile();
      if (!this.closed && reports.some((r) => r.verdict === 'unknown' && r.retry)) {
        this.recoveryTimer = setTimeout(() => void this.recover(), this.recoveryRetry);
      }
      return reports;
    } catch {
      if (!this.closed) this.recoveryTimer = setTimeout(() => void this.recover(), this.recoveryRetry);
      return [];
    } finally {
      await this.release('hub:recovery');
    }
  }

  /** The open journal records of the terminal. */
  unresolved(): ReturnType<Terminal['unresolved']> {
    const terminal = this.acquire('hub:admin');
    try {
      return terminal.unresolved();
    } finally {
      void this.release('hub:admin');
    }
  }

  /** Marks a journal record resolved by hand. */
  markResolved(id: string): boolean {
    const terminal = this.acquire('hub:admin');
    try {
      return terminal.markResolved(id);
    } finally {
      void this.release('hub:admin');
    }
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

  /** The shared Terminal, created on first use; `user` is released with release(). */
  acquire(user: string): Terminal {
    if (this.closed) throw new Error('the terminal configuration was closed');
    this.users.add(user);
    if (!this.terminal) {
      const terminal = this.create(this.options);
      terminal.on('connection', (event: ConnectionEvent) => this.onConnection(event));
      terminal.on('status', (status: StatusEvent) => this.update({ status, reachability: 'connected', error: undefined }));
      terminal.on('journal', (unresolved: number) => this.update({ unresolved }));
      terminal.on('recovered', (report: ReconcileReport) => this.deliver(report));
      this.terminal = terminal;
      this.update({ unresolved: terminal.unresolved().length });
    }
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
    this.update({ reachability: 'unknown', status: undefined, error: undefined, unresolved: 0 });
  }

  private onConnection(event: ConnectionEvent): void {
    // Some terminals close the socket after every answer: a close without an error is not "unreachable".
    if (event.state === 'connected') this.update({ reachability: 'connected', error: undefined });
    else if (event.state === 'connecting' && this.current.reachability !== 'connected') this.update({ reachability: 'connecting' });
    else if (event.state === 'disconnected' && event.error) this.update({ reachability: 'disconnected', error: event.error.message });
  }

  private update(change: Partial<HubState>): void {
    const next = { ...this.current, ...change };
    const same = next.reachability === this.current.reachability && next.status?.status === this.current.status?.status && next.error === this.current.error;
    if (same && next.unresolved === this.current.unresolved) return;
    this.current = next;
    this.emit('state', next);
  }
}
