/**
 * The terminal client: validated requests, one operation at a time, and financial/report operations run as
 * snapshot → request → ack → poll GetStatus → GetLastResult/GetLastReport, never sending a request twice. The
 * terminal's firmware generation (v1.1.10, or later 1.3/1.4) is found out or given, and the client speaks it.
 */
import { EventEmitter } from 'node:events';
import { isPolled, busyAfterAnswer, type Generation, type RequestMethod, type TransactMethod } from './catalogue';
import { resultOf, type ArgsOf, type ResultOf } from './method-types';
import { describeStatus, SECOND_STEP_STATUS, type StatusEvent } from './codes';
import { EcrError, LIB_CODES } from './errors';
import { exchangeOnce } from './exchange';
import { GENERATION_DEFAULTS, GenerationWatch, type Protocol } from './firmware';
import { Journal } from './journal';
import { handSettlement, type HandNote, type JournalRecord } from './journal-record';
import type { EcrResponse } from './normalise';
import { Operation, type OperationHost, type TransactOptions } from './operation';
import { NO_JOURNAL, type OperationJournal } from './operation-journal';
import type { Polling } from './poll-schedule';
import { OperationQueue } from './queue';
import type { LrcEncoding } from './receipt-xml';
import type { ReconcileReport } from './reconcile';
import { outcomeOpen, refused } from './refusal';
import { checkRef, RefBook, type PreviousUse } from './refs';
import { OnlyMerchant, withCurrency } from './request-defaults';
import { checkOptions, nonNegative, TERMINAL_DEFAULTS, type CheckedOptions } from './check-options';
import type { OperationOptions, TerminalOptions } from './terminal-options';
import { createTransport } from './transport-factory';
import type { ConnectionEvent, Transport, TransportIssue } from './transports/transport';
import { UnresolvedOperations } from './unresolved';
import { untilIdle } from './until-idle';
import { validateRequest, type Params, type ValidRequest } from './validate';

export interface RequestOptions {
  timeout?: number;
  signal?: AbortSignal;
}

/**
 * Events: 'status' (StatusEvent, on every change seen), 'connection' (ConnectionEvent), 'issue' (TransportIssue),
 * 'recovered' (RecoveredReport, a ReconcileReport with verdict 'ours': an outcome established after the fact by reconcile()),
 * 'journal' (the number of unresolved operations, whenever it may have changed), 'firmware' (FirmwareEvent: when
 * the terminal's protocol generation becomes known).
 */
export class Terminal extends EventEmitter {
  readonly transport: Transport;
  readonly pollInterval: number;
  readonly polling: Polling;
  readonly overallTimeout: number;
  readonly operationCeiling: number;
  readonly settleGrace: number;
  readonly unackedGrace: number;
  readonly protocol: Protocol;
  readonly currency: string;
  readonly soleEcr: boolean;
  readonly lrcEncoding: LrcEncoding;
  private readonly options: CheckedOptions;
  private readonly generation: GenerationWatch;
  private readonly queue: OperationQueue;
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;
  private status: StatusEvent | undefined;
  private readonly journal: OperationJournal;
  private readonly refs: RefBook;
  private readonly merchant: OnlyMerchant;
  private readonly unresolvedOps: UnresolvedOperations;
  private readonly host: OperationHost;

  constructor(given: TerminalOptions) {
    super();
    // A JavaScript caller may give none: the transport's check then names what is missing (host).
    const options: TerminalOptions | (OperationOptions & { transport?: undefined }) = given ?? {};
    const checked = checkOptions(options);
    this.options = checked;
    this.pollInterval = checked.pollInterval;
    this.polling = checked.polling;
    this.overallTimeout = checked.overallTimeout;
    this.operationCeiling = checked.operationCeiling;
    this.settleGrace = checked.settleGrace;
    this.unackedGrace = checked.unackedGrace;
    this.protocol = checked.protocol;
    this.currency = checked.currency;
    this.soleEcr = checked.soleEcr;
    this.lrcEncoding = checked.lrcEncoding;
    this.transport = createTransport(options, checked.connectTimeout);
    this.queue = new OperationQueue(nonNegative('maxQueue', options.maxQueue, TERMINAL_DEFAULTS.maxQueue), this.transport.name);
    // The journal last: it takes the journal's lock, which a constructor throwing after it would never release.
    this.journal = options.journal ? this.openJournal(options.journal) : NO_JOURNAL;
    this.refs = new RefBook(this.journal);
    this.generation = new GenerationWatch(this.protocol, (event) => this.emit('firmware', event));
    this.merchant = new OnlyMerchant((method) => this.exchange(method));
    this.transport.on('connection', (event: ConnectionEvent) => this.emit('connection', event));
    this.transport.on('issue', (issue: TransportIssue) => this.emit('issue', issue));
    this.host = this.operationHost();
    this.unresolvedOps = new UnresolvedOperations({
      settings: this.host.settings,
      journal: this.journal,
      refs: this.refs,
      allowWhileUnresolved: checked.allowWhileUnresolved,
      exchange: (method, params) => this.exchange(method, params),
      untilIdle: (method, onStatus) => untilIdle(this.host, method, onStatus),
      emit: (event, ...args) => this.emit(event, ...args),
    });
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

  /** The protocol generation the terminal speaks: given, or found out (undefined until then). */
  get firmware(): Generation | undefined {
    return this.generation.current;
  }

  /** ms to wait for each answer: as given, else by generation (10 s on v1.1.10, 15 s on later firmware). */
  get requestTimeout(): number {
    return this.options.requestTimeout ?? GENERATION_DEFAULTS[this.pacedAs].requestTimeout;
  }

  /** ms between two requests: as given, else by generation (none on v1.1.10, 250 on later firmware). */
  get minRequestGap(): number {
    return this.options.minRequestGap ?? GENERATION_DEFAULTS[this.pacedAs].minRequestGap;
  }

  /**
   * Whose pacing applies: until the generation is known, later firmware's, which wants at least 0.25 s between
   * requests and is given longer to answer; waiting that long costs a v1.1.10 terminal only time.
   */
  private get pacedAs(): Generation {
    return this.firmware ?? '1.4';
  }

  /**
   * One exchange answered at once (a service or additional method). Resolves with the response when `error` is
   * false; rejects with an EcrError whose `.code` is the terminal's E-code (and `.response` the response) when it is
   * true. `params`: ParamsOf<M>, or `unchecked(...)` for keys the catalogue does not describe.
   */
  async request<M extends RequestMethod>(method: M, ...[params, options = {}]: ArgsOf<M, RequestOptions>): Promise<ResultOf<M>> {
    const valid = validateRequest(method, params, { lrcEncoding: this.lrcEncoding });
    if (isPolled(valid.spec)) {
      throw new EcrError(
        LIB_CODES.VALIDATION,
        `${method}: a ${valid.spec.group} method is acknowledged first and its outcome polled; use transact() so the outcome is never lost`,
        { method, field: 'method', rule: 'request() takes service and additional methods' },
      );
    }
    // What the protocol does not describe goes to the terminal as it is, and to the log as an issue.
    for (const message of valid.issues ?? []) this.emit('issue', { kind: 'receipt', message } satisfies TransportIssue);
    const run = () => this.call(valid, options.timeout);
    if (valid.spec.whileBusy) {
      this.ensureOpen(method);
      return resultOf<M>(await run());
    }
    return resultOf<M>(await this.queue.add(method, run, options.signal));
  }

  /**
   * A financial or report operation to its end: resolves with the final GetLastResult (financial) or
   * GetLastReport (report) for every terminal outcome; rejects when refused, invalid, or unknowable.
   * transCurrency may be left out (the `currency` option), and merchantId too where the terminal has one merchant.
   * `params`: ParamsOf<M>, or `unchecked(...)` for keys the catalogue does not describe.
   */
  async transact<M extends TransactMethod>(method: M, ...[params, options = {}]: ArgsOf<M, TransactOptions>): Promise<ResultOf<M>> {
    const valid = validateRequest(method, withCurrency(method, params, this.currency), { optional: ['merchantId'] });
    if (!isPolled(valid.spec)) {
      throw new EcrError(LIB_CODES.VALIDATION, `${method}: a ${valid.spec.group} method is answered at once; use request()`, {
        method,
        field: 'method',
        rule: 'transact() takes financial and report methods',
      });
    }
    const ref = checkRef(method, options.ref);
    if (ref !== undefined) this.refs.claim(ref, valid.method, valid.params);
    const outcome = this.queue.add(method, () => this.runOperation(valid, options), options.signal);
    if (ref === undefined) return resultOf<M>(await outcome);
    try {
      return resultOf<M>(await outcome);
    } catch (err) {
      if (outcomeOpen(err)) this.refs.unresolved({ ref, method: valid.method, params: valid.params, startedAt: new Date().toISOString() });
      else this.refs.release(ref);
      throw err;
    }
  }

  /** Finds out which protocol generation the terminal speaks (see the `protocol` option), in turn with operations. */
  detectFirmware(): Promise<Generation | undefined> {
    return this.queue.add('detectFirmware', () => this.generation.ensure((m, p) => this.exchange(m, p)));
  }

  /** What became of the operation with this ref, if it is remembered: running, unresolved or settled. */
  lookup(ref: string): PreviousUse | undefined {
    return this.refs.find(ref);
  }

  /** Operations of the journal whose outcome is not established yet. */
  unresolved(): readonly JournalRecord[] {
    return this.journal.records;
  }

  /**
   * Establishes from the terminal what became of every unresolved operation: waits until it is idle, reads its
   * result (by transactionUid on later firmware) and judges it as live. Runs in turn with other operations.
   */
  reconcile(): Promise<ReconcileReport[]> {
    return this.queue.add('reconcile', () => this.unresolvedOps.reconcile());
  }

  /**
   * Crosses out an unresolved operation by hand, once someone has checked the terminal. What they found (`verdict`:
   * approved or not-performed; checked when left out) and who they are (`by`) are written into the journal with it.
   * Its ref stays taken (for 24 hours), whatever the verdict: a person may be wrong, and a repeat is refused rather
   * than charged twice. The journal is written in the background (see resolveByHand).
   */
  markResolved(id: string, hand: HandNote = {}): boolean {
    const record = this.journal.records.find((r) => r.id === id);
    if (!record) return false;
    const settled = this.refs.settle(record.ref, record.method, record.params, 'resolved-by-hand');
    void this.note(() => this.journal.close(id, settled, handSettlement(record, hand)));
    this.emit('journal', this.journal.records.length);
    return true;
  }

  /**
   * markResolved, resolving once the journal has it on disk: for a caller who acts on the verdict (sends it on as
   * the outcome), which must not happen for a record a restart would find open again. The record is crossed out at
   * once, so nothing settles it meanwhile; false when there is no such record. Rejects (code JOURNAL) when the
   * write fails, and the record stays open.
   */
  async resolveByHand(id: string, hand: HandNote = {}): Promise<boolean> {
    const journal = this.journal;
    const record = journal.records.find((r) => r.id === id);
    if (!record) return false;
    const settled = this.refs.settle(record.ref, record.method, record.params, 'resolved-by-hand');
    try {
      await journal.closeDurably(id, settled, handSettlement(record, hand));
    } catch (err) {
      this.refs.unresolved(record);
      throw err;
    } finally {
      this.emit('journal', journal.records.length);
    }
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

  /** Closes the connection and releases the journal; every call resolves once that is done. */
  close(): Promise<void> {
    this.closed ??= this.closeNow();
    return this.closed;
  }

  private async closeNow(): Promise<void> {
    const err = new EcrError(LIB_CODES.CLOSED, `${this.name}: terminal client closed; nothing was sent`);
    this.closing.abort(err);
    this.queue.close(err);
    await this.transport.close();
    // Whatever was written down so far reaches the disk before the owner may open the journal again.
    await this.journal.flush().catch(() => undefined);
    await this.journal.release();
  }

  private openJournal(path: string): Journal {
    const journal = new Journal(path);
    journal.on('issue', (issue: TransportIssue) => this.emit('issue', issue));
    return journal;
  }

  private operationHost(): OperationHost {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const terminal = this;
    const { pollInterval, polling, overallTimeout, operationCeiling, settleGrace, unackedGrace, soleEcr } = this.options;
    return {
      settings: { pollInterval, polling, overallTimeout, operationCeiling, settleGrace, unackedGrace, soleEcr },
      closing: this.closing.signal,
      journal: this.journal,
      refs: this.refs,
      get generation() {
        return terminal.firmware;
      },
      noteGeneration: (generation, why) => this.generation.note(generation, why),
      exchange: (method, params, options) => this.exchange(method, params, options),
      note: (change) => this.note(change),
      emit: (event, ...args) => this.emit(event, ...args),
    };
  }

  private ensureOpen(method: string): void {
    if (this.closing.signal.aborted)
      throw new EcrError(LIB_CODES.CLOSED, `${method}: ${this.name}: terminal client closed; nothing was sent`, { method });
  }

  /** One request and its normalised answer, whatever its `error` (see exchangeOnce); a status answered is noted. */
  private async exchange(method: string, params?: Params, options: { step?: string; timeout?: number } = {}): Promise<EcrResponse> {
    this.ensureOpen(method);
    const response = await exchangeOnce(this.transport, method, params, {
      step: options.step,
      timeout: options.timeout ?? this.requestTimeout,
      gap: this.minRequestGap,
    });
    if (response.status !== undefined && !response.error) this.noteStatus(response.status);
    return response;
  }

  private async call(valid: ValidRequest, timeout?: number): Promise<EcrResponse> {
    const sendParams = Object.keys(valid.params).length > 0 || Object.keys(valid.spec.params).length > 0;
    const response = await this.exchange(valid.method, sendParams ? valid.params : undefined, { timeout });
    if (response.error) throw refused(valid.method, response);
    if (busyAfterAnswer(valid.spec)) await untilIdle(this.host, valid.method);
    return response;
  }

  private noteStatus(status: string): void {
    if (status === SECOND_STEP_STATUS) this.generation.note('1.4', 'the terminal reported S08, the second-step wait of later firmware');
    if (this.status?.status === status) return;
    this.status = describeStatus(status);
    this.emit('status', this.status);
  }

  private async runOperation(valid: ValidRequest, options: TransactOptions): Promise<EcrResponse> {
    if (valid.spec.group === 'financial') await this.unresolvedOps.ensureResolved(valid.method);
    await this.generation.ensure((m, p) => this.exchange(m, p));
    return new Operation(this.host, await this.merchant.fill(valid), options).run();
  }

  /**
   * A journal write once the request is out: it must not cost the outcome. If it fails the record stays as it was
   * (at worst an outcome is recovered a second time, marked recovered); the failure is reported as an 'issue'.
   * Resolves once the change is on disk (or its write failed).
   */
  private async note(change: () => void): Promise<void> {
    try {
      change();
      await this.journal.flush();
    } catch (err) {
      this.emit('issue', { kind: 'journal', message: (err as Error).message });
    }
  }
}
