'use strict';
import 'should';
import { methodsIn } from '../../dist/core';
import { helper, terminalConfig, simulator, load, next, statuses, MERCHANT, withoutTime } from './support';
import { sent } from './seed';

describe('ssi-transaction node', function () {
  let sim;
  afterEach(async () => {
    await helper.unload();
    if (sim) await sim.stop();
    sim = undefined;
  });

  function flow(node = {}) {
    return [
      terminalConfig(sim),
      {
        id: 'txn',
        type: 'ssi-transaction',
        name: 'any operation',
        terminal: 'term',
        method: 'CashBack',
        units: 'minor',
        wires: [['ok'], ['no']],
        ...node,
      },
      { id: 'ok', type: 'helper' },
      { id: 'no', type: 'helper' },
      { id: 'catcher', type: 'catch', scope: ['txn'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ];
  }

  it("CashBack in major units: only the method's keys are sent, every amount converted; output 1 keeps the msg", async () => {
    sim = await simulator();
    await load(flow({ units: 'major' }));
    const txn = helper.getNode('txn');
    const seen = statuses(txn);
    const got = next(helper.getNode('ok'));
    txn.receive({ payload: { amount: '10.00', cashAmount: 5, invoiceNum: '000001', rrn: 'X1' }, topic: 'till-2' });
    const msg = await got;
    sent(sim, 'CashBack').should.eql([{ transAmount: '1000', cashAmount: '500', transCurrency: '980', merchantId: MERCHANT }]);
    msg.payload.should.match({ approved: true, amount: 1000, cashAmount: '500', originalTrnName: 'CashBack' });
    msg.ecr.method.should.equal('CashBack');
    msg.topic.should.equal('till-2');
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'green', shape: 'dot', text: '✔ 10.00' });
  });

  it('method msg: msg.method names it, a bare number is transAmount; a decline goes to output 2', async () => {
    sim = await simulator();
    await load(flow({ method: 'msg' }));
    const txn = helper.getNode('txn');
    const seen = statuses(txn);
    const got = next(helper.getNode('no'));
    txn.receive({ method: 'Deposit', payload: 10051 });
    const msg = await got;
    sent(sim, 'Deposit').should.eql([{ transAmount: '10051', transCurrency: '980', merchantId: MERCHANT }]);
    msg.payload.should.match({ approved: false, amount: 10051, transactionResult: 'DECLINED_ONLINE', responseCode: '51', errorCode: 'E21' });
    msg.method.should.equal('Deposit');
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'red', shape: 'ring', text: '✘ insufficient funds' });
  });

  it("Balance: currency and merchant from the node's TypedInputs, no amount", async () => {
    sim = await simulator();
    await load(flow({ method: 'Balance', currency: '840', currencyType: 'num', merchantId: '000000060007177', merchantIdType: 'str' }));
    const got = next(helper.getNode('ok'));
    helper.getNode('txn').receive({ payload: 2000 });
    const msg = await got;
    sent(sim, 'Balance').should.eql([{ transCurrency: '840', merchantId: '000000060007177' }]);
    msg.payload.should.match({ approved: true, originalTrnName: 'Balance', amount: 0 });
  });

  it('a method that is not financial goes to Catch as VALIDATION listing the financial methods', async () => {
    sim = await simulator();
    await load(flow({ method: 'msg' }));
    const caught = next(helper.getNode('caught'));
    helper.getNode('txn').receive({ method: 'XReport', payload: {}, keep: 42 });
    const err = await caught;
    const rule = `must be one of ${methodsIn('financial').join(', ')}`;
    rule.should.equal(
      'must be one of Purchase, Void, Refund, CashBack, Preauthorization, SalePreauth, VoidPreauth, Cash, Deposit, Balance, Echo, PartialVoid',
    );
    err.error.code.should.equal('VALIDATION');
    err.ecrError.should.match({ field: 'method', rule, message: `ssi-transaction: method ${rule}; got "XReport"` });
    err.keep.should.equal(42);
    sim.requests.length.should.equal(0);
  });

  it('a refusal by the terminal (unknown merchant) reaches Catch with its E-code', async () => {
    sim = await simulator();
    await load(flow({ method: 'Purchase' }));
    const caught = next(helper.getNode('caught'));
    helper.getNode('txn').receive({ payload: { amount: 100, merchantId: '999' } });
    const err = await caught;
    err.error.code.should.equal('E07');
    err.ecrError.should.match({ code: 'E07', method: 'Purchase', sent: true });
    sent(sim, 'Purchase').should.eql([{ transAmount: '100', transCurrency: '980', merchantId: '999' }]);
  });
});
