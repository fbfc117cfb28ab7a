'use strict';
import 'should';
import { METHOD_NAMES } from '../../dist/core';
import { helper, terminalConfig, simulator, load, next, statuses, MERCHANT, withoutTime } from './support';
import { sent } from './seed';

describe('ssi-command node', function () {
  let sim;
  afterEach(async () => {
    await helper.unload();
    if (sim) await sim.stop();
    sim = undefined;
  });

  function flow(command = {}) {
    return [
      terminalConfig(sim),
      { id: 'cmd', type: 'ssi-command', name: 'raw command', terminal: 'term', method: 'msg', wires: [['out']], ...command },
      { id: 'out', type: 'helper' },
      { id: 'catcher', type: 'catch', scope: ['cmd'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ];
  }

  async function run(msg) {
    const got = next(helper.getNode('out'));
    helper.getNode('cmd').receive(msg);
    return got;
  }

  async function refused(msg) {
    const caught = next(helper.getNode('caught'));
    helper.getNode('cmd').receive(msg);
    return caught;
  }

  it('a method answered at once: msg.payload is the whole normalised response (an inject timestamp is no params)', async () => {
    sim = await simulator();
    await load(flow({ method: 'GetStatus' }));
    const seen = statuses(helper.getNode('cmd'));
    const msg = await run({ payload: 1764316800000, topic: 'poll' });
    msg.payload.should.eql({ method: 'GetStatus', error: false, errorCode: '', errorDescription: '', params: {}, status: 'S00' });
    msg.ecr.should.eql({ method: 'GetStatus', response: msg.payload });
    msg.topic.should.equal('poll');
    sent(sim, 'GetStatus').should.eql([undefined]);
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'green', shape: 'dot', text: '✔ done' });
  });

  it('method msg, a financial method: runs to its outcome through transact; a decline is a result, not an error', async () => {
    sim = await simulator();
    await load(flow());
    const seen = statuses(helper.getNode('cmd'));
    let msg = await run({ method: 'Purchase', payload: { transAmount: 2450, transCurrency: '980', merchantId: MERCHANT } });
    msg.payload.should.match({
      method: 'GetLastResult',
      error: false,
      params: { originalTrnName: 'Purchase', transAmount: '2450', transactionResult: 'APPROVED_ONLINE' },
    });
    msg.ecr.method.should.equal('Purchase');
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'green', shape: 'dot', text: '✔ done' });
    msg = await run({ method: 'Purchase', payload: { transAmount: 10005, transCurrency: '980', merchantId: MERCHANT } });
    msg.payload.should.match({
      method: 'GetLastResult',
      error: true,
      errorCode: 'E21',
      params: { transactionResult: 'DECLINED_ONLINE', responseCode: '05' },
    });
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'red', shape: 'ring', text: '✘ declined by the bank' });
    sent(sim, 'Purchase').length.should.equal(2);
    sim.counts.GetStatus.should.be.above(1);
  });

  it('a report through transact: msg.payload is the GetLastReport', async () => {
    sim = await simulator();
    await load(flow({ method: 'XReport' }));
    const msg = await run({ payload: { merchantId: MERCHANT } });
    msg.payload.should.match({ method: 'GetLastReport', error: false, params: { responseCode: '00', totalSaleCount: 0, isBatchEmpty: true } });
    sent(sim, 'XReport').should.eql([{ merchantId: MERCHANT }]);
  });

  it("a method the catalogue does not know: the core's UNKNOWN_METHOD, nothing sent", async () => {
    sim = await simulator();
    await load(flow());
    const err = await refused({ method: 'getstatus', payload: {}, keep: 'k' });
    err.error.code.should.equal('UNKNOWN_METHOD');
    err.ecrError.should.match({
      code: 'UNKNOWN_METHOD',
      field: 'method',
      message: `getstatus: unknown method. Did you mean GetStatus? Known methods: ${METHOD_NAMES.join(', ')}`,
    });
    METHOD_NAMES.length.should.equal(29);
    err.keep.should.equal('k');
    const none = await refused({ payload: {} });
    none.error.code.should.equal('UNKNOWN_METHOD');
    sim.requests.length.should.equal(0);
  });

  it('a refusal of the terminal (no last receipt: E20) and a non-object payload (VALIDATION) reach Catch', async () => {
    sim = await simulator();
    await load(flow());
    const seen = statuses(helper.getNode('cmd'));
    const err = await refused({ method: 'GetLastReceipt' });
    err.error.code.should.equal('E20');
    err.ecrError.should.match({ code: 'E20', method: 'GetLastReceipt', sent: true });
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'red', shape: 'ring', text: '✘ no last transaction on the terminal' });
    const bad = await refused({ method: 'Refund', payload: 500 });
    bad.ecrError.should.match({
      code: 'VALIDATION',
      field: 'payload',
      message: 'ssi-command: payload must be an object of Refund request keys; got 500',
    });
    sim.counts.should.eql({ GetLastReceipt: 1 });
  });
});
