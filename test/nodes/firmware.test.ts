'use strict';
/**
 * The payment nodes against terminals as they are in the field: v1.1.10 and later firmware (1.4), each closing
 * the connection 5 ms after every answer and answering without "method". Every operation is sent once, and nothing
 * is ever written into a connection the terminal is closing.
 */
import 'should';
import { helper, terminalConfig, simulator, load, next, MERCHANT } from './support';
import { sent } from './seed';

for (const firmware of ['1.1', '1.4'] as const) {
  describe(`the payment nodes on firmware ${firmware}, a terminal that closes after every answer and leaves out "method"`, function () {
    this.timeout(30000);
    let sim;
    afterEach(async () => {
      await helper.unload();
      if (sim) await sim.stop();
      sim = undefined;
    });

    const later = firmware === '1.4';

    it('purchase, refund, X report with its receipt: each sent once, nothing written into a closing connection', async () => {
      sim = await simulator({ firmware, closeAfterAnswer: 5, noMethod: true });
      await load([
        terminalConfig(sim),
        { id: 'buy', type: 'ssi-purchase', terminal: 'term', wires: [['bought'], ['failed']] },
        { id: 'back', type: 'ssi-refund', terminal: 'term', operation: 'Refund', wires: [['refunded'], ['failed']] },
        { id: 'rep', type: 'ssi-report', terminal: 'term', report: 'XReport', receipt: true, wires: [['reported'], ['failed']] },
        { id: 'bought', type: 'helper' },
        { id: 'refunded', type: 'helper' },
        { id: 'reported', type: 'helper' },
        { id: 'failed', type: 'helper' },
        { id: 'c1', type: 'catch', scope: ['buy', 'back', 'rep'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ]);
      let failures = 0;
      for (const id of ['failed', 'caught']) helper.getNode(id).on('input', () => failures++);

      let got = next(helper.getNode('bought'), 10000);
      helper.getNode('buy').receive({ payload: 2450 });
      const sale = (await got).payload;
      sale.should.match({ approved: true, outcome: 'approved', amount: 2450, transactionResult: later ? 'APPROVED' : 'APPROVED_ONLINE' });
      sale.date.should.match(/^\d\d\/\d\d\/\d{4}$/);
      sale.time.should.match(/^\d\d:\d\d:\d\d$/);
      if (later) sale.transactionUid.should.be.a.String().and.not.be.empty();
      else sale.should.not.have.property('transactionUid');

      got = next(helper.getNode('refunded'), 10000);
      helper.getNode('back').receive({ payload: { amount: 1000, rrn: sale.rrn } });
      (await got).payload.should.match({ approved: true, amount: 1000, originalTrnName: 'Refund' });

      got = next(helper.getNode('reported'), 10000);
      helper.getNode('rep').receive({ payload: 'go' });
      const report = (await got).payload;
      report.should.match({ ok: true, report: 'XReport', totalSaleCount: 1, totalSaleAmount: 2450, totalRefundCount: 1, totalRefundAmount: 1000 });
      report.receipt.should.be.a.String().and.not.be.empty();

      failures.should.equal(0);
      sent(sim, 'Purchase').should.have.length(later ? 2 : 1);
      (sim.counts['Purchase#2'] || 0).should.equal(later ? 1 : 0);
      sent(sim, 'Refund').should.have.length(1);
      sent(sim, 'XReport').should.eql([{ merchantId: MERCHANT, isDetailReport: false }]);
      // A payment to a v1.1.10 terminal carries none of later firmware's keys; on later firmware each has its uid.
      const payments = [...sent(sim, 'Purchase'), ...sent(sim, 'Refund')];
      payments.filter((p) => p.transactionUid !== undefined).should.have.length(later ? payments.length : 0);
      sim.ignoredAfterAnswer.should.equal(0);
    });

    it('ssi-transaction and ssi-command run to their outcome; GetMerchantListDetailed is answered on later firmware only', async () => {
      sim = await simulator({ firmware, closeAfterAnswer: 5, noMethod: true });
      await load([
        terminalConfig(sim),
        { id: 'tx', type: 'ssi-transaction', terminal: 'term', method: 'Purchase', wires: [['done'], ['done']] },
        { id: 'cmd', type: 'ssi-command', terminal: 'term', method: 'msg', wires: [['answer']] },
        { id: 'done', type: 'helper' },
        { id: 'answer', type: 'helper' },
        { id: 'c1', type: 'catch', scope: ['tx', 'cmd'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ]);
      let got = next(helper.getNode('done'), 10000);
      helper.getNode('tx').receive({ payload: 700 });
      const sale = (await got).payload;
      sale.should.match({ approved: true, amount: 700 });

      const answer = next(helper.getNode('answer'), 10000);
      const caught = next(helper.getNode('caught'), 10000);
      helper.getNode('cmd').receive({ method: 'GetMerchantListDetailed' });
      if (later) {
        const msg = await answer;
        msg.payload.should.match({ method: 'GetMerchantListDetailed', error: false, params: { merchantCount: 3 } });
        msg.payload.params.merchantList[0].should.eql({ merchantId: MERCHANT, terminalId: 'T0000001', merchantName: 'ТОВ "ТЕСТОВИЙ МАГАЗИН"' });
      } else {
        (await caught).ecrError.should.match({ code: 'E05', method: 'GetMerchantListDetailed', sent: true });
      }

      if (later) {
        got = next(helper.getNode('answer'), 10000);
        helper.getNode('cmd').receive({ method: 'GetResultByUid', payload: { transactionUid: sale.transactionUid } });
        (await got).payload.params.should.match({ transactionUid: sale.transactionUid, transactionResult: 'APPROVED', transAmount: '700' });
      }
      sent(sim, 'Purchase').should.have.length(later ? 2 : 1);
      sim.ignoredAfterAnswer.should.equal(0);
    });
  });
}
