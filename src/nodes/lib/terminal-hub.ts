/**
 * What an ssi-terminal config node holds: one Terminal shared by every flow node that uses it, opened when the
 * first one needs it and closed when the last one goes, and the state they all show. Nothing here may take the
 * Node-RED process down: every promise it starts is caught, and what went wrong is reported as a 'problem'.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import {
  type ConnectionEvent,
  type EcrResponse,
  type FirmwareEvent,
  type Generation,
  getMethod,
  JOURNAL_UNAVAILABLE,
  type JournalRecord,
  type ReconcileReport,
  type RecoveredReport,
  redactForLog,
  type StatusEvent,
  Terminal,
  type TerminalOptions,
  type TransportIssue,
  UNREADABLE_JOURNAL,
} from '../../core';
import type { ByHand } from './by-hand';
import { outcomeOfResult, recall, remember, type OutcomeEntry } from './last-outcomes';
import { unreachableReason, type UnreachableReason } from './unreachable';

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

/** Whether reconcile() can settle a record: one of an operation with a result to read (not a journal's own flag). */
function reconcilable(record: JournalRecord): boolean {
  return getMethod(record.method)?.resultMethod !== undefined;
}

/**
 * An outcome a node received after it was stopped (a redeploy) and could not send on, because the nodes its wires
 * lead to were stopped too: the messages it would have sent, for its next instance (the same node id) to send.
 */
export interface KeptOutcome {
  /** One msg, or one slot per output, as the stopped node would have sent it. */
  out: unknown;
  /** What the log may show of it (the outcome's payload): the messages may hold anything (an HTTP response). */
  payload: unknown;
  method: string;
  /** When the outcome arrived. */
  arrivedAt: string;
}

/**
 * A recovered outcome (reconciled from the terminal; or settled by hand, `byHand`, its result made of what the
 * journal knew) or a kept one: what a node is handed when it listens.
 */
export type Recovered =
  | { report: RecoveredReport; byHand?: undefined; kept?: undefined }
  | { report: { record: JournalRecord; result: EcrResponse }; byHand: ByHand; kept?: undefined }
  | { kept: KeptOutcome; report?: undefined; byHand?: undefined };

export type RecoveredHandler = (recovered: Recovered) => void;

/** Outcomes waiting for a node at most, per terminal configuration: more means its nodes are gone for good. */
const MAX_WAITING = 100;

/**
 * What waits for nodes that are not listening, by terminal configuration (its journal file, else where the terminal
 * is) and node id. Kept outside the hub: a full redeploy replaces the ssi-terminal node and its hub, and the
 * successor hands these to the nodes when they start again.
 */
const waitingFor = new Map<string, Map<string, Recovered[]>>();

/** A waiting outcome for the log: what was done and its result, card data masked. */
function summary(item: Recovered): string {
  const what = item.report
    ? { method: item.report.record.method, startedAt: item.report.record.startedAt, result: item.report.result.params }
    : { method: item.kept.method, arrivedAt: item.kept.arrivedAt, payload: item.kept.payload };
  return JSON.stringify(redactForLog(what)) ?? '';
}

function hubKey(options: TerminalOptions): string {
  if (options.journal) return `journal:${options.journal}`;
  const transport = typeof options.transport === 'object' ? 'own transport' : (options.transport ?? 'tcp');
  return `terminal:${JSON.stringify([transport, options.host, options.port, 'httpPath' in options ? options.httpPath : undefined, options.path])}`;
}

export type Reachability = 'unknown' | 'connecting' | 'connected' | 'disconnected';

export interface HubState {
  reachability: Reachability;
  /** The last status the terminal reported. */
  status?: StatusEvent;
  /** Why the terminal is unreachable: the failure's message, for the log. */
  error?: string;
  /** Why the terminal is unreachable, in words the status shows (see unreachableReason). */
  reason?: UnreachableReason;
  /** Operations whose outcome is not established yet (see the journal). */
  unresolved: number;
  /** Why the journal cannot be used: every payment is refused (JOURNAL) until the cause is fixed and the flows restarted. */
  journal?: string;
}

/** A 'problem' event: something the config node reports (node.error or node.warn). */
export type ProblemLevel = 'error' | 'warn';

/**
 * Events: 'state' (HubState), 'recovered' (ReconcileReport), 'problem' (message, ProblemLevel): the journal cannot
 * be used or was kept aside, a stale lock was taken over, reconciling failed, an outcome was recovered for a node
 * that is not running (it waits for it); 'firmware' (FirmwareEvent); 'open' (Terminal): a Terminal was made, as a
 * node started using the terminal; 'shut': it is being closed, as the last one stopped; 'journal' (its records may
 * have changed); 'outcome' (OutcomeEntry, see noteOutcome).
 */
export class TerminalHub extends EventEmitter {
  private terminal: Terminal | null = null;
  private readonly users = new Set<string>();
  private current: HubState = { reachability: 'unknown', unresolved: 0 };
  private closed = false;
  private readonly key: string;
  private readonly recipients = new Map<string, RecoveredHandler>();
  /** Journal records reconcile() could settle, as last seen: while there are any, it runs on a schedule. */
  private openRecords = 0;
  private reconcileTimer: NodeJS.Timeout | undefined;
  /** ms until the next scheduled reconciliation: reconcileDelay (undefined), doubled after each that leaves records open. */
  private backoff: number | undefined;
  private running: Promise<ReconcileReport[]> | undefined;
  /** A Terminal being closed (waiting for its running operation first). */
  private stopping: Promise<void> | undefined;
  /** The protocol generation the terminal was last found to speak. */
  private detected: Generation | undefined;

  /** ms a closing hub waits for running operations. */
  drainTimeout = 10_000;
  /** ms from the moment an outcome is left open (OUTCOME_UNKNOWN, a payment cut off) to the first reconciliation. */
  reconcileDelay = 5_000;
  /** The longest wait between two scheduled reconciliations (the wait doubles from reconcileDelay up to this). */
  reconcileMaxDelay = 300_000;

  constructor(
    readonly options: TerminalOptions,
    private readonly create: (options: TerminalOptions) => Terminal = (o) => new Terminal(o),
  ) {
    super();
    this.setMaxListeners(0);
    this.key = hubKey(options);
    // Operations left open by a previous run (Node-RED was stopped or killed during a payment) are settled first.
    if (journalHasRecords(options.journal)) setImmediate(() => this.recoverSafely());
  }

  /**
   * Hands node `tag` its recovered and kept outcomes: now those that waited for it (also those a previous hub of
   * this configuration held), and later as they come.
   */
  onRecovered(tag: string, handler: RecoveredHandler): () => void {
    this.recipients.set(tag, handler);
    const mailbox = waitingFor.get(this.key);
    const waiting = mailbox?.get(tag) ?? [];
    mailbox?.delete(tag);
    if (mailbox?.size === 0) waitingFor.delete(this.key);
    for (const item of waiting) handler(item);
    return () => {
      if (this.recipients.get(tag) === handler) this.recipients.delete(tag);
    };
  }

  /**
   * Keeps an outcome for node `tag`'s next instance (see onRecovered): one a stopped node could not send on, or
   * one handed to a node that was stopped before it could send it.
   */
  keep(tag: string, item: Recovered): void {
    this.deliver(tag, item);
  }

  /** Outcomes waiting for node `tag`, taken away: a node removed from the flows will never take them. */
  forget(tag: string): Recovered[] {
    const mailbox = waitingFor.get(this.key);
    const waiting = mailbox?.get(tag) ?? [];
    mailbox?.delete(tag);
    if (mailbox?.size === 0) waitingFor.delete(this.key);
    return waiting;
  }

  /**
   * Reconciles the journal: what it settles goes to the nodes that started it ('recovered'). While records stay
   * open it runs again on a schedule, reconcileDelay after the first, then twice as long each time up to
   * reconcileMaxDelay; never two at once (a call while one runs gets its reports). Never rejects: a Terminal that
   * cannot be made, or a journal that cannot be used, is reported as a 'problem' and reconciled no further (asking
   * the terminal again would not help).
   */
  recover(): Promise<ReconcileReport[]> {
    if (this.closed) return Promise.resolve([]);
    if (this.running) return this.running;
    clearTimeout(this.reconcileTimer);
    this.reconcileTimer = undefined;
    // Started once `running` is set: what it does on the way (a Terminal made) plans nothing of its own.
    const run = Promise.resolve().then(() => this.reconcileOnce());
    this.running = run;
    const after = () => {
      this.running = undefined;
      this.schedule(true);
    };
    run.then(after, after);
    return run;
  }

  private async reconcileOnce(): Promise<ReconcileReport[]> {
    // A Terminal still draining holds the journal: another one made now would find it locked.
    while (this.stopping) await this.stopping;
    if (this.closed) return [];
    let terminal: Terminal;
    try {
      terminal = this.acquire('hub:recovery');
    } catch (err) {
      this.problem(`the terminal's unresolved operations could not be reconciled: ${(err as Error).message}`);
      this.openRecords = 0;
      return [];
    }
    try {
      if (this.current.journal !== undefined) {
        this.openRecords = 0;
        return [];
      }
      return await terminal.reconcile();
    } catch (err) {
      this.problem(`reconciling the journal failed (tried again later): ${(err as Error).message}`, 'warn');
      return [];
    } finally {
      if (this.current.journal === undefined) this.openRecords = terminal.unresolved().filter(reconcilable).length;
      await this.releaseSafely('hub:recovery');
    }
  }

  /**
   * Plans the next reconciliation while records are open; `after` one ran, the wait doubles. Nothing is planned
   * while one runs (it plans the next when it ends), and a planned one is not put off by news of the journal.
   */
  private schedule(after: boolean): void {
    if (this.closed || this.running) return;
    if (this.openRecords === 0) {
      clearTimeout(this.reconcileTimer);
      this.reconcileTimer = undefined;
      this.backoff = undefined;
      return;
    }
    if (this.reconcileTimer && !after) return;
    const wait = after ? Math.min((this.backoff ?? this.reconcileDelay) * 2, this.reconcileMaxDelay) : (this.backoff ?? this.reconcileDelay);
    this.backoff = wait;
    clearTimeout(this.reconcileTimer);
    this.reconcileTimer = setTimeout(() => this.recoverSafely(), wait);
    this.reconcileTimer.unref?.();
  }

  /** The journal may have changed: its open records decide whether reconciliation is scheduled. */
  private journalChanged(terminal: Terminal, unresolved: number): void {
    this.update({ unresolved });
    this.emit('journal');
    if (this.current.journal !== undefined) return;
    this.openRecords = unresolved === 0 ? 0 : terminal.unresolved().filter(reconcilable).length;
    this.schedule(false);
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

  /** Hands node `tag` an outcome established outside reconcile (settled by hand): now, or when it listens again. */
  handOver(tag: string | undefined, item: Recovered): void {
    this.deliver(tag, item);
  }

  /** Keeps an outcome among this configuration's last ones (see last-outcomes.ts) and says so ('outcome'). */
  noteOutcome(entry: OutcomeEntry): void {
    remember(this.key, entry);
    this.emit('outcome', entry);
  }

  /** This configuration's last outcomes, the newest first. */
  lastOutcomes(): OutcomeEntry[] {
    return recall(this.key);
  }

  /** The protocol generation the terminal speaks: as configured, or as last found out. */
  get firmware(): Generation | undefined {
    return this.terminal?.firmware ?? (this.options.protocol === '1.1' || this.options.protocol === '1.4' ? this.options.protocol : this.detected);
  }

  private recoverSafely(): void {
    this.recover().catch((err: Error) => this.problem(`reconciling the journal failed: ${err.message}`));
  }

  private releaseSafely(user: string): Promise<void> {
    return this.release(user).catch((err: Error) => this.problem(`closing the terminal failed: ${err.message}`, 'warn'));
  }

  private problem(message: string, level: ProblemLevel = 'error'): void {
    if (this.listenerCount('problem') > 0) this.emit('problem', message, level);
  }

  /** To the node `tag` if it listens, else kept for it (see onRecovered). */
  private deliver(tag: string | undefined, item: Recovered): void {
    const handler = tag ? this.recipients.get(tag) : undefined;
    if (handler) return handler(item);
    if (!tag) return;
    // (A kept outcome was said by the node that kept it.)
    if (item.report)
      this.problem(
        `recovered the outcome of ${item.report.record.method} started ${item.report.record.startedAt} for node ${tag}, which is not running: it is sent when that node starts again: ${summary(item)}`,
        'warn',
      );
    const mailbox = waitingFor.get(this.key) ?? new Map<string, Recovered[]>();
    waitingFor.set(this.key, mailbox);
    mailbox.set(tag, [...(mailbox.get(tag) ?? []), item]);
    let total = 0;
    for (const list of mailbox.values()) total += list.length;
    // The oldest goes first: the node waited for longest (a map keeps the order its keys came in).
    for (; total > MAX_WAITING; total--) {
      const [oldest, list] = mailbox.entries().next().value as [string, Recovered[]];
      const dropped = list.shift()!;
      if (list.length === 0) mailbox.delete(oldest);
      this.problem(
        `more than ${MAX_WAITING} outcomes wait for nodes that have not started again; the oldest, for node ${oldest}, is dropped: ${summary(dropped)}`,
      );
    }
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
    const made = !this.terminal;
    if (!this.terminal) {
      const terminal = this.create(this.options);
      terminal.on('connection', (event: ConnectionEvent) => this.onConnection(event));
      terminal.on('status', (status: StatusEvent) => this.update({ status, reachability: 'connected', error: undefined, reason: undefined }));
      terminal.on('journal', (unresolved: number) => this.journalChanged(terminal, unresolved));
      terminal.on('recovered', (report: RecoveredReport) => {
        const { method, tag, ref, params } = report.record;
        this.noteOutcome(outcomeOfResult({ method, node: tag, ref, params, recovered: true }, report.result));
        this.deliver(report.record.tag, { report });
        this.emit('recovered', report);
      });
      terminal.on('firmware', (event: FirmwareEvent) => {
        this.detected = event.generation;
        this.emit('firmware', event);
      });
      terminal.on('issue', (issue: TransportIssue) => {
        if (issue.kind === 'journal') this.problem(issue.message, 'warn');
      });
      this.terminal = terminal;
      const records = terminal.unresolved();
      const unusable = records.find((r) => r.id === JOURNAL_UNAVAILABLE);
      this.update({ unresolved: records.length, journal: unusable?.reason });
      if (unusable) this.problem(unusable.reason ?? 'the journal cannot be used');
      else if (records.some((r) => r.id === UNREADABLE_JOURNAL))
        this.problem(records.find((r) => r.id === UNREADABLE_JOURNAL)!.reason ?? 'the journal could not be read', 'warn');
      // A payment a redeploy cut off is in the journal the new Terminal opens: it is reconciled without waiting for the next one.
      if (!unusable) {
        this.openRecords = records.filter(reconcilable).length;
        this.schedule(false);
      }
    }
    this.users.add(user);
    if (made) this.emit('open', this.terminal);
    return this.terminal;
  }

  /** Resolves once the Terminal is closed if `user` was the last one. */
  async release(user: string): Promise<void> {
    this.users.delete(user);
    if (this.users.size === 0) await this.shutdown();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconcileTimer);
    this.reconcileTimer = undefined;
    this.users.clear();
    await this.shutdown();
    this.removeAllListeners();
  }

  private async shutdown(): Promise<void> {
    const terminal = this.terminal;
    if (!terminal) return;
    this.terminal = null;
    this.emit('shut');
    const stopping = (async () => {
      // A payment still running gets time to end (Node-RED allows a node 15 s to close) before it is cut off.
      await terminal.whenIdle(this.drainTimeout);
      terminal.removeAllListeners();
      await terminal.close();
      this.update({ reachability: 'unknown', status: undefined, error: undefined, reason: undefined, unresolved: 0, journal: undefined });
      // A payment the drain cut off stays open in the journal: reconciled on the schedule, even with no node left.
      this.openRecords = terminal.unresolved().filter(reconcilable).length;
      this.schedule(false);
    })();
    this.stopping = stopping;
    try {
      await stopping;
    } finally {
      if (this.stopping === stopping) this.stopping = undefined;
    }
  }

  private onConnection(event: ConnectionEvent): void {
    // Some terminals close the socket after every answer: a close without an error is not "unreachable". Attempts
    // to connect again after a failure do not turn "unreachable" into "connecting" and back at every try.
    if (event.state === 'connected') this.update({ reachability: 'connected', error: undefined, reason: undefined });
    else if (event.state === 'connecting' && this.current.reachability === 'unknown') this.update({ reachability: 'connecting' });
    else if (event.state === 'disconnected' && event.error) this.markUnreachable(event.error);
  }

  /** The terminal answered (a watch's check): whatever it answered, it is there. */
  markReachable(): void {
    this.update({ reachability: 'connected', error: undefined, reason: undefined });
  }

  /**
   * The terminal could not be reached, or did not answer (a watch's check, a failed connection). A failure that
   * does not tell why (a connection not tried again yet) keeps the reason seen before; one for the same reason is
   * no news (the nodes, and a Status node's flow, would hear the same words again).
   */
  markUnreachable(err: Error): void {
    const reason = unreachableReason(err);
    if (this.current.reachability === 'disconnected' && (reason === undefined || reason === this.current.reason)) return;
    this.update({ reachability: 'disconnected', error: err.message, reason: reason ?? 'other' });
  }

  private update(change: Partial<HubState>): void {
    const next = { ...this.current, ...change };
    const same =
      next.reachability === this.current.reachability &&
      next.status?.status === this.current.status?.status &&
      next.error === this.current.error &&
      next.reason === this.current.reason &&
      next.journal === this.current.journal;
    if (same && next.unresolved === this.current.unresolved) return;
    this.current = next;
    this.emit('state', next);
  }
}
