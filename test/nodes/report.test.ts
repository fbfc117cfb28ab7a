'use strict';
import 'should';
import { helper, terminalConfig, simulator, load, next, statuses, MERCHANT, withoutTime, statusText } from './support';
import { purchases, sent } from './seed';

/** Phases long enough for the node to see the report run (a report with unchanged totals is then taken at once). */
const PHASES = { S01: 0, S02: 0, S03: 0, S04: 30, S05: 30, S07: 0 };
const ZERO = {
  totalSaleCount: 0,
  totalSaleAmount: 0,
  totalFinAuthCount: 0,
  totalFinAuthAmount: 0,
  totalRefundCount: 0,
  totalRefundAmount: 0,
  totalCashCount: 0,
  totalCashAmount: 0,
  totalPaymentCount: 0,
  totalPaymentAmount: 0,
  totalVoidCount: 0,
  totalVoidAmount: 0,
};

describe('ssi-report node', function () {
  let sim;
  afterEach(async () => {
    await helper.unload();
    if (sim) await sim.stop();
    sim = undefined;
  });

  function flow(report = {}) {
    return [
      terminalConfig(sim),
      {
        id: 'rep',
        type: 'ssi-report',
        name: 'end of day',
        terminal: 'term',
        report: 'XReport',
        detailed: false,
        receipt: false,
        wires: [['ok'], ['failed']],
        ...report,
      },
      { id: 'ok', type: 'helper' },
      { id: 'failed', type: 'helper' },
      { id: 'catcher', type: 'catch', scope: ['rep'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ];
  }

  it('detailed X report of zero-padded totals: every total a number, transactions with numeric amounts; output 1', async () => {
    sim = await simulator({ quirks: true, phases: PHASES });
    const [a, b] = await purchases(sim, 2450, 1000);
    await load(flow({ detailed: true }));
    const rep = helper.getNode('rep');
    const seen = statuses(rep);
    const got = next(helper.getNode('ok'));
    rep.receive({ payload: 'go', topic: 'shift-1' });
    const msg = await got;
    sent(sim, 'XReport').should.eql([{ merchantId: MERCHANT, isDetailReport: true }]);
    const { transactions, ...rest } = msg.payload;
    rest.should.eql({
      ...ZERO,
      totalSaleCount: 2,
      totalSaleAmount: 3450,
      responseCode: '00',
      isBatchEmpty: false,
      batchNumber: '1',
      report: 'XReport',
      ok: true,
    });
    transactions
      .map((t) => [t.originalTrnName, t.transAmount, t.invoiceNum, t.rrn])
      .should.eql([
        ['Purchase', 2450, a.invoiceNum, a.rrn],
        ['Purchase', 1000, b.invoiceNum, b.rrn],
      ]);
    msg.ecr.should.match({ method: 'XReport', response: { method: 'GetLastReport', error: false } });
    msg.topic.should.equal('shift-1');
    seen.map((s) => s.text).should.containEql(statusText('S05'));
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'green', shape: 'dot', text: '✔ X report 2 / 34.50' });
  });

  it('a failed settlement goes to output 2 with ok false, zero totals and the error', async () => {
    sim = await simulator({ phases: PHASES });
    await purchases(sim, 500);
    await load(flow({ report: 'ZReport' }));
    sim.engine.scriptOutcome({ result: 'FAILED', responseCode: '96', errorCode: 'E21', text: 'ЗВІРКА НЕ ВДАЛАСЯ' });
    const rep = helper.getNode('rep');
    const seen = statuses(rep);
    const got = next(helper.getNode('failed'));
    rep.receive({ payload: {}, keep: 'x' });
    const msg = await got;
    msg.payload.should.eql({
      ...ZERO,
      responseCode: '96',
      isBatchEmpty: false,
      batchNumber: '1',
      report: 'ZReport',
      ok: false,
      errorCode: 'E21',
      errorDescription: 'ЗВІРКА НЕ ВДАЛАСЯ',
    });
    msg.keep.should.equal('x');
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'red', shape: 'ring', text: '✘ Z report: terminal error' });
  });

  it('report msg: msg.payload names it, msg.payload.detailed overrides the node; receipt fetched too', async () => {
    sim = await simulator({ phases: PHASES });
    await purchases(sim, 700);
    await load(flow({ report: 'msg', detailed: true, receipt: true, merchantId: 'shop', merchantIdType: 'msg' }));
    const got = next(helper.getNode('ok'));
    helper.getNode('rep').receive({ payload: { report: 'ZReport', detailed: false }, shop: MERCHANT });
    const msg = await got;
    sent(sim, 'ZReport').should.eql([{ merchantId: MERCHANT, isDetailReport: false }]);
    sim.counts.GetLastReportReceipt.should.equal(1);
    msg.payload.should.match({ report: 'ZReport', ok: true, totalSaleCount: 1, totalSaleAmount: 700, batchNumber: '1' });
    msg.payload.should.not.have.property('transactions');
    msg.payload.receipt.should.be.a.String();
    msg.payload.receipt
      .split('\n')
      .map((l) => l.trim())
      .should.containEql('Z-ЗВІТ (ЗВІРКА)');
    msg.payload.receipt.should.match(/ОПЛАТА \(1\)\s+7\.00/);
    sim.engine.batch.length.should.equal(0);
  });

  it('a receipt that cannot be fetched does not hide the report: receipt null and receiptError', async () => {
    sim = await simulator({ phases: PHASES });
    await load(flow({ receipt: true }));
    // Twice: a read lost in a closing connection is asked once more on a new one.
    sim.injectFault({ method: 'GetLastReportReceipt', action: 'close-before-response', times: 2 });
    const got = next(helper.getNode('ok'));
    helper.getNode('rep').receive({});
    const msg = await got;
    msg.payload.should.match({ report: 'XReport', ok: true, receipt: null, isBatchEmpty: true });
    msg.payload.receiptError.should.match(/^GetLastReportReceipt: connection to tcp:\/\/127\.0\.0\.1:\d+ lost after the request was sent$/);
  });

  it('merchantId from msg.payload wins; an unknown merchant is refused by the terminal and reaches Catch', async () => {
    sim = await simulator({ phases: PHASES });
    await load(flow());
    const caught = next(helper.getNode('caught'));
    helper.getNode('rep').receive({ payload: { merchantId: '12345' } });
    const err = await caught;
    err.error.code.should.equal('E07');
    err.ecrError.should.match({ code: 'E07', method: 'XReport', sent: true });
    sent(sim, 'XReport').should.eql([{ merchantId: '12345', isDetailReport: false }]);
  });

  it('a report that is neither XReport nor ZReport goes to Catch as VALIDATION; nothing is sent', async () => {
    sim = await simulator();
    await load(flow({ report: 'msg' }));
    const rep = helper.getNode('rep');
    const seen = statuses(rep);
    const caught = next(helper.getNode('caught'));
    rep.receive({ payload: { report: 'YReport' } });
    const err = await caught;
    err.error.code.should.equal('VALIDATION');
    err.ecrError.should.match({ field: 'report', message: 'ssi-report: report must be one of XReport, ZReport; got "YReport"' });
    sim.requests.length.should.equal(0);
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'red', shape: 'ring', text: '✘ invalid input' });
  });
});
