'use strict';
const { mulberry32 } = require('./prng');
/**
 * The chaos harness: randomised financial transactions through fault-injecting proxies, judged by what the
 * simulator itself recorded. Used by test/chaos.test.js (CI size) and test/chaos-run.js (`npm run chaos`).
 *
 * Each lane is a simulator ⇄ proxy ⇄ Terminal triple (journal in a tmp dir) running its share of the transactions
 * one after another. Every transaction gets a unique key (its amount; for Void/PartialVoid the invoice it targets)
 * and at most one fault, chosen with a seeded PRNG. After an OUTCOME_UNKNOWN, the lane turns faults off and runs
 * terminal.reconcile() (again a little later while it answers `retry`) before going on; a record it cannot settle
 * counts as lost and is marked resolved by hand so the lane can go on. Options: sidePolls (a status watcher polls
 * alongside), crashes (the client is closed mid-transaction now and then and a new one on the same journal takes
 * over), reconcileFaults (a fault on the reconciliation's exchanges too), phases (simulator phase durations).
 * At the end every transaction is checked against the simulator's own ledger (its 'request' events with the
 * request log entry, and the result it wrote when each accepted operation completed):
 *   lost          an outcome the simulator produced that the client did not deliver or reconcile (or an
 *                 operation the client called not performed / not sent that the simulator did perform)
 *   duplicates    a key whose financial request reached the simulator more than once
 *   misattributed a delivered result that is not the one the simulator produced for this transaction's request
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Terminal, normaliseResponse, isApproved } = require('../../dist/core');
const { startSimulator } = require('../../dist/simulator');
const { startFaultProxy, FINANCIAL, KINDS } = require('./fault-proxy');

const MERCHANT = '000000060007176';
const UNKNOWN_MERCHANT = '000000099999999';
const FAST = { S01: 0, S02: 0, S03: 0, S04: 0, S05: 0, S07: 0 };
/** unackedGrace: no fault holds a request longer than 110 ms (late-request), so 400 ms is a safe horizon. */
/** soleEcr: each lane's Terminal is the only ECR of its simulator, so a result after a lost ack may be taken as its own. */
const TERMINAL_OPTIONS = { pollInterval: 5, requestTimeout: 150, settleGrace: 80, connectTimeout: 500, overallTimeout: 600, unackedGrace: 400, soleEcr: true };
/** A transaction (or a reconcile) that takes longer than this is a hang. */
const HANG_MS = 20_000;

const DECLINES = [
  { result: 'DECLINED_ONLINE', responseCode: '05', errorCode: 'E21', text: 'ВІДМОВЛЕНО БАНКОМ (05)' },
  { result: 'CANCELLED', responseCode: '', errorCode: 'E12', text: 'ОПЕРАЦІЮ СКАСОВАНО', endsAfter: 'card' },
  { result: 'PIN_ERROR', responseCode: '55', errorCode: 'E11', text: 'НЕВІРНИЙ ПІН', endsAfter: 'pin' },
  { result: 'NO_CONNECTION', responseCode: '', errorCode: 'E10', text: 'НЕМАЄ ЗВ’ЯЗКУ З БАНКОМ', endsAfter: 'host' },
  { result: 'FAILED', responseCode: '', errorCode: 'E16', text: 'ПОМИЛКА ЧИТАННЯ КАРТКИ', endsAfter: 'card' },
];

const int = (rng, lo, hi) => lo + Math.floor(rng() * (hi - lo + 1));
const pick = (rng, list) => list[Math.floor(rng() * list.length)];

/** Where in the transaction a fault lands: the snapshot read, the financial request/ack, a poll, the outcome read. */
const TARGETS = {
  snapshot: () => ({ method: 'GetLastResult' }),
  request: () => ({ method: 'financial' }),
  poll: (rng) => ({ method: 'GetStatus', skip: int(rng, 0, 1) }),
  result: () => ({ method: 'GetLastResult', afterFinancial: true }),
};
const ALL = Object.keys(TARGETS);

/** The fault menu: [name, weight, targets, make(rng) → fault fields]. */
const MENU = [
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
  // Held back, but delivered before the client's request timeout (later than that is test/chaos-findings.test.js).
  ['late-request', 3, ['request', 'poll', 'result'], (rng) => ({ kind: 'late-request', ms: int(rng, 5, 110) })],
  ['refuse', 4, ALL, (rng) => ({ kind: 'refuse', ms: int(rng, 50, 400) })],
  ['drop+refuse', 4, ['request', 'poll', 'result'], (rng) => ({ kind: pick(rng, ['drop-before-request', 'drop-after-request']), refuseMs: int(rng, 50, 400) })],
  // Longer than overallTimeout (+ unackedGrace): the client must give up with OUTCOME_UNKNOWN; reconciliation settles it.
  ['blackout', 3, ['request', 'poll'], (rng) => ({ kind: pick(rng, ['drop-before-request', 'drop-after-request']), refuseMs: int(rng, 1100, 1400) })],
];
const NO_FAULT_WEIGHT = 30;
/** Faults that only make sense on the financial request itself. */
const REQUEST_ONLY = new Set(['late-request', 'blackhole']);

function pickFault(rng) {
  const total = NO_FAULT_WEIGHT + MENU.reduce((s, m) => s + m[1], 0);
  let r = rng() * total;
  if (r < NO_FAULT_WEIGHT) return null;
  r -= NO_FAULT_WEIGHT;
  for (const [name, weight, targets, make] of MENU) {
    if (r < weight) {
      const target = pick(rng, targets);
      return { name, target, fault: { ...TARGETS[target](rng), ...make(rng) } };
    }
    r -= weight;
  }
  return null;
}

/** The unique key of a financial request as the simulator saw it. */
function keyOf(method, params) {
  if (!params || typeof params !== 'object') return `?:${method}`;
  if (method === 'Void' || method === 'PartialVoid') return `inv:${params.invoiceNum}`;
  return `amt:${params.transAmount}`;
}

/** Plans the next transaction of a lane: method, params, unique key, maybe a scripted decline. */
function planTransaction(rng, lane, i, targets) {
  const sale = 5_000_000 + lane * 100_000 + i; // unique per run; every refund-style amount is below every sale
  const small = 1_000_000 + lane * 100_000 + i;
  const money = (transAmount) => ({ transAmount: String(transAmount), transCurrency: '980', merchantId: MERCHANT });
  const r = rng();
  const take = (list) => list.splice(Math.floor(rng() * list.length), 1)[0];
  let method;
  let params;
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
  } else if (r < 0.40) {
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
function watch(promise, ms) {
  let timer;
  const settled = promise.then(
    (value) => ({ value }),
    (error) => ({ error }),
  );
  const late = new Promise((resolve) => (timer = setTimeout(() => resolve({ hang: true }), ms)));
  return Promise.race([settled, late]).finally(() => clearTimeout(timer));
}

/**
 * With faults off, waits until the terminal answers again (the transport's reconnect backoff after a refusal
 * window can outlast the connect timeout, and then every request fails at once, unsent). A real ECR would wait too.
 */
async function healthy(terminal, ms = 8000) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      await terminal.request('PingDevice');
      return true;
    } catch (err) {
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
async function reconcileFor(terminal, id, before) {
  const until = Date.now() + RECONCILE_PATIENCE_MS;
  let report;
  for (let attempt = 1; ; attempt++) {
    await healthy(terminal);
    if (before) before();
    const rec = await watch(terminal.reconcile(), HANG_MS);
    if (rec.hang) return { verdict: 'hang' };
    if (rec.error) report = { verdict: 'error', reason: rec.error.message };
    else report = rec.value.find((r) => r.record && r.record.id === id) || { verdict: 'missing', reason: `no report for journal record ${id}` };
    const later = report.verdict === 'error' || (report.verdict === 'unknown' && report.retry);
    if (!later || Date.now() > until) return { ...report, attempts: attempt };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The simulator's own ledger: every request with its params and answer, and the result of every completed operation. */
function recordLedger(sim) {
  const ledger = { financial: [], byKey: new Map(), counts: {}, lastAccepted: null, orphanCompletions: 0 };
  sim.on('request', (method, response) => {
    ledger.counts[method] = (ledger.counts[method] || 0) + 1;
    if (!FINANCIAL.has(method)) return;
    // Server.process() logs the request, then answers it, then emits 'request': the log's last entry is this one.
    const logged = sim.requests[sim.requests.length - 1];
    const entry = { method, params: logged && logged.method === method ? logged.params : undefined, accepted: response.error === false, errorCode: response.errorCode, result: null };
    entry.key = keyOf(method, entry.params);
    ledger.financial.push(entry);
    if (!ledger.byKey.has(entry.key)) ledger.byKey.set(entry.key, []);
    ledger.byKey.get(entry.key).push(entry);
    if (entry.accepted) ledger.lastAccepted = entry;
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
    entry.result = normaliseResponse(JSON.parse(JSON.stringify(sim.engine.state.lastResult)));
  });
  return ledger;
}

const FIELDS = ['originalTrnName', 'transAmount', 'invoiceNum', 'rrn', 'authCode', 'transactionResult', 'responseCode', 'date', 'time'];

/** Why `result` is not the result the simulator produced for this transaction (or '' when it is). */
function mismatch(tx, result, performed) {
  const p = result && result.params;
  if (!p) return 'no params';
  if (performed.length !== 1) return `the simulator performed ${performed.length} operations for ${tx.key}`;
  const sim = performed[0].result;
  if (!sim) return 'the simulator never completed the operation';
  if (p.originalTrnName !== tx.method) return `originalTrnName ${p.originalTrnName}, requested ${tx.method}`;
  if (tx.method !== 'Void' && tx.method !== 'PartialVoid' && p.transAmount !== tx.params.transAmount) return `transAmount ${p.transAmount}, requested ${tx.params.transAmount}`;
  for (const f of FIELDS) if (String(p[f]) !== String(sim.params[f])) return `${f} ${p[f]}, the simulator produced ${sim.params[f]}`;
  if (result.error !== sim.error || result.errorCode !== sim.errorCode) return `error ${result.errorCode}, the simulator produced ${sim.errorCode}`;
  return '';
}

async function runLane(lane, count, seed, dir, log, phases, options) {
  const rng = mulberry32((seed ^ Math.imul(lane + 1, 0x9e3779b1)) >>> 0);
  const sim = await startSimulator({ port: 0, httpPort: false, phases });
  const ledger = recordLedger(sim);
  const proxy = await startFaultProxy({ target: { port: sim.port }, rng: mulberry32((seed + 7919 * (lane + 1)) >>> 0) });
  const journal = path.join(dir, `lane-${lane}.journal.json`);
  const opened = [];
  const openTerminal = () => {
    const t = new Terminal({ host: '127.0.0.1', port: proxy.port, journal, ...TERMINAL_OPTIONS });
    opened.push(t);
    return t;
  };
  let terminal = openTerminal();
  const txs = [];
  const targets = { voidable: [], refundable: [] };
  const planned = {};
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
      const f = pickFault(rng);
      tx.fault = f ? `${f.name}@${f.target}` : 'none';
      planned[f ? f.name : 'none'] = (planned[f ? f.name : 'none'] || 0) + 1;
      if (f) tx.injected = proxy.inject(f.fault);
      if (tx.decline) sim.engine.scriptOutcome(tx.decline);
      // crashes: now and then the client is closed mid-transaction (a redeploy, a crash) and a new one, on the same
      // journal, takes over.
      const crashAfter = options.crashes && rng() < 0.03 ? int(rng, 0, 40) : -1;
      const started = Date.now();
      const running = terminal.transact(tx.method, tx.params);
      const crashing = terminal;
      const crashTimer = crashAfter >= 0 ? setTimeout(() => void crashing.close(), crashAfter) : undefined;
      const out = await watch(running, HANG_MS);
      clearTimeout(crashTimer);
      tx.ms = Date.now() - started;
      proxy.clear();
      if (crashAfter >= 0) {
        tx.fault += `+crash@${crashAfter}ms`;
        await crashing.close();
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
        const id = tx.error.facts && tx.error.facts.journalId;
        // reconcileFaults: one more fault, answer side, lands on the reconciliation's own exchanges.
        const before = options.reconcileFaults ? () => { const f = pickFault(rng); if (f && !REQUEST_ONLY.has(f.fault.kind)) proxy.inject({ ...f.fault, afterFinancial: false }); } : null;
        tx.reconciled = await reconcileFor(terminal, id, before);
        proxy.clear();
        if (tx.reconciled.verdict === 'hang') hung = true;
        // Settled by hand (the simulator's ledger is the check), so one unresolved record does not block the lane.
        if (tx.reconciled.verdict !== 'ours' && tx.reconciled.verdict !== 'not-performed' && id) terminal.markResolved(id);
      }
      else if (tx.error && tx.error.code === 'CONNECTION_FAILED') await healthy(terminal);
      // A scripted outcome left over by an operation that never started must not land on the next one.
      tx.scriptLeft = sim.engine.script.splice(0).length;
      const delivered = tx.result || (tx.reconciled && tx.reconciled.verdict === 'ours' && tx.reconciled.result);
      if (delivered && isApproved(delivered) && (tx.method === 'Purchase' || tx.method === 'CashBack' || tx.method === 'Cash' || tx.method === 'Deposit')) {
        const t = { invoiceNum: delivered.params.invoiceNum, rrn: delivered.params.rrn };
        targets.voidable.push(t);
        if (tx.method === 'Purchase' || tx.method === 'CashBack') targets.refundable.push(t);
      }
      txs.push(tx);
      if (options.progress && (i + 1) % options.progress === 0) log(`lane ${lane}: ${i + 1}/${count} transactions`);
    }
    polling = false;
    await side;
    // Let anything still running in the simulator finish before it is judged.
    const until = Date.now() + 2000;
    while (sim.engine.busy && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    const unresolvedAtEnd = terminal.unresolved().length;
    return judge(lane, txs, ledger, sim, proxy, planned, unresolvedAtEnd, hung, log);
  } finally {
    polling = false;
    await Promise.all(opened.map((t) => t.close()));
    await side;
    await proxy.stop();
    await sim.stop();
  }
}

/** Checks one lane's transactions against the simulator's ledger. */
function judge(lane, txs, ledger, sim, proxy, planned, unresolvedAtEnd, hung, log) {
  const r = {
    transactions: txs.length, faultsFired: { ...proxy.counts }, planned, outcomes: {}, refused: {}, unsentBy: {}, unknowns: 0, resolvedByReconcile: 0,
    reconciledOurs: 0, reconciledNotPerformed: 0, notPerformed: 0, unsent: 0, lost: 0, duplicates: 0, misattributed: 0, wrongSentFlag: 0,
    hangs: 0, crashes: 0, problems: [], totalMs: 0, maxMs: 0, fired: 0,
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
  for (const tx of txs) {
    r.totalMs += tx.ms || 0;
    r.maxMs = Math.max(r.maxMs, tx.ms || 0);
    if (tx.fired) r.fired++;
    if (tx.fault && tx.fault.includes('+crash')) r.crashes++;
    const received = ledger.byKey.get(tx.key) || [];
    const performed = received.filter((e) => e.accepted);
    if (received.length > 1) {
      r.duplicates += received.length - 1;
      problem('duplicate', tx, `the simulator received ${received.length} requests for ${tx.key}`);
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
    const err = tx.error;
    if (err.code === 'OUTCOME_UNKNOWN') {
      r.unknowns++;
      const rep = tx.reconciled;
      if (rep.verdict === 'ours') {
        r.resolvedByReconcile++;
        r.reconciledOurs++;
        checkDelivered(tx, rep.result, performed);
      } else if (rep.verdict === 'not-performed') {
        r.resolvedByReconcile++;
        r.reconciledNotPerformed++;
        if (performed.length) {
          r.lost++;
          problem('lost', tx, `reconcile said not performed, but the simulator performed it (${performed[0].result && performed[0].result.params.transactionResult})`);
        }
      } else {
        r.lost++;
        problem('lost', tx, `OUTCOME_UNKNOWN not resolved by reconcile: ${rep.verdict}${rep.reason ? ` (${rep.reason})` : ''}; the simulator ${performed.length ? `performed it: ${performed[0].result && performed[0].result.params.transactionResult} invoice ${performed[0].result && performed[0].result.params.invoiceNum}` : received.length ? 'received but did not perform it' : 'never received it'}`);
      }
      continue;
    }
    if (err.code === 'NOT_PERFORMED') {
      r.notPerformed++;
      if (performed.length) {
        r.lost++;
        problem('lost', tx, `NOT_PERFORMED, but the simulator performed it (${performed[0].result && performed[0].result.params.transactionResult})`);
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
        problem('sent-flag', tx, `${err.code} with sent:false, but the request reached the simulator (${received.map((e) => e.errorCode || 'accepted').join(', ')})`);
      }
      continue;
    }
    if (/^E\d\d$/.test(err.code) && err.response && err.response.error === true) {
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
    if ((sim.counts[method] || 0) !== (ledger.counts[method] || 0)) problem('ledger', null, `sim.counts.${method} = ${sim.counts[method]}, ledger ${ledger.counts[method]}`);
  }
  for (const e of ledger.financial) {
    if (!keys.has(e.key)) problem('ledger', null, `the simulator received ${e.method} ${e.key} that no transaction asked for`);
    if (e.accepted && !e.result) problem('ledger', null, `the simulator accepted ${e.method} ${e.key} but never completed it`);
  }
  if (ledger.orphanCompletions) problem('ledger', null, `${ledger.orphanCompletions} completions without an accepted request`);
  const financialReceived = ledger.financial.length;
  if (financialReceived > txs.length) problem('duplicate', null, `${financialReceived} financial requests received for ${txs.length} transactions`);
  if (unresolvedAtEnd) problem('journal', null, `${unresolvedAtEnd} journal records left unresolved at the end`);
  if (hung) problem('hang', null, 'the lane stopped early after a hang');
  for (const p of r.problems) log(p);
  return r;
}

function merge(into, from) {
  for (const [k, v] of Object.entries(from)) {
    if (typeof v === 'number') into[k] = (into[k] || 0) + v;
    else if (Array.isArray(v)) into[k] = [...(into[k] || []), ...v];
    else if (v && typeof v === 'object') into[k] = merge(into[k] || {}, v);
  }
  return into;
}

const fmt = (o) => Object.entries(o).filter(([, v]) => v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(' ') || '-';

/**
 * Runs `transactions` over `lanes` triples with `seed`. Resolves with the totals and the one-line summary;
 * `problems` lists every lost, duplicated or misattributed outcome (empty when the promise holds).
 */
async function runChaos({ transactions = 2000, lanes = 8, seed = 20240611, phases = FAST, sidePolls = false, reconcileFaults = false, crashes = false, progress = 0, log = () => undefined } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-chaos-'));
  const started = Date.now();
  try {
    const per = Array.from({ length: lanes }, (_, l) => Math.floor(transactions / lanes) + (l < transactions % lanes ? 1 : 0));
    const results = await Promise.all(per.map((n, lane) => runLane(lane, n, seed, dir, log, phases, { sidePolls, reconcileFaults, crashes, progress })));
    const totals = results.reduce((acc, r) => merge(acc, { ...r, maxMs: 0 }), {});
    totals.maxMs = Math.max(...results.map((r) => r.maxMs));
    totals.seconds = (Date.now() - started) / 1000;
    totals.seed = seed;
    totals.lanes = lanes;
    const fired = Object.fromEntries(KINDS.map((k) => [k, totals.faultsFired[k] || 0]));
    totals.line =
      `chaos seed=${seed} lanes=${lanes} transactions=${totals.transactions} (with a fault that fired: ${totals.fired}; client crashes: ${totals.crashes}) in ${totals.seconds.toFixed(1)} s` +
      ` | faults fired: ${fmt(fired)}` +
      ` | outcomes: ${fmt(totals.outcomes)}` +
      ` | refused by the terminal: ${fmt(totals.refused)} | not sent: ${fmt(totals.unsentBy)}` +
      ` | unknowns=${totals.unknowns} resolved-by-reconcile=${totals.resolvedByReconcile} (ours=${totals.reconciledOurs} not-performed=${totals.reconciledNotPerformed})` +
      ` not-performed=${totals.notPerformed} unsent=${totals.unsent}` +
      ` | lost=${totals.lost} duplicates=${totals.duplicates} misattributed=${totals.misattributed} wrong-sent-flag=${totals.wrongSentFlag} hangs=${totals.hangs}` +
      ` | slowest transaction ${totals.maxMs} ms`;
    return totals;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { runChaos, judge, recordLedger, mulberry32, pickFault, planTransaction, keyOf, MENU, TERMINAL_OPTIONS };
