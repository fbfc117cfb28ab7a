/**
 * One financial or report operation, from the snapshot to its outcome: snapshot → journal → request → ack → poll
 * GetStatus → result, and on later firmware the two-step Purchase in between (S08: the first step's result, the
 * caller's word, step 2). Every request that moves money is written down before it goes, sent once and never again;
 * an outcome that cannot be established ends OUTCOME_UNKNOWN with the facts.
 */
import { SECOND_STEP_STATUS, describeError, describeStatus, INTERRUPTIBLE_STATUSES, type StatusEvent } from './codes';
import { REQUEST_KEYS, type MethodSpec, type Generation } from './catalogue';
import { EcrError, LIB_CODES, type LibCode } from './errors';
import { isUid, newUid } from './firmware';
import type { JournalRecord, SettledRef } from './journal-record';
import type { EcrResponse } from './normalise';
import type { OperationJournal } from './operation-journal';
import { identicalButRan, judgeResult, readResultOf, type JudgeContext, type Verdict } from './result-judgement';
import { nextPollDelay } from './poll-schedule';
import { isRefusal, refused } from './refusal';
import type { RefBook } from './refs';
import type { CheckedOptions } from './check-options';
import { sleep } from './transports/transport';
import { valueText } from './shown';
import { validateRequest, type Params, type ValidRequest } from './validate';

/** What the caller may answer when step 1 of a two-step Purchase has read the card. */
export interface FirstStepDecision {
  /** Step 2 goes with these params instead: only `discountedAmount` may differ (a price by the card's BIN). */
  params?: Params;
  /** Step 2 is not sent: the terminal is told to Interrupt, and the outcome is CANCELLED, nothing charged. */
  abort?: boolean;
}

/**
 * Called with the first step's result (masked PAN, BIN, transactionUid); undefined or `{}` goes on unchanged. If
 * step 2 then cannot be sent at all (no connection: nothing reached the terminal), it is tried again at the next
 * poll, and onFirstStep is called again for it: a caller that must answer once remembers its answer.
 */
export type OnFirstStep = (first: EcrResponse) => FirstStepDecision | undefined | void | Promise<FirstStepDecision | undefined | void>;

export interface TransactOptions {
  /** Called on every status change while the operation runs. */
  onStatus?: (status: StatusEvent) => void;
  /** Stored with the journal record (e.g. who asked), and handed back with a recovered outcome. */
  tag?: string;
  /**
   * The caller's reference (an order number, a correlation id): at most one operation per ref. A repeat is refused
   * with DUPLICATE, nothing sent, while the first runs or waits, while its outcome is unknown, and for a day after
   * it settled (across restarts when a journal is kept). A ref whose operation certainly did not run is free again.
   * On later firmware a ref that is a valid transactionUid (1–64 letters, digits, ".", "_", "-") is sent as one.
   */
  ref?: string;
  /** Before sending: the operation is dropped. After: Interrupt is sent when the terminal allows it; the outcome still arrives. */
  signal?: AbortSignal;
  /** Later firmware's two-step Purchase: decide, from the card read in step 1, how step 2 goes (or abort). */
  onFirstStep?: OnFirstStep;
}

/** The Terminal's options an operation runs by. */
export type OperationSettings = Pick<
  CheckedOptions,
  'pollInterval' | 'polling' | 'overallTimeout' | 'operationCeiling' | 'settleGrace' | 'unackedGrace' | 'soleEcr'
>;

/** What an operation needs of its Terminal. */
export interface OperationHost {
  readonly settings: OperationSettings;
  readonly closing: AbortSignal;
  readonly journal: OperationJournal;
  readonly refs: RefBook;
  readonly generation: Generation | undefined;
  noteGeneration(generation: Generation, why: string): void;
  exchange(method: string, params?: Params, options?: { step?: string }): Promise<EcrResponse>;
  /** A journal write once the request is out: a failure is reported, never thrown. */
  note(change: () => void): Promise<void>;
  emit(event: string, ...args: unknown[]): boolean;
}

type Stage = 'single' | 'first' | 'second' | 'aborting';

/** Request keys of later firmware (`since` in the catalogue): a v1.1.10 terminal is not sent them. */
const LATER_KEYS = Object.values(REQUEST_KEYS)
  .filter((k) => k.since !== undefined)
  .map((k) => k.name);

export class Operation {
  private valid: ValidRequest;
  private readonly spec: MethodSpec;
  private snapshot: EcrResponse | null = null;
  private acked = false;
  private sendError: string | undefined;
  private record: JournalRecord | undefined;
  private sentAt = 0;
  private uid: string | undefined;
  private stage: Stage = 'single';
  private step2: { sentAt: number; acked: boolean; sendError?: string } | undefined;
  private abortReason: string | undefined;
  private lastInterruptAt = 0;
  private readonly facts: { lastStatus?: string; lastResult?: EcrResponse; lastError?: string } = {};

  constructor(
    private readonly host: OperationHost,
    valid: ValidRequest,
    private readonly options: TransactOptions,
  ) {
    this.valid = valid;
    this.spec = valid.spec;
  }

  private get method(): string {
    return this.spec.name;
  }

  private get resultMethod(): 'GetLastResult' | 'GetLastReport' {
    return this.spec.resultMethod!;
  }

  async run(): Promise<EcrResponse> {
    this.snapshot = await this.readSnapshot();
    if (this.snapshot.error && describeError(this.snapshot.errorCode)?.category === 'request') {
      throw refused(this.resultMethod, this.snapshot, false, `${this.method} not sent: the terminal could not give its ${this.resultMethod}`);
    }
    await this.chooseUid();
    if (this.options.signal?.aborted) {
      throw new EcrError(LIB_CODES.ABORTED, `${this.method}: aborted before it was sent`, { method: this.method });
    }
    await this.writeDown();
    const twoStep = this.spec.twoStep === true && this.host.generation === '1.4';
    if (twoStep) this.stage = 'first';
    this.sentAt = Date.now();
    try {
      const ack = await this.host.exchange(this.method, this.valid.params, { step: twoStep ? '1' : undefined });
      if (ack.error) throw refused(this.method, ack);
      this.acked = true;
      await this.noteOnRecord((journal, id) => journal.update(id, { step: 'acknowledged', acknowledged: true }));
    } catch (err) {
      if (!(err instanceof EcrError) || !err.sent || isRefusal(err)) {
        await this.settle();
        throw err;
      }
      // Sent but not acknowledged: the terminal may be running it. Find out; never send it again.
      this.sendError = err.message;
    }
    try {
      const result = await this.awaitOutcome();
      await this.settle(result);
      return result;
    } catch (err) {
      if (err instanceof EcrError && err.code === LIB_CODES.NOT_PERFORMED) await this.settle();
      else if (this.record) {
        await this.noteOnRecord((journal, id) => journal.update(id, { step: 'unknown', reason: (err as Error).message }));
        this.host.emit('journal', this.journal.records.length);
      }
      throw err;
    }
  }

  private get journal(): OperationJournal {
    return this.host.journal;
  }

  /** A journal write about this operation's record once the request is out (none when nothing was written down). */
  private async noteOnRecord(change: (journal: OperationJournal, id: string) => void): Promise<void> {
    const record = this.record;
    if (record) await this.host.note(() => change(this.journal, record.id));
  }

  /**
   * The result buffer before sending. Reading it is harmless, so a connection that turns out dead is tried once
   * more; a failure here means the financial request was not sent, whatever happened to this read.
   */
  private async readSnapshot(): Promise<EcrResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.host.exchange(this.resultMethod);
      } catch (err) {
        const e = err as EcrError;
        if (attempt === 1 && (e.code === LIB_CODES.CONNECTION_LOST || e.code === LIB_CODES.TIMEOUT)) continue;
        throw new EcrError(
          e.code ?? LIB_CODES.CONNECTION_FAILED,
          `${this.method} not sent: reading ${this.resultMethod} first failed: ${e.message}`,
          { method: this.method, sent: false, cause: err },
        );
      }
    }
  }

  /**
   * On later firmware every financial request carries a transactionUid: the caller's (params, or a ref that is a
   * valid uid) once the terminal confirms no operation has it yet, else a new one. A v1.1.10 terminal gets none.
   */
  private async chooseUid(): Promise<void> {
    const params = this.valid.params;
    if (this.spec.group !== 'financial' || this.host.generation !== '1.4') {
      if (this.host.generation === '1.1' && LATER_KEYS.some((k) => params[k] !== undefined)) {
        this.valid = { ...this.valid, params: Object.fromEntries(Object.entries(params).filter(([k]) => !LATER_KEYS.includes(k))) };
      }
      return;
    }
    const given = params.transactionUid as string | undefined;
    const candidate = given ?? (isUid(this.options.ref) ? this.options.ref : undefined);
    let uid = candidate ?? newUid();
    if (candidate !== undefined) {
      // An id the terminal already holds would make an old result look like this one's.
      const known = await this.host.exchange('GetResultByUid', { transactionUid: candidate }).catch((err: Error) => {
        throw new EcrError(
          (err as EcrError).code ?? LIB_CODES.CONNECTION_FAILED,
          `${this.method} not sent: checking transactionUid ${candidate} failed: ${err.message}`,
          { method: this.method, sent: false, cause: err },
        );
      });
      const free = known.error && (known.errorCode === 'E20' || known.errorCode === 'E05');
      if (!free && given !== undefined) {
        throw new EcrError(
          LIB_CODES.VALIDATION,
          `${this.method}: transactionUid ${given} was already used on the terminal (${valueText(known.params.transactionResult ?? known.errorCode) || 'no transactionResult'}); use a new one`,
          { method: this.method, field: 'transactionUid', rule: 'an id no earlier operation has', sent: false },
        );
      }
      if (!free) uid = newUid();
    }
    this.uid = uid;
    this.valid = { ...this.valid, params: { ...params, transactionUid: uid } };
  }

  /** Written down, durably, before anything reaches the wire: if that fails, nothing is sent. */
  private async writeDown(): Promise<void> {
    const journal = this.journal;
    const superseded: string[] = [];
    try {
      // Money moving now overwrites the result buffer: what is still open can no longer be told from it (unless a uid tells).
      if (this.spec.group === 'financial') {
        for (const r of journal.records) {
          if (r.superseded || r.params.transactionUid !== undefined) continue;
          journal.update(r.id, { superseded: true });
          superseded.push(r.id);
        }
      }
      this.record = journal.open({
        method: this.method,
        params: this.valid.params,
        tag: this.options.tag,
        ref: this.options.ref,
        snapshot: this.snapshot,
      });
      if (this.record) await journal.flush();
    } catch (err) {
      // Nothing was sent: nothing of it may stay in memory to block the next payment as unresolved.
      if (this.record) journal.discard(this.record.id, superseded);
      this.record = undefined;
      this.host.emit('journal', journal.records.length);
      throw new EcrError(LIB_CODES.JOURNAL, `${this.method} not sent: the journal could not be written (${(err as Error).message})`, {
        method: this.method,
        sent: false,
        cause: err,
      });
    }
  }

  /** The outcome is delivered (`result`) or the operation certainly did not run. */
  private async settle(result?: EcrResponse): Promise<void> {
    const ref = this.options.ref;
    let settled: SettledRef | undefined;
    if (result) settled = this.host.refs.settle(ref, this.method, this.valid.params, 'result', result);
    else this.host.refs.release(ref);
    if (!this.record) return;
    await this.noteOnRecord((journal, id) => journal.close(id, settled));
    this.host.emit('journal', this.journal.records.length);
  }

  private unknown(reason: string, code: LibCode = LIB_CODES.OUTCOME_UNKNOWN): EcrError {
    return new EcrError(code, `${this.method}: ${reason}`, {
      method: this.method,
      sent: true,
      facts: {
        acknowledged: this.acked,
        sendError: this.sendError,
        ...this.facts,
        snapshot: this.snapshot,
        journalId: this.record?.id,
        transactionUid: this.uid,
        secondStep: this.step2 && { acknowledged: this.step2.acked, sendError: this.step2.sendError },
        aborted: this.abortReason,
      },
    });
  }

  private context(ran: boolean): JudgeContext {
    return { acked: this.acked, soleEcr: this.host.settings.soleEcr, ran };
  }

  private readResult(): Promise<EcrResponse> {
    return readResultOf(
      (m, p) => this.host.exchange(m, p),
      this.resultMethod,
      this.uid,
      () => this.host.noteGeneration('1.1', 'GetResultByUid is an unknown method to this terminal'),
    );
  }

  private judge(result: EcrResponse, ran: boolean): Verdict {
    return judgeResult(this.spec, this.valid.params, this.snapshot, result, this.context(ran));
  }

  private async awaitOutcome(): Promise<EcrResponse> {
    const { settings } = this.host;
    const signal = this.options.signal;
    const ceiling = Date.now() + settings.operationCeiling;
    let deadline = Date.now() + settings.overallTimeout;
    let graceUntil: number | undefined;
    let unreadableSince: number | undefined;
    let sawBusy = false;
    let interruptSent = false;
    let since = Date.now();
    let failed = false;
    const facts = this.facts;

    for (;;) {
      if (Date.now() >= ceiling) {
        throw this.unknown(
          `outcome unknown: still not established after ${settings.operationCeiling} ms, the longest an operation may take (last status ${facts.lastStatus ?? 'none'}); check the terminal before retrying`,
        );
      }
      if (Date.now() >= deadline) {
        throw this.unknown(
          `outcome unknown: no status change for ${settings.overallTimeout} ms (last status ${facts.lastStatus ?? 'none'}); check the terminal before retrying`,
        );
      }
      const status = await this.pollStatus(
        failed ? settings.pollInterval : nextPollDelay(settings.polling, settings.pollInterval, facts.lastStatus, Date.now() - since),
      );
      failed = status === undefined;
      if (!status) continue;
      if (status.status !== facts.lastStatus) {
        facts.lastStatus = status.status;
        since = Date.now();
        deadline = since + settings.overallTimeout;
        // For whoever reads the journal after a crash; no decision rests on it, so it goes with the next write.
        if (this.record) this.journal.amend(this.record.id, { lastStatus: status.status });
        this.options.onStatus?.(status);
      }
      if (signal?.aborted && !interruptSent && INTERRUPTIBLE_STATUSES.has(status.status) && status.status !== SECOND_STEP_STATUS) {
        interruptSent = true;
        await this.interrupt();
      }
      if (status.status === SECOND_STEP_STATUS) {
        sawBusy = true;
        graceUntil = undefined;
        await this.atSecondStep();
        // The caller's decision (onFirstStep) may take a while: the wait for step 2's outcome starts after it.
        since = Date.now();
        deadline = since + settings.overallTimeout;
        continue;
      }
      if (!status.idle) {
        sawBusy = true;
        graceUntil = undefined;
        continue;
      }
      let result: EcrResponse;
      try {
        result = await this.readResult();
      } catch (err) {
        facts.lastError = (err as Error).message;
        failed = true;
        continue;
      }
      const verdict = this.judge(result, sawBusy && this.acked);
      if (verdict.kind === 'unreadable') {
        // "Not yet": the terminal could not give its result. Keep reading; if it persists, nobody can tell.
        facts.lastError = `${this.resultMethod}: ${verdict.reason}`;
        unreadableSince ??= Date.now();
        if (Date.now() - unreadableSince > Math.max(settings.settleGrace, 5 * settings.pollInterval)) {
          throw this.unknown(`outcome unknown: the terminal is idle, but its ${this.resultMethod} keeps answering ${verdict.reason}`);
        }
        failed = true;
        continue;
      }
      unreadableSince = undefined;
      facts.lastResult = result;
      if (verdict.kind === 'ours') return result;
      if (verdict.kind === 'foreign' || verdict.kind === 'untied')
        throw this.unknown(`outcome unknown: ${verdict.reason}; it is not taken as this operation's`);
      if (verdict.kind === 'first-step' && this.uid && this.stage !== 'second') {
        // Idle with only the card read: the terminal let the second step go. Nothing was charged.
        throw this.unknown(
          `not performed: the terminal went idle after step 1 (card read, nothing charged) without step 2${this.abortReason ? ` (${this.abortReason})` : ''}`,
          LIB_CODES.NOT_PERFORMED,
        );
      }
      graceUntil ??= Date.now() + settings.settleGrace;
      if (Date.now() < graceUntil) continue;
      if (verdict.kind === 'unchanged' && identicalButRan(this.spec, this.valid.params, result, this.context(sawBusy))) return result;
      // Unacknowledged and nothing happened yet: the request may still be on its way; never call it off early.
      if (!this.acked && Date.now() - this.sentAt < settings.unackedGrace) {
        deadline = Math.max(deadline, this.sentAt + settings.unackedGrace + settings.overallTimeout);
        continue;
      }
      if (!this.acked) {
        throw this.unknown(
          `not performed: sent without acknowledgement (${this.sendError}); the terminal is idle and its ${this.resultMethod} did not change`,
          LIB_CODES.NOT_PERFORMED,
        );
      }
      throw this.unknown(`outcome unknown: acknowledged, but the terminal is idle and its ${this.resultMethod} did not change`);
    }
  }

  /** One poll: after `delay` ms, the terminal's status; undefined when none came (facts.lastError says why). */
  private async pollStatus(delay: number): Promise<StatusEvent | undefined> {
    try {
      await sleep(delay, this.host.closing);
    } catch {
      throw this.unknown('outcome unknown: the terminal client was closed while the operation was running');
    }
    try {
      const response = await this.host.exchange('GetStatus');
      if (!response.error && response.status !== undefined) return describeStatus(response.status);
      this.facts.lastError = `GetStatus: ${response.errorCode || 'no status'} ${response.errorDescription}`.trim();
    } catch (err) {
      this.facts.lastError = (err as Error).message;
    }
    return undefined;
  }

  private async interrupt(): Promise<void> {
    this.lastInterruptAt = Date.now();
    await this.host.exchange('Interrupt').catch((err: Error) => (this.facts.lastError = err.message));
  }

  /**
   * S08: step 1 of a two-step Purchase has read the card and the terminal waits. Once the first step's result is
   * ours, the caller decides; step 2 is written down, then sent once. Aborting (or a step 2 that cannot go) sends
   * Interrupt, which S08 allows: nothing is charged, and the outcome is the terminal's CANCELLED.
   */
  private async atSecondStep(): Promise<void> {
    if (!this.spec.twoStep) return;
    this.host.noteGeneration('1.4', 'the terminal reported S08, the second-step wait of later firmware');
    if (this.stage === 'aborting') {
      if (Date.now() - this.lastInterruptAt >= Math.max(this.host.settings.pollInterval, 1000)) await this.interrupt();
      return;
    }
    if (this.stage === 'second') {
      const step2 = this.step2!;
      // Step 2 never acknowledged and the terminal still waits for it: it never arrived. Release the terminal.
      if (!step2.acked && Date.now() - step2.sentAt >= this.host.settings.unackedGrace)
        await this.abort(`step 2 was not acknowledged (${step2.sendError}) and the terminal still waits for it`);
      return;
    }
    let first: EcrResponse;
    try {
      first = await this.readResult();
    } catch (err) {
      this.facts.lastError = (err as Error).message;
      return;
    }
    // Whose card read is this? Ours when the uid says so, or when the terminal acknowledged our step 1.
    if (this.judge(first, false).kind !== 'first-step' || !(this.uid || this.acked)) return;
    this.facts.lastResult = first;
    if (this.options.signal?.aborted) return this.abort('aborted by the caller after the card was read');
    let decision: FirstStepDecision | undefined | void;
    try {
      decision = await this.options.onFirstStep?.(first);
    } catch (err) {
      return this.abort(`onFirstStep failed: ${(err as Error).message}`);
    }
    if (decision?.abort) return this.abort('aborted by onFirstStep');
    if (this.options.signal?.aborted) return this.abort('aborted by the caller after the card was read');
    let params: Params;
    try {
      params = this.secondStepParams(decision?.params);
    } catch (err) {
      return this.abort((err as Error).message);
    }
    await this.sendSecondStep(params);
  }

  /** Step 2's params: step 1's, with only discountedAmount (a price by the card's BIN) allowed to change. */
  private secondStepParams(change: Params | undefined): Params {
    if (!change) return this.valid.params;
    const before = this.valid.params;
    const next = validateRequest(this.method, { ...before, ...change }).params;
    for (const key of new Set([...Object.keys(before), ...Object.keys(next)])) {
      if (key !== 'discountedAmount' && JSON.stringify(before[key]) !== JSON.stringify(next[key])) {
        throw new EcrError(LIB_CODES.VALIDATION, `${this.method}: onFirstStep may change discountedAmount only; it changed ${key}`, {
          method: this.method,
          field: key,
          rule: "step 2 keeps step 1's params but discountedAmount",
          sent: false,
        });
      }
    }
    return next;
  }

  private async sendSecondStep(params: Params): Promise<void> {
    if (this.record) {
      try {
        this.journal.update(this.record.id, { step: 'second-step', params, secondStep: { sentAt: new Date().toISOString() } });
        await this.journal.flush();
      } catch (err) {
        return this.abort(`step 2 not sent: the journal could not be written (${(err as Error).message})`);
      }
    }
    this.stage = 'second';
    this.valid = { ...this.valid, params };
    this.step2 = { sentAt: Date.now(), acked: false };
    try {
      const ack = await this.host.exchange(this.method, params, { step: '2' });
      if (ack.error) return this.abort(refused(this.method, ack).message);
      this.step2.acked = true;
      const sentAt = new Date(this.step2.sentAt).toISOString();
      await this.noteOnRecord((journal, id) => journal.update(id, { secondStep: { sentAt, acknowledged: true } }));
    } catch (err) {
      if (err instanceof EcrError && !err.sent) {
        // Nothing reached the terminal: step 2 may be tried again at the next poll.
        this.stage = 'first';
        this.step2 = undefined;
        this.facts.lastError = err.message;
        return;
      }
      // Sent but not acknowledged: never sent again. The status tells whether it arrived.
      this.step2.sendError = (err as Error).message;
    }
  }

  private async abort(reason: string): Promise<void> {
    this.abortReason = reason;
    this.stage = 'aborting';
    this.host.emit('issue', { kind: 'firmware', message: `${this.method}: ${reason}; asking the terminal to Interrupt (nothing is charged)` });
    await this.interrupt();
  }
}
