/**
 * The terminal client: validated requests, one operation at a time, and financial/report operations run as
 * snapshot → request → ack → poll GetStatus → GetLastResult/GetLastReport, never sending a request twice.
 */
import { EventEmitter } from 'node:events';
import { busyAfterAnswer, getMethod, isPolled, type MethodSpec } from './catalogue';
import { Journal, type JournalRecord, type SettledRef } from './journal';
import { describeError, describeStatus, INTERRUPTIBLE_STATUSES, type StatusEvent } from './codes';
import { EcrError, LIB_CODES } from './errors';
import { normaliseResponse, type EcrResponse } from './normalise';
import { judgeResult } from './outcome';
import { nextPollDelay, POLLING_MODES, type Polling } from './poll-schedule';
import { OperationQueue } from './queue';
import { checkRef, RefBook, type PreviousUse } from './refs';
import { HttpTransport, DEFAULT_HTTP_PORT } from './transports/http';
import { SerialTransport } from './transports/serial';
import { TcpTransport, DEFAULT_TCP_PORT } from './transports/tcp';
import { sleep, type ConnectionEvent, type Transport, type TransportIssue } from './transports/transport';
import { validateRequest, type Params, type ValidRequest } from './validate';

export interface TerminalOptions {
  /** 'tcp' (default), 'http', 'serial', or a Transport of your own. */
  transport?: 'tcp' | 'http' | 'serial' | Transport;
  host?: string;
  /** TCP port (3000), or for HTTP the HTTP port (TCP port + 1: 3001). */
  port?: number;
  /** HTTP path the JSON is POSTed to. */
  httpPath?: string;
  /** Serial device, e.g. /dev/ttyACM0 or COM3. */
  path?: string;
  baudRate?: number;
  /** ms between GetStatus polls while an operation runs: every time (fixed), or the base the adaptive schedule scales. */
  pollInterval?: number;
  /** 'adaptive' (default): slow while the cardholder acts, fast when the outcome is near. 'fixed': every pollInterval. */
  polling?: Polling;
  /** ms to wait for each response. */
  requestTimeout?: number;
  /** ms an operation may go without a status change before its outcome is declared unknown. */
  overallTimeout?: number;
  /** ms to wait for a connection before a request fails unsent. */
  connectTimeout?: number;
  /** ms to keep polling when the terminal is idle but its last result has not changed yet. */
  settleGrace?: number;
  /**
   * ms after sending a request that was never acknowledged before it may be called not performed: until then it
   * may still reach the terminal (held in a network buffer, or read late by a busy payment app).
   */
  unackedGrace?: number;
  /** Operations allowed to wait behind the running one. */
  maxQueue?: number;
  /**
   * A file where financial and report operations are written down before they are sent and crossed out when
   * their outcome is delivered: after a crash, reconcile() establishes what became of them.
   */
  journal?: string;
  /** Let new financial operations run while an earlier one's outcome is unresolved (default: refuse them). */
  allowWhileUnresolved?: boolean;
}

/** What reconcile() established for one unresolved operation. */
export interface ReconcileReport {
  record: JournalRecord;
  /** ours: `result` is its outcome. not-performed: it never ran. unknown: still unresolved (`reason`). */
  verdict: 'ours' | 'not-performed' | 'unknown';
  result?: EcrResponse;
  reason?: string;
  /** For an unknown verdict: the terminal could not be asked; trying again later may settle it. */
  retry?: boolean;
}

export interface RequestOptions {
  timeout?: number;
  signal?: AbortSignal;
}

export interface TransactOptions {
  /** Called on every status change while the operation runs. */
  onStatus?: (status: StatusEvent) => void;
  /** Stored with the journal record (e.g. who asked), and handed back with a recovered outcome. */
  tag?: string;
  /**
   * The caller's reference (an order number, a correlation id): at most one operation per ref. A repeat is refused
   * with DUPLICATE, nothing sent, while the first runs or waits, while its outcome is unknown, and for a day after
   * it settled (across restarts when a journal is kept). A ref whose operation certainly did not run is free again.
   */
  ref?: string;
  /** Before sending: the operation is dropped. After: Interrupt is sent when the terminal allows it; the outcome still arrives. */
  signal?: AbortSignal;
}

export const DEFAULTS = {
  pollInterval: 500,
  requestTimeout: 10_000,
  overallTimeout: 180_000,
  connectTimeout: 5_000,
  settleGrace: 3_000,
  unackedGrace: 15_000,
  maxQueue: 32,
};

function createTransport(options: TerminalOptions): Transport {
  const kind = options.transport ?? 'tcp';
  if (typeof kind === 'object') return kind;
  const common = { connectTimeout: options.connectTimeout ?? DEFAULTS.connectTimeout };
  switch (kind) {
    case 'tcp':
      if (!options.host) throw new EcrError(LIB_CODES.VALIDATION, 'Terminal: host is required for the tcp transport', { field: 'host', rule: 'required' });
      return new TcpTransport({ ...common, host: options.host, port: options.port ?? DEFAULT_TCP_PORT });
    case 'http':
      if (!options.host) throw new EcrError(LIB_CODES.VALIDATION, 'Terminal: host is required for the http transport', { field: 'host', rule: 'required' });
      return new HttpTransport({ ...common, host: options.host, port: options.port ?? DEFAULT_HTTP_PORT, path: options.httpPath });
    case 'serial':
      if (!options.path) throw new EcrError(LIB_CODES.VALIDATION, 'Terminal: path (the serial device) is required for the serial transport', { field: 'path', rule: 'required' });
      return new SerialTransport({ ...common, path: options.path, baudRate: options.baudRate });
    default:
      throw new EcrError(LIB_CODES.VALIDATION, `Terminal: transport must be tcp, http or serial; got ${JSON.stringify(kind)}`, { field: 'transport', rule: 'tcp | http | serial' });
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new EcrError(LIB_CODES.VALIDATION, `Terminal: ${name} must be a non-negative number of ms; got ${String(value)}`, { field: name, rule: '>= 0' });
  }
  return value;
}

interface Operation {
  valid: ValidRequest;
  spec: MethodSpec;
  options: TransactOptions;
  snapshot: EcrResponse | null;
  acked: boolean;
  sendError?: string;
  record?: JournalRecord;
  sentAt?: number;
}

/**
 * Events: 'status' (StatusEvent, on every change seen), 'connection' (ConnectionEvent), 'issue' (TransportIssue),
 * 'recovered' (ReconcileReport with verdict 'ours': an outcome established after the fact by reconcile()),
 * 'journal' (the number of unresolved operations, whenever it may have changed).
 */
export class Terminal extends EventEmitter {
  readonly transport: Transport;
  readonly pollInterval: number;
  readonly polling: Polling;
  readonly requestTimeout: number;
  readonly overallTimeout: number;
  readonly settleGrace: number;
  readonly unackedGrace: number;
  private readonly queue: OperationQueue;
  private readonly closing = new AbortController();
  private status: StatusEvent | undefined;
  private readonly journal: Journal | undefined;
  private readonly allowWhileUnresolved: boolean;
  private readonly refs: RefBook;

  constructor(options: TerminalOptions = {}) {
    super();
    this.pollInterval = positive('pollInterval', options.pollInterval, DEFAULTS.pollInterval);
    this.polling = options.polling ?? 'adaptive';
    if (!POLLING_MODES.includes(this.polling)) {
      throw new EcrError(LIB_CODES.VALIDATION, `Terminal: polling must be ${POLLING_MODES.join(' or ')}; got ${JSON.stringify(options.polling)}`, { field: 'polling', rule: POLLING_MODES.join(' | ') });
    }
    this.requestTimeout = positive('requestTimeout', options.requestTimeout, DEFAULTS.requestTimeout);
    this.overallTimeout = positive('overallTimeout', options.overallTimeout, DEFAULTS.overallTimeout);
    this.settleGrace = positive('settleGrace', options.settleGrace, DEFAULTS.settleGrace);
    this.unackedGrace = positive('unackedGrace', options.unackedGrace, DEFAULTS.unackedGrace);
    positive('connectTimeout', options.connectTimeout, DEFAULTS.connectTimeout);
    this.transport = createTransport(options);
    this.queue = new OperationQueue(positive('maxQueue', options.maxQueue, DEFAULTS.maxQueue), this.transport.name);
    // The journal last: it takes the journal's lock, which a constructor throwing after it would never release.
    this.journal = options.journal ? new Journal(options.journal) : undefined;
    this.journal?.on('issue', (issue: TransportIssue) => this.emit('issue', issue));
    this.refs = new RefBook(this.journal);
    this.allowWhileUnresolved = options.allowWhileUnresolved === true;
    this.transport.on('connection', (event: ConnectionEvent) => this.emit('connection', event));
    this.transport.on('issue', (issue: TransportIssue) => this.emit('issue', issue));
  }

  get name(): string {
    return this.transport.name;
  }

  get connected(): boolean {
    return this.transport.connected;
  }

  /** The last status the terminal reported, if any. */
  get lastStatus(): StatusEvent | undefined {
    return this.status;
  }

  /** Operations running or waiting. */
  get pending(): number {
    return this.queue.size;
  }

  /**
   * One exchange answered at once. Resolves with the response when `error` is false; rejects with an EcrError
   * whose `.code` is the terminal's E-code (and `.response` the response) when it is true.
   */
  async request(method: string, params?: Params, options: RequestOptions = {}): Promise<EcrResponse> {
    const valid = validateRequest(method, params);
    if (isPolled(valid.spec)) {
      throw new EcrError(LIB_CODES.VALIDATION, `${method}: a ${valid.spec.group} method is acknowledged first and its outcome polled; use transact() so the outcome is never lost`, { method, field: 'method', rule: 'request() takes service and additional methods' });
    }
    const run = () => this.call(valid, options.timeout);
    if (valid.spec.whileBusy) {
      this.ensureOpen(method);
      return run();
    }
    return this.queue.add(method, run, options.signal);
  }

  /**
   * A financial or report operation to its end: resolves with the final GetLastResult (financial) or
   * GetLastReport (report) for every terminal outcome; rejects when refused, invalid, or unknowable.
   */
  async transact(method: string, params: Params, options: TransactOptions = {}): Promise<EcrResponse> {
    const valid = validateRequest(method, params);
    if (!isPolled(valid.spec)) {
      throw new EcrError(LIB_CODES.VALIDATION, `${method}: a ${valid.spec.group} method is answered at once; use request()`, { method, field: 'method', rule: 'transact() takes financial and report methods' });
    }
    const ref = checkRef(method, options.ref);
    if (ref !== undefined) this.refs.claim(ref, valid.method, valid.params);
    const outcome = this.queue.add(method, () => this.run({ valid, spec: valid.spec, options, snapshot: null, acked: false }), options.signal);
    if (ref === undefined) return outcome;
    return outcome.catch((err: unknown) => {
      if (outcomeOpen(err)) this.refs.unresolved({ ref, method: valid.method, params: valid.params, startedAt: new Date().toISOString() });
      else this.refs.release(ref);
      throw err;
    });
  }

  /** What became of the operation with this ref, if it is remembered: running, unresolved or settled. */
  lookup(ref: string): PreviousUse | undefined {
    return this.refs.find(ref);
  }

  /** Operations of the journal whose outcome is not established yet. */
  unresolved(): readonly JournalRecord[] {
    return this.journal?.records ?? [];
  }

  /**
   * Establishes from the terminal what became of every unresolved operation: waits until it is idle, reads its
   * result buffer and judges it against the snapshot taken before sending. Runs in turn with other operations.
   */
  reconcile(): Promise<ReconcileReport[]> {
    return this.queue.add('reconcile', () => this.reconcileNow());
  }

  /** Crosses out an unresolved operation by hand, once someone has checked the terminal. */
  markResolved(id: string): boolean {
    const record = this.journal?.records.find((r) => r.id === id);
    if (!record) return false;
    const settled = this.refs.settle(record.ref, record.method, record.params, 'resolved-by-hand');
    void this.note(() => this.journal!.close(id, settled));
    this.emit('journal', this.journal!.records.length);
    return true;
  }

  /**
   * Resolves true once no operation runs or waits, or false after `timeout` ms. A caller that must close while a
   * payment runs (a redeploy) waits here first, so the outcome is not cut off.
   */
  whenIdle(timeout = Infinity): Promise<boolean> {
    const idle = this.queue.whenIdle().then(() => true);
    if (!Number.isFinite(timeout)) return idle;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeout)));
    return Promise.race([idle, late]).finally(() => clearTimeout(timer));
  }

  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    const err = new EcrError(LIB_CODES.CLOSED, `${this.name}: terminal client closed; nothing was sent`);
    this.closing.abort(err);
    this.queue.close(err);
    await this.transport.close();
    // Whatever was written down so far reaches the disk before the owner may open the journal again.
    await this.journal?.flush().catch(() => undefined);
    await this.journal?.release();
  }

  private ensureOpen(method: string): void {
    if (this.closing.signal.aborted) throw new EcrError(LIB_CODES.CLOSED, `${method}: ${this.name}: terminal client closed; nothing was sent`, { method });
  }

  /** Sends one request and returns the normalised response, whatever its `error`. */
  private async exchange(method: string, params?: Params, timeout = this.requestTimeout): Promise<EcrResponse> {
    this.ensureOpen(method);
    const message: Record<string, unknown> = { method };
    if (params) message.params = params;
    const raw = await this.transport.exchange(method, message, { timeout });
    const response = normaliseResponse(raw);
    if (response.method !== method && response.method !== 'Unknown') {
      throw new EcrError(LIB_CODES.BAD_RESPONSE, `${method}: the terminal answered ${response.method}`, { method, response, sent: true });
    }
    if (response.status !== undefined && !response.error) this.noteStatus(response.status);
    return response;
  }

  private async call(valid: ValidRequest, timeout?: number): Promise<EcrResponse> {
    const sendParams = Object.keys(valid.params).length > 0 || Object.keys(valid.spec.params).length > 0;
    const response = await this.exchange(valid.method, sendParams ? valid.params : undefined, timeout ?? this.requestTimeout);
    if (response.error) throw refused(valid.method, response);
    if (busyAfterAnswer(valid.spec)) await this.untilIdle(valid.method);
    return response;
  }

  /**
   * After a print is accepted the terminal prints (S05) and refuses other work until it is done: the print is
   * finished, and the next operation may start, when it is idle again.
   */
  private async untilIdle(method: string): Promise<void> {
    let deadline = Date.now() + this.overallTimeout;
    let last: string | undefined;
    let since = Date.now();
    for (;;) {
      const response = await this.exchange('GetStatus');
      const status = response.status;
      if (status !== undefined && describeStatus(status).idle) return;
      if (status !== last) {
        last = status;
        since = Date.now();
        deadline = since + this.overallTimeout;
      }
      if (Date.now() >= deadline) {
        throw new EcrError(LIB_CODES.TIMEOUT, `${method}: accepted, but the terminal stayed in ${last ?? 'an unknown status'} for ${this.overallTimeout} ms`, { method, sent: true, response });
      }
      await sleep(nextPollDelay(this.polling, this.pollInterval, last ?? 'S01', Date.now() - since), this.closing.signal);
    }
  }

  private noteStatus(status: string): void {
    if (this.status?.status === status) return;
    this.status = describeStatus(status);
    this.emit('status', this.status);
  }

  private async run(op: Operation): Promise<EcrResponse> {
    const { valid, spec } = op;
    const resultMethod = spec.resultMethod!;
    if (spec.group === 'financial') await this.ensureResolved(valid.method);
    op.snapshot = await this.readSnapshot(valid.method, resultMethod);
    if (op.snapshot.error && describeError(op.snapshot.errorCode)?.category === 'request') {
      throw refused(resultMethod, op.snapshot, false, `${valid.method} not sent: the terminal could not give its ${resultMethod}`);
    }
    if (op.options.signal?.aborted) {
      throw new EcrError(LIB_CODES.ABORTED, `${valid.method}: aborted before it was sent`, { method: valid.method });
    }
    // Written down, durably, before anything reaches the wire: if that fails, nothing is sent.
    try {
      // Money moving now overwrites the result buffer: what is still open can no longer be told from it.
      if (spec.group === 'financial') for (const r of this.journal?.records ?? []) if (!r.superseded) this.journal!.update(r.id, { superseded: true });
      op.record = this.journal?.open({ method: valid.method, params: valid.params, tag: op.options.tag, ref: op.options.ref, snapshot: op.snapshot });
      await this.journal?.flush();
    } catch (err) {
      throw new EcrError(LIB_CODES.JOURNAL, `${valid.method} not sent: the journal could not be written (${(err as Error).message})`, { method: valid.method, sent: false, cause: err });
    }
    op.sentAt = Date.now();
    /** The outcome is delivered (`result`) or the operation certainly did not run. */
    const settle = async (result?: EcrResponse) => {
      const ref = op.options.ref;
      let settled: SettledRef | undefined;
      if (result) settled = this.refs.settle(ref, valid.method, valid.params, 'result', result);
      else this.refs.release(ref);
      if (!op.record) return;
      await this.note(() => this.journal!.close(op.record!.id, settled));
      this.emit('journal', this.journal!.records.length);
    };
    try {
      const ack = await this.exchange(valid.method, valid.params);
      if (ack.error) throw refused(valid.method, ack);
      op.acked = true;
      if (op.record) await this.note(() => this.journal!.update(op.record!.id, { step: 'acknowledged', acknowledged: true }));
    } catch (err) {
      if (!(err instanceof EcrError) || !err.sent || isRefusal(err)) {
        await settle();
        throw err;
      }
      // Sent but not acknowledged: the terminal may be running it. Find out; never send it again.
      op.sendError = err.message;
    }
    try {
      const result = await this.awaitOutcome(op);
      await settle(result);
      return result;
    } catch (err) {
      if (err instanceof EcrError && err.code === LIB_CODES.NOT_PERFORMED) await settle();
      else if (op.record) {
        await this.note(() => this.journal!.update(op.record!.id, { step: 'unknown', reason: (err as Error).message }));
        this.emit('journal', this.journal!.records.length);
      }
      throw err;
    }
  }

  /**
   * A journal write once the request is out: it must not cost the outcome. If it fails the record stays as it was
   * (at worst an outcome is recovered a second time, marked recovered); the failure is reported as an 'issue'.
   * Resolves once the change is on disk (or its write failed).
   */
  private async note(change: () => void): Promise<void> {
    try {
      change();
      await this.journal!.flush();
    } catch (err) {
      this.emit('issue', { kind: 'journal', message: (err as Error).message });
    }
  }

  /** New money may move only once every earlier outcome is established (or the owner allows it). */
  private async ensureResolved(method: string): Promise<void> {
    if (!this.journal || this.journal.records.length === 0) return;
    await this.reconcileNow();
    const open = this.journal.records;
    if (open.length === 0 || this.allowWhileUnresolved) return;
    const first = open[0];
    throw new EcrError(
      LIB_CODES.UNRESOLVED,
      `${method} not sent: the outcome of an earlier ${first.method} (${JSON.stringify(first.params)}, started ${first.startedAt}) is not established${first.reason ? ` (${first.reason})` : ''}; check the terminal, then mark it resolved (journal record ${first.id})`,
      { method, sent: false, facts: { unresolved: open.map((r) => ({ id: r.id, method: r.method, params: r.params, startedAt: r.startedAt, reason: r.reason })) } },
    );
  }

  private async reconcileNow(): Promise<ReconcileReport[]> {
    const reports: ReconcileReport[] = [];
    for (const record of [...(this.journal?.records ?? [])]) {
      const report = await this.reconcileRecord(record);
      if (report.verdict === 'ours') this.journal!.close(record.id, this.refs.settle(record.ref, record.method, record.params, 'result', report.result));
      else if (report.verdict === 'not-performed') {
        this.refs.release(record.ref);
        this.journal!.close(record.id);
      } else this.journal!.update(record.id, { step: 'unknown', reason: report.reason });
      await this.journal!.flush();
      if (report.verdict === 'ours') this.emit('recovered', report);
      reports.push(report);
    }
    if (reports.length > 0) this.emit('journal', this.journal!.records.length);
    return reports;
  }

  private async reconcileRecord(record: JournalRecord): Promise<ReconcileReport> {
    const spec = getMethod(record.method);
    if (!spec?.resultMethod) return { record, verdict: 'unknown', reason: record.reason ?? `${record.method} cannot be reconciled` };
    let result: EcrResponse;
    try {
      await this.untilIdle(`reconcile ${record.method}`);
      result = await this.exchange(spec.resultMethod);
    } catch (err) {
      return { record, verdict: 'unknown', retry: true, reason: `the terminal could not be asked: ${(err as Error).message}` };
    }
    if (result.error && describeError(result.errorCode)?.category === 'request') {
      return { record, verdict: 'unknown', retry: true, reason: `${spec.resultMethod}: ${result.errorCode} ${result.errorDescription}` };
    }
    if (record.superseded) {
      return { record, verdict: 'unknown', result, reason: `later operations ran on the terminal (allowed while this was unresolved): its ${spec.resultMethod} can no longer tell; check the terminal's journal or receipts` };
    }
    const verdict = judgeResult(spec, record.params, record.snapshot, result);
    if (verdict.kind === 'ours') return { record, verdict: 'ours', result };
    if (verdict.kind === 'foreign') return { record, verdict: 'unknown', result, reason: `${verdict.reason}; it is not taken as this operation's` };
    if (record.acknowledged) return { record, verdict: 'unknown', result, reason: `acknowledged, but the terminal's ${spec.resultMethod} did not change` };
    const since = Date.now() - Date.parse(record.sentAt ?? record.startedAt);
    if (since < this.unackedGrace) {
      return { record, verdict: 'unknown', retry: true, result, reason: `never acknowledged and the ${spec.resultMethod} is unchanged, but the request may still reach the terminal for ${this.unackedGrace - since} ms` };
    }
    return { record, verdict: 'not-performed', result, reason: `never acknowledged, and the terminal's ${spec.resultMethod} did not change` };
  }

  /**
   * The result buffer before sending. Reading it is harmless, so a connection that turns out dead is tried once
   * more; a failure here means the financial request was not sent, whatever happened to this read.
   */
  private async readSnapshot(method: string, resultMethod: string): Promise<EcrResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.exchange(resultMethod);
      } catch (err) {
        const e = err as EcrError;
        const retry = attempt === 1 && (e.code === LIB_CODES.CONNECTION_LOST || e.code === LIB_CODES.TIMEOUT);
        if (retry) continue;
        throw new EcrError(e.code ?? LIB_CODES.CONNECTION_FAILED, `${method} not sent: reading ${resultMethod} first failed: ${e.message}`, { method, sent: false, cause: err });
      }
    }
  }

  private async awaitOutcome(op: Operation): Promise<EcrResponse> {
    const { spec } = op;
    const resultMethod = spec.resultMethod!;
    const signal = op.options.signal;
    let deadline = Date.now() + this.overallTimeout;
    let graceUntil: number | undefined;
    let sawBusy = false;
    let interruptSent = false;
    let lastStatus: string | undefined;
    let lastResult: EcrResponse | undefined;
    let lastError: string | undefined;
    let since = Date.now();
    let failed = false;
    const unknown = (reason: string, code: string = LIB_CODES.OUTCOME_UNKNOWN) =>
      new EcrError(code, `${spec.name}: ${reason}`, {
        method: spec.name,
        sent: true,
        facts: { acknowledged: op.acked, sendError: op.sendError, lastStatus, lastResult, lastError, snapshot: op.snapshot, journalId: op.record?.id },
      });

    for (;;) {
      if (Date.now() >= deadline) {
        throw unknown(`outcome unknown: no status change for ${this.overallTimeout} ms (last status ${lastStatus ?? 'none'}); check the terminal before retrying`);
      }
      const delay = failed ? this.pollInterval : nextPollDelay(this.polling, this.pollInterval, lastStatus, Date.now() - since);
      failed = false;
      try {
        await sleep(delay, this.closing.signal);
      } catch {
        throw unknown('outcome unknown: the terminal client was closed while the operation was running');
      }
      let status: StatusEvent;
      try {
        const response = await this.exchange('GetStatus');
        if (response.error || response.status === undefined) {
          lastError = `GetStatus: ${response.errorCode || 'no status'} ${response.errorDescription}`.trim();
          failed = true;
          continue;
        }
        status = describeStatus(response.status);
      } catch (err) {
        lastError = (err as Error).message;
        failed = true;
        continue;
      }
      if (status.status !== lastStatus) {
        lastStatus = status.status;
        since = Date.now();
        deadline = since + this.overallTimeout;
        // For whoever reads the journal after a crash; no decision rests on it, so it goes with the next write.
        if (op.record) this.journal!.amend(op.record.id, { lastStatus });
        op.options.onStatus?.(status);
      }
      if (signal?.aborted && !interruptSent && INTERRUPTIBLE_STATUSES.has(status.status)) {
        interruptSent = true;
        await this.exchange('Interrupt').catch((err: Error) => (lastError = err.message));
      }
      if (!status.idle) {
        sawBusy = true;
        graceUntil = undefined;
        continue;
      }
      let result: EcrResponse;
      try {
        result = await this.exchange(resultMethod);
      } catch (err) {
        lastError = (err as Error).message;
        failed = true;
        continue;
      }
      if (result.error && describeError(result.errorCode)?.category === 'request') {
        lastError = `${resultMethod}: ${result.errorCode} ${result.errorDescription}`;
        failed = true;
        continue;
      }
      lastResult = result;
      const verdict = judgeResult(spec, op.valid.params, op.snapshot, result);
      if (verdict.kind === 'ours') return result;
      if (verdict.kind === 'foreign') throw unknown(`outcome unknown: ${verdict.reason}; it is not taken as this operation's`);
      graceUntil ??= Date.now() + this.settleGrace;
      if (spec.group === 'report' && op.acked && sawBusy) return result;
      if (Date.now() < graceUntil) continue;
      if (spec.group === 'report' && op.acked) return result;
      // Unacknowledged and nothing happened yet: the request may still be on its way; never call it off early.
      if (!op.acked && Date.now() - op.sentAt! < this.unackedGrace) {
        deadline = Math.max(deadline, op.sentAt! + this.unackedGrace + this.overallTimeout);
        continue;
      }
      if (!op.acked) {
        throw unknown(`not performed: sent without acknowledgement (${op.sendError}); the terminal is idle and its ${resultMethod} did not change`, LIB_CODES.NOT_PERFORMED);
      }
      throw unknown(`outcome unknown: acknowledged, but the terminal is idle and its ${resultMethod} did not change`);
    }
  }
}

/** A terminal's detail, for a message: whatever it sent (even JSON nested too deep to write) gives a short text. */
function brief(details: unknown): string {
  let text: string;
  try {
    text = typeof details === 'string' ? details : JSON.stringify(details) ?? String(details);
  } catch {
    text = '(details too deeply nested to show)';
  }
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Sent, and neither refused nor shown not performed: the operation may have run, so its ref stays taken. */
function outcomeOpen(err: unknown): boolean {
  if (!(err instanceof EcrError)) return true;
  return err.sent === true && err.code !== LIB_CODES.NOT_PERFORMED && !isRefusal(err);
}

function isRefusal(err: EcrError): boolean {
  return /^E\d\d$/.test(err.code) && (err.response as EcrResponse | undefined)?.error === true;
}

function refused(method: string, response: EcrResponse, sent = true, prefix?: string): EcrError {
  const info = describeError(response.errorCode);
  const text = response.errorDescription || info?.en || 'error';
  const details = response.params.details ?? response.errorParams ?? response.errorDetails;
  const message = `${prefix ?? `${method}: refused by the terminal`}: ${response.errorCode || 'error'} ${text}${details ? ` (${brief(details)})` : ''}`;
  return new EcrError(response.errorCode || LIB_CODES.BAD_RESPONSE, message, {
    method,
    field: typeof response.errorParams === 'string' ? response.errorParams : undefined,
    response,
    sent,
  });
}
