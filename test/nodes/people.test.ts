'use strict';
/** What flow authors and venue staff see: statuses in words with the time, and the payload of a payment. */
import should = require('should');
import { helper, terminalConfig, simulator, load, next, statuses, withoutTime, statusText, MERCHANT } from './support';
import type { Simulator } from '../../dist/simulator';
import { translator, readable } from '../../dist/nodes/lib/i18n';
import { transactionTimestamp } from '../../dist/nodes/lib/payment-message';
import { REASONS, outcomeReason } from '../../dist/nodes/lib/reasons';
import type { Wire } from '../support/wire';

const KEY = /@ssi-ecr\/node-red\//;

describe('status texts for people', function () {
  let sim;
  afterEach(async () => {
    await helper.unload();
    if (sim) await sim.stop();
    sim = undefined;
  });

  it('a core Status node receives words, never a translation key; the outcome says when it came', async () => {
    sim = await simulator();
    await load([
      terminalConfig(sim),
      { id: 'buy', type: 'ssi-purchase', terminal: 'term', wires: [['ok'], ['no']] },
      { id: 'ok', type: 'helper' },
      { id: 'no', type: 'helper' },
      { id: 'watch', type: 'status', scope: ['buy'], wires: [['seen']] },
      { id: 'seen', type: 'helper' },
    ]);
    const texts: string[] = [];
    helper.getNode('seen').on('input', (msg: Wire) => texts.push(msg.status.text));
    let got = next(helper.getNode('no'));
    helper.getNode('buy').receive({ payload: 10051 });
    await got;
    got = next(helper.getNode('ok'));
    helper.getNode('buy').receive({ payload: 2450 });
    await got;
    await new Promise((r) => setTimeout(r, 50));
    texts.should.containEql(statusText('sending'));
    texts.filter((t) => KEY.test(t)).should.eql([]);
    texts.some((t) => /^✘ insufficient funds at \d\d:\d\d$/.test(t)).should.be.true(`no decline in ${JSON.stringify(texts)}`);
    withoutTime({ text: texts[texts.length - 1] }).text.should.equal('✔ 24.50');
  });

  it("a node's last outcome stays while another node uses the same terminal", async () => {
    sim = await simulator();
    await load([
      terminalConfig(sim),
      { id: 'b1', type: 'ssi-purchase', terminal: 'term', wires: [['ok1'], []] },
      { id: 'b2', type: 'ssi-purchase', terminal: 'term', wires: [['ok2'], []] },
      { id: 'ok1', type: 'helper' },
      { id: 'ok2', type: 'helper' },
    ]);
    const seen1 = statuses(helper.getNode('b1'));
    const seen2 = statuses(helper.getNode('b2'));
    let got = next(helper.getNode('ok1'));
    helper.getNode('b1').receive({ payload: 100 });
    await got;
    const outcome = seen1[seen1.length - 1];
    withoutTime(outcome).should.eql({ fill: 'green', shape: 'dot', text: '✔ 1.00' });
    const before = seen1.length;
    got = next(helper.getNode('ok2'));
    helper.getNode('b2').receive({ payload: 200 });
    await got;
    await new Promise((r) => setTimeout(r, 50));
    // b2 went through its steps (the terminal's state changed) while b1 kept its outcome.
    seen2.map((s) => s.text).should.containEql(statusText('sending'));
    seen1.slice(before).should.eql([]);
  });

  it('RED._ translates in the runtime language; a key it does not know falls back to the English catalogue', () => {
    const uk = {
      _: (key, values) => (key.endsWith('.status.at') ? `${values.text} о ${values.time}` : key.endsWith('.status.S00') ? 'готовий' : key),
    };
    const t = translator(uk as unknown as Parameters<typeof translator>[0]); // it uses RED._ only
    t('@ssi-ecr/node-red/ssi-terminal:ssi-terminal.status.S00').should.equal('готовий');
    t('@ssi-ecr/node-red/ssi-terminal:ssi-terminal.status.at', { text: '✔ 24.50', time: '10:17' }).should.equal('✔ 24.50 о 10:17');
    t('@ssi-ecr/node-red/ssi-terminal:ssi-terminal.status.S03').should.equal('enter PIN');
    t('@ssi-ecr/node-red/ssi-terminal:ssi-terminal.status.queued', { count: 2 }).should.equal('waiting: 2 in the queue');
    readable(t, { fill: 'blue', text: '@ssi-ecr/node-red/ssi-terminal:ssi-terminal.status.S02' }).should.eql({ fill: 'blue', text: 'insert card' });
    readable(t, { text: '✔ 1.00' }).should.eql({ text: '✔ 1.00' });
  });

  it('every reason has a phrase in both catalogues, the English one being the payload reason', () => {
    const en = require('../../src/nodes/locales/en-US/ssi-terminal.json')['ssi-terminal'].reason;
    const uk = require('../../src/nodes/locales/uk/ssi-terminal.json')['ssi-terminal'].reason;
    en.should.eql(REASONS);
    Object.keys(uk).sort().should.eql(Object.keys(REASONS).sort());
    outcomeReason({ responseCode: '55', transactionResult: 'DECLINED_ONLINE' }, 'E21').should.equal('wrong-pin');
    outcomeReason({ transactionResult: 'CANCELLED' }, 'E12').should.equal('cancelled');
    outcomeReason({ transactionResult: 'FAILED', responseCode: '' }, 'E10').should.equal('no-bank-connection');
    outcomeReason({ transactionResult: 'DECLINED_OFFLINE' }, '').should.equal('declined-by-bank');
    outcomeReason({ transactionResult: 'PIN_ERROR', responseCode: '' }, 'E11').should.equal('wrong-pin');
    outcomeReason({ transactionResult: 'CONNECTION_TIMEOUT' }, 'E21').should.equal('no-bank-connection');
    outcomeReason({ transactionResult: 'FAILED' }, 'E21').should.equal('failed');
  });
});

describe('the payment msg a flow author wants', function () {
  let sim;
  afterEach(async () => {
    await helper.unload();
    if (sim) await sim.stop();
    sim = undefined;
  });

  function flow(purchase = {}) {
    return [
      terminalConfig(sim),
      { id: 'buy', type: 'ssi-purchase', terminal: 'term', wires: [['ok'], ['no']], ...purchase },
      { id: 'ok', type: 'helper' },
      { id: 'no', type: 'helper' },
    ];
  }

  it('amount in minor and major units, one ISO 8601 time with the offset, no track2; a decline has a reason beside the terminal text', async () => {
    sim = await simulator();
    await load(flow());
    let got = next(helper.getNode('ok'));
    helper.getNode('buy').receive({ payload: 2450 });
    const msg = await got;
    msg.payload.should.match({ approved: true, amount: 2450, amountMajor: 24.5, merchantId: MERCHANT });
    msg.payload.should.not.have.properties('track2', 'reason', 'errorDescription');
    msg.payload.timestamp.should.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    const [dd, mm, yyyy] = msg.payload.date.split('/');
    msg.payload.timestamp.slice(0, 19).should.equal(`${yyyy}-${mm}-${dd}T${msg.payload.time}`);
    Math.abs(Date.parse(msg.payload.timestamp) - Date.now()).should.be.below(60000);
    got = next(helper.getNode('no'));
    helper.getNode('buy').receive({ payload: 10051 });
    const no = await got;
    no.payload.should.match({
      approved: false,
      outcome: 'declined',
      amountMajor: 100.51,
      responseCode: '51',
      errorCode: 'E21',
      reason: 'insufficient funds',
    });
    no.payload.errorDetails.should.be.a.String().and.not.be.empty();
  });

  it('transactionTimestamp: both firmware spellings; a date the calendar does not have is no time', () => {
    const pad = (n) => String(n).padStart(2, '0');
    const off = -new Date(2026, 11, 5, 10, 17, 3).getTimezoneOffset();
    const zone = `${off >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
    should(transactionTimestamp({ date: '05/12/2026', time: '10:17:03' })).equal(`2026-12-05T10:17:03${zone}`);
    should(transactionTimestamp({ transactionDate: '05122026', transactionTime: '101703' })).equal(`2026-12-05T10:17:03${zone}`);
    (transactionTimestamp({ date: '31/02/2026', time: '10:17:03' }) === undefined).should.be.true();
    (transactionTimestamp({ date: '05/12/2026' }) === undefined).should.be.true();
  });

  it('with "attach the receipt", the receipt of the payment comes with it, approved or declined', async () => {
    sim = await simulator();
    await load(flow({ receipt: true }));
    let got = next(helper.getNode('ok'));
    helper.getNode('buy').receive({ payload: 2450 });
    const msg = await got;
    msg.payload.receipt.should.be.a.String();
    msg.payload.receipt.should.match(/24[.,]50/);
    msg.payload.should.not.have.property('receiptError');
    sim.requests
      .map((r) => r.method)
      .slice(-1)
      .should.eql(['GetLastReceipt']);
    got = next(helper.getNode('no'));
    helper.getNode('buy').receive({ payload: 10005 });
    const no = await got;
    no.payload.should.have.property('receipt');
    no.payload.approved.should.be.false();
  });

  it('a receipt that cannot be fetched never hides the outcome: receipt null and receiptError', async () => {
    sim = await simulator();
    await load(flow({ receipt: true }));
    // Twice: a read lost in a closing connection is asked once more on a new one.
    sim.injectFault({ method: 'GetLastReceipt', action: 'close-before-response', times: 2 });
    const got = next(helper.getNode('ok'));
    helper.getNode('buy').receive({ payload: 2450 });
    const msg = await got;
    msg.payload.should.match({ approved: true, amount: 2450, receipt: null });
    msg.payload.receiptError.should.match(/^GetLastReceipt: connection to tcp:\/\/127\.0\.0\.1:\d+ lost after the request was sent$/);
    sim.counts.Purchase.should.equal(1);
  });
});

describe('fleets and kiosks', function () {
  let sims: Simulator[] = [];
  afterEach(async () => {
    await helper.unload();
    for (const s of sims) await s.stop();
    sims = [];
  });

  it('ssi-status of two terminals: msg.topic names the terminal, msg.payload.terminal is its id; a flow topic is kept', async () => {
    const [a, b] = [await simulator(), await simulator()];
    sims = [a, b];
    await load([
      { ...terminalConfig(a), id: 'till-1', name: 'till 1' },
      { ...terminalConfig(b), id: 'till-2', name: '' },
      { id: 's1', type: 'ssi-status', terminal: 'till-1', watch: true, interval: 30, wires: [['out']] },
      { id: 's2', type: 'ssi-status', terminal: 'till-2', watch: true, interval: 30, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const got: Wire[] = [];
    helper.getNode('out').on('input', (msg: Wire) => got.push(msg));
    const until = Date.now() + 3000;
    while (got.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    got
      .map((m) => [m.topic, m.payload.terminal, m.payload.status])
      .sort()
      .should.eql([
        ['till 1', 'till-1', 'S00'],
        ['till-2', 'till-2', 'S00'],
      ]);
    const asked = next(helper.getNode('out'));
    helper.getNode('s1').receive({ payload: '' });
    (await asked).should.match({ topic: 'till 1', payload: { terminal: 'till-1', online: true } });
    const own = next(helper.getNode('out'));
    helper.getNode('s2').receive({ topic: 'dashboard' });
    (await own).should.match({ topic: 'dashboard', payload: { terminal: 'till-2' } });
  });

  function payers(sim, busy) {
    return [
      terminalConfig(sim),
      { id: 'buy', type: 'ssi-purchase', terminal: 'term', busy, wires: [['ok'], ['no']] },
      { id: 'back', type: 'ssi-refund', terminal: 'term', busy, wires: [['ok'], ['no']] },
      { id: 'txn', type: 'ssi-transaction', terminal: 'term', method: 'Purchase', busy, wires: [['ok'], ['no']] },
      { id: 'ok', type: 'helper' },
      { id: 'no', type: 'helper' },
      { id: 'catcher', type: 'catch', scope: ['buy', 'back', 'txn'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ];
  }

  it('busy "refuse": while the queue holds an operation, purchase, refund and transaction refuse at once with BUSY, nothing sent', async () => {
    const sim = await simulator({ phases: { S01: 20, S02: 300, S03: 20, S04: 20, S05: 0, S07: 0 } });
    sims = [sim];
    await load(payers(sim, 'refuse'));
    const ok = next(helper.getNode('ok'), 8000);
    helper.getNode('buy').receive({ payload: 100 });
    const refusals: Wire[] = [];
    helper.getNode('caught').on('input', (msg: Wire) => refusals.push(msg));
    await new Promise((r) => setTimeout(r, 30));
    helper.getNode('buy').receive({ payload: 200, n: 1 });
    helper.getNode('back').receive({ payload: { amount: 100, rrn: '260000000001' }, n: 2 });
    helper.getNode('txn').receive({ payload: 300, n: 3 });
    const first = await ok;
    first.payload.amount.should.equal(100);
    refusals
      .map((m) => m.n)
      .sort()
      .should.eql([1, 2, 3]);
    for (const m of refusals) m.ecrError.should.match({ code: 'BUSY', sent: false, facts: { pending: 1 } });
    sim.requests
      .filter((r) => r.method === 'Purchase' || r.method === 'Refund')
      .map((r) => (r.params as Record<string, unknown>).transAmount)
      .should.eql(['100']);
    // Idle again: the next payment goes through.
    const again = next(helper.getNode('ok'), 8000);
    helper.getNode('txn').receive({ payload: 400 });
    (await again).payload.amount.should.equal(400);
  });

  it('busy "queue" (the default): a payment waits its turn and its status shows the queue depth', async () => {
    const sim = await simulator({ phases: { S01: 20, S02: 200, S03: 20, S04: 20, S05: 0, S07: 0 } });
    sims = [sim];
    const flow = payers(sim, undefined);
    await load(flow);
    const seen = statuses(helper.getNode('txn'));
    const got: Wire[] = [];
    helper.getNode('ok').on('input', (msg: Wire) => got.push(msg.payload.amount));
    helper.getNode('buy').receive({ payload: 100 });
    helper.getNode('txn').receive({ payload: 200 });
    const until = Date.now() + 8000;
    while (got.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    got.should.eql([100, 200]);
    seen.should.containEql({ fill: 'blue', shape: 'ring', text: 'waiting: 1 in the queue' });
    seen.map((s) => s.text).should.not.containEql(statusText('sending'));
  });
});
