'use strict';
/**
 * Flows written by hand or by tools: a node whose optional properties are missing from the flow file behaves as
 * the editor's defaults say. Every node type is deployed with only type, id, z, terminal and wires, and does its
 * default job against the simulator.
 */
import 'should';
import { helper, terminalConfig, simulator, load, next, NODES, type FlowNode } from './support';
import type { Wire } from '../support/wire';

const BARE = {
  'ssi-purchase': 2,
  'ssi-refund': 2,
  'ssi-transaction': 2,
  'ssi-status': 1,
  'ssi-report': 2,
  'ssi-print': 1,
  'ssi-terminal-info': 1,
  'ssi-command': 1,
};

describe('nodes with only their required properties', function () {
  let sim;
  afterEach(async () => {
    await helper.unload();
    if (sim) await sim.stop();
    sim = undefined;
  });

  it('every flow node type of the pack is deployed bare here', () => {
    Object.keys(BARE)
      .sort()
      .should.eql(NODES.filter((t) => t !== 'ssi-terminal').sort());
  });

  it('each does its default job against the simulator', async () => {
    sim = await simulator();
    const flow: FlowNode[] = [
      { ...terminalConfig(sim), z: 'tab' },
      { id: 'tab', type: 'tab', label: 'bare' },
      { id: 'catcher', type: 'catch', z: 'tab', uncaught: true, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ];
    for (const [type, outputs] of Object.entries(BARE)) {
      const wires = Array.from({ length: outputs }, (_, i) => [`${type}-out${i + 1}`]);
      flow.push({ id: `bare-${type}`, type, z: 'tab', terminal: 'term', wires });
      wires.forEach(([id]) => flow.push({ id, type: 'helper', z: 'tab' }));
    }
    await load(flow);
    const failures: string[] = [];
    helper.getNode('caught').on('input', (msg: Wire) => failures.push(`${msg.error.source.type}: ${msg.error.message}`));
    const run = async (type, msg, output = 1) => {
      const got = next(helper.getNode(`${type}-out${output}`), 8000);
      helper.getNode(`bare-${type}`).receive(msg);
      return got.catch((err) => {
        throw new Error(`${err.message}; caught: ${failures.join(' | ')}`);
      });
    };

    // purchase: amounts in minor units, the terminal's merchant and currency.
    const sale = await run('ssi-purchase', { payload: 2450 });
    sale.payload.should.match({ approved: true, amount: 2450 });
    sim.requests
      .filter((r) => r.method === 'Purchase')
      .map((r) => r.params)
      .should.match([{ transAmount: '2450', transCurrency: '980' }]);
    sale.payload.should.not.have.property('receipt');
    // refund: Refund of the sale by its rrn.
    (await run('ssi-refund', { payload: { amount: 1000, rrn: sale.payload.rrn } })).payload.should.match({
      approved: true,
      originalTrnName: 'Refund',
      amount: 1000,
    });
    // transaction: a Purchase.
    (await run('ssi-transaction', { payload: 300 })).payload.should.match({ approved: true, originalTrnName: 'Purchase', amount: 300 });
    // status: GetStatus on demand, no watching.
    (await run('ssi-status', {})).payload.should.match({ status: 'S00', online: true });
    // report: an X report, without its receipt.
    const report = await run('ssi-report', {});
    report.payload.should.match({ report: 'XReport', ok: true });
    report.payload.should.not.have.property('receipt');
    // print: receipt XML from lines.
    (await run('ssi-print', { payload: ['thank you'] })).ecr.method.should.equal('PrintXml');
    // terminal-info: GetTerminalInfo.
    (await run('ssi-terminal-info', {})).ecr.method.should.equal('GetTerminalInfo');
    // command: the method named by msg.method.
    (await run('ssi-command', { method: 'PingDevice' })).ecr.method.should.equal('PingDevice');
    failures.should.eql([]);
  });
});
