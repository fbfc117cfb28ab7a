/**
 * The terminal client: validated requests, one operation at a time, and financial/report operations run as
 * snapshot → request → ack → poll GetStatus → GetLastResult/GetLastReport, never sending a request twice. The
 * terminal's firmware generation (v1.1.10, or later 1.3/1.4) is found out or given, and the client speaks it.
 */
import { EventEmitter } from 'node:events';
import { getMethod, isPolled, busyAfterAnswer, type Generation } from './catalogue';
import { Journal, type HandSettlement, type HandVerdict, type JournalRecord } from './journal';
import { describeStatus, SECOND_STEP_STATUS, type StatusEvent } from './codes';
import { EcrError, LIB_CODES } from './errors';
import { GENERATION_DEFAULTS, generationFromProbe, probeRequest, PROTOCOLS, type Protocol } from './firmware';
import { normaliseResponse, type EcrResponse } from './normalise';
import { Operation, type OperationHost, type OperationSettings, type TransactOptions } from './operation';
import { nextPollDelay, POLLING_MODES, type Polling } from './poll-schedule';
import { OperationQueue } from './queue';
import { reconcileRecord, type ReconcileReport } from './reconcile';
import { outcomeOpen, refused } from './refusal';
import { checkRef, RefBook, type PreviousUse } from './refs';
import { createTransport, type TransportOptions } from './transport-factory';
import { sleep, type ConnectionEvent, type Transport, type TransportIssue } from './transports/transport';
import { validateRequest, type Params, type ValidRequest } from './validate';
import { LRC_ENCODINGS, type LrcEncoding } from './receipt-xml';

export type { ReconcileReport } from './reconcile';
export type { TransactOptions, FirstStepDecision, OnFirstStep } from './operation';

export interface TerminalOptions extends TransportOptions {
  /** ms between GetStatus polls while an operation runs: every time (fixed), or the base the adaptive schedule scales. */
  pollInterval?: number;
  /** 'adaptive' (default): slow while the cardholder acts, fast when the outcome is near. 'fixed': every pollInterval. */
  polling?: Polling;
  /** ms to wait for each response (default 10 000 on v1.1.10, 15 000 on later firmware). */
  requestTimeout?: number;
  /** ms an operation may go without a status change before its outcome is declared unknown (default 180 000). */
  overallTimeout?: number;
  /**
   * ms an operation may take at most, however often its status changes (a terminal flapping between two statuses
   * would otherwise keep it going for ever); then OUTCOME_UNKNOWN. Default 10 × overallTimeout.
   */
  operationCeiling?: number;
  /**
   * Which protocol the terminal speaks: 'auto' (default) finds out before the first operation with a harmless probe
   * (GetResultByUid for an id that cannot exist: v1.1.10 answers E05) and from the first S08; '1.1' or '1.4' says so.
   */
  protocol?: Protocol;
  /** ms between the end of one exchange and the next request (default 0 on v1.1.10, 250 on later firmware). */
  minRequestGap?: number;
  /** transCurrency when a request leaves it out (default "980", the hryvnia). */
  currency?: string;
  /**
   * No other ECR sends to this terminal (default false). Then a matching result that appears after a request
   * that was never acknowledged is taken as its outcome; otherwise, unless a transactionUid ties it (later
   * firmware), that ends OUTCOME_UNKNOWN, as another ECR's identical sale cannot be told from it.
   */
  soleEcr?: boolean;
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
  /** How PrintXml's `lrc` is written: 'decimal' (default, e.g. "31") or 'hex' (two upper-case digits, e.g. "1F"). */
  lrcEncoding?: LrcEncoding;
}

export interface RequestOptions {
  timeout?: number;
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
  currency: '980',
};

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new EcrError(LIB_CODES.VALIDATION, `Terminal: ${name} must be a non-negative number of ms; got ${String(value)}`, { field: name, rule: '>= 0' });
  }
  return value;
}

/**
 * Events: 'status' (StatusEvent, on every change seen), 'connection' (ConnectionEvent), 'issue' (TransportIssue),
 * 'recovered' (ReconcileReport with verdict 'ours': an outcome established after the fact by reconcile()),
 * 'journal' (the number of unresolved operations, whenever it may have changed), 'firmware' ({ generation,
 * reason }: when the terminal's protocol generation becomes known).
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
  private readonly givenRequestTimeout: number | undefined;
  private readonly givenRequestGap: number | undefined;
  private detected: Generation | undefined;
  readonly lrcEncoding: LrcEncoding;
  private readonly queue: OperationQueue;
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;
  private status: StatusEvent | undefined;
  private readonly journal: Journal | undefined;
  private readonly allowWhileUnresolved: boolean;
  private readonly refs: RefBook;
  private readonly host: OperationHost;
  private onlyMerchant: string | undefined;
  /** Records whose recovered outcome was delivered, though crossing them out has not reached the disk yet. */
  private readonly delivered = new Set<string>();

  constructor(options: TerminalOptions = {}) {
    super();
    this.pollInterval = positive('pollInterval', options.pollInterval, DEFAULTS.pollInterval);
    this.polling = options.polling ?? 'adaptive';
    if (!POLLING_MODES.includes(this.polling)) {
      throw new EcrError(LIB_CODES.VALIDATION, `Terminal: polling must be ${POLLING_MODES.join(' or ')}; got ${JSON.stringify(options.polling)}`, { field: 'polling', rule: POLLING_MODES.join(' | ') });
    }
    this.protocol = options.protocol ?? 'auto';
    if (!PROTOCOLS.includes(this.protocol)) {
      throw new EcrError(LIB_CODES.VALIDATION, `Terminal: protocol must be ${PROTOCOLS.join(', ')}; got ${JSON.stringify(options.protocol)}`, { field: 'protocol', rule: PROTOCOLS.join(' | ') });
    }
    this.currency = currencyOption(options.currency);
    this.givenRequestTimeout = options.requestTimeout === undefined ? undefined : positive('requestTimeout', options.requestTimeout, 0);
    this.givenRequestGap = options.minRequestGap === undefined ? undefined : positive('minRequestGap', options.minRequestGap, 0);
    this.overallTimeout = positive('overallTimeout', options.overallTimeout, DEFAULTS.overallTimeout);
    this.operationCeiling = positive('operationCeiling', options.operationCeiling, 10 * this.overallTimeout);
    this.settleGrace = positive('settleGrace', options.settleGrace, DEFAULTS.settleGrace);
    this.unackedGrace = positive('unackedGrace', options.unackedGrace, DEFAULTS.unackedGrace);
    this.soleEcr = options.soleEcr === true;
    this.lrcEncoding = options.lrcEncoding ?? 'decimal';
    if (!LRC_ENCODINGS.includes(this.lrcEncoding)) {
      throw new EcrError(LIB_CODES.VALIDATION, `Terminal: lrcEncoding must be ${LRC_ENCODINGS.join(' or ')}; got ${JSON.stringify(options.lrcEncoding)}`, { field: 'lrcEncoding', rule: LRC_ENCODINGS.join(' | ') });
    }
    const connectTimeout = positive('connectTimeout', options.connectTimeout, DEFAULTS.connectTimeout);
    this.transport = createTransport(options, connectTimeout);
    this.queue = new OperationQueue(positive('maxQueue', options.maxQueue, DEFAULTS.maxQueue), this.transport.name);
    // The journal last: it takes the journal's lock, which a constructor throwing after it would never release.
    this.journal = options.journal ? new Journal(options.journal) : undefined;
    this.journal?.on('issue', (issue: TransportIssue) => this.emit('issue', issue));
    this.refs = new RefBook(this.journal);
    this.allowWhileUnresolved = options.allowWhileUnresolved === true;
    this.transport.on('connection', (event: ConnectionEvent) => this.emit('connection', event));
    this.transport.on('issue', (issue: TransportIssue) => this.emit('issue', issue));
    this.host = this.operationHost();
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
    return this.protocol === 'auto' ? this.detected : this.protocol;
  }

  /** ms to wait for each answer: as given, else by generation (10 s on v1.1.10, 15 s on later firmware). */
  get requestTimeout(): number {
    return this.givenRequestTimeout ?? GENERATION_DEFAULTS[this.firmware ?? '1.1'].requestTimeout;
  }

  /** ms between two requests: as given, else by generation (none on v1.1.10, 250 on later firmware). */
  get minRequestGap(): number {
    return this.givenRequestGap ?? GENERATION_DEFAULTS[this.firmware ?? '1.1'].minRequestGap;
  }

  /**
   * One exchange answered at once. Resolves with the response when `error` is false; rejects with an EcrError
   * whose `.code` is the terminal's E-code (and `.response` the response) when it is true.
   */
  async request(method: string, params?: Params, options: RequestOptions = {}): Promise<EcrResponse> {
    const valid = validateRequest(method, params, { lrcEncoding: this.lrcEncoding });
    if (isPolled(valid.spec)) {
      throw new EcrError(LIB_CODES.VALIDATION, `${method}: a ${valid.spec.group} method is acknowledged first and its outcome polled; use transact() so the outcome is never lost`, { method, field: 'method', rule: 'request() takes service and additional methods' });
    }
    // What the protocol does not describe goes to the terminal as it is, and to the log as an issue.
    for (const message of valid.issues ?? []) this.emit('issue', { kind: 'receipt', message } satisfies TransportIssue);
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
   * transCurrency may be left out (the `currency` option), and merchantId too where the terminal has one merchant.
   */
  async transact(method: string, params: Params, options: TransactOptions = {}): Promise<EcrResponse> {
    const valid = validateRequest(method, this.withCurrency(method, params), { optional: ['merchantId'] });
    if (!isPolled(valid.spec)) {
      throw new EcrError(LIB_CODES.VALIDATION, `${method}: a ${valid.spec.group} method is answered at once; use request()`, { method, field: 'method', rule: 'transact() takes financial and report methods' });
    }
    const ref = checkRef(method, options.ref);
    if (ref !== undefined) this.refs.claim(ref, valid.method, valid.params);
    const outcome = this.queue.add(method, () => this.runOperation(valid, options), options.signal);
    if (ref === undefined) return outcome;
    return outcome.catch((err: unknown) => {
      if (outcomeOpen(err)) this.refs.unresolved({ ref, method: valid.method, params: valid.params, startedAt: new Date().toISOString() });
      else this.refs.release(ref);
      throw err;
    });
  }

  /** Finds out which protocol generation the terminal speaks (see the `protocol` option), in turn with operations. */
  detectFirmware(): Promise<Generation | undefined> {
    return this.queue.add('detectFirmware', () => this.ensureGeneration());
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
   * result (by transactionUid on later firmware) and judges it as live. Runs in turn with other operations.
   */
  reconcile(): Promise<ReconcileReport[]> {
    return this.queue.add('reconcile', () => this.reconcileNow());
  }

  /**
   * Crosses out an unresolved operation by hand, once someone has checked the terminal. What they found (`verdict`:
   * approved or not-performed; checked when left out) and who they are (`by`) are written into the journal with it.
   * Its ref stays taken (for 24 hours), whatever the verdict: a person may be wrong, and a repeat is refused rather
   * than charged twice. The journal is written in the background (see resolveByHand).
   */
  markResolved(id: string, hand: HandNote = {}): boolean {
    const record = this.journal?.records.find((r) => r.id === id);
    if (!record) return false;
    const settled = this.refs.settle(record.ref, record.method, record.params, 'resolved-by-hand');
    void this.note(() => this.journal!.close(id, settled, handSettlement(record, hand)));
    this.emit('journal', this.journal!.records.length);
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
    const record = journal?.records.find((r) => r.id === id);
    if (!journal || !record) return false;
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
    await this.journal?.flush().catch(() => undefined);
    await this.journal?.release();
  }

  private operationHost(): OperationHost {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const terminal = this;
    const settings: OperationSettings = {
      pollInterval: this.pollInterval,
      polling: this.polling,
      overallTimeout: this.overallTimeout,
      operationCeiling: this.operationCeiling,
      settleGrace: this.settleGrace,
      unackedGrace: this.unackedGrace,
      soleEcr: this.soleEcr,
    };
    return {
      settings,
      closing: this.closing.signal,
      journal: this.journal,
      refs: this.refs,
      get generation() {
        return terminal.firmware;
      },
      noteGeneration: (generation, why) => this.noteGeneration(generation, why),
      exchange: (method, params, options) => this.exchange(method, params, options),
      note: (change) => this.note(change),
      emit: (event, ...args) => this.emit(event, ...args),
    };
  }

  private ensureOpen(method: string): void {
    if (this.closing.signal.aborted) throw new EcrError(LIB_CODES.CLOSED, `${method}: ${this.name}: terminal client closed; nothing was sent`, { method });
  }

  /**
   * Sends one request and returns the normalised response, whatever its `error`. A request that only reads may
   * share a connection that has answered before; anything else goes on one that has not (see ExchangeOptions).
   */
  private async exchange(method: string, params?: Params, options: { step?: string; timeout?: number } = {}): Promise<EcrResponse> {
    this.ensureOpen(method);
    const message: Record<string, unknown> = { method };
    if (options.step !== undefined) message.step = options.step;
    if (params) message.params = params;
    const readOnly = getMethod(method)?.readOnly === true;
    const raw = await this.transport.exchange(method, message, { timeout: options.timeout ?? this.requestTimeout, fresh: !readOnly, harmless: readOnly, gap: this.minRequestGap });
    const response = normaliseResponse(raw);
    // An answer without "method" (some later firmware) is the answer to the one request in flight.
    if (raw.method === undefined) response.method = method;
    if (response.method !== method && response.method !== 'Unknown') {
      throw new EcrError(LIB_CODES.BAD_RESPONSE, `${method}: the terminal answered ${response.method}`, { method, response, sent: true });
    }
    if (response.status !== undefined && !response.error) this.noteStatus(response.status);
    return response;
  }

  private async call(valid: ValidRequest, timeout?: number): Promise<EcrResponse> {
    const sendParams = Object.keys(valid.params).length > 0 || Object.keys(valid.spec.params).length > 0;
    const response = await this.exchange(valid.method, sendParams ? valid.params : undefined, { timeout });
    if (response.error) throw refused(valid.method, response);
    if (busyAfterAnswer(valid.spec)) await this.untilIdle(valid.method);
    return response;
  }

  /**
   * Polls until the terminal is idle: after an accepted print (S05), and before reconciling. `onStatus` sees every
   * busy status on the way. Ends TIMEOUT after overallTimeout without a change, or operationCeiling in all.
   */
  private async untilIdle(method: string, onStatus?: (status: string) => Promise<void>): Promise<void> {
    const ceiling = Date.now() + this.operationCeiling;
    let deadline = Date.now() + this.overallTimeout;
    let last: string | undefined;
    let since = Date.now();
    for (;;) {
      const response = await this.exchange('GetStatus');
      const status = response.error ? undefined : response.status;
      if (status !== undefined && describeStatus(status).idle) return;
      if (status !== last) {
        last = status;
        since = Date.now();
        deadline = since + this.overallTimeout;
      }
      if (status !== undefined) await onStatus?.(status);
      if (Date.now() >= Math.min(deadline, ceiling)) {
        throw new EcrError(LIB_CODES.TIMEOUT, `${method}: the terminal stayed in ${last ?? 'an unknown status'} (not idle) for ${Date.now() - since} ms`, { method, sent: true, response });
      }
      await sleep(nextPollDelay(this.polling, this.pollInterval, last ?? 'S01', Date.now() - since), this.closing.signal);
    }
  }

  private noteStatus(status: string): void {
    if (status === SECOND_STEP_STATUS) this.noteGeneration('1.4', 'the terminal reported S08, the second-step wait of later firmware');
    if (this.status?.status === status) return;
    this.status = describeStatus(status);
    this.emit('status', this.status);
  }

  private noteGeneration(generation: Generation, reason: string): void {
    if (this.protocol !== 'auto' || this.detected === generation) return;
    this.detected = generation;
    this.emit('firmware', { generation, reason });
  }

  /** The generation, found out by a harmless probe when not known yet; a probe that fails is tried again next time. */
  private async ensureGeneration(): Promise<Generation | undefined> {
    if (this.firmware) return this.firmware;
    const probe = probeRequest();
    try {
      const answer = await this.exchange(probe.method, probe.params);
      const generation = generationFromProbe(answer);
      if (generation) this.noteGeneration(generation, `GetResultByUid, asked as a probe, was answered ${answer.error ? `${answer.errorCode || 'with an error'}` : 'with a result'}`);
    } catch {
      // Not known yet: an S08 will still be recognised, and the probe is tried again before the next operation.
    }
    return this.firmware;
  }

  private async runOperation(valid: ValidRequest, options: TransactOptions): Promise<EcrResponse> {
    if (valid.spec.group === 'financial') await this.ensureResolved(valid.method);
    await this.ensureGeneration();
    return new Operation(this.host, await this.withMerchant(valid), options).run();
  }

  private withCurrency(method: string, params: Params): Params {
    const spec = getMethod(method);
    if (!spec?.params.transCurrency || !params || typeof params !== 'object' || Array.isArray(params)) return params;
    const given = params.transCurrency;
    return given === undefined || given === null || given === '' ? { ...params, transCurrency: this.currency } : params;
  }

  /** merchantId left out: the terminal's only merchant, asked once; with several, the request is refused, unsent. */
  private async withMerchant(valid: ValidRequest): Promise<ValidRequest> {
    if (valid.spec.params.merchantId !== 'M' || valid.params.merchantId !== undefined) return valid;
    const method = valid.method;
    if (this.onlyMerchant === undefined) {
      let ids: string[];
      try {
        const answer = await this.exchange('GetMerchantList');
        if (answer.error) throw refused('GetMerchantList', answer);
        ids = merchantIds(answer.params.merchantList);
      } catch (err) {
        throw new EcrError((err as EcrError).code ?? LIB_CODES.CONNECTION_FAILED, `${method} not sent: merchantId was left out and the terminal's merchant list could not be read: ${(err as Error).message}`, { method, sent: false, cause: err });
      }
      if (ids.length !== 1) {
        throw new EcrError(LIB_CODES.VALIDATION, `${method}: merchantId is required: the terminal has ${ids.length} merchants${ids.length ? ` (${ids.join(', ')})` : ''}; name one`, { method, field: 'merchantId', rule: 'required unless the terminal has exactly one merchant', sent: false });
      }
      this.onlyMerchant = ids[0];
    }
    return validateRequest(method, { ...valid.params, merchantId: this.onlyMerchant });
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
    const unusable = this.journal?.unavailable;
    if (unusable) throw new EcrError(LIB_CODES.JOURNAL, `${method} not sent: ${unusable.message}`, { method, sent: false, cause: unusable, facts: unusable.facts });
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
    const journal = this.journal;
    if (!journal) return reports;
    const host = { settings: { unackedGrace: this.unackedGrace, soleEcr: this.soleEcr }, exchange: (m: string, p?: Params) => this.exchange(m, p), untilIdle: (m: string, s?: (status: string) => Promise<void>) => this.untilIdle(m, s) };
    for (const record of [...journal.records]) {
      const report = await reconcileRecord(host, record);
      // Settled by hand while the terminal was asked: that person's verdict went out; this one must not as well.
      if (!journal.records.some((r) => r.id === record.id)) continue;
      reports.push(report);
      let failure: unknown;
      try {
        if (report.verdict === 'ours') await journal.closeDurably(record.id, this.refs.settle(record.ref, record.method, record.params, 'result', report.result));
        else if (report.verdict === 'not-performed') {
          await journal.closeDurably(record.id);
          this.refs.release(record.ref);
        } else {
          journal.update(record.id, { step: 'unknown', reason: report.reason });
          await journal.flush();
        }
      } catch (err) {
        failure = err;
      }
      // Delivered once the record is crossed out on disk; if the disk refuses, delivered all the same, and only once:
      // the journal keeps the record until a later write succeeds.
      if (report.verdict === 'ours' && !this.delivered.has(record.id)) {
        this.emit('recovered', report);
        if (failure) this.delivered.add(record.id);
      }
      if (!failure) this.delivered.delete(record.id);
      else {
        const what = report.verdict === 'unknown' ? 'its state' : `its outcome (${report.verdict})`;
        this.emit('issue', { kind: 'journal', message: `${record.method} (journal record ${record.id}): ${what} could not be written down: ${(failure as Error).message}` });
      }
    }
    if (reports.length > 0) this.emit('journal', journal.records.length);
    return reports;
  }
}

/** What a person says of an operation they cross out by hand (Terminal.markResolved). */
export interface HandNote {
  verdict?: Exclude<HandVerdict, 'checked'>;
  by?: string;
}

function handSettlement(record: JournalRecord, hand: HandNote): HandSettlement {
  const { id, method, params, ref, tag, startedAt } = record;
  return { id, method, params, ref, tag, startedAt, verdict: hand.verdict ?? 'checked', by: hand.by, settledAt: new Date().toISOString() };
}

function currencyOption(value: unknown): string {
  if (value === undefined) return DEFAULTS.currency;
  const text = typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 999 ? String(value).padStart(3, '0') : value;
  if (typeof text === 'string' && /^\d{3}$/.test(text)) return text;
  throw new EcrError(LIB_CODES.VALIDATION, `Terminal: currency must be a 3-digit ISO 4217 numeric code such as "980"; got ${JSON.stringify(value)}`, { field: 'currency', rule: '3-digit ISO 4217 numeric code' });
}

/** The merchant ids of GetMerchantList's merchantList: ids (v1.1.10) or { merchantId } rows (detailed lists). */
export function merchantIds(list: unknown): string[] {
  const rows = Array.isArray(list) ? list : [];
  const ids = rows.map((m: unknown) => (typeof m === 'string' ? m : m && typeof m === 'object' ? (m as { merchantId?: unknown }).merchantId : undefined));
  return [...new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''))];
}
