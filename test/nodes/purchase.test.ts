'use strict';
import 'should';
import { helper, terminalConfig, simulator, load, next, statuses, withoutTime, statusText, MERCHANT } from './support';

describe('ssi-purchase node', function () {
  let sim;
  afterEach(async () => {
    await helper.unload();
    if (sim) await sim.stop();
    sim = undefined;
  });

  function flow(purchase = {}, terminal = {}) {
    return [
      terminalConfig(sim, terminal),
      { id: 'buy', type: 'ssi-purchase', name: 'vending purchase', terminal: 'term', units: 'minor', wires: [['ok'], ['no']], ...purchase },
      { id: 'ok', type: 'helper' },
      { id: 'no', type: 'helper' },
      { id: 'catcher', type: 'catch', scope: ['buy'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ];
  }

  it('approved: output 1 carries the normalised result, approved and amount; the rest of msg is kept', async () => {
    // Each step lasts several polls (adaptive polling waits up to twice the 10 ms base), so every one is seen.
    sim = await simulator({ phases: { S01: 20, S02: 100, S03: 100, S04: 100, S05: 20, S07: 0 } });
    await load(flow());
    const buy = helper.getNode('buy');
    const seen = statuses(buy);
    const got = next(helper.getNode('ok'));
    buy.receive({ payload: { amount: 2450 }, req: { id: 'http-req' }, topic: 'vend-7' });
    const msg = await got;
    msg.payload.should.match({
      approved: true,
      amount: 2450,
      transAmount: '2450',
      transactionResult: 'APPROVED_ONLINE',
      merchantId: MERCHANT,
      originalTrnName: 'Purchase',
    });
    msg.payload.should.have.properties('invoiceNum', 'rrn', 'authCode', 'pan', 'cardholderName');
    msg.req.should.eql({ id: 'http-req' });
    msg.topic.should.equal('vend-7');
    const texts = seen.map((s) => s.text);
    texts.should.containDeep([statusText('S02'), statusText('S03'), statusText('S04')]);
    seen[seen.length - 1].should.match({ fill: 'green', shape: 'dot' });
    withoutTime(seen[seen.length - 1]).text.should.equal('✔ 24.50');
  });

  it('msg.correlationId is one payment: a repeat goes to Catch with DUPLICATE and what came of the first, unsent', async () => {
    sim = await simulator();
    await load(flow());
    const got = next(helper.getNode('ok'));
    helper.getNode('buy').receive({ payload: 2450, correlationId: 'order-17' });
    const first = await got;
    first.correlationId.should.equal('order-17');
    const caught = next(helper.getNode('caught'));
    helper.getNode('buy').receive({ payload: 2450, correlationId: 'order-17' });
    const repeat = await caught;
    repeat.ecrError.should.match({
      code: 'DUPLICATE',
      sent: false,
      field: 'ref',
      facts: { ref: 'order-17', previous: { state: 'settled', summary: { approved: true, rrn: first.payload.rrn } } },
    });
    sim.requests.filter((r) => r.method === 'Purchase').should.have.length(1);
    const bad = next(helper.getNode('caught'));
    helper.getNode('buy').receive({ payload: 2450, correlationId: { id: 1 } });
    (await bad).ecrError.should.match({ code: 'VALIDATION', field: 'msg.correlationId', sent: false });
    sim.requests.filter((r) => r.method === 'Purchase').should.have.length(1);
  });

  it('declined: output 2 with approved false and the reason', async () => {
    sim = await simulator();
    await load(flow());
    const got = next(helper.getNode('no'));
    helper.getNode('buy').receive({ payload: 10005 });
    const msg = await got;
    msg.payload.should.match({ approved: false, amount: 10005, transactionResult: 'DECLINED_ONLINE', responseCode: '05', errorCode: 'E21' });
  });

  it('major units: 24.50 is sent as 2450; more than two decimals goes to Catch, unsent', async () => {
    sim = await simulator();
    await load(flow({ units: 'major' }));
    const got = next(helper.getNode('ok'));
    helper.getNode('buy').receive({ payload: '24.50' });
    (await got).payload.amount.should.equal(2450);
    const caught = next(helper.getNode('caught'));
    const before = sim.requests.length;
    helper.getNode('buy').receive({ payload: { amount: 24.505 }, keep: 1 });
    const err = await caught;
    err.error.code.should.equal('VALIDATION');
    err.error.message.should.match(/transAmount must be an amount in major units with at most two decimals/);
    err.ecrError.field.should.equal('transAmount');
    err.keep.should.equal(1);
    sim.requests.length.should.equal(before);
  });

  it('merchant, currency and discountedAmount come from msg.payload first, then the node, then the terminal', async () => {
    sim = await simulator();
    await load(flow({ merchantId: 'merchant', merchantIdType: 'msg', discountedAmount: '900', discountedAmountType: 'num' }));
    const buy = helper.getNode('buy');
    let got = next(helper.getNode('ok'));
    buy.receive({ payload: 1000, merchant: '000000060007177' });
    (await got).payload.should.match({ merchantId: '000000060007177', amount: 900, discount: '100' });
    got = next(helper.getNode('ok'));
    buy.receive({ payload: { amount: 1000, merchantId: MERCHANT, discountedAmount: 1000 }, merchant: '000000060007177' });
    (await got).payload.should.match({ merchantId: MERCHANT, amount: 1000 });
    sim.requests
      .filter((r) => r.method === 'Purchase')
      .map((r) => r.params.transCurrency)
      .should.eql(['980', '980']);
  });

  it('a refusal (busy terminal) reaches Catch with msg.error.code and the facts on msg.ecrError', async () => {
    sim = await simulator({ zReportAfter: 1 });
    await load(flow());
    const buy = helper.getNode('buy');
    const ok = next(helper.getNode('ok'));
    buy.receive({ payload: 100 });
    await ok;
    const caught = next(helper.getNode('caught'));
    buy.receive({ payload: 200 });
    const err = await caught;
    err.error.code.should.equal('E15');
    err.ecrError.should.match({ code: 'E15', method: 'Purchase', sent: true });
  });

  it('without a terminal configuration it says so on every message', async () => {
    sim = await simulator();
    await load(flow({ terminal: 'missing' }));
    const caught = next(helper.getNode('caught'));
    helper.getNode('buy').receive({ payload: 100 });
    (await caught).error.code.should.equal('NO_TERMINAL');
  });
});

describe('ssi-purchase input names', function () {
  let sim;
  afterEach(async () => {
    await helper.unload();
    await sim.stop();
  });
  it('takes msg.payload.currency as the friendly name of transCurrency', async () => {
    sim = await simulator();
    await load([terminalConfig(sim), { id: 'buy', type: 'ssi-purchase', terminal: 'term', wires: [['ok'], []] }, { id: 'ok', type: 'helper' }]);
    const got = next(helper.getNode('ok'));
    helper.getNode('buy').receive({ payload: { amount: 500, currency: 840 } });
    await got;
    sim.requests.find((r) => r.method === 'Purchase').params.transCurrency.should.equal('840');
  });
});
