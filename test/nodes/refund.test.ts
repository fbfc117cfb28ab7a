'use strict';
import 'should';
import { helper, terminalConfig, simulator, load, next, statuses, MERCHANT, withoutTime } from './support';
import { purchases, sent } from './seed';

describe('ssi-refund node', function () {
  let sim;
  afterEach(async () => {
    await helper.unload();
    if (sim) await sim.stop();
    sim = undefined;
  });

  function flow(refund = {}) {
    return [
      terminalConfig(sim),
      {
        id: 'back',
        type: 'ssi-refund',
        name: 'money back',
        terminal: 'term',
        operation: 'Refund',
        units: 'minor',
        wires: [['ok'], ['no']],
        ...refund,
      },
      { id: 'ok', type: 'helper' },
      { id: 'no', type: 'helper' },
      { id: 'catcher', type: 'catch', scope: ['back'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ];
  }

  it("Refund: rrn and amount with the terminal's merchant and currency; output 1, the rest of msg kept, ✔ badge", async () => {
    sim = await simulator();
    const [sale] = await purchases(sim, 2450);
    await load(flow());
    const back = helper.getNode('back');
    const seen = statuses(back);
    const got = next(helper.getNode('ok'));
    back.receive({ payload: { amount: 1000, rrn: sale.rrn, invoiceNum: sale.invoiceNum }, topic: 'return-3', req: { id: 7 } });
    const msg = await got;
    sent(sim, 'Refund').should.eql([{ transAmount: '1000', transCurrency: '980', rrn: sale.rrn, merchantId: MERCHANT }]);
    msg.payload.should.match({ approved: true, amount: 1000, transAmount: '1000', originalTrnName: 'Refund', transactionResult: 'APPROVED_ONLINE' });
    msg.ecr.method.should.equal('Refund');
    msg.topic.should.equal('return-3');
    msg.req.should.eql({ id: 7 });
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'green', shape: 'dot', text: '✔ 10.00' });
  });

  it('Refund of more than the sale: output 2 with the failure, ✘ badge', async () => {
    sim = await simulator();
    const [sale] = await purchases(sim, 500);
    await load(flow());
    const back = helper.getNode('back');
    const seen = statuses(back);
    const got = next(helper.getNode('no'));
    back.receive({ payload: { transAmount: '600', rrn: sale.rrn } });
    const msg = await got;
    msg.payload.should.match({
      approved: false,
      transactionResult: 'FAILED',
      errorCode: 'E21',
      errorDetails: 'СУМА ПОВЕРНЕННЯ ПЕРЕВИЩУЄ ОПЛАТУ',
      reason: 'failed',
    });
    // The terminal's text once: errorDetails already holds what errorDescription would repeat.
    msg.payload.should.not.have.property('errorDescription');
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'red', shape: 'ring', text: '✘ failed' });
  });

  it('operation msg: Void takes only invoiceNum from msg.payload; a second Void of it fails on output 2', async () => {
    sim = await simulator();
    const [sale] = await purchases(sim, 1234);
    await load(flow({ operation: 'msg' }));
    const back = helper.getNode('back');
    let got = next(helper.getNode('ok'));
    back.receive({ payload: { operation: 'Void', invoiceNum: sale.invoiceNum, amount: 99, rrn: sale.rrn } });
    let msg = await got;
    sent(sim, 'Void').should.eql([{ invoiceNum: sale.invoiceNum }]);
    msg.payload.should.match({ approved: true, originalTrnName: 'Void', amount: 1234 });
    got = next(helper.getNode('no'));
    back.receive({ payload: { operation: 'Void', invoiceNum: sale.invoiceNum } });
    msg = await got;
    msg.payload.should.match({ approved: false, originalTrnName: 'Void', transactionResult: 'FAILED' });
  });

  it('PartialVoid in major units: invoiceNum and the amount taken off', async () => {
    sim = await simulator();
    const [sale] = await purchases(sim, 3000);
    await load(flow({ operation: 'PartialVoid', units: 'major' }));
    const got = next(helper.getNode('ok'));
    helper.getNode('back').receive({ payload: { amount: '5.50', invoiceNum: sale.invoiceNum, rrn: sale.rrn } });
    const msg = await got;
    sent(sim, 'PartialVoid').should.eql([{ invoiceNum: sale.invoiceNum, transAmount: '550' }]);
    msg.payload.should.match({ approved: true, originalTrnName: 'PartialVoid', amount: 550 });
  });

  it("operation msg defaults to Refund; merchantId and currency from the node's TypedInputs", async () => {
    sim = await simulator();
    await load(flow({ operation: 'msg', merchantId: 'shop', merchantIdType: 'msg', currency: '840', currencyType: 'str' }));
    const got = next(helper.getNode('ok'));
    helper.getNode('back').receive({ payload: { amount: 700, rrn: '261234567890' }, shop: '000000060007177' });
    await got;
    sent(sim, 'Refund').should.eql([{ transAmount: '700', transCurrency: '840', rrn: '261234567890', merchantId: '000000060007177' }]);
  });

  it('an operation that is not Refund, Void or PartialVoid goes to Catch as VALIDATION; nothing is sent', async () => {
    sim = await simulator();
    await load(flow({ operation: 'msg' }));
    const back = helper.getNode('back');
    const seen = statuses(back);
    const caught = next(helper.getNode('caught'));
    back.receive({ payload: { operation: 'Cancel', invoiceNum: '000001' }, keep: 'me' });
    const err = await caught;
    err.error.code.should.equal('VALIDATION');
    err.error.message.should.equal('EcrError: ssi-refund: operation must be one of Refund, Void, PartialVoid; got "Cancel"');
    err.ecrError.should.match({ code: 'VALIDATION', field: 'operation', rule: 'must be one of Refund, Void, PartialVoid', sent: false });
    err.keep.should.equal('me');
    sim.requests.length.should.equal(0);
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'red', shape: 'ring', text: '✘ invalid input' });
  });

  it('a Refund without rrn is refused by the core validation, naming the field', async () => {
    sim = await simulator();
    await load(flow());
    const caught = next(helper.getNode('caught'));
    helper.getNode('back').receive({ payload: 500 });
    const err = await caught;
    err.error.code.should.equal('VALIDATION');
    err.ecrError.should.match({ method: 'Refund', field: 'rrn' });
    sim.requests.length.should.equal(0);
  });
});
