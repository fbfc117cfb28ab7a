'use strict';
import { mulberry32 } from './prng';
/**
 * The chaos harness: randomised financial transactions through fault-injecting proxies, judged by what the
 * simulator itself recorded. Used by test/chaos.test.ts (CI size) and test/chaos-run.ts (`npm run chaos`).
 *
 * Each lane is a simulator ⇄ proxy ⇄ Terminal triple (journal in a tmp dir) running its share of the transactions
 * one after another. Every transaction gets a unique key (its amount; for Void/PartialVoid the invoice it targets)
 * and at most one fault, chosen with a seeded PRNG. After an OUTCOME_UNKNOWN, the lane turns faults off and runs
 * terminal.reconcile() (again a little later while it answers `retry`) before going on; a record it cannot settle
 * counts as lost and is marked resolved by hand so the lane can go on. Options: sidePolls (a status watcher polls
 * alongside), crashes (the client is closed mid-transaction now and then and a new one on the same journal takes
 * over), reconcileFaults (a fault on the reconciliation's exchanges too), phases (simulator phase durations).
 *
 * Later firmware: firmware '1.4' runs every lane's simulator as 1.3/1.4 firmware (two-step Purchase with S08,
 * transactionUid, GetResultByUid, APPROVED/DECLINED spellings), closeAfterAnswer (true, or ms) makes it close the
 * connection after every answer, noMethod leaves "method" out of its answers. Each Purchase then has an onFirstStep
 * that, seeded, goes on, asks a discountedAmount, aborts or throws (and sometimes takes a few ms to decide); the
 * fault menu also aims at step 2 and at the final read after it. The client uses minRequestGap (5 ms by default,
 * not the 250 ms later firmware asks for: the simulator does not enforce the pacing, and 1,000 transactions must
 * fit in CI) and the default soleEcr (false): on later firmware the transactionUid ties a result to its request.
 *
 * At the end every transaction is checked against the simulator's own ledger (its 'request' events with the
 * request log entry, and the result it wrote when each accepted operation completed):
 *   lost          an outcome the simulator produced that the client did not deliver or reconcile (or an
 *                 operation the client called not performed / not sent that the simulator did perform; on later
 *                 firmware "not performed" is right for a Purchase whose step 2 never reached the terminal: the
 *                 card was read, nothing was charged)
 *   duplicates    a key whose financial request reached the simulator more than once; on later firmware step 1
 *                 and step 2 of a Purchase are one charge, counted apart: two step-2 requests for one key are a
 *                 double charge (step2Duplicates)
 *   misattributed a delivered result that is not the one the simulator produced for this transaction's request
 *                 (on later firmware: another transactionUid, a FIRST_STEP_COMPLETED delivered as the outcome, or
 *                 a first step handed to onFirstStep that is not this transaction's card read)
 *   and on later firmware: a step 2 sent although onFirstStep aborted (unwanted), a step 2 whose discountedAmount
 *   is not what onFirstStep asked (wrongStep2), and a terminal left waiting in S08 until its own timeout (abandoned).
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import {
  Terminal,
  normaliseResponse,
  isApproved,
  getMethod,
  FIRST_STEP_COMPLETED,
  type TransactMethod,
  type EcrError,
  type EcrResponse,
  type ReconcileReport,
  type TransactOptions,
} from '../../src/core';
import { startSimulator, type Outcome, type Simulator, type SimulatorOptions } from '../../src/simulator';
import { startFaultProxy, FINANCIAL, KINDS, type Fault, type FaultProxy, type FaultSpec } from './fault-proxy';

type Rng = () => number;
/** A delivered sale that a later Void or Refund may target. */
interface Target {
  invoiceNum: unknown;
  rrn: unknown;
}
/** What a Purchase's onFirstStep will say on later firmware. */
interface FirstStepPlan {
  kind: 'abort' | 'throw' | 'discount' | 'go';
  delay?: number;
  discountedAmount?: string;
}
/** reconcile()'s report on one record, or what became of asking: a hang, an error, no report for it. */
type Reconciled = Omit<Partial<ReconcileReport>, 'verdict'> & {
  verdict: ReconcileReport['verdict'] | 'hang' | 'error' | 'missing';
  attempts?: number;
};
/** One planned transaction, and what became of it. */
interface Tx {
  lane?: number;
  i: number;
  method: TransactMethod;
  params: Record<string, unknown>;
  key: string;
  decline?: Outcome | null;
  fault?: string;
  injected?: Fault;
  firstStep?: FirstStepPlan;
  firstStepSeen?: { uid: unknown; transactionResult: unknown; transAmount: unknown }[];
  ms?: number;
  outcome?: 'hang' | 'error' | 'result';
  error?: Partial<EcrError> & { code: string };
  result?: EcrResponse;
  fired?: boolean;
  reconciled?: Reconciled;
  scriptLeft?: number;
}
/** A financial request as the simulator received it, and the result it produced for it. */
interface LedgerEntry {
  method: string;
  params: Record<string, unknown> | undefined;
  accepted: boolean;
  errorCode: string;
  result: EcrResponse | null;
  key?: string;
  step?: number;
  step2?: LedgerEntry;
  firstStepUid?: string;
  interrupted?: boolean;
  abandoned?: boolean;
}
interface Ledger {
  financial: LedgerEntry[];
  byKey: Map<string, LedgerEntry[]>;
  secondSteps: LedgerEntry[];
  secondByKey: Map<string, LedgerEntry[]>;
  counts: Record<string, number>;
  lastAccepted: LedgerEntry | null;
  orphanCompletions: number;
  strayStep2: number;
}
/** runLane's options (runChaos's, less the sizes). */
interface LaneOptions {
  sidePolls: boolean;
  reconcileFaults: boolean;
  crashes: boolean;
  progress: number;
  firmware: string;
  closeAfterAnswer?: boolean | number;
  noMethod: boolean;
  minRequestGap?: number;
}

const MERCHANT = '000000060007176';
const UNKNOWN_MERCHANT = '000000099999999';
const FAST = { S01: 0, S02: 0, S03: 0, S04: 0, S05: 0, S07: 0 };
/** unackedGrace: no fault holds a request longer than 110 ms (late-request), so 400 ms is a safe horizon. */
/** soleEcr: each lane's Terminal is the only ECR of its simulator, so a result after a lost ack may be taken as its own. */
const TERMINAL_OPTIONS = {
  pollInterval: 5,
  requestTimeout: 150,
  settleGrace: 80,
  connectTimeout: 500,
  overallTimeout: 600,
  unackedGrace: 400,
  soleEcr: true,
};
/**
 * Later firmware: the transactionUid ties a result to its request, so soleEcr stays at its default (false). The
 * gap between requests is the runChaos option minRequestGap (5 ms unless given).
 */
const LATER_TERMINAL_OPTIONS = { ...TERMINAL_OPTIONS, soleEcr: false };
/**
 * Later firmware: a terminal left in S08 cancels the operation this much later (its own timeout; a finding when it
 * fires). Longer than the longest outage the menu makes (a blackout of up to 1.4 s, then the client's reconnect
 * backoff and the harness's wait for the terminal to answer again), after which reconcile() releases the terminal:
 * a terminal nobody could reach meanwhile is not the client's to release.
 */
const SECOND_STEP_TIMEOUT = 10_000;
/** The simulator's reads of a result on later firmware: by uid, or the last one. */
const RESULT_READS = ['GetResultByUid', 'GetLastResult'];
/** A transaction (or a reconcile) that takes longer than this is a hang. */
const HANG_MS = 20_000;

const DECLINES: Outcome[] = [
  { result: 'DECLINED_ONLINE', responseCode: '05', errorCode: 'E21', text: 'ВІДМОВЛЕНО БАНКОМ (05)' },
  { result: 'CANCELLED', responseCode: '', errorCode: 'E12', text: 'ОПЕРАЦІЮ СКАСОВАНО', endsAfter: 'card' },
  { result: 'PIN_ERROR', responseCode: '55', errorCode: 'E11', text: 'НЕВІРНИЙ ПІН', endsAfter: 'pin' },
  { result: 'NO_CONNECTION', responseCode: '', errorCode: 'E10', text: 'НЕМАЄ ЗВ’ЯЗКУ З БАНКОМ', endsAfter: 'host' },
  { result: 'FAILED', responseCode: '', errorCode: 'E16', text: 'ПОМИЛКА ЧИТАННЯ КАРТКИ', endsAfter: 'card' },
];

const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, list: T[]): T => list[Math.floor(rng() * list.length)];

/**
 * Where in the transaction a fault lands: the snapshot read, the financial request/ack, a poll, the outcome read.
 * On later firmware the outcome is read by uid ('result' is then, for a two-step Purchase, the read of the first
 * step's card), and a two-step Purchase has two more: its step-2 request/ack and the final read after it.
 */
const TARGETS: Record<string, (rng: Rng, ctx?: { later?: boolean; twoStep?: boolean }) => Partial<FaultSpec>> = {
  snapshot: () => ({ method: 'GetLastResult' }),
  request: () => ({ method: 'financial' }),
  poll: (rng) => ({ method: 'GetStatus', skip: int(rng, 0, 1) }),
  result: (rng, ctx) => ({ method: ctx && ctx.later ? RESULT_READS : 'GetLastResult', afterFinancial: true }),
  step2: () => ({ method: 'Purchase', step: '2' }),
  final: () => ({ method: RESULT_READS, afterStep2: true }),
};
const ALL = ['snapshot', 'request', 'poll', 'result'];

/** The targets of a menu entry for this transaction: a two-step Purchase adds step2 where the request is a target, final where the result is. */
function targetsFor(targets: string[], ctx?: { later?: boolean; twoStep?: boolean }) {
  if (!ctx || !ctx.twoStep) return targets;
  return [...targets, ...(targets.includes('request') ? ['step2'] : []), ...(targets.includes('result') ? ['final'] : [])];
}

/** The fault menu: [name, weight, targets, make(rng) → fault fields]. */
const MENU: [string, number, string[], (rng: Rng) => FaultSpec][] = [
  ['split-bytes', 6, ALL, () => ({ kind: 'split', mode: 'bytes' })],
  ['split-random', 6, ALL, () => ({ kind: 'split', mode: 'random' })],
  ['merge-junk', 4, ALL, () => ({ kind: 'merge', with: 'junk' })],
  ['merge-old', 4, ALL, () => ({ kind: 'merge', with: 'old' })],
  ['junk', 4, ALL, () => ({ kind: 'junk' })],
  ['delay', 5, ALL, (rng) => ({ kind: 'delay', ms: int(rng, 5, 100) })],
  ['delay-past-timeout', 3, ALL, (rng) => ({ kind: 'delay', ms: int(rng, 170, 300) })],
  ['lrc', 4, ALL, () => ({ kind: 'lrc' })],
  ['stall', 4, ALL, () => ({ kind: 'stall' })],
  ['drop-before-request', 7, ALL, () => ({ kind: 'drop-before-request' })],
  ['drop-after-request', 8, ALL, () => ({ kind: 'drop-after-request' })],
  ['drop-after-answer', 5, ['request', 'poll', 'result'], () => ({ kind: 'drop-after-answer' })],
  ['blackhole', 2, ['request', 'poll'], () => ({ kind: 'blackhole' })],
  // Held back, but delivered before the client's request timeout (later than that is test/chaos-findings.test.ts).
  ['late-request', 3, ['request', 'poll', 'result'], (rng) => ({ kind: 'late-request', ms: int(rng, 5, 110) })],
  ['refuse', 4, ALL, (rng) => ({ kind: 'refuse', ms: int(rng, 50, 400) })],
  [
    'drop+refuse',
    4,
    ['request', 'poll', 'result'],
    (rng) => ({ kind: pick(rng, ['drop-before-request', 'drop-after-request']), refuseMs: int(rng, 50, 400) }),
  ],
  // Longer than overallTimeout (+ unackedGrace): the client must give up with OUTCOME_UNKNOWN; reconciliation settles it.
  ['blackout', 3, ['request', 'poll'], (rng) => ({ kind: pick(rng, ['drop-before-request', 'drop-after-request']), refuseMs: int(rng, 1100, 1400) })],
];
const NO_FAULT_WEIGHT = 30;
/** Faults that only make sense on the financial request itself. */
const REQUEST_ONLY = new Set(['late-request', 'blackhole']);

/** A fault from the menu, or null; `ctx` ({ later, twoStep }) widens the targets on later firmware. */
function pickFault(rng: Rng, ctx?: { later?: boolean; twoStep?: boolean }) {
  const total = NO_FAULT_WEIGHT + MENU.reduce((s, m) => s + m[1], 0);
  let r = rng() * total;
  if (r < NO_FAULT_WEIGHT) return null;
  r -= NO_FAULT_WEIGHT;
  for (const [name, weight, targets, make] of MENU) {
    if (r < weight) {
      const target = pick(rng, targetsFor(targets, ctx));
      return { name, target, fault: { ...TARGETS[target](rng, ctx), ...make(rng) } };
    }
    r -= weight;
  }
  return null;
}

/** The unique key of a financial request as the simulator saw it. */
function keyOf(method: string, params: Record<string, unknown> | undefined) {
  if (!params || typeof params !== 'object') return `?:${method}`;
  if (method === 'Void' || method === 'PartialVoid') return `inv:${params.invoiceNum}`;
  return `amt:${params.transAmount}`;
}

/**
 * Later firmware: what this Purchase's onFirstStep will say once the card is read (seeded): go on, a discountedAmount
 * (a price by the card's BIN, below the amount), abort, or throw; a third of them take a few ms to decide.
 */
function planFirstStep(rng: Rng, params: Record<string, unknown>): FirstStepPlan {
  const r = rng();
  const delay = rng() < 0.3 ? int(rng, 1, 15) : 0;
  if (r < 0.08) return { kind: 'abort', delay };
  if (r < 0.1) return { kind: 'throw', delay };
  if (r < 0.3) return { kind: 'discount', delay, discountedAmount: String(Number(params.transAmount) - int(rng, 1, 500_000)) };
  return { kind: 'go', delay };
}

/** Plans the next transaction of a lane: method, params, unique key, maybe a scripted decline. */
function planTransaction(rng: Rng, lane: number, i: number, targets: { voidable: Target[]; refundable: Target[] }): Tx {
  const sale = 5_000_000 + lane * 100_000 + i; // unique per run; every refund-style amount is below every sale
  const small = 1_000_000 + lane * 100_000 + i;
  const money = (transAmount: number) => ({ transAmount: String(transAmount), transCurrency: '980', merchantId: MERCHANT });
  const r = rng();
  const take = (list: Target[]) => list.splice(Math.floor(rng() * list.length), 1)[0];
  let method: TransactMethod;
  let params: Record<string, unknown>;
  if (r < 0.08 && targets.voidable.length) {
    const target = take(targets.voidable);
    targets.refundable = targets.refundable.filter((t) => t !== target);
    method = 'Void';
    params = { invoiceNum: target.invoiceNum };
  } else if (r < 0.11 && targets.voidable.length) {
    const target = take(targets.voidable);
    targets.refundable = targets.refundable.filter((t) => t !== target);
    method = 'PartialVoid';
    params = { invoiceNum: target.invoiceNum, transAmount: String(small) };
  } else if (r < 0.19 && targets.refundable.length) {
    const target = take(targets.refundable);
    targets.voidable = targets.voidable.filter((t) => t !== target);
    method = 'Refund';
    params = { ...money(small), rrn: target.rrn };
  } else if (r < 0.26) {
    method = 'Cash';
    params = money(sale);
  } else if (r < 0.33) {
    method = 'Deposit';
    params = money(sale);
  } else if (r < 0.4) {
    method = 'CashBack';
    params = { ...money(sale), cashAmount: String(int(rng, 100, 5000)) };
  } else {
    method = 'Purchase';
    params = money(sale);
  }
  // Now and then a merchant the terminal does not know: refused with E07, never performed.
  if (params.merchantId && rng() < 0.03) params.merchantId = UNKNOWN_MERCHANT;
  const decline = rng() < 0.12 ? pick(rng, DECLINES) : null;
  return { lane, i, method, params, key: keyOf(method, params), decline };
}

/** Resolves with the promise's outcome, or { hang: true } after `ms`; a late rejection is never left unhandled. */
function watch<T>(promise: Promise<T>, ms: number): Promise<{ value?: T; error?: EcrError; hang?: boolean }> {
  let timer: NodeJS.Timeout | undefined;
  const settled = promise.then(
    (value) => ({ value }),
    (error) => ({ error }),
  );
  const late = new Promise<{ hang: boolean }>((resolve) => (timer = setTimeout(() => resolve({ hang: true }), ms)));
  return Promise.race([settled, late]).finally(() => clearTimeout(timer));
}

/**
 * With faults off, waits until the terminal answers again (the transport's reconnect backoff after a refusal
 * window can outlast the connect timeout, and then every request fails at once, unsent). A real ECR would wait too.
 */
async function healthy(terminal: Terminal, ms = 8000) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      await terminal.request('PingDevice');
      return true;
    } catch {
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * reconcile(), tried again a little later while it says it may settle later (`retry`: the terminal could not be
 * asked, or an unacknowledged request may still be on its way), for up to RECONCILE_PATIENCE_MS.
 */
const RECONCILE_PATIENCE_MS = 5000;
async function reconcileFor(terminal: Terminal, id: string | undefined, before?: (() => void) | null): Promise<Reconciled> {
  const until = Date.now() + RECONCILE_PATIENCE_MS;
  let report: Reconciled;
  for (let attempt = 1; ; attempt++) {
    await healthy(terminal);
    if (before) before();
    const rec = await watch(terminal.reconcile(), HANG_MS);
    if (rec.hang) return { verdict: 'hang' };
    if (rec.error) report = { verdict: 'error', reason: rec.error.message };
    else report = rec.value!.find((r) => r.record && r.record.id === id) || { verdict: 'missing', reason: `no report for journal record ${id}` };
    const later = report.verdict === 'error' || (report.verdict === 'unknown' && report.retry);
    if (!later || Date.now() > until) return { ...report, attempts: attempt };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The simulator's own ledger: every request with its params and answer, and the result of every completed operation.
 * On later firmware a Purchase's step-2 request is kept apart (secondByKey, and counted as `Purchase#2` as the
 * simulator counts it), and attached to the operation its step 1 started.
 */
function recordLedger(sim: Simulator) {
  const ledger: Ledger = {
    financial: [],
    byKey: new Map(),
    secondSteps: [],
    secondByKey: new Map(),
    counts: {},
    lastAccepted: null,
    orphanCompletions: 0,
    strayStep2: 0,
  };
  const later = sim.engine.firmware === '1.4';
  const add = (map: Map<string, LedgerEntry[]>, key: string, entry: LedgerEntry) => {
    if (!map.has(key)) map.set(key, []);
    map.get(key)!.push(entry);
  };
  sim.on('request', (method, response) => {
    ledger.counts[method] = (ledger.counts[method] || 0) + 1;
    if (!FINANCIAL.has(method)) return;
    // Server.process() logs the request, then answers it, then emits 'request': the log's last entry is this one.
    const logged = sim.requests[sim.requests.length - 1];
    const own = logged && logged.method === method ? logged : undefined;
    const spec = getMethod(method);
    const secondStep = later && spec && spec.twoStep === true && own !== undefined && String(own.step) === '2';
    const entry: LedgerEntry = {
      method,
      params: own ? (own.params as Record<string, unknown>) : undefined,
      accepted: response.error === false,
      errorCode: response.errorCode,
      result: null,
    };
    entry.key = keyOf(method, entry.params);
    if (secondStep) {
      ledger.counts[`${method}#2`] = (ledger.counts[`${method}#2`] || 0) + 1;
      entry.step = 2;
      ledger.secondSteps.push(entry);
      add(ledger.secondByKey, entry.key!, entry);
      if (!entry.accepted) return;
      // The terminal takes a step 2 only while the operation its step 1 started waits in S08.
      const op = ledger.lastAccepted;
      if (op && op.key === entry.key && !op.step2) op.step2 = entry;
      else ledger.strayStep2++;
      return;
    }
    ledger.financial.push(entry);
    add(ledger.byKey, entry.key!, entry);
    if (entry.accepted) ledger.lastAccepted = entry;
  });
  // Later firmware: step 1 read the card and the terminal waits in S08 for step 2.
  sim.engine.on('first-step', (uid) => {
    if (ledger.lastAccepted) ledger.lastAccepted.firstStepUid = uid;
  });
  sim.engine.on('completed', () => {
    // The engine runs one operation at a time: the one completing is the last accepted. Its result is what the
    // engine just wrote into its result buffer (the engine's own state, read here, not asked over the wire).
    const entry = ledger.lastAccepted;
    ledger.lastAccepted = null;
    if (!entry) {
      ledger.orphanCompletions++;
      return;
    }
    entry.result = normaliseResponse(JSON.parse(JSON.stringify(sim.engine['state'].lastResult)));
    // An Interrupt completes the operation while it is being handled, so it is the request logged last.
    const last = sim.requests[sim.requests.length - 1];
    entry.interrupted = last !== undefined && last.method === 'Interrupt';
    // Parked in S08, no step 2, not interrupted: the terminal gave up waiting (its own timeout).
    entry.abandoned = entry.firstStepUid !== undefined && !entry.step2 && !entry.interrupted;
  });
  return ledger;
}

const FIELDS = [
  'originalTrnName',
  'transAmount',
  'invoiceNum',
  'rrn',
  'authCode',
  'transactionResult',
  'responseCode',
  'date',
  'time',
  'discount',
  'transactionUid',
  'transactionDate',
  'transactionTime',
];

/** The amount the result must carry: a PartialVoid's or Void's is the receipt's; a Purchase's step 2 may have asked a discountedAmount. */
function expectedAmount(tx: Tx, op: LedgerEntry | undefined) {
  if (tx.method === 'Void' || tx.method === 'PartialVoid') return undefined;
  const asked = op && op.step2 && op.step2.params && op.step2.params.discountedAmount;
  return asked !== undefined ? String(Number(asked)) : tx.params.transAmount;
}

/** Why `result` is not the result the simulator produced for this transaction (or '' when it is). */
function mismatch(tx: Tx, result: EcrResponse, performed: LedgerEntry[]) {
  const p = result && result.params;
  if (!p) return 'no params';
  if (performed.length !== 1) return `the simulator performed ${performed.length} operations for ${tx.key}`;
  const sim = performed[0].result;
  if (!sim) return 'the simulator never completed the operation';
  if (p.transactionResult === FIRST_STEP_COMPLETED) return 'FIRST_STEP_COMPLETED (only the card was read) delivered as the outcome';
  if (p.originalTrnName !== tx.method) return `originalTrnName ${p.originalTrnName}, requested ${tx.method}`;
  const amount = expectedAmount(tx, performed[0]);
  if (amount !== undefined && p.transAmount !== amount) return `transAmount ${p.transAmount}, requested ${amount}`;
  const sent = performed[0].params && performed[0].params.transactionUid;
  if (sent !== undefined && p.transactionUid !== sent) return `transactionUid ${p.transactionUid}, the request had ${sent}`;
  for (const f of FIELDS) if (String(p[f]) !== String(sim.params[f])) return `${f} ${p[f]}, the simulator produced ${sim.params[f]}`;
  if (result.error !== sim.error || result.errorCode !== sim.errorCode) return `error ${result.errorCode}, the simulator produced ${sim.errorCode}`;
  return '';
}

/** onFirstStep for a planned decision; notes every first step it is shown. */
function firstStepHandler(tx: Tx) {
  const plan = tx.firstStep!;
  return async (first: EcrResponse) => {
    const p = first.params;
    tx.firstStepSeen!.push({ uid: p.transactionUid, transactionResult: p.transactionResult, transAmount: p.transAmount });
    if (plan.delay) await new Promise((r) => setTimeout(r, plan.delay));
    if (plan.kind === 'abort') return { abort: true };
    if (plan.kind === 'throw') throw new Error('the price list could not be read');
    if (plan.kind === 'discount') return { params: { discountedAmount: plan.discountedAmount } };
    return undefined;
  };
}

async function runLane(
  lane: number,
  count: number,
  seed: number,
  dir: string,
  log: (line: string) => void,
  phases: SimulatorOptions['phases'],
  options: LaneOptions,
) {
  const rng = mulberry32((seed ^ Math.imul(lane + 1, 0x9e3779b1)) >>> 0);
  const later = options.firmware === '1.4';
  const simOptions: SimulatorOptions = { port: 0, httpPort: false, phases };
  if (later) Object.assign(simOptions, { firmware: '1.4', secondStepTimeout: SECOND_STEP_TIMEOUT });
  if (options.closeAfterAnswer !== undefined && options.closeAfterAnswer !== false) simOptions.closeAfterAnswer = options.closeAfterAnswer;
  if (options.noMethod) simOptions.noMethod = true;
  const sim = await startSimulator(simOptions);
  const ledger = recordLedger(sim);
  const proxy = await startFaultProxy({ target: { port: sim.port }, rng: mulberry32((seed + 7919 * (lane + 1)) >>> 0) });
  const journal = path.join(dir, `lane-${lane}.journal.json`);
  const opened: Terminal[] = [];
  const terminalOptions = later
    ? { ...LATER_TERMINAL_OPTIONS, minRequestGap: options.minRequestGap }
    : options.minRequestGap === undefined
      ? TERMINAL_OPTIONS
      : { ...TERMINAL_OPTIONS, minRequestGap: options.minRequestGap };
  const openTerminal = () => {
    const t = new Terminal({ host: '127.0.0.1', port: proxy.port, journal, ...terminalOptions });
    opened.push(t);
    return t;
  };
  let terminal = openTerminal();
  const txs: Tx[] = [];
  const targets: { voidable: Target[]; refundable: Target[] } = { voidable: [], refundable: [] };
  const planned: Record<string, number> = {};
  let hung = false;
  // sidePolls: a status watcher asks GetStatus/PingDevice alongside the transactions, as the ssi-status node does.
  let polling = options.sidePolls;
  const sideRng = mulberry32((seed + 31 * (lane + 1)) >>> 0);
  const side = (async () => {
    while (polling) {
      await terminal.request(sideRng() < 0.7 ? 'GetStatus' : 'PingDevice').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 5 + Math.floor(sideRng() * 30)));
    }
  })();
  try {
    for (let i = 0; i < count && !hung; i++) {
      const tx = planTransaction(rng, lane, i, targets);
      const twoStep = later && getMethod(tx.method)!.twoStep === true;
      const f = pickFault(rng, later ? { later, twoStep } : undefined);
      tx.fault = f ? `${f.name}@${f.target}` : 'none';
      planned[f ? f.name : 'none'] = (planned[f ? f.name : 'none'] || 0) + 1;
      if (f) tx.injected = proxy.inject(f.fault);
      if (tx.decline) sim.engine.scriptOutcome(tx.decline);
      const transactOptions: TransactOptions = {};
      if (twoStep) {
        tx.firstStep = planFirstStep(rng, tx.params);
        tx.firstStepSeen = [];
        transactOptions.onFirstStep = firstStepHandler(tx);
      }
      // crashes: now and then the client is closed mid-transaction (a redeploy, a crash) and a new one, on the same
      // journal, takes over. Later firmware's transactions are longer (two steps, paced): the crash may come later.
      const crashAfter = options.crashes && rng() < 0.03 ? int(rng, 0, later ? 80 : 40) : -1;
      const started = Date.now();
      const running = terminal.transact(tx.method, tx.params, transactOptions);
      const crashing = terminal;
      let crashClose: Promise<void> | undefined;
      const crashTimer = crashAfter >= 0 ? setTimeout(() => (crashClose = crashing.close()), crashAfter) : undefined;
      const out = await watch(running, HANG_MS);
      clearTimeout(crashTimer);
      tx.ms = Date.now() - started;
      proxy.clear();
      if (crashAfter >= 0) {
        tx.fault += `+crash@${crashAfter}ms`;
        // The new client opens the journal once the old one has let it go: the close the crash started is the one
        // awaited (a second close() resolves before the first is done: see the finding in test/chaos.test.ts).
        await (crashClose || crashing.close());
        terminal = openTerminal();
      }
      if (out.hang) {
        tx.outcome = 'hang';
        hung = true;
      } else if (out.error) {
        tx.error = out.error;
        tx.outcome = 'error';
      } else {
        tx.result = out.value;
        tx.outcome = 'result';
      }
      tx.fired = tx.injected ? tx.injected.fired > 0 : false;
      if (tx.error && tx.error.code === 'OUTCOME_UNKNOWN') {
        const id = tx.error.facts && (tx.error.facts.journalId as string | undefined);
        // reconcileFaults: one more fault, answer side, lands on the reconciliation's own exchanges.
        const before = options.reconcileFaults
          ? () => {
              const f = pickFault(rng);
              if (f && !REQUEST_ONLY.has(f.fault.kind)) proxy.inject({ ...f.fault, afterFinancial: false });
            }
          : null;
        tx.reconciled = await reconcileFor(terminal, id, before);
        proxy.clear();
        if (tx.reconciled.verdict === 'hang') hung = true;
        // Settled by hand (the simulator's ledger is the check), so one unresolved record does not block the lane.
        if (tx.reconciled.verdict !== 'ours' && tx.reconciled.verdict !== 'not-performed' && id) terminal.markResolved(id);
      } else if (tx.error && tx.error.code === 'CONNECTION_FAILED') await healthy(terminal);
      // A scripted outcome left over by an operation that never started must not land on the next one.
      tx.scriptLeft = sim.engine['script'].splice(0).length;
      const delivered = tx.result || (tx.reconciled && tx.reconciled.verdict === 'ours' && tx.reconciled.result);
      if (
        delivered &&
        isApproved(delivered) &&
        (tx.method === 'Purchase' || tx.method === 'CashBack' || tx.method === 'Cash' || tx.method === 'Deposit')
      ) {
        const t = { invoiceNum: delivered.params.invoiceNum, rrn: delivered.params.rrn };
        targets.voidable.push(t);
        if (tx.method === 'Purchase' || tx.method === 'CashBack') targets.refundable.push(t);
      }
      txs.push(tx);
      if (options.progress && (i + 1) % options.progress === 0) log(`lane ${lane}: ${i + 1}/${count} transactions`);
    }
    polling = false;
    await side;
    // Let anything still running in the simulator finish before it is judged (a terminal left in S08 gives up after its own timeout).
    const until = Date.now() + 2000 + (later ? SECOND_STEP_TIMEOUT : 0);
    while (sim.engine.busy && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    // A crash during the lane's last transaction leaves its record for the next payment to settle, and there is
    // none: reconcile as the Node-RED hub does on its schedule, until nothing is left that asking again could settle.
    for (const rec of [...terminal.unresolved()]) {
      const settled = await reconcileFor(terminal, rec.id);
      if (settled.verdict === 'hang') hung = true;
    }
    const unresolvedAtEnd = terminal.unresolved().map((rec) => ({ ...rec }));
    return judge(lane, txs, ledger, sim, proxy, planned, unresolvedAtEnd, hung, log);
  } finally {
    polling = false;
    await Promise.all(opened.map((t) => t.close()));
    await side;
    await proxy.stop();
    await sim.stop();
  }
}

/**
 * Checks one lane's transactions against the simulator's ledger. `unresolved`: the journal records left open at the
 * end (or their number).
 */
function judge(
  lane: number,
  txs: Tx[],
  ledger: Ledger,
  sim: Simulator,
  proxy: Pick<FaultProxy, 'counts'>,
  planned: Record<string, number>,
  unresolved,
  hung: boolean,
  log: (line: string) => void,
) {
  const r = {
    transactions: txs.length,
    faultsFired: { ...proxy.counts },
    planned,
    outcomes: {} as Record<string, number>,
    refused: {} as Record<string, number>,
    unsentBy: {} as Record<string, number>,
    unknowns: 0,
    resolvedByReconcile: 0,
    reconciledOurs: 0,
    reconciledNotPerformed: 0,
    notPerformed: 0,
    unsent: 0,
    lost: 0,
    duplicates: 0,
    misattributed: 0,
    wrongSentFlag: 0,
    hangs: 0,
    crashes: 0,
    problems: [] as string[],
    totalMs: 0,
    maxMs: 0,
    fired: 0,
    // Later firmware.
    step2Requests: 0,
    step2Duplicates: 0,
    firstSteps: {} as Record<string, number>,
    notCharged: 0,
    unwanted: 0,
    wrongStep2: 0,
    abandoned: 0,
    firstStepCalls: 0,
    ignoredAfterAnswer: sim.ignoredAfterAnswer || 0,
  };
  const problem = (kind, tx, text) => {
    r.problems.push(`[lane ${lane} #${tx ? tx.i : '-'} ${tx ? `${tx.method} ${tx.key} fault ${tx.fault}` : ''}] ${kind}: ${text}`);
  };
  const invoices = new Map();
  const keys = new Set(txs.map((t) => t.key));
  const batch = sim.engine.batch;
  const checkDelivered = (tx, result, performed) => {
    const why = mismatch(tx, result, performed);
    if (why) {
      r.misattributed++;
      problem('misattributed', tx, why);
      return;
    }
    const inv = result.params.invoiceNum;
    if (invoices.has(inv)) {
      r.misattributed++;
      problem('misattributed', tx, `invoiceNum ${inv} was already delivered for #${invoices.get(inv)}`);
    }
    invoices.set(inv, tx.i);
    if (isApproved(result) && !batch.some((e) => e.invoiceNum === inv && e.method === tx.method && String(e.amount) === result.params.transAmount)) {
      r.misattributed++;
      problem('misattributed', tx, `approved invoice ${inv} is not in the simulator's batch`);
    }
    const tr = result.params.transactionResult;
    r.outcomes[tr] = (r.outcomes[tr] || 0) + 1;
  };
  /**
   * "Not performed" is right when the terminal never ran it, and on later firmware also when a Purchase's step 2
   * never reached it: step 1 only read the card, and nothing was charged.
   */
  const nothingCharged = (performed) => {
    if (!performed.length) return true;
    const op = performed[0];
    if (performed.length === 1 && op.firstStepUid !== undefined && !op.step2 && !(op.result && isApproved(op.result))) {
      r.notCharged++;
      return true;
    }
    return false;
  };
  const what = (performed) =>
    performed[0].result ? `${performed[0].result.params.transactionResult} invoice ${performed[0].result.params.invoiceNum}` : 'never completed';
  for (const tx of txs) {
    r.totalMs += tx.ms || 0;
    r.maxMs = Math.max(r.maxMs, tx.ms || 0);
    if (tx.fired) r.fired++;
    if (tx.fault && tx.fault.includes('+crash')) r.crashes++;
    const received = ledger.byKey.get(tx.key) || [];
    const seconds = (ledger.secondByKey && ledger.secondByKey.get(tx.key)) || [];
    const performed = received.filter((e) => e.accepted);
    if (received.length > 1) {
      r.duplicates += received.length - 1;
      problem('duplicate', tx, `the simulator received ${received.length} requests for ${tx.key}`);
    }
    // Later firmware: step 1 and step 2 are one charge; a second step-2 request is a second charge.
    r.step2Requests += seconds.length;
    if (seconds.length > 1) {
      r.duplicates += seconds.length - 1;
      r.step2Duplicates += seconds.length - 1;
      problem('duplicate', tx, `the simulator received ${seconds.length} step-2 requests for ${tx.key} (a double charge)`);
    }
    if (tx.firstStep) {
      const plan = tx.firstStep;
      r.firstSteps[plan.kind] = (r.firstSteps[plan.kind] || 0) + 1;
      r.firstStepCalls += tx.firstStepSeen!.length;
      const op = performed[0];
      const sentUid = op && op.params && op.params.transactionUid;
      for (const seen of tx.firstStepSeen!) {
        if (
          seen.transactionResult !== FIRST_STEP_COMPLETED ||
          !op ||
          seen.uid !== op.firstStepUid ||
          (sentUid !== undefined && seen.uid !== sentUid) ||
          seen.transAmount !== tx.params.transAmount
        ) {
          r.misattributed++;
          problem(
            'misattributed',
            tx,
            `onFirstStep was shown ${seen.transactionResult} ${seen.uid} for ${seen.transAmount}, but this transaction's first step is ${op ? op.firstStepUid : 'none'}`,
          );
        }
      }
      if ((plan.kind === 'abort' || plan.kind === 'throw') && tx.firstStepSeen!.length && seconds.length) {
        r.unwanted++;
        problem(
          'unwanted',
          tx,
          `onFirstStep ${plan.kind === 'abort' ? 'aborted' : 'threw'}, yet step 2 reached the terminal ${seconds.length} time(s)`,
        );
      }
      const asked = plan.kind === 'discount' ? plan.discountedAmount : undefined;
      for (const e of seconds) {
        const got = e.params && e.params.discountedAmount;
        if (String(got) !== String(asked)) {
          r.wrongStep2++;
          problem('wrong-step2', tx, `step 2 asked discountedAmount ${got}, onFirstStep asked ${asked}`);
        }
      }
      if (seconds.length && !tx.firstStepSeen!.length) {
        r.wrongStep2++;
        problem('wrong-step2', tx, 'step 2 reached the terminal, but onFirstStep was never asked');
      }
    }
    for (const op of performed) {
      if (op.abandoned) {
        r.abandoned++;
        problem('abandoned', tx, 'the terminal waited in S08 for a step 2 (or an Interrupt) that never came, until it cancelled on its own timeout');
      }
    }
    if (tx.scriptLeft && performed.length) problem('harness', tx, 'a scripted outcome was left over although the operation ran');
    if (tx.outcome === 'hang') {
      r.hangs++;
      r.lost++;
      problem('hang', tx, `transact() did not settle within ${HANG_MS} ms`);
      continue;
    }
    if (tx.outcome === 'result') {
      checkDelivered(tx, tx.result, performed);
      continue;
    }
    const err = tx.error!;
    if (err.code === 'OUTCOME_UNKNOWN') {
      r.unknowns++;
      const rep = tx.reconciled!;
      if (rep.verdict === 'ours') {
        r.resolvedByReconcile++;
        r.reconciledOurs++;
        checkDelivered(tx, rep.result, performed);
      } else if (rep.verdict === 'not-performed') {
        r.resolvedByReconcile++;
        r.reconciledNotPerformed++;
        if (!nothingCharged(performed)) {
          r.lost++;
          problem('lost', tx, `reconcile said not performed, but the simulator performed it (${what(performed)})`);
        }
      } else {
        r.lost++;
        problem(
          'lost',
          tx,
          `OUTCOME_UNKNOWN not resolved by reconcile: ${rep.verdict}${rep.reason ? ` (${rep.reason})` : ''}; the simulator ${performed.length ? `performed it: ${what(performed)}` : received.length ? 'received but did not perform it' : 'never received it'}`,
        );
      }
      continue;
    }
    if (err.code === 'NOT_PERFORMED') {
      r.notPerformed++;
      if (!nothingCharged(performed)) {
        r.lost++;
        problem('lost', tx, `NOT_PERFORMED, but the simulator performed it (${what(performed)})`);
      }
      continue;
    }
    if (err.sent === false) {
      r.unsent++;
      r.unsentBy[err.code] = (r.unsentBy[err.code] || 0) + 1;
      if (performed.length) {
        r.lost++;
        problem('lost', tx, `${err.code} with sent:false, but the simulator performed it`);
      } else if (received.length) {
        r.wrongSentFlag++;
        problem(
          'sent-flag',
          tx,
          `${err.code} with sent:false, but the request reached the simulator (${received.map((e) => e.errorCode || 'accepted').join(', ')})`,
        );
      }
      continue;
    }
    if (/^E\d\d$/.test(err.code) && err.response && (err.response as EcrResponse).error === true) {
      r.refused[err.code] = (r.refused[err.code] || 0) + 1;
      if (performed.length) {
        r.lost++;
        problem('lost', tx, `refused ${err.code}, but the simulator performed it`);
      }
      continue;
    }
    r.lost++;
    problem('unexpected', tx, `${err.code}: ${err.message}`);
  }
  // The ledger must be complete (the simulator's own counters agree) and hold nothing the harness did not ask for.
  for (const method of new Set([...Object.keys(sim.counts), ...Object.keys(ledger.counts)])) {
    if ((sim.counts[method] || 0) !== (ledger.counts[method] || 0))
      problem('ledger', null, `sim.counts.${method} = ${sim.counts[method]}, ledger ${ledger.counts[method]}`);
  }
  for (const e of [...ledger.financial, ...(ledger.secondSteps || [])]) {
    if (!keys.has(e.key!))
      problem('ledger', null, `the simulator received ${e.method}${e.step === 2 ? ' step 2' : ''} ${e.key} that no transaction asked for`);
    if (e.step !== 2 && e.accepted && !e.result) problem('ledger', null, `the simulator accepted ${e.method} ${e.key} but never completed it`);
  }
  if (ledger.orphanCompletions) problem('ledger', null, `${ledger.orphanCompletions} completions without an accepted request`);
  if (ledger.strayStep2) problem('ledger', null, `${ledger.strayStep2} accepted step-2 requests that continue no operation of theirs`);
  const financialReceived = ledger.financial.length;
  if (financialReceived > txs.length) problem('duplicate', null, `${financialReceived} financial requests received for ${txs.length} transactions`);
  const open = Array.isArray(unresolved) ? unresolved : [];
  const openCount = Array.isArray(unresolved) ? unresolved.length : unresolved;
  if (openCount) {
    const detail = open
      .map((rec) => `${rec.method} ${keyOf(rec.method, rec.params)} step ${rec.step}${rec.reason ? ` (${rec.reason})` : ''}`)
      .join('; ');
    problem('journal', null, `${openCount} journal records left unresolved at the end${detail ? `: ${detail}` : ''}`);
  }
  if (hung) problem('hang', null, 'the lane stopped early after a hang');
  for (const p of r.problems) log(p);
  return r;
}

/** runChaos's result: the lanes' judgements added up, and the run's setup. */
type Totals = ReturnType<typeof judge> & { seconds: number; seed: number; lanes: number; firmware: string; line: string };

function merge(into, from) {
  for (const [k, v] of Object.entries(from)) {
    if (typeof v === 'number') into[k] = (into[k] || 0) + v;
    else if (Array.isArray(v)) into[k] = [...(into[k] || []), ...v];
    else if (v && typeof v === 'object') into[k] = merge(into[k] || {}, v);
  }
  return into;
}

const fmt = (o) =>
  Object.entries(o)
    .filter(([, v]) => v)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ') || '-';

/** How the terminal is set up, for the summary line. */
function describeSetup({ firmware, closeAfterAnswer, noMethod, minRequestGap }) {
  const parts = [`firmware=${firmware}`];
  if (closeAfterAnswer !== undefined && closeAfterAnswer !== false)
    parts.push(`close-after-answer=${closeAfterAnswer === true ? 'at once' : `${closeAfterAnswer} ms`}`);
  if (noMethod) parts.push('no-method');
  // The simulator does not enforce later firmware's 250 ms between requests: a small gap keeps the run short.
  if (minRequestGap !== undefined)
    parts.push(`minRequestGap=${minRequestGap} ms${firmware === '1.4' ? ' (not 250: the simulator does not enforce the pacing)' : ''}`);
  return parts.join(' ');
}

/**
 * Runs `transactions` over `lanes` triples with `seed`. Resolves with the totals and the one-line summary;
 * `problems` lists every lost, duplicated or misattributed outcome (empty when the promise holds).
 * firmware '1.1' (default) or '1.4'; closeAfterAnswer (true or ms) and noMethod shape the simulator's answers;
 * minRequestGap is the client's gap between requests (5 ms by default on '1.4', the library's default on '1.1').
 */
async function runChaos({
  transactions = 2000,
  lanes = 8,
  seed = 20240611,
  phases = FAST,
  sidePolls = false,
  reconcileFaults = false,
  crashes = false,
  firmware = '1.1',
  closeAfterAnswer,
  noMethod = false,
  minRequestGap,
  progress = 0,
  log = () => undefined,
}: {
  transactions?: number;
  lanes?: number;
  seed?: number;
  phases?: SimulatorOptions['phases'];
  sidePolls?: boolean;
  reconcileFaults?: boolean;
  crashes?: boolean;
  firmware?: string;
  closeAfterAnswer?: boolean | number;
  noMethod?: boolean;
  minRequestGap?: number;
  progress?: number;
  log?: (line: string) => void;
} = {}) {
  if (firmware !== '1.1' && firmware !== '1.4') throw new Error(`runChaos: firmware must be '1.1' or '1.4'; got ${firmware}`);
  const gap = minRequestGap === undefined && firmware === '1.4' ? 5 : minRequestGap;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-chaos-'));
  const started = Date.now();
  try {
    const per = Array.from({ length: lanes }, (_, l) => Math.floor(transactions / lanes) + (l < transactions % lanes ? 1 : 0));
    const laneOptions = { sidePolls, reconcileFaults, crashes, progress, firmware, closeAfterAnswer, noMethod, minRequestGap: gap };
    const results = await Promise.all(per.map((n, lane) => runLane(lane, n, seed, dir, log, phases, laneOptions)));
    const totals = results.reduce<Totals>((acc, r) => merge(acc, { ...r, maxMs: 0 }), {} as Totals);
    totals.maxMs = Math.max(...results.map((r) => r.maxMs));
    totals.seconds = (Date.now() - started) / 1000;
    totals.seed = seed;
    totals.lanes = lanes;
    totals.firmware = firmware;
    const fired = Object.fromEntries(KINDS.map((k) => [k, totals.faultsFired[k] || 0]));
    const later = firmware === '1.4';
    const setup = describeSetup({ firmware, closeAfterAnswer, noMethod, minRequestGap: gap });
    totals.line =
      `chaos seed=${seed} lanes=${lanes} transactions=${totals.transactions} ${setup} (with a fault that fired: ${totals.fired}; client crashes: ${totals.crashes}) in ${totals.seconds.toFixed(1)} s` +
      ` | faults fired: ${fmt(fired)}` +
      ` | outcomes: ${fmt(totals.outcomes)}` +
      ` | refused by the terminal: ${fmt(totals.refused)} | not sent: ${fmt(totals.unsentBy)}` +
      ` | unknowns=${totals.unknowns} resolved-by-reconcile=${totals.resolvedByReconcile} (ours=${totals.reconciledOurs} not-performed=${totals.reconciledNotPerformed})` +
      ` not-performed=${totals.notPerformed} unsent=${totals.unsent}` +
      (later
        ? ` | two-step: onFirstStep planned ${fmt(totals.firstSteps)}, called ${totals.firstStepCalls}; step-2 requests=${totals.step2Requests}; card read, nothing charged=${totals.notCharged}; ignored-after-answer=${totals.ignoredAfterAnswer}`
        : '') +
      ` | lost=${totals.lost} duplicates=${totals.duplicates}${later ? ` (step-2 duplicates=${totals.step2Duplicates})` : ''} misattributed=${totals.misattributed} wrong-sent-flag=${totals.wrongSentFlag} hangs=${totals.hangs}` +
      (later ? ` unwanted-step2=${totals.unwanted} wrong-step2=${totals.wrongStep2} abandoned-in-S08=${totals.abandoned}` : '') +
      ` | slowest transaction ${totals.maxMs} ms`;
    return totals;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export {
  runChaos,
  judge,
  recordLedger,
  mulberry32,
  pickFault,
  planTransaction,
  planFirstStep,
  keyOf,
  MENU,
  TARGETS,
  TERMINAL_OPTIONS,
  LATER_TERMINAL_OPTIONS,
};
