/**
 * The emulated terminal (§3–§5): what it answers, how an operation moves through its statuses, what it keeps
 * in its result buffers and batch. No sockets here: the server feeds it parsed requests.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../core/atomic-file';
import { getMethod, RESULT_KEYS, type MethodSpec, type Phase } from '../core/catalogue';
import { ERROR_CODES, INTERRUPTIBLE_STATUSES } from '../core/codes';
import { EcrError } from '../core/errors';
import { LRC_ENCODINGS, type LrcEncoding } from '../core/receipt-xml';
import { validateRequest } from '../core/validate';
import { detailOf, totals, zeroTotals, type BatchEntry } from './batch';
import { reportReceipt, transactionReceipt, type ReceiptHeader } from './receipts';
import { APPROVED, failed, TEST_AMOUNTS, type Outcome } from './scenarios';
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
}

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
  /** Send the forms the vendor's examples show: "APPROVED-ONLINE", cardHolderName, zero-padded totals. */
  quirks?: boolean;
  serialNumber?: string;
  /** How this terminal reads PrintXml's `lrc`: 'decimal' (default, e.g. "31") or 'hex' (e.g. "1F"); any other form gets E02. */
  lrcEncoding?: LrcEncoding;
  bankName?: string;
  merchantName?: string;
  clock?: () => Date;
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
}

interface RunningOperation {
  spec: MethodSpec;
  params: Record<string, unknown>;
  outcome: Outcome;
  steps: { status: string; ms: number }[];
  index: number;
  status: string;
  timer?: NodeJS.Timeout;
  target?: BatchEntry;
  print?: boolean;
}

const DEFAULT_MERCHANTS: Merchant[] = [
  { merchantId: '000000060007176', terminalIds: ['T0000001'] },
  { merchantId: '000000060007177', terminalIds: ['T0000002', 'T0000003'] },
];

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
  /** Requests received per method (including refused ones): proof that nothing was sent twice. */
  readonly counts: Record<string, number> = {};
  private readonly options: EngineOptions;
  private readonly script: Outcome[] = [];
  private state: PersistedState;
  private op: RunningOperation | null = null;

  constructor(options: EngineOptions = {}) {
    super();
    this.options = options;
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
    if (!spec) return errorResponse('Unknown', 'E05', `unknown method ${method.slice(0, 40)}`);
    if (spec.androidOnly && this.platform !== 'android') return errorResponse(method, 'E05', `${method} is available on Android terminals only`);
    if (this.op && !spec.whileBusy) return errorResponse(method, 'E06');
    const checked = this.checkParams(spec, message.params);
    if (checked.refused) return checked.refused;
    return this.dispatch(spec, checked.params);
  }

  private count(method: string): void {
    this.counts[method] = (this.counts[method] ?? 0) + 1;
  }

  /** What a terminal checks: mandatory keys (E04), wire types and formats (E09), the PrintXml lrc (E02). */
  private checkParams(spec: MethodSpec, raw: unknown): { params: Record<string, unknown>; refused?: undefined } | { refused: Response; params?: undefined } {
    const polled = spec.resultMethod !== undefined;
    if (raw === undefined && (polled || Object.values(spec.params).includes('M'))) return refuse(spec.name, 'E04', 'params is missing', 'params');
    if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) return refuse(spec.name, 'E09', 'params must be an object', 'params');
    const params = (raw ?? {}) as Record<string, unknown>;
    for (const [key, requirement] of Object.entries(spec.params)) {
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
      const known = Object.fromEntries(Object.keys(spec.params).filter((key) => Object.hasOwn(params, key)).map((key) => [key, params[key]]));
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
      if (!m) return errorResponse(name, 'E07', `merchant ${String(params.merchantId)} is not configured`, 'merchantId');
      if (params.terminalId !== undefined && !m.terminalIds.includes(String(params.terminalId))) {
        return errorResponse(name, 'E07', `terminal ${String(params.terminalId)} is not configured for merchant ${m.merchantId}`, 'terminalId');
      }
    }
    if (params.transAmount !== undefined && Number(params.transAmount) > (this.options.amountLimit ?? 99_999_999)) {
      return errorResponse(name, 'E19', `limit is ${this.options.amountLimit ?? 99_999_999}`, 'transAmount');
    }
    if (spec.group === 'financial' && this.needsZ) return errorResponse(name, 'E15', 'settlement required: run ZReport');
    if (this.options.paperOut && spec.flow?.includes('print')) return errorResponse(name, 'E18');
    const op: RunningOperation = { spec, params, outcome: APPROVED, steps: [], index: -1, status: 'S01' };
    op.outcome = this.decide(op);
    op.steps = this.stepsFor(op);
    this.op = op;
    this.advance(op);
    return response(name);
  }

  private stepsFor(op: RunningOperation): { status: string; ms: number }[] {
    const steps = [{ status: 'S01', ms: this.phases.S01 }];
    const amount = Number(op.params.transAmount ?? 0);
    const endsAfter = op.outcome.endsAfter;
    for (const phase of op.spec.flow ?? []) {
      // An outcome that ends at a phase this flow lacks (a Void that fails its journal check "at the card") or skips
      // (no PIN under noPinLimit) still ends there: the later phases, the bank included, never happen.
      if (endsAfter && PHASE_ORDER.indexOf(phase) > PHASE_ORDER.indexOf(endsAfter)) break;
      if (phase === 'pin' && amount > 0 && amount <= (this.options.noPinLimit ?? 0)) continue;
      const status = STATUS_OF_PHASE[phase];
      steps.push({ status, ms: this.phases[status] + (phase === 'host' ? op.outcome.hostDelay ?? 0 : 0) });
      if (endsAfter === phase) break;
    }
    if (steps.some((s) => s.status === 'S02') && this.phases.S07 > 0) steps.push({ status: 'S07', ms: this.phases.S07 });
    return steps;
  }

  /** Scripted outcome, else the journal's verdict (void of a receipt that is not in the batch), else the test amounts. */
  private decide(op: RunningOperation): Outcome {
    const scripted = this.script.shift();
    if (scripted) return scripted;
    const p = op.params;
    const open = (e: BatchEntry) => e.amount - e.voided > 0;
    switch (op.spec.name) {
      case 'Void':
      case 'PartialVoid': {
        op.target = this.state.batch.find((e) => e.invoiceNum === p.invoiceNum && e.category && e.category !== 'Void' && open(e));
        if (!op.target) return failed(`ЧЕК ${String(p.invoiceNum)} НЕ ЗНАЙДЕНО`);
        if (op.spec.name === 'PartialVoid' && Number(p.transAmount) > op.target.amount - op.target.voided) return failed('СУМА ПЕРЕВИЩУЄ ЗАЛИШОК');
        break;
      }
      case 'VoidPreauth':
        op.target = this.state.batch.find((e) => e.method === 'Preauthorization' && e.invoiceNum === p.invoiceNum && !e.closed);
        if (!op.target) return failed(`ПРЕАВТОРИЗАЦІЮ ${String(p.invoiceNum)} НЕ ЗНАЙДЕНО`);
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
    op.status = step.status;
    this.emit('status', op.status);
    op.timer = setTimeout(() => this.advance(op), step.ms);
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

  private now(): { date: string; time: string } {
    const d = this.options.clock?.() ?? new Date();
    return { date: `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()}`, time: `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}` };
  }

  private receiptHeader(merchantId: string): ReceiptHeader {
    const m = this.merchant(merchantId) ?? this.merchants[0];
    return {
      merchantName: this.options.merchantName ?? 'ТОВ "ТЕСТОВИЙ МАГАЗИН"',
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
    const { date, time } = this.now();
    // A card was read only if the operation got past the card prompt (not cancelled or failed at it).
    const cardStep = op.steps.findIndex((st) => st.status === 'S02');
    const entered = op.steps.slice(0, op.index + 1);
    const usedCard = cardStep >= 0 && entered.slice(cardStep + 1).some((st) => st.status === 'S03' || st.status === 'S04' || st.status === 'S05');
    const card = usedCard ? CARDS[n % CARDS.length] : target ? CARDS.find((c) => c.pan === target.pan) ?? CARDS[0] : undefined;
    const merchantId = String(p.merchantId ?? target?.merchantId ?? this.merchants[0].merchantId);
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
      terminalId: String(p.terminalId ?? merchant.terminalIds[0]),
      pan: card?.pan ?? '',
      responseCode,
      rrn: approved ? rrn : '',
      transactionResult: this.options.quirks ? outcome.result.replace(/_/g, '-') : outcome.result,
      posEntryMode: usedCard ? (op.steps.some((st) => st.status === 'S03') ? 'CONTACT_EMV' : 'CONTACTLESS') : '',
      binName: card?.binName ?? '',
      track2: card?.track2 ?? '',
      [cardholderKey]: card?.name ?? '',
      parEnabled: false,
      parValue: '',
      balance: '',
      errorDetails: approved ? '' : outcome.text ?? '',
    };
    if (p.cashAmount !== undefined) params.cashAmount = String(p.cashAmount);
    if (p.endAmount !== undefined) params.endAmount = String(p.endAmount);
    const errorCode = approved ? '' : outcome.errorCode ?? 'E21';
    s.lastResult = {
      method: 'GetLastResult', error: !approved, errorCode,
      errorDescription: approved ? '' : outcome.text ?? ERROR_CODES[errorCode]?.description ?? '', params,
    };
    // Balance and Echo print nothing for the ECR: the last receipt stays the one before.
    if (spec.name !== 'Balance' && spec.name !== 'Echo') s.lastReceipt = transactionReceipt(this.receiptHeader(merchant.merchantId), {
      method: spec.name, amount: String(amount), currency: String(p.transCurrency ?? '980'), approved, text: outcome.text ?? '',
      invoiceNum, date, time, pan: card?.pan ?? '', binName: card?.binName ?? '', authCode, rrn, responseCode,
    });
    s.opsSinceZ++;
    if (!approved) return;
    const entry: BatchEntry = {
      method: spec.name, category: spec.batch, merchantId: merchant.merchantId, invoiceNum, rrn, authCode, amount, date, time,
      pan: card?.pan ?? '', responseCode, binName: card?.binName ?? '', voided: 0,
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
    const params: Record<string, unknown> = { responseCode: ok ? '00' : op.outcome.responseCode || '96', ...t, isBatchEmpty: entries.length === 0, batchNumber };
    if (detail && ok) params.transactions = entries.map(detailOf);
    s.lastReport = {
      method: 'GetLastReport', error: !ok, errorCode: ok ? '' : op.outcome.errorCode ?? 'E21',
      errorDescription: ok ? '' : op.outcome.text ?? 'ЗВІРКА НЕ ВДАЛАСЯ', params,
    };
    const { date, time } = this.now();
    s.lastReportReceipt = reportReceipt(this.receiptHeader(merchantId), isZ ? 'ZReport' : 'XReport', t, entries, detail, batchNumber, `${date} ${time}`);
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
        return s.lastResult ? { ...s.lastResult } : response('GetLastResult', { params: emptyResult() });
      case 'GetLastReceipt':
        return s.lastReceipt === null ? errorResponse('GetLastReceipt', 'E20') : response('GetLastReceipt', { params: { receipt: s.lastReceipt } });
      case 'GetLastReport':
        return s.lastReport ? { ...s.lastReport } : response('GetLastReport', { params: { responseCode: '', ...zeroTotals(false), isBatchEmpty: true, batchNumber: String(s.batchNumber) } });
      case 'GetLastReportReceipt':
        return s.lastReportReceipt === null ? errorResponse('GetLastReportReceipt', 'E20') : response('GetLastReportReceipt', { params: { receipt: s.lastReportReceipt } });
      case 'GetMerchantList':
        return response('GetMerchantList', { params: { merchantCount: this.merchants.length, merchantList: this.merchants.map((m) => m.merchantId) } });
      case 'GetTerminalInfo':
        return response('GetTerminalInfo', { params: terminalInfo(this.platform, this.options.serialNumber ?? 'SIM0000001') });
      case 'PrintXml':
      case 'PrintPdfUrl':
        if (this.options.paperOut) return errorResponse(spec.name, 'E18');
        this.op = { spec, params, outcome: APPROVED, steps: spec.flow!.map((phase) => ({ status: STATUS_OF_PHASE[phase], ms: this.phases[STATUS_OF_PHASE[phase]] })), index: -1, status: 'S05', print: true };
        this.advance(this.op);
        return response(spec.name);
      default:
        return errorResponse(spec.name, 'E05');
    }
  }

  private interrupt(): Response {
    const op = this.op;
    if (!op || op.print || !INTERRUPTIBLE_STATUSES.has(op.status)) {
      return errorResponse('Interrupt', 'E08', `status ${this.status}: Interrupt works in S02 and S03 only`);
    }
    op.outcome = { result: 'CANCELLED', responseCode: '', errorCode: 'E12', text: 'ОПЕРАЦІЮ ПЕРЕРВАНО КАСОЮ' };
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
    const fresh: PersistedState = { lastResult: null, lastReceipt: null, lastReport: null, lastReportReceipt: null, batch: [], counter: 0, batchNumber: 1, opsSinceZ: 0 };
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

function emptyResult(): Record<string, unknown> {
  const params: Record<string, unknown> = Object.fromEntries(RESULT_KEYS.map((k) => [k, '']));
  params.transAmount = '0';
  params.discount = '0';
  params.parEnabled = false;
  delete params.cashAmount;
  delete params.endAmount;
  return params;
}

