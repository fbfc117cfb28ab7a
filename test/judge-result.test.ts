/**
 * judgeResult: whose result is it? One row per case: the operation asked for, the snapshot of the last result taken
 * before it was sent, the result read afterwards, what the client knows (acknowledged, sole ECR), the verdict, and
 * why it is that verdict. The operation runner and reconcile both act on it: ours is delivered, unchanged and
 * untied mean wait or ask again, foreign is never delivered, unreadable is asked again, first-step never ends it.
 */
import 'should';
import { judgeResult, getMethod, normaliseResponse, FIRST_STEP_COMPLETED, type EcrResponse, type Params, type Verdict } from '../src/core';
import type { JudgeContext } from '../src/core/result-judgement';

const MERCHANT = '000000060007176';
const PURCHASE = { transAmount: '2450', transCurrency: '980', merchantId: MERCHANT };
const UID = 'order-17';

/** A GetLastResult answer carrying `params` (`extra`: error, errorCode, …), as the client sees it after normalising. */
const lastResult = (params: Record<string, unknown>, extra: Record<string, unknown> = {}): EcrResponse =>
  normaliseResponse({ method: 'GetLastResult', error: false, errorCode: '', errorDescription: '', params, ...extra });
/** A result of a sale: method, amount, result, and a receipt number telling one sale from another. */
const sale = (amount: string, invoiceNum: string, more: Record<string, unknown> = {}) =>
  lastResult({ originalTrnName: 'Purchase', transAmount: amount, transactionResult: 'APPROVED_ONLINE', responseCode: '00', invoiceNum, ...more });

/** The sale before ours: what the snapshot holds. */
const BEFORE = sale('500', '000041');
const ACKED: JudgeContext = { acked: true };
const UNACKED: JudgeContext = { acked: false };

interface Row {
  verdict: Verdict['kind'];
  why: string;
  method?: string;
  params?: Params;
  snapshot?: EcrResponse | null;
  result: EcrResponse;
  ctx?: JudgeContext;
  /** What the verdict's reason must say, for the verdicts that give one. */
  reason?: RegExp;
}

const ROWS: Row[] = [
  // Unreadable: the answer says the last result could not be read; asked again, never taken for an outcome.
  {
    verdict: 'unreadable',
    why: 'a request error (E06, busy) says nothing about any operation',
    result: lastResult({}, { error: true, errorCode: 'E06', errorDescription: 'Device busy' }),
    reason: /^E06 Device busy$/,
  },
  {
    verdict: 'unreadable',
    why: "an error code the protocol does not list as an operation's outcome (E22)",
    result: lastResult({}, { error: true, errorCode: 'E22' }),
    reason: /^E22$/,
  },
  {
    verdict: 'unreadable',
    why: 'an error without a code cannot be told from a failed read',
    result: lastResult({}, { error: true, errorCode: '' }),
    reason: /an error without a code/,
  },

  // Later firmware: the transactionUid ties a result to its request beyond doubt, acknowledged or not.
  {
    verdict: 'ours',
    why: 'it carries the uid we sent, though nothing else matches and the request was never acknowledged',
    params: { ...PURCHASE, transactionUid: UID },
    result: sale('1', '000042', { transactionUid: UID, transactionResult: 'APPROVED' }),
    ctx: UNACKED,
  },
  {
    verdict: 'first-step',
    why: 'our uid, but step 1 only read the card: nothing charged yet',
    params: { ...PURCHASE, transactionUid: UID },
    result: sale('2450', '000042', { transactionUid: UID, transactionResult: FIRST_STEP_COMPLETED }),
  },
  {
    verdict: 'unchanged',
    why: 'another uid, and the snapshot again: ours has not run yet',
    params: { ...PURCHASE, transactionUid: UID },
    snapshot: sale('2450', '000041', { transactionUid: 'order-16' }),
    result: sale('2450', '000041', { transactionUid: 'order-16' }),
  },
  {
    verdict: 'foreign',
    why: "another uid, and not the snapshot: another operation's, however much it looks like ours",
    params: { ...PURCHASE, transactionUid: UID },
    result: sale('2450', '000042', { transactionUid: 'order-18' }),
    reason: /operation order-18, not order-17/,
  },

  // v1.1.10: the terminal keeps only the last result; ours is a changed result that names our method and amount.
  { verdict: 'unchanged', why: 'the same result as the snapshot: our operation has not replaced it (yet)', result: sale('500', '000041') },
  { verdict: 'ours', why: 'changed, our method and amount, and the terminal acknowledged our request', result: sale('2450', '000042') },
  {
    verdict: 'ours',
    why: 'no snapshot (none could be taken): a matching, acknowledged result is ours',
    snapshot: null,
    result: sale('2450', '000042'),
  },
  {
    verdict: 'untied',
    why: 'changed and matching, but never acknowledged: another ECR may have made the same sale',
    result: sale('2450', '000042'),
    ctx: UNACKED,
    reason: /never acknowledged/,
  },
  {
    verdict: 'ours',
    why: 'changed and matching, never acknowledged, but the owner says no other ECR sends to this terminal',
    result: sale('2450', '000042'),
    ctx: { acked: false, soleEcr: true },
  },
  {
    verdict: 'first-step',
    why: 'changed, but a first step (card read): never a final outcome',
    result: sale('2450', '000042', { transactionResult: FIRST_STEP_COMPLETED }),
  },
  {
    verdict: 'foreign',
    why: "E20: the terminal has no last operation, so nobody's outcome",
    result: lastResult({}, { error: true, errorCode: 'E20' }),
    reason: /no last operation/,
  },
  {
    verdict: 'foreign',
    why: "an empty result buffer (no transactionResult) is nobody's outcome",
    result: lastResult({ originalTrnName: '', transAmount: '' }),
    reason: /no last operation/,
  },
  {
    verdict: 'foreign',
    why: "another method's result (a Refund) is never a Purchase's outcome",
    result: sale('2450', '000042', { originalTrnName: 'Refund' }),
    reason: /a Refund, not a Purchase/,
  },
  { verdict: 'foreign', why: "another amount: another sale's receipt", result: sale('2451', '000042'), reason: /amount 2451, not 2450/ },
  {
    verdict: 'ours',
    why: 'the method name in capitals, with a trailing space, is still our method',
    result: sale('2450', '000042', { originalTrnName: 'PURCHASE ' }),
  },
  { verdict: 'ours', why: 'the amount as the terminal writes it (leading zeros) is the same amount', result: sale('000000002450', '000042') },
  {
    verdict: 'ours',
    why: 'the discounted amount we asked for in step 2 is ours',
    params: { ...PURCHASE, discountedAmount: '2000' },
    result: sale('2000', '000042'),
  },
  {
    verdict: 'ours',
    why: 'the amount charged plus the discount the terminal states is the amount asked',
    result: sale('2205', '000042', { discount: '245' }),
  },
  {
    verdict: 'ours',
    why: 'a decline with no money moved (amount 0) still names our method: the operation ran and was declined',
    result: sale('0', '000042', { transactionResult: 'DECLINED_ONLINE', responseCode: '05' }),
  },
  {
    verdict: 'ours',
    why: 'a declined result (E21) is an outcome the terminal reports, judged like any other',
    result: lastResult(
      { originalTrnName: 'Purchase', transAmount: '2450', transactionResult: 'DECLINED_ONLINE', responseCode: '51', invoiceNum: '000042' },
      { error: true, errorCode: 'E21' },
    ),
  },
  {
    verdict: 'ours',
    why: "a CashBack's result may state the whole sum taken from the card: purchase plus cash",
    method: 'CashBack',
    params: { ...PURCHASE, cashAmount: '700' },
    result: sale('3150', '000042', { originalTrnName: 'CashBack' }),
  },
  {
    verdict: 'ours',
    why: "a PartialVoid's result states the receipt's amount, not the part voided: the amount is not compared",
    method: 'PartialVoid',
    params: { invoiceNum: '000041', transAmount: '100', merchantId: MERCHANT },
    result: sale('500', '000043', { originalTrnName: 'PartialVoid' }),
  },

  // Reports carry no amount: a changed report is ours if our request was acknowledged.
  {
    verdict: 'ours',
    why: 'a changed Z report after our acknowledged ZReport',
    method: 'ZReport',
    params: { merchantId: MERCHANT },
    snapshot: null,
    result: lastResult({ totalSaleCount: '3' }),
  },
  {
    verdict: 'untied',
    why: 'a changed Z report, our ZReport never acknowledged: another ECR may have closed the day',
    method: 'ZReport',
    params: { merchantId: MERCHANT },
    snapshot: null,
    result: lastResult({ totalSaleCount: '3' }),
    ctx: UNACKED,
    reason: /never acknowledged/,
  },
];

describe('judgeResult: whose result it is, case by case', function () {
  it('the table covers every verdict', () => {
    const kinds: Verdict['kind'][] = ['ours', 'unchanged', 'foreign', 'unreadable', 'first-step', 'untied'];
    [...new Set(ROWS.map((r) => r.verdict))].sort().should.eql([...kinds].sort());
  });

  for (const row of ROWS) {
    const method = row.method ?? 'Purchase';
    it(`${row.verdict}: ${row.why}`, () => {
      const spec = getMethod(method)!;
      const verdict = judgeResult(spec, row.params ?? PURCHASE, row.snapshot === undefined ? BEFORE : row.snapshot, row.result, row.ctx ?? ACKED);
      verdict.kind.should.equal(row.verdict);
      if (row.reason) ('reason' in verdict ? verdict.reason : '').should.match(row.reason);
    });
  }
});
