'use strict';
/**
 * ssi-purchase against a terminal on later firmware (the simulator's 1.4): the two-step Purchase the node completes
 * by itself, and "price by card": the card read on output 3, answered back into the node by the flow.
 */
import 'should';
import { helper, terminalConfig, simulator, load, next, statuses, statusText, withoutTime, MERCHANT, type FlowNode } from './support';
import sinon = require('sinon');
import { readAnswer, cardReadPayload } from '../../dist/nodes/lib/price-by-card';
import type { AmountUnits } from '../../dist/nodes/lib/inputs';

/** Each step lasts a few polls (later firmware wants 250 ms between requests), so that every status is seen. */
const PHASES = { S01: 0, S02: 700, S03: 0, S04: 700, S05: 0, S07: 0 };

const purchases = (sim, step) => sim.requests.filter((r) => r.method === 'Purchase' && (step === undefined || r.step === step));

describe('ssi-purchase on later firmware (1.4)', function () {
  let sim;
  afterEach(async () => {
    await helper.unload();
    if (sim) await sim.stop();
    sim = undefined;
  });

  /** A purchase node; with `answer` (a function node's body) its output 3 goes through that function back into it. */
  function flow(purchase = {}, answer?) {
    const nodes: FlowNode[] = [
      terminalConfig(sim),
      { id: 'buy', type: 'ssi-purchase', terminal: 'term', units: 'minor', wires: [['ok'], ['no']], ...purchase },
      { id: 'ok', type: 'helper' },
      { id: 'no', type: 'helper' },
      { id: 'c1', type: 'catch', scope: ['buy'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
      { id: 'card', type: 'helper' },
    ];
    if (answer !== undefined) {
      nodes[1].wires!.push(['card', 'price']);
      nodes.push({ id: 'price', type: 'function', func: answer, outputs: 1, wires: [['buy']] });
    }
    return nodes;
  }

  it('a purchase goes in two steps without the flow\'s help: "card read" is shown, one step 2, approved', async () => {
    sim = await simulator({ firmware: '1.4', phases: PHASES });
    await load(flow());
    const buy = helper.getNode('buy');
    const seen = statuses(buy);
    const got = next(helper.getNode('ok'));
    buy.receive({ payload: 2450, correlationId: 'order-2450', topic: 't' });
    const msg = await got;
    msg.payload.should.match({
      approved: true,
      outcome: 'approved',
      amount: 2450,
      transAmount: '2450',
      transactionResult: 'APPROVED',
      merchantId: MERCHANT,
    });
    // Later firmware's result: its uid, and the date and time as v1.1.10 writes them.
    // A correlationId that is a valid uid is sent as the transactionUid: the terminal knows the payment by it.
    msg.payload.transactionUid.should.equal('order-2450');
    msg.payload.date.should.match(/^\d\d\/\d\d\/\d{4}$/);
    msg.payload.time.should.match(/^\d\d:\d\d:\d\d$/);
    msg.payload.should.not.have.property('priceByCard');
    msg.should.match({ correlationId: 'order-2450', topic: 't' });
    sim.counts['Purchase#2'].should.equal(1);
    purchases(sim, '1').should.have.length(1);
    purchases(sim, '2')[0].params.should.eql(purchases(sim, '1')[0].params);
    seen.map((s) => s.text).should.containDeep([statusText('S02'), statusText('S08'), statusText('S04')]);
    seen.find((s) => s.text === statusText('S08')).should.match({ fill: 'blue', shape: 'dot' });
    withoutTime(seen[seen.length - 1]).text.should.equal('✔ 24.50');
  });

  it('price by card: the card read goes out on output 3; the discount sent back is what step 2 asks and what is charged', async () => {
    sim = await simulator({ firmware: '1.4', phases: PHASES });
    await load(
      flow({ priceByCard: true }, 'if (msg.payload.binName) msg.payload.discountedAmount = Math.round(msg.payload.amount * 0.9); return msg;'),
    );
    const buy = helper.getNode('buy');
    const seen = statuses(buy);
    const card = next(helper.getNode('card'));
    const got = next(helper.getNode('ok'));
    buy.receive({ payload: { amount: 2450 }, correlationId: 'order-1', topic: 'vend' });
    const read = await card;
    read.payload.should.match({
      transactionResult: 'FIRST_STEP_COMPLETED',
      amount: 2450,
      transAmount: '2450',
      merchantId: MERCHANT,
      bankName: 'SIMULATED BANK',
    });
    read.payload.pan.should.match(/^\d{4}X+\d{4}$/);
    read.payload.binName.should.match(/^(VISA|MASTERCARD)$/);
    read.payload.should.not.have.property('discountedAmount');
    read._ssiSecondStep.should.be.a.String();
    read.should.match({ correlationId: 'order-1', topic: 'vend' });
    const msg = await got;
    msg.payload.should.match({
      approved: true,
      amount: 2205,
      transAmount: '2205',
      discount: '245',
      transactionUid: read.payload.transactionUid,
      priceByCard: { decision: 'discounted', discountedAmount: 2205 },
    });
    msg.should.not.have.property('_ssiSecondStep');
    purchases(sim, '1')[0].params.should.not.have.property('discountedAmount');
    purchases(sim, '2')[0].params.should.match({ transAmount: '2450', discountedAmount: '2205', transactionUid: read.payload.transactionUid });
    sim.counts['Purchase#2'].should.equal(1);
    seen.map((s) => s.text).should.containDeep([statusText('S08'), statusText('priceByCard')]);
  });

  it("price by card in hryvnias: the answer is read in the node's units; sent back unchanged, the amount asked is charged", async () => {
    sim = await simulator({ firmware: '1.4' });
    await load(flow({ priceByCard: true, units: 'major' }, 'if (msg.payload.amount > 2000) msg.payload.discountedAmount = "19.99"; return msg;'));
    const buy = helper.getNode('buy');
    let got = next(helper.getNode('ok'));
    buy.receive({ payload: '24.50' });
    (await got).payload.should.match({ amount: 1999, priceByCard: { decision: 'discounted', discountedAmount: 1999 } });
    got = next(helper.getNode('ok'));
    buy.receive({ payload: '15.00' });
    (await got).payload.should.match({ amount: 1500, priceByCard: { decision: 'unchanged' } });
    purchases(sim, '2')
      .map((r) => r.params.discountedAmount)
      .should.eql(['1999', undefined]);
  });

  it('price by card, abort: the terminal is told to Interrupt, the outcome is CANCELLED on output 2, nothing charged', async () => {
    sim = await simulator({ firmware: '1.4', phases: PHASES });
    await load(flow({ priceByCard: true }, 'msg.payload = { abort: true }; return msg;'));
    const got = next(helper.getNode('no'));
    helper.getNode('buy').receive({ payload: 2450 });
    const msg = await got;
    msg.payload.should.match({
      approved: false,
      outcome: 'cancelled',
      transactionResult: 'CANCELLED',
      priceByCard: { decision: 'aborted', reason: 'the flow answered abort' },
    });
    (sim.counts['Purchase#2'] || 0).should.equal(0);
    sim.counts.Interrupt.should.be.aboveOrEqual(1);
    sim.engine.batch.should.eql([]);
  });

  it('price by card, no answer in time: cancelled, nothing charged; the late answer is refused and starts nothing', async () => {
    sim = await simulator({ firmware: '1.4' });
    await load(flow({ priceByCard: true, cardReadTimeout: 1 }, 'return null;'));
    const buy = helper.getNode('buy');
    const card = next(helper.getNode('card'));
    const got = next(helper.getNode('no'));
    const started = Date.now();
    buy.receive({ payload: 2450 });
    const read = await card;
    const msg = await got;
    (Date.now() - started).should.be.aboveOrEqual(1000);
    msg.payload.should.match({
      approved: false,
      transactionResult: 'CANCELLED',
      priceByCard: { decision: 'timed-out', reason: 'no answer to the card read within 1 s' },
    });
    (sim.counts['Purchase#2'] || 0).should.equal(0);
    sim.engine.batch.should.eql([]);
    // The answer arrives after all: refused before anything is sent (it must never start a payment of its own).
    const caught = next(helper.getNode('caught'));
    buy.receive({ ...read, payload: { ...read.payload, discountedAmount: 100 } });
    (await caught).ecrError.should.match({ code: 'VALIDATION', field: 'msg._ssiSecondStep', sent: false });
    sim.counts.Purchase.should.equal(1);
  });

  it('price by card, an answer the node cannot use (more than the amount asked): to Catch, and the payment is cancelled', async () => {
    sim = await simulator({ firmware: '1.4' });
    await load(flow({ priceByCard: true }, 'msg.payload.discountedAmount = 245000; return msg;'));
    const caught = next(helper.getNode('caught'));
    const got = next(helper.getNode('no'));
    helper.getNode('buy').receive({ payload: 2450 });
    const err = await caught;
    err.ecrError.should.match({ code: 'VALIDATION', field: 'msg.payload.discountedAmount', sent: false });
    err.ecrError.message.should.match(/must not exceed the amount asked \(2450 kopecks\).*nothing is charged/);
    const msg = await got;
    msg.payload.should.match({ transactionResult: 'CANCELLED', priceByCard: { decision: 'invalid' } });
    (sim.counts['Purchase#2'] || 0).should.equal(0);
    sim.engine.batch.should.eql([]);
  });

  it('a card read sent into another payment node is refused there, nothing sent', async () => {
    sim = await simulator({ firmware: '1.4' });
    const nodes = flow({ priceByCard: true, cardReadTimeout: 1 });
    nodes[1].wires!.push(['card', 'other']);
    nodes.push({ id: 'other', type: 'ssi-transaction', terminal: 'term', method: 'Purchase', wires: [[], []] });
    // One Catch for both (the test helper loads the Catch module once per Catch node of a flow).
    nodes.find((n) => n.id === 'c1')!.scope = ['buy', 'other'];
    await load(nodes);
    const caught = next(helper.getNode('caught'));
    const got = next(helper.getNode('no'));
    helper.getNode('buy').receive({ payload: 2450 });
    const err = await caught;
    err.error.source.id.should.equal('other');
    err.ecrError.should.match({ code: 'VALIDATION', field: 'msg._ssiSecondStep', sent: false });
    (await got).payload.priceByCard.decision.should.equal('timed-out');
    sim.counts.Purchase.should.equal(1);
  });

  it('the flow is stopped while the card read waits: the payment is cancelled before the connection goes', async () => {
    sim = await simulator({ firmware: '1.4' });
    await load(flow({ priceByCard: true, cardReadTimeout: 60 }, 'return null;'));
    const card = next(helper.getNode('card'));
    helper.getNode('buy').receive({ payload: 2450 });
    await card;
    await helper.unload();
    // The node let go only once the payment had ended: cancelled, nothing charged.
    (sim.counts['Purchase#2'] || 0).should.equal(0);
    sim.counts.Interrupt.should.be.aboveOrEqual(1);
    sim.status.should.equal('S00');
    sim.engine.batch.should.eql([]);
  });

  it('price by card with a wait set wrong: every payment refused naming cardReadTimeout, nothing sent', async () => {
    sim = await simulator({ firmware: '1.4' });
    for (const wait of ['0', '121', '2.5', 'soon']) {
      await load(flow({ priceByCard: true, cardReadTimeout: wait }, 'return msg;'));
      const caught = next(helper.getNode('caught'));
      helper.getNode('buy').receive({ payload: 2450 });
      const err = await caught;
      err.ecrError.should.match({ code: 'VALIDATION', field: 'cardReadTimeout', sent: false });
      err.ecrError.message.should.equal(`ssi-purchase: cardReadTimeout must be a whole number of seconds from 1 to 120; got ${JSON.stringify(wait)}`);
      await helper.unload();
    }
    (sim.counts.Purchase || 0).should.equal(0);
  });

  it('price by card with nothing wired to output 3: a warning at deploy, and the amount asked is charged', async () => {
    sim = await simulator({ firmware: '1.4' });
    await load(flow({ priceByCard: true }));
    const buy = helper.getNode('buy');
    buy.warn.should.be.calledWithMatch(/nothing is wired to output 3/);
    const got = next(helper.getNode('ok'));
    buy.receive({ payload: 2450 });
    (await got).payload.should.match({ approved: true, amount: 2450 });
    (await got).payload.should.not.have.property('priceByCard');
    sim.counts['Purchase#2'].should.equal(1);
  });
});

describe('ssi-purchase with price by card on a v1.1.10 terminal', function () {
  let sim;
  afterEach(async () => {
    await helper.unload();
    if (sim) await sim.stop();
    sim = undefined;
  });

  it('one step, the amount asked, nothing on output 3; the node says so once', async () => {
    sim = await simulator();
    await load([
      terminalConfig(sim),
      { id: 'buy', type: 'ssi-purchase', terminal: 'term', priceByCard: true, wires: [['ok'], [], ['card']] },
      { id: 'ok', type: 'helper' },
      { id: 'card', type: 'helper' },
    ]);
    const buy = helper.getNode('buy');
    let cards = 0;
    helper.getNode('card').on('input', () => cards++);
    for (const amount of [100, 200]) {
      const got = next(helper.getNode('ok'));
      buy.receive({ payload: amount });
      (await got).payload.should.match({ approved: true, amount, outcome: 'approved' });
    }
    cards.should.equal(0);
    (buy.warn as sinon.SinonSpy).withArgs(sinonMatch(/speaks protocol v1\.1\.10/)).callCount.should.equal(1);
    sim.requests
      .filter((r) => r.method === 'Purchase')
      .every((r) => r.step === undefined)
      .should.be.true();
  });
});

/** A predicate for sinon's withArgs: a string argument matching re. */
function sinonMatch(re: RegExp) {
  return sinon.match((v) => typeof v === 'string' && re.test(v));
}

describe("price by card: reading the flow's answer", function () {
  const asked = 2450n;

  it("a discount (in the node's units), abort, or nothing to change", () => {
    readAnswer({ discountedAmount: 2205 }, 'minor', asked).should.eql({ decision: 'discounted', discountedAmount: '2205' });
    readAnswer({ discountedAmount: '002205' }, 'minor', asked).should.eql({ decision: 'discounted', discountedAmount: '2205' });
    readAnswer({ discountedAmount: '22.05' }, 'major', asked).should.eql({ decision: 'discounted', discountedAmount: '2205' });
    readAnswer({ discountedAmount: 24.5 }, 'major', asked).should.eql({ decision: 'discounted', discountedAmount: '2450' });
    readAnswer({ abort: true, discountedAmount: 100 }, 'minor', asked).should.match({ decision: 'aborted' });
    readAnswer({ abort: 'true' }, 'minor', asked).should.match({ decision: 'aborted' });
    for (const payload of [{}, { abort: false }, { discountedAmount: '' }, { discountedAmount: null, pan: '4725XXXXXXXX1627' }]) {
      readAnswer(payload, 'minor', asked).should.eql({ decision: 'unchanged' }, JSON.stringify(payload));
    }
  });

  it('anything else is refused, naming the field: the payment is then cancelled', () => {
    for (const [payload, units, field] of [
      [2205, 'minor', 'msg.payload'],
      [[2205], 'minor', 'msg.payload'],
      [{ abort: 'yes' }, 'minor', 'msg.payload.abort'],
      [{ discountedAmount: 0 }, 'minor', 'msg.payload.discountedAmount'],
      [{ discountedAmount: 22.05 }, 'minor', 'msg.payload.discountedAmount'],
      [{ discountedAmount: '22.055' }, 'major', 'msg.payload.discountedAmount'],
      [{ discountedAmount: 2451 }, 'minor', 'msg.payload.discountedAmount'],
      [{ discountedAmount: '24.51' }, 'major', 'msg.payload.discountedAmount'],
      [{ discountedAmount: -1 }, 'minor', 'msg.payload.discountedAmount'],
    ] as [unknown, AmountUnits, string][]) {
      let err;
      try {
        readAnswer(payload, units, asked);
      } catch (e) {
        err = e;
      }
      (err !== undefined).should.be.true(JSON.stringify(payload));
      err.should.match({ code: 'VALIDATION', field, sent: false });
    }
  });

  it('the card read leaves out any discountedAmount: an answer sent back unchanged must not carry one in the wrong units', () => {
    const payload = cardReadPayload({
      method: 'GetResultByUid',
      error: false,
      errorCode: '',
      errorDescription: '',
      params: { transAmount: '2450', discountedAmount: '2205', pan: '4725XXXXXXXX1627', binName: 'VISA' },
    });
    payload.should.eql({ transAmount: '2450', pan: '4725XXXXXXXX1627', binName: 'VISA', amount: 2450 });
    readAnswer(payload, 'major', asked).should.eql({ decision: 'unchanged' });
  });
});
