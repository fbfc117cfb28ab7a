/**
 * The emulated terminal (§3–§5): what it answers, how an operation moves through its statuses, what it keeps
 * in its result buffers and batch. No sockets here: the server feeds it parsed requests.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../core/atomic-file';
import { getMethod, REQUEST_KEYS, RESULT_KEYS, type Generation, type MethodSpec, type Phase } from '../core/catalogue';
import { ERROR_CODES, INTERRUPTIBLE_STATUSES } from '../core/codes';
import { EcrError } from '../core/errors';
import { LRC_ENCODINGS, type LrcEncoding } from '../core/receipt-xml';
import { valueText } from '../core/shown';
import { validateRequest } from '../core/validate';
import { detailOf, totals, zeroTotals, type BatchEntry } from './batch';
import { reportReceipt, transactionReceipt, type ReceiptHeader } from './receipts';
import { APPROVED, failed, TEST_AMOUNTS, type Outcome, type TransactionResult } from './scenarios';
import { terminalInfo, type Platform } from './terminal-info';

export type Response = Record<string, unknown>;

export interface PhaseDurations {
  S01: number;
  S02: number;
  S03: number;
  S04: number;
  S05: number;
  /** "Remove the card", after a card was read; 0 skips it. */
  S07: number;
}

/** Human-like timings: card 2 s, PIN 3 s, bank 1 s, printing 0.5 s. */
export const HUMAN_PHASES: PhaseDurations = { S01: 200, S02: 2000, S03: 3000, S04: 1000, S05: 500, S07: 0 };

export interface Merchant {
  merchantId: string;
  terminalIds: string[];
  /** Shown by GetMerchantListDetailed (later firmware); default the `merchantName` option. */
  merchantName?: string;
}

/**
 * The protocol generation the terminal runs: '1.1' is v1.1.10; '1.4' is later firmware (1.3.x/1.4.x): two-step
 * Purchase with S08 between the steps, transactionUid, GetResultByUid, GetMerchantListDetailed, and its result forms.
 */
export type Firmware = Generation;

/** Default time a two-step operation waits in S08 for its second step before the terminal cancels it. */
export const SECOND_STEP_TIMEOUT = 60_000;

/** Results GetResultByUid can still find: the latest this many operations. */
export const UID_HISTORY_LIMIT = 1000;

export interface EngineOptions {
  phases?: Partial<PhaseDurations>;
  merchants?: Array<string | Merchant>;
  platform?: Platform;
  /** After this many financial operations since the last Z report the terminal shows S06 and refuses them (E15). */
  zReportAfter?: number;
  /** Keeps the result buffers and batch in this file, so they survive a restart of the simulator. */
  stateFile?: string;
  /** Largest amount accepted, minor units; above it E19. */
  amountLimit?: number;
  /** Amounts up to this (minor units) are contactless without PIN; 0 asks for a PIN every time. */
  noPinLimit?: number;
  paperOut?: boolean;
  /**
   * Send the forms the vendor's examples show: "APPROVED-ONLINE", cardHolderName, zero-padded totals. On firmware
   * 1.4 the results keep that firmware's spellings (APPROVED, FIRST_STEP_COMPLETED).
   */
  quirks?: boolean;
  serialNumber?: string;
  /** How this terminal reads PrintXml's `lrc`: 'decimal' (default, e.g. "31") or 'hex' (e.g. "1F"); any other form gets E02. */
  lrcEncoding?: LrcEncoding;
  bankName?: string;
  merchantName?: string;
  clock?: () => Date;
  /** '1.1' (v1.1.10, the default) or '1.4' (later firmware). */
  firmware?: Firmware;
  /** Later firmware: ms a two-step Purchase waits in S08 for step 2 before it ends CANCELLED; default 60 000. */
  secondStepTimeout?: number;
}

interface PersistedState {
  lastResult: Response | null;
  lastReceipt: string | null;
  lastReport: Response | null;
  lastReportReceipt: string | null;
  batch: BatchEntry[];
  counter: number;
  batchNumber: number;
  opsSinceZ: number;
  /** Later firmware: results by transactionUid, oldest first, at most UID_HISTORY_LIMIT. */
  history: Response[];
}

type Card = (typeof CARDS)[number];

interface Step {
  status: string;
  ms: number;
  /** S08: the terminal waits here for the second step; when ms runs out the operation is cancelled. */
  park?: boolean;
}

interface RunningOperation {
  spec: MethodSpec;
  params: Record<string, unknown>;
  outcome: Outcome;
  /** The outcome came from scriptOutcome: a step-2 discountedAmount does not change it. */
  scripted?: boolean;
  steps: Step[];
  index: number;
  status: string;
  timer?: NodeJS.Timeout;
  target?: BatchEntry;
  print?: boolean;
  /** The card phase ended with the card read (the operation went on past S02). */
  cardRead?: boolean;
  card?: Card;
  /** Later firmware: the request's transactionUid, or the one the terminal made up. */
  uid?: string;
}

const DEFAULT_MERCHANTS: Merchant[] = [
  { merchantId: '000000060007176', terminalIds: ['T0000001'] },
  { merchantId: '000000060007177', terminalIds: ['T0000002', 'T0000003'] },
];

const DEFAULT_MERCHANT_NAME = 'ТОВ "ТЕСТОВИЙ МАГАЗИН"';

/** Later firmware's spellings of a result; the others stay as they are. */
const LATER_RESULT: Readonly<Record<string, string>> = { APPROVED_ONLINE: 'APPROVED', DECLINED_ONLINE: 'DECLINED', DECLINED_OFFLINE: 'DECLINED' };

/** Statuses that follow S02 only once the card was read. */
const AFTER_CARD = new Set(['S03', 'S04', 'S05', 'S08']);

/** The keys a second step must repeat from the first (transactionUid is compared apart: it may be left out). */
const SAME_IN_BOTH_STEPS = ['merchantId', 'transAmount', 'transCurrency'] as const;

const STATUS_OF_PHASE: Record<Phase, keyof PhaseDurations> = { card: 'S02', pin: 'S03', host: 'S04', print: 'S05' };
const PHASE_ORDER: readonly Phase[] = ['card', 'pin', 'host', 'print'];
const CARDS = [
  // As in the vendor's GetLastResult example, the PAN arrives masked and track 2 does not: the client must mask it.
  { pan: '4725XXXXXXXX1627', track2: '4725760000001627=26092011881002000001', binName: 'VISA', name: 'TEST CARD' },
  { pan: '5168XXXXXXXX4402', track2: '5168740000004402=27122011881002000002', binName: 'MASTERCARD', name: 'ІВАН ПЕТРЕНКО' },
];

function response(method: string, extra: Response = {}): Response {
  return { method, error: false, errorCode: '', errorDescription: '', ...extra, params: extra.params ?? {} };
}

export function errorResponse(method: string, code: string, details?: string, errorParams?: string): Response {
  const out: Response = { method, error: true, errorCode: code, errorDescription: ERROR_CODES[code].description, params: details ? { details } : {} };
  if (errorParams) {
    out.errorParams = errorParams;
    if (details) out.errorDetails = details;
  }
  return out;
}

function refuse(method: string, code: string, details?: string, errorParams?: string): { refused: Response } {
  return { refused: errorResponse(method, code, details, errorParams) };
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

export class TerminalEngine extends EventEmitter {
  readonly phases: PhaseDurations;
  readonly merchants: Merchant[];
  readonly platform: Platform;
  readonly firmware: Firmware;
  /**
   * Requests received per method (including refused ones): proof that nothing was sent twice. On later firmware a
   * second step is counted under its method (`Purchase`) and again under `Purchase#2`.
   */
  readonly counts: Record<string, number> = {};
  private readonly options: EngineOptions;
  private readonly script: Outcome[] = [];
  private state: PersistedState;
  private op: RunningOperation | null = null;

  constructor(options: EngineOptions = {}) {
    super();
    this.options = options;
    const firmware = options.firmware ?? '1.1';
    if (firmware !== '1.1' && firmware !== '1.4') throw new Error(`firmware must be '1.1' or '1.4'; got ${String(firmware)}`);
    this.firmware = firmware;
    this.phases = { ...HUMAN_PHASES, ...options.phases };
    this.merchants = (options.merchants ?? DEFAULT_MERCHANTS).map((m) => (typeof m === 'string' ? { merchantId: m, terminalIds: ['T0000001'] } : m));
    this.platform = options.platform ?? 'android';
    if (options.lrcEncoding !== undefined && !LRC_ENCODINGS.includes(options.lrcEncoding)) {
      throw new Error(`lrcEncoding must be ${LRC_ENCODINGS.join(' or ')}; got ${JSON.stringify(options.lrcEncoding)}`);
    }
    this.state = this.load();
  }

  get status(): string {
    if (this.op) return this.op.status;
    return this.needsZ ? 'S06' : 'S00';
  }

  get busy(): boolean {
    return this.op !== null;
  }

  /** Later firmware (1.4). */
  private get later(): boolean {
    return this.firmware === '1.4';
  }

  /** Whether this firmware has a method or key of that generation. */
  private knows(since: Generation | undefined): boolean {
    return since === undefined || since === '1.1' || this.later;
  }

  get batch(): readonly BatchEntry[] {
    return this.state.batch;
  }

  /** The next operations end with these outcomes, in order, whatever their amount. */
  scriptOutcome(...outcomes: Outcome[]): void {
    this.script.push(...outcomes);
  }

  handle(message: Record<string, unknown>): Response {
    const method = message.method;
    if (typeof method !== 'string' || method === '') {
      this.count('Unknown');
      return errorResponse('Unknown', 'E04', 'method is missing', 'method');
    }
    this.count(method);
    const spec = getMethod(method);
    // A method of later firmware is as unknown to a v1.1.10 terminal as any other name.
    if (!spec || !this.knows(spec.since)) return errorResponse('Unknown', 'E05', `unknown method ${method.slice(0, 40)}`);
    if (spec.androidOnly && this.platform !== 'android') return errorResponse(method, 'E05', `${method} is available on Android terminals only`);
    // "step" is reserved in v1.1.10 (§4.3.1) and ignored there; later firmware runs a twoStep method in two steps.
    const step = this.later && spec.twoStep ? stepOf(message.step) : 1;
    if (step === 2) {
      this.count(`${method}#2`);
      return this.secondStep(spec, message.params);
    }
    if (this.op && !spec.whileBusy && !this.readableNow(spec)) return errorResponse(method, 'E06');
    if (step === undefined) return errorResponse(method, 'E09', 'step must be "1" or "2"', 'step');
    const checked = this.checkParams(spec, message.params);
    if (checked.refused) return checked.refused;
    return this.dispatch(spec, checked.params);
  }

  /**
   * Reads a later-firmware terminal answers while an operation runs: GetResultByUid always, GetLastResult while
   * the terminal waits for a second step (it holds the first step's result then).
   */
  private readableNow(spec: MethodSpec): boolean {
    if (!this.later) return false;
    return spec.name === 'GetResultByUid' || (spec.name === 'GetLastResult' && this.op?.steps[this.op.index]?.park === true);
  }

  /** Step 2 of a two-step operation: only while the terminal waits for it in S08, with the first step's keys. */
  private secondStep(spec: MethodSpec, raw: unknown): Response {
    const name = spec.name;
    const op = this.op;
    if (op && !(op.spec === spec && op.steps[op.index]?.park)) return errorResponse(name, 'E06');
    if (!op) return errorResponse(name, 'E00', 'no first step to continue');
    const checked = this.checkParams(spec, raw);
    if (checked.refused) return checked.refused;
    const p = checked.params;
    for (const key of SAME_IN_BOTH_STEPS) {
      const same = REQUEST_KEYS[key].format === 'amount' ? Number(p[key]) === Number(op.params[key]) : p[key] === op.params[key];
      if (!same) return errorResponse(name, 'E09', `${key} ${valueText(p[key])} differs from the first step's ${valueText(op.params[key])}`, key);
    }
    if (p.transactionUid !== undefined && p.transactionUid !== op.uid) {
      return errorResponse(name, 'E09', `transactionUid ${valueText(p.transactionUid)} differs from the first step's ${op.uid}`, 'transactionUid');
    }
    this.continueOperation(op, p);
    return response(name);
  }

  private count(method: string): void {
    this.counts[method] = (this.counts[method] ?? 0) + 1;
  }

  /** What a terminal checks: mandatory keys (E04), wire types and formats (E09), the PrintXml lrc (E02). */
  private checkParams(
    spec: MethodSpec,
    raw: unknown,
  ): { params: Record<string, unknown>; refused?: undefined } | { refused: Response; params?: undefined } {
    const polled = spec.resultMethod !== undefined;
    if (raw === undefined && (polled || Object.values(spec.params).includes('M'))) return refuse(spec.name, 'E04', 'params is missing', 'params');
    if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw)))
      return refuse(spec.name, 'E09', 'params must be an object', 'params');
    const params = (raw ?? {}) as Record<string, unknown>;
    // A key of later firmware is, to a v1.1.10 terminal, a key the spec does not describe: ignored (§1.2).
    const keys = Object.keys(spec.params).filter((key) => this.knows(REQUEST_KEYS[key]?.since));
    for (const key of keys) {
      const requirement = spec.params[key];
      const value = params[key];
      if (value === undefined || value === null || value === '') {
        if (requirement === 'M') return refuse(spec.name, 'E04', `${key} is required`, key);
        continue;
      }
      const wire = key === 'isDetailReport' ? 'boolean' : 'string';
      if (typeof value !== wire) return refuse(spec.name, 'E09', `${key} must be a ${wire}`, key);
    }
    try {
      // Keys the spec does not describe are ignored (§1.2), so they are not handed to validation either: a deeply
      // nested unknown key must not turn into a refusal.
      const known = Object.fromEntries(keys.filter((key) => Object.hasOwn(params, key)).map((key) => [key, params[key]]));
      // A receipt with what the protocol does not describe is printed, as a terminal ignores what it does not know.
      return { params: validateRequest(spec.name, known, { lrcEncoding: this.options.lrcEncoding }).params };
    } catch (err) {
      const e = err as EcrError;
      if (e.field === 'lrc') return refuse(spec.name, 'E02', e.message, 'lrc');
      return refuse(spec.name, 'E09', e.rule ? `${e.field} ${e.rule}` : e.message, e.field);
    }
  }

  private dispatch(spec: MethodSpec, params: Record<string, unknown>): Response {
    switch (spec.group) {
      case 'financial':
      case 'report':
        return this.startOperation(spec, params);
      default:
        return this.immediate(spec, params);
    }
  }

  private merchant(id: unknown): Merchant | undefined {
    return this.merchants.find((m) => m.merchantId === id);
  }

  private get needsZ(): boolean {
    const after = this.options.zReportAfter ?? 0;
    return after > 0 && this.state.opsSinceZ >= after;
  }

  private startOperation(spec: MethodSpec, params: Record<string, unknown>): Response {
    const name = spec.name;
    if (params.merchantId !== undefined) {
      const m = this.merchant(params.merchantId);
      if (!m) return errorResponse(name, 'E07', `merchant ${valueText(params.merchantId)} is not configured`, 'merchantId');
      if (params.terminalId !== undefined && !m.terminalIds.includes(valueText(params.terminalId))) {
        return errorResponse(name, 'E07', `terminal ${valueText(params.terminalId)} is not configured for merchant ${m.merchantId}`, 'terminalId');
      }
    }
    if (params.transAmount !== undefined && Number(params.transAmount) > (this.options.amountLimit ?? 99_999_999)) {
      return errorResponse(name, 'E19', `limit is ${this.options.amountLimit ?? 99_999_999}`, 'transAmount');
    }
    if (spec.group === 'financial' && this.needsZ) return errorResponse(name, 'E15', 'settlement required: run ZReport');
    if (this.options.paperOut && spec.flow?.includes('print')) return errorResponse(name, 'E18');
    const op: RunningOperation = { spec, params, outcome: APPROVED, steps: [], index: -1, status: 'S01' };
    if (this.later && spec.group === 'financial') op.uid = valueText(params.transactionUid ?? randomUUID());
    op.outcome = this.decide(op);
    op.steps = this.stepsFor(op);
    if (this.later && spec.twoStep) op.steps = this.parkAfterCard(op.steps);
    this.op = op;
    this.advance(op);
    return response(name);
  }

  /**
   * Later firmware, step 1 of a two-step operation: once the card is read the terminal waits in S08; step 2 goes
   * on from there (S01, then PIN, bank, printing). An outcome that ends at the card ends in step 1.
   */
  private parkAfterCard(steps: Step[]): Step[] {
    const card = steps.findIndex((st) => st.status === 'S02');
    if (card < 0 || !steps.slice(card + 1).some((st) => AFTER_CARD.has(st.status))) return steps;
    const timeout = this.options.secondStepTimeout ?? SECOND_STEP_TIMEOUT;
    return [...steps.slice(0, card + 1), { status: 'S08', ms: timeout, park: true }, ...this.secondStepSteps(steps)];
  }

  /** What step 2 goes through: S01, then what the whole operation has after the card. */
  private secondStepSteps(steps: Step[]): Step[] {
    const card = steps.findIndex((st) => st.status === 'S02');
    return [{ status: 'S01', ms: this.phases.S01 }, ...steps.slice(card + 1)];
  }

  /** Step 2 accepted: its discountedAmount is what is charged (and, as a test amount, may decide the outcome). */
  private continueOperation(op: RunningOperation, p: Record<string, unknown>): void {
    clearTimeout(op.timer);
    if (p.discountedAmount !== undefined) {
      op.params = { ...op.params, discountedAmount: p.discountedAmount };
      const tested = TEST_AMOUNTS[String(Number(p.discountedAmount))];
      // The card is read already: an outcome of the card phase cannot happen any more.
      if (!op.scripted && tested && tested.endsAfter !== 'card') op.outcome = tested;
    }
    op.steps = [...op.steps.slice(0, op.index + 1), ...this.secondStepSteps(this.stepsFor(op))];
    this.advance(op);
  }

  private stepsFor(op: RunningOperation): Step[] {
    const steps: Step[] = [{ status: 'S01', ms: this.phases.S01 }];
    const amount = Number(op.params.transAmount ?? 0);
    const endsAfter = op.outcome.endsAfter;
    for (const phase of op.spec.flow ?? []) {
      // An outcome that ends at a phase this flow lacks (a Void that fails its journal check "at the card") or skips
      // (no PIN under noPinLimit) still ends there: the later phases, the bank included, never happen.
      if (endsAfter && PHASE_ORDER.indexOf(phase) > PHASE_ORDER.indexOf(endsAfter)) break;
      if (phase === 'pin' && amount > 0 && amount <= (this.options.noPinLimit ?? 0)) continue;
      const status = STATUS_OF_PHASE[phase];
      steps.push({ status, ms: this.phases[status] + (phase === 'host' ? (op.outcome.hostDelay ?? 0) : 0) });
      if (endsAfter === phase) break;
    }
    if (steps.some((s) => s.status === 'S02') && this.phases.S07 > 0) steps.push({ status: 'S07', ms: this.phases.S07 });
    return steps;
  }

  /** Scripted outcome, else the journal's verdict (void of a receipt that is not in the batch), else the test amounts. */
  private decide(op: RunningOperation): Outcome {
    const scripted = this.script.shift();
    if (scripted) {
      op.scripted = true;
      return scripted;
    }
    const p = op.params;
    const open = (e: BatchEntry) => e.amount - e.voided > 0;
    switch (op.spec.name) {
      case 'Void':
      case 'PartialVoid': {
        op.target = this.state.batch.find((e) => e.invoiceNum === p.invoiceNum && e.category && e.category !== 'Void' && open(e));
        if (!op.target) return failed(`ЧЕК ${valueText(p.invoiceNum)} НЕ ЗНАЙДЕНО`);
        if (op.spec.name === 'PartialVoid' && Number(p.transAmount) > op.target.amount - op.target.voided) return failed('СУМА ПЕРЕВИЩУЄ ЗАЛИШОК');
        break;
      }
      case 'VoidPreauth':
        op.target = this.state.batch.find((e) => e.method === 'Preauthorization' && e.invoiceNum === p.invoiceNum && !e.closed);
        if (!op.target) return failed(`ПРЕАВТОРИЗАЦІЮ ${valueText(p.invoiceNum)} НЕ ЗНАЙДЕНО`);
        break;
      case 'SalePreauth':
        op.target = this.state.batch.find((e) => e.method === 'Preauthorization' && e.rrn === p.rrn && e.authCode === p.authCode && !e.closed);
        if (!op.target) return failed('ПРЕАВТОРИЗАЦІЮ НЕ ЗНАЙДЕНО');
        break;
      case 'Refund':
        op.target = this.state.batch.find((e) => e.rrn === p.rrn && e.category === 'Sale');
        if (op.target && Number(p.transAmount) > op.target.amount) return failed('СУМА ПОВЕРНЕННЯ ПЕРЕВИЩУЄ ОПЛАТУ');
        break;
    }
    const amount = p.discountedAmount ?? p.transAmount;
    return (amount !== undefined && TEST_AMOUNTS[String(Number(amount))]) || APPROVED;
  }

  private advance(op: RunningOperation): void {
    if (this.op !== op) return;
    op.index++;
    const step = op.steps[op.index];
    if (!step) return this.complete(op);
    if (op.status === 'S02' && AFTER_CARD.has(step.status) && !op.cardRead) {
      op.cardRead = true;
      // The card the result will show: the operation's number is the next one (nothing completes meanwhile).
      op.card = CARDS[(this.state.counter + 1) % CARDS.length];
    }
    op.status = step.status;
    if (step.park) this.firstStepDone(op);
    this.emit('status', op.status);
    op.timer = setTimeout(() => (step.park ? this.secondStepMissed(op) : this.advance(op)), step.ms);
  }

  /**
   * Later firmware: step 1 read the card. GetLastResult and GetResultByUid now show FIRST_STEP_COMPLETED with the
   * card, the uid and the requested amount; nothing was charged, so no rrn or authCode. (Not saved: a terminal
   * that stops here has no first step to continue.)
   */
  private firstStepDone(op: RunningOperation): void {
    const p = op.params;
    const merchant = this.merchant(p.merchantId) ?? this.merchants[0];
    const when = this.now();
    const card = op.card!;
    const params: Record<string, unknown> = {
      originalTrnName: op.spec.name,
      transAmount: String(Number(p.transAmount ?? 0)),
      discount: '0',
      authCode: '',
      invoiceNum: '',
      bankName: this.options.bankName ?? 'SIMULATED BANK',
      merchantId: merchant.merchantId,
      terminalId: valueText(p.terminalId ?? merchant.terminalIds[0]),
      pan: card.pan,
      responseCode: '',
      rrn: '',
      transactionResult: 'FIRST_STEP_COMPLETED',
      posEntryMode: op.steps.some((st) => st.status === 'S03') ? 'CONTACT_EMV' : 'CONTACTLESS',
      binName: card.binName,
      track2: card.track2,
      [this.options.quirks ? 'cardHolderName' : 'cardholderName']: card.name,
      parEnabled: false,
      parValue: '',
      balance: '',
      errorDetails: '',
      transactionUid: op.uid,
      transactionDate: when.transactionDate,
      transactionTime: when.transactionTime,
    };
    this.state.lastResult = { method: 'GetLastResult', error: false, errorCode: '', errorDescription: '', params };
    this.remember(this.state.lastResult);
    this.emit('first-step', op.uid);
  }

  /** No step 2 within secondStepTimeout: the terminal gives up; nothing was charged. */
  private secondStepMissed(op: RunningOperation): void {
    if (this.op !== op) return;
    op.outcome = { result: 'CANCELLED', responseCode: '', errorCode: 'E12', text: 'ДРУГИЙ КРОК НЕ НАДІЙШОВ' };
    this.complete(op);
  }

  /** Later firmware: keeps a result for GetResultByUid, replacing an earlier one of the same uid. */
  private remember(result: Response): void {
    const uid = (result.params as Record<string, unknown>).transactionUid;
    const history = this.state.history;
    const i = history.findIndex((r) => (r.params as Record<string, unknown>).transactionUid === uid);
    if (i >= 0) history.splice(i, 1);
    history.push(result);
    if (history.length > UID_HISTORY_LIMIT) history.splice(0, history.length - UID_HISTORY_LIMIT);
  }

  private complete(op: RunningOperation): void {
    clearTimeout(op.timer);
    if (this.op !== op) return;
    this.op = null;
    if (op.print) {
      this.emit('status', this.status);
      return;
    }
    if (op.spec.group === 'report') this.completeReport(op);
    else this.completeFinancial(op);
    this.save();
    this.emit('status', this.status);
    this.emit('completed', op.spec.name);
  }

  /** v1.1.10's date (dd/MM/yyyy) and time (HH:mm:ss), and later firmware's transactionDate (DDMMYYYY) and transactionTime (HHMMSS). */
  private now(): { date: string; time: string; transactionDate: string; transactionTime: string } {
    const d = this.options.clock?.() ?? new Date();
    const [dd, mm, yyyy] = [two(d.getDate()), two(d.getMonth() + 1), String(d.getFullYear())];
    const [h, m, sec] = [two(d.getHours()), two(d.getMinutes()), two(d.getSeconds())];
    return { date: `${dd}/${mm}/${yyyy}`, time: `${h}:${m}:${sec}`, transactionDate: `${dd}${mm}${yyyy}`, transactionTime: `${h}${m}${sec}` };
  }

  /** The transactionResult as this firmware spells it. */
  private resultName(result: TransactionResult): string {
    if (this.later) return LATER_RESULT[result] ?? result;
    return this.options.quirks ? result.replace(/_/g, '-') : result;
  }

  private receiptHeader(merchantId: string): ReceiptHeader {
    const m = this.merchant(merchantId) ?? this.merchants[0];
    return {
      merchantName: m.merchantName ?? this.options.merchantName ?? DEFAULT_MERCHANT_NAME,
      address: 'м. Київ, вул. Хрещатик, 1',
      merchantId: m.merchantId,
      terminalId: m.terminalIds[0],
    };
  }

  private completeFinancial(op: RunningOperation): void {
    const { spec, params: p, outcome, target } = op;
    const s = this.state;
    const approved = outcome.result.startsWith('APPROVED');
    const n = ++s.counter;
    const when = this.now();
    const { date, time } = when;
    // A card was read only if the operation got past the card prompt (not cancelled or failed at it).
    const usedCard = op.cardRead === true;
    const card = usedCard ? op.card : target ? (CARDS.find((c) => c.pan === target.pan) ?? CARDS[0]) : undefined;
    const merchantId = valueText(p.merchantId ?? target?.merchantId ?? this.merchants[0].merchantId);
    const merchant = this.merchant(merchantId) ?? this.merchants[0];
    const requested = p.transAmount !== undefined ? Number(p.transAmount) : 0;
    const charged = p.discountedAmount !== undefined ? Number(p.discountedAmount) : requested;
    let amount = charged;
    if (spec.name === 'Balance' || spec.name === 'Echo') amount = 0;
    if (spec.name === 'Void' || spec.name === 'VoidPreauth') amount = target ? target.amount - target.voided : 0;
    if (spec.name === 'SalePreauth') amount = Number(p.endAmount);
    const invoiceNum = String(n).padStart(6, '0');
    const rrn = `${date.slice(8, 10)}${String(n).padStart(10, '0')}`;
    const authCode = approved && spec.name !== 'Echo' ? (n * 7919).toString(36).toUpperCase().padStart(6, '0').slice(-6) : '';
    const responseCode = outcome.responseCode;
    const cardholderKey = this.options.quirks ? 'cardHolderName' : 'cardholderName';
    const params: Record<string, unknown> = {
      originalTrnName: spec.name,
      transAmount: String(amount),
      discount: String(Math.max(0, requested - charged)),
      authCode,
      date,
      time,
      invoiceNum,
      bankName: this.options.bankName ?? 'SIMULATED BANK',
      merchantId: merchant.merchantId,
      terminalId: valueText(p.terminalId ?? merchant.terminalIds[0]),
      pan: card?.pan ?? '',
      responseCode,
      rrn: approved ? rrn : '',
      transactionResult: this.resultName(outcome.result),
      posEntryMode: usedCard ? (op.steps.some((st) => st.status === 'S03') ? 'CONTACT_EMV' : 'CONTACTLESS') : '',
      binName: card?.binName ?? '',
      track2: card?.track2 ?? '',
      [cardholderKey]: card?.name ?? '',
      parEnabled: false,
      parValue: '',
      balance: '',
      errorDetails: approved ? '' : (outcome.text ?? ''),
    };
    if (p.cashAmount !== undefined) params.cashAmount = valueText(p.cashAmount);
    if (p.endAmount !== undefined) params.endAmount = valueText(p.endAmount);
    if (this.later) {
      // Later firmware dates a result with transactionDate and transactionTime instead, and names it by its uid.
      delete params.date;
      delete params.time;
      Object.assign(params, { transactionUid: op.uid, transactionDate: when.transactionDate, transactionTime: when.transactionTime });
    }
    const errorCode = approved ? '' : (outcome.errorCode ?? 'E21');
    s.lastResult = {
      method: 'GetLastResult',
      error: !approved,
      errorCode,
      errorDescription: approved ? '' : (outcome.text ?? ERROR_CODES[errorCode]?.description ?? ''),
      params,
    };
    if (this.later) this.remember(s.lastResult);
    // Balance and Echo print nothing for the ECR: the last receipt stays the one before.
    if (spec.name !== 'Balance' && spec.name !== 'Echo')
      s.lastReceipt = transactionReceipt(this.receiptHeader(merchant.merchantId), {
        method: spec.name,
        amount: String(amount),
        currency: valueText(p.transCurrency ?? '980'),
        approved,
        text: outcome.text ?? '',
        invoiceNum,
        date,
        time,
        pan: card?.pan ?? '',
        binName: card?.binName ?? '',
        authCode,
        rrn,
        responseCode,
      });
    s.opsSinceZ++;
    if (!approved) return;
    const entry: BatchEntry = {
      method: spec.name,
      category: spec.batch,
      merchantId: merchant.merchantId,
      invoiceNum,
      rrn,
      authCode,
      amount,
      date,
      time,
      pan: card?.pan ?? '',
      responseCode,
      binName: card?.binName ?? '',
      voided: 0,
    };
    if (spec.name === 'PartialVoid') entry.amount = Number(p.transAmount);
    if (target) {
      if (spec.name === 'SalePreauth' || spec.name === 'VoidPreauth') target.closed = true;
      else if (spec.name !== 'Refund') target.voided += entry.amount;
    }
    if (spec.name === 'Preauthorization' || entry.category) s.batch.push(entry);
  }

  private completeReport(op: RunningOperation): void {
    const s = this.state;
    const merchantId = String(op.params.merchantId);
    const entries = s.batch.filter((e) => e.merchantId === merchantId && e.category);
    const detail = op.params.isDetailReport === true;
    const padded = this.options.quirks === true;
    const ok = op.outcome.result.startsWith('APPROVED');
    const isZ = op.spec.name === 'ZReport';
    const batchNumber = String(s.batchNumber);
    if (isZ && ok) s.batchNumber++;
    const t = ok ? totals(entries, padded) : zeroTotals(padded);
    const params: Record<string, unknown> = {
      responseCode: ok ? '00' : op.outcome.responseCode || '96',
      ...t,
      isBatchEmpty: entries.length === 0,
      batchNumber,
    };
    if (detail && ok) params.transactions = entries.map(detailOf);
    s.lastReport = {
      method: 'GetLastReport',
      error: !ok,
      errorCode: ok ? '' : (op.outcome.errorCode ?? 'E21'),
      errorDescription: ok ? '' : (op.outcome.text ?? 'ЗВІРКА НЕ ВДАЛАСЯ'),
      params,
    };
    const { date, time } = this.now();
    s.lastReportReceipt = reportReceipt(
      this.receiptHeader(merchantId),
      isZ ? 'ZReport' : 'XReport',
      t,
      entries,
      detail,
      batchNumber,
      `${date} ${time}`,
    );
    if (isZ && ok) {
      s.batch = s.batch.filter((e) => e.merchantId !== merchantId);
      s.opsSinceZ = 0;
    }
  }

  private immediate(spec: MethodSpec, params: Record<string, unknown>): Response {
    const s = this.state;
    switch (spec.name) {
      case 'GetStatus':
        return response('GetStatus', { status: this.status });
      case 'Interrupt':
        return this.interrupt();
      case 'Restart':
        this.restart();
        return response('Restart', { status: 'S00' });
      case 'RestartPaymentApp':
        this.restart();
        return response('RestartPaymentApp');
      case 'PingDevice':
        return response('PingDevice');
      case 'GetLastResult':
        return s.lastResult ? { ...s.lastResult } : response('GetLastResult', { params: emptyResult(this.later) });
      case 'GetResultByUid': {
        const uid = String(params.transactionUid);
        const found = s.history.find((r) => (r.params as Record<string, unknown>).transactionUid === uid);
        return found ? { ...found, method: 'GetResultByUid' } : errorResponse('GetResultByUid', 'E20', `no operation with transactionUid ${uid}`);
      }
      case 'GetLastReceipt':
        return s.lastReceipt === null ? errorResponse('GetLastReceipt', 'E20') : response('GetLastReceipt', { params: { receipt: s.lastReceipt } });
      case 'GetLastReport':
        return s.lastReport
          ? { ...s.lastReport }
          : response('GetLastReport', { params: { responseCode: '', ...zeroTotals(false), isBatchEmpty: true, batchNumber: String(s.batchNumber) } });
      case 'GetLastReportReceipt':
        return s.lastReportReceipt === null
          ? errorResponse('GetLastReportReceipt', 'E20')
          : response('GetLastReportReceipt', { params: { receipt: s.lastReportReceipt } });
      case 'GetMerchantList':
        return response('GetMerchantList', {
          params: { merchantCount: this.merchants.length, merchantList: this.merchants.map((m) => m.merchantId) },
        });
      case 'GetMerchantListDetailed': {
        // One row per merchant and terminal id.
        const merchantList = this.merchants.flatMap((m) =>
          m.terminalIds.map((terminalId) => ({
            merchantId: m.merchantId,
            terminalId,
            merchantName: m.merchantName ?? this.options.merchantName ?? DEFAULT_MERCHANT_NAME,
          })),
        );
        return response('GetMerchantListDetailed', { params: { merchantCount: merchantList.length, merchantList } });
      }
      case 'GetTerminalInfo':
        return response('GetTerminalInfo', { params: terminalInfo(this.platform, this.options.serialNumber ?? 'SIM0000001') });
      case 'PrintXml':
      case 'PrintPdfUrl':
        if (this.options.paperOut) return errorResponse(spec.name, 'E18');
        this.op = {
          spec,
          params,
          outcome: APPROVED,
          steps: spec.flow!.map((phase) => ({ status: STATUS_OF_PHASE[phase], ms: this.phases[STATUS_OF_PHASE[phase]] })),
          index: -1,
          status: 'S05',
          print: true,
        };
        this.advance(this.op);
        return response(spec.name);
      default:
        return errorResponse(spec.name, 'E05');
    }
  }

  private interrupt(): Response {
    const op = this.op;
    // S08 is a status of later firmware only (a v1.1.10 terminal never reaches it).
    if (!op || op.print || !INTERRUPTIBLE_STATUSES.has(op.status)) {
      return errorResponse('Interrupt', 'E08', `status ${this.status}: Interrupt works in ${this.later ? 'S02, S03 and S08' : 'S02 and S03'} only`);
    }
    // Later firmware tells an operation stopped before a card was read apart.
    const result = this.later && op.status === 'S02' ? 'CANCELLED_BEFORE_START' : 'CANCELLED';
    op.outcome = { result, responseCode: '', errorCode: 'E12', text: 'ОПЕРАЦІЮ ПЕРЕРВАНО КАСОЮ' };
    this.complete(op);
    return response('Interrupt');
  }

  /** A reboot ends the running operation: before the bank it is cancelled, after it the bank's answer stands. */
  private restart(): void {
    const op = this.op;
    if (op && !op.print) {
      const reachedHost = op.steps.slice(0, op.index + 1).some((s) => s.status === 'S04');
      if (!reachedHost) op.outcome = { result: 'CANCELLED', responseCode: '', errorCode: 'E12', text: 'ОПЕРАЦІЮ ПЕРЕРВАНО (ПЕРЕЗАВАНТАЖЕННЯ)' };
      this.complete(op);
    } else if (op) {
      this.complete(op);
    }
    setImmediate(() => this.emit('restart'));
  }

  /** Stops timers; the state stays as it is. */
  stop(): void {
    if (this.op) clearTimeout(this.op.timer);
    this.op = null;
  }

  private load(): PersistedState {
    const fresh: PersistedState = {
      lastResult: null,
      lastReceipt: null,
      lastReport: null,
      lastReportReceipt: null,
      batch: [],
      counter: 0,
      batchNumber: 1,
      opsSinceZ: 0,
      history: [],
    };
    if (!this.options.stateFile) return fresh;
    try {
      return { ...fresh, ...(JSON.parse(readFileSync(this.options.stateFile, 'utf8')) as Partial<PersistedState>) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fresh;
      throw err;
    }
  }

  private save(): void {
    const file = this.options.stateFile;
    if (file) writeFileAtomic(file, JSON.stringify(this.state, null, 1));
  }
}

/** The GetLastResult params before any operation: every key, empty; dated the way the firmware dates results. */
function emptyResult(later: boolean): Record<string, unknown> {
  const params: Record<string, unknown> = Object.fromEntries(RESULT_KEYS.map((k) => [k, '']));
  params.transAmount = '0';
  params.discount = '0';
  params.parEnabled = false;
  delete params.cashAmount;
  delete params.endAmount;
  for (const key of later ? ['date', 'time'] : ['transactionUid', 'transactionDate', 'transactionTime']) delete params[key];
  return params;
}

/** A later-firmware step: absent, 0 or 1 is the first (a single-step request starts the operation), 2 the second; else undefined. */
function stepOf(raw: unknown): 1 | 2 | undefined {
  if (raw === undefined || raw === null) return 1;
  const text = typeof raw === 'number' ? String(raw) : raw;
  if (text === '0' || text === '1') return 1;
  if (text === '2') return 2;
  return undefined;
}
