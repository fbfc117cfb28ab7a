'use strict';
/**
 * Redeploys during a payment, in the runtime Node-RED runs (node-red-node-test-helper drives its flows module):
 * what a stopped node's send() really does, what the log says about it, and that an outcome nobody could take
 * reaches the node's next instance. And the hub's scheduled reconciliation: an outcome left open (OUTCOME_UNKNOWN,
 * a payment cut off by the drain) is settled and delivered without waiting for the next payment.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import { EventEmitter } from 'node:events';
import 'should';
import { helper, terminalConfig, simulator, load, next, buyerFlow, type FlowNode } from './support';
import { startNodeRed, request } from '../support/node-red';
import { waitFor, delay, MERCHANT } from '../support/fixtures';
import { TerminalHub } from '../../dist/nodes/lib/terminal-hub';
import type { Terminal } from '../../dist/core';
import type { Wire } from '../support/wire';

/** The runtime's log lines of node `id` (the test helper stops spying when it unloads, so its own log is heard). */
function logOf(id) {
  const log = new EventEmitter();
  const lines: { level: number; text: string }[] = [];
  log.on('log', (m) => m.id === id && lines.push({ level: m.level, text: String(m.msg) }));
  helper._RED.log.addHandler(log);
  return { lines, stop: () => helper._RED.log.removeHandler(log) };
}

const SLOW_CARD = { S01: 10, S02: 400, S03: 10, S04: 10, S05: 10, S07: 0 };

describe('Redeploys during a payment (test runtime)', function () {
  this.timeout(30000);
  let sim;
  let dir;
  let log;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-deploys-'));
    helper.settings({ ssiEcrJournalDir: dir });
  });
  afterEach(async () => {
    log?.stop();
    log = undefined;
    await helper.unload();
    helper.settings({ ssiEcrJournalDir: undefined });
    if (sim) await sim.stop();
    sim = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const oneBuyer = (extra = {}): FlowNode[] => [
    terminalConfig(sim, extra),
    { id: 'b1', type: 'ssi-purchase', terminal: 'term', wires: [['ok1'], ['no1']] },
    { id: 'ok1', type: 'helper' },
    { id: 'no1', type: 'helper' },
    { id: 'c1', type: 'catch', scope: ['b1'], wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
  const twoBuyers = () => [...oneBuyer(), { id: 'b2', type: 'ssi-purchase', terminal: 'term', wires: [['ok2'], []] }, { id: 'ok2', type: 'helper' }];
  const journal = () => JSON.parse(fs.readFileSync(path.join(dir, 'journal-term.json'), 'utf8')).records;

  it('modified nodes, the terminal still used by another node: the outcome reaches the wires, and the log says it was sent on', async () => {
    sim = await simulator({ phases: SLOW_CARD });
    await load(twoBuyers());
    const ok1 = helper.getNode('ok1');
    const got: Wire[] = [];
    ok1.on('input', (m) => got.push(m));
    log = logOf('b1');
    helper.getNode('b1').receive({ payload: 321, order: 'A-1' });
    await waitFor(() => sim.status === 'S02', 2000, 'S02');
    const changed = twoBuyers();
    changed[1].name = 'renamed';
    await helper.setFlows(changed, 'nodes');
    // ok1 did not change: Node-RED still routes what the stopped b1 sends to it.
    helper.getNode('ok1').should.equal(ok1);
    await waitFor(() => got.length === 1, 5000, 'the outcome at ok1');
    got[0].should.match({ order: 'A-1', payload: { approved: true, amount: 321 } });
    got[0].should.not.have.property('recovered');
    await waitFor(() => log.lines.length > 0, 2000, 'the log line');
    log.lines.should.have.length(1);
    log.lines[0].level.should.equal(30);
    log.lines[0].text.should.match(/^the outcome arrived after this node was stopped \(a redeploy\) and was sent on to ok1: /);
    log.lines[0].text.should.match(/"amount":321/);
    log.lines[0].text.should.not.match(/not sent/);
    await delay(300);
    got.should.have.length(1);
    sim.counts.Purchase.should.equal(1);
  });

  it('modified nodes, the node its wire leads to changed too: kept, and the new instance sends it marked recovered, once', async () => {
    sim = await simulator({ phases: SLOW_CARD });
    await load(oneBuyer());
    log = logOf('b1');
    const oldOk = helper.getNode('ok1');
    const early: Wire[] = [];
    oldOk.on('input', (m) => early.push(m));
    helper.getNode('b1').receive({ payload: 432, order: 'A-2', correlationId: 'order-A-2' });
    await waitFor(() => sim.status === 'S02', 2000, 'S02');
    const changed = oneBuyer();
    changed[1].name = 'renamed';
    changed[2].name = 'renamed too';
    // b1 is the terminal's only user: its close waits for the payment, while ok1 is already stopped.
    const deployed = helper.setFlows(changed, 'nodes');
    const got: Wire[] = [];
    await deployed;
    const ok1 = helper.getNode('ok1');
    ok1.should.not.equal(oldOk);
    ok1.on('input', (m) => got.push(m));
    await waitFor(() => got.length === 1, 5000, 'the kept outcome at the new ok1');
    got[0].should.match({ recovered: true, order: 'A-2', correlationId: 'order-A-2', payload: { recovered: true, approved: true, amount: 432 } });
    early.should.have.length(0);
    log.lines
      .map((l) => l.text)
      .should.match([
        /^the outcome arrived after this node was stopped and could not be sent on \(ok1 stopped too\): it is kept, and sent marked recovered when this node starts again/,
        /^sent the outcome of Purchase that arrived .*, after the previous instance of this node was stopped \(a redeploy\), marked recovered: /,
      ]);
    await delay(300);
    got.should.have.length(1);
    sim.counts.Purchase.should.equal(1);
    journal().should.eql([]);
  });

  it('a full deploy: the ssi-terminal node is replaced too, and the new purchase node still sends the kept outcome', async () => {
    sim = await simulator({ phases: SLOW_CARD });
    await load(oneBuyer());
    helper.getNode('b1').receive({ payload: 543 });
    await waitFor(() => sim.status === 'S02', 2000, 'S02');
    const oldHub = helper.getNode('term').hub;
    await helper.setFlows(oneBuyer(), 'full');
    helper.getNode('term').hub.should.not.equal(oldHub);
    const got = await next(helper.getNode('ok1'), 5000);
    got.should.match({ recovered: true, payload: { recovered: true, approved: true, amount: 543 } });
    sim.counts.Purchase.should.equal(1);
  });

  it('a payment the drain cuts off is reconciled and sent marked recovered, with no further payment', async () => {
    sim = await simulator({ phases: { S01: 10, S02: 1500, S03: 10, S04: 10, S05: 10, S07: 0 } });
    await load(oneBuyer());
    const hub = helper.getNode('term').hub;
    hub.drainTimeout = 200;
    hub.reconcileDelay = 200;
    helper.getNode('b1').receive({ payload: 654, correlationId: 'cut-654' });
    await waitFor(() => sim.status === 'S02', 2000, 'S02');
    const changed = oneBuyer();
    changed[1].name = 'renamed';
    await helper.setFlows(changed, 'nodes');
    // The drain ended before the terminal did: the payment is open in the journal, for the new b1.
    helper.getNode('term').hub.should.equal(hub);
    journal().should.have.length(1);
    journal()[0].should.match({ method: 'Purchase', tag: 'b1', ref: 'cut-654' });
    const got = await next(helper.getNode('ok1'), 8000);
    got.should.match({ recovered: true, topic: 'recovered', correlationId: 'cut-654', payload: { recovered: true, approved: true, amount: 654 } });
    got.journal.should.match({ method: 'Purchase', tag: 'b1' });
    sim.counts.Purchase.should.equal(1);
    journal().should.eql([]);
  });

  it('a payment the drain cuts off when its node is removed: reconciled all the same, and its outcome goes to the log', async () => {
    sim = await simulator({ phases: { S01: 10, S02: 1500, S03: 10, S04: 10, S05: 10, S07: 0 } });
    await load(oneBuyer());
    const hub = helper.getNode('term').hub;
    hub.drainTimeout = 200;
    hub.reconcileDelay = 200;
    log = logOf('term');
    const b1 = logOf('b1');
    helper.getNode('b1').receive({ payload: 765 });
    await waitFor(() => sim.status === 'S02', 2000, 'S02');
    await helper.setFlows(
      oneBuyer().filter((n) => n.id !== 'b1'),
      'nodes',
    );
    await waitFor(() => b1.lines.length > 0, 2000, 'the cut-off line');
    b1.stop();
    b1.lines[0].text.should.match(
      /^the Purchase was cut off when this node was stopped: its outcome is established from the terminal \(journal record [^)]+\), and this node was removed, so it goes to the log of its ssi-terminal: /,
    );
    await waitFor(() => log.lines.some((l) => /recovered the outcome/.test(l.text)), 8000, 'the recovered outcome in the log');
    log.lines
      .find((l) => /recovered the outcome/.test(l.text))
      .text.should.match(
        /^recovered the outcome of Purchase started .* for node b1, which is not running: it is sent when that node starts again: .*"transAmount":"765".*APPROVED_ONLINE/,
      );
    sim.counts.Purchase.should.equal(1);
    journal().should.eql([]);
  });
});

describe('Scheduled reconciliation (test runtime)', function () {
  this.timeout(30000);
  let sim;
  let dir;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-deploys-'));
    helper.settings({ ssiEcrJournalDir: dir });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({ ssiEcrJournalDir: undefined });
    if (sim) await sim.stop();
    sim = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const flow = (terminal = {}) => buyerFlow(sim, terminal);

  it('an OUTCOME_UNKNOWN is settled once the terminal tells, and sent marked recovered, with no further payment', async () => {
    sim = await simulator({ phases: { S01: 10, S02: 1500, S03: 10, S04: 10, S05: 10, S07: 0 } });
    await load(flow());
    helper.getNode('term').hub.reconcileDelay = 300;
    const caught = next(helper.getNode('caught'));
    const recovered = next(helper.getNode('ok'), 10000);
    helper.getNode('buy').receive({ payload: 777, correlationId: 'pay-777' });
    (await caught).error.code.should.equal('OUTCOME_UNKNOWN');
    const msg = await recovered;
    msg.should.match({ recovered: true, correlationId: 'pay-777', payload: { recovered: true, approved: true, amount: 777 } });
    sim.counts.Purchase.should.equal(1);
    helper.getNode('term').hub.state.unresolved.should.equal(0);
  });

  it('a terminal that cannot be asked at first: tried again later (backoff) until it tells', async () => {
    sim = await simulator({ phases: { S01: 10, S02: 1500, S03: 10, S04: 10, S05: 10, S07: 0 } });
    await load(flow({ requestTimeout: 300 }));
    const hub = helper.getNode('term').hub;
    hub.reconcileDelay = 300;
    const caught = next(helper.getNode('caught'));
    helper.getNode('buy').receive({ payload: 888 });
    (await caught).error.code.should.equal('OUTCOME_UNKNOWN');
    // Every answer is lost for a while: the first reconciliations cannot ask the terminal anything.
    sim.injectFault({ method: 'GetStatus', action: 'no-response', times: 3 });
    const asked = sim.counts.GetStatus;
    const started = Date.now();
    const msg = await next(helper.getNode('ok'), 15000);
    msg.should.match({ recovered: true, payload: { recovered: true, amount: 888 } });
    // Three reconciliations asked in vain, the fourth was answered.
    (sim.counts.GetStatus - asked).should.be.aboveOrEqual(4);
    // 300 ms, then 600 ms, … between attempts: not before the terminal answered again.
    (Date.now() - started).should.be.above(900);
    sim.counts.Purchase.should.equal(1);
  });
});

/** A Terminal as the hub sees it, whose reconcile() the test controls. */
class FakeTerminal extends EventEmitter {
  records: { id: string; method: string; params: object; tag?: string; startedAt: string; reason?: string }[];
  calls: number[];
  running: number;
  most: number;
  settleAt: number;
  closed: boolean;

  constructor() {
    super();
    this.records = [{ id: 'r1', method: 'Purchase', params: {}, tag: 'n1', startedAt: 'then' }];
    this.calls = [];
    this.running = 0;
    this.most = 0;
    this.settleAt = Infinity;
    this.closed = false;
  }
  unresolved() {
    return this.records;
  }
  async reconcile() {
    this.calls.push(Date.now());
    this.running++;
    this.most = Math.max(this.most, this.running);
    await delay(30);
    this.running--;
    const report = {
      record: this.records[0],
      verdict: this.calls.length >= this.settleAt ? 'ours' : 'unknown',
      retry: true,
      result: { params: { transAmount: '1' } },
    };
    if (report.verdict === 'ours') {
      this.records = [];
      this.emit('recovered', report);
      this.emit('journal', 0);
    }
    return [report];
  }
  whenIdle() {
    return Promise.resolve(true);
  }
  async close() {
    this.closed = true;
  }
}

/** The hub calls only what FakeTerminal has: unresolved(), reconcile(), whenIdle(), close() and its events. */
const asTerminal = (fake: FakeTerminal) => fake as unknown as Terminal;

describe('TerminalHub: reconciliation on a schedule', function () {
  this.timeout(10000);

  function hubWith(terminal) {
    const hub = new TerminalHub({ host: 'fake' }, () => asTerminal(terminal));
    hub.reconcileDelay = 40;
    hub.reconcileMaxDelay = 160;
    return hub;
  }

  it('while records are open: after reconcileDelay, then twice as long each time up to the cap; never two at once', async () => {
    const terminal = new FakeTerminal();
    const hub = hubWith(terminal);
    const opened = Date.now();
    hub.acquire('n1');
    // News of the journal while one is planned or running neither starts another nor puts the next one off.
    const chatter = setInterval(() => terminal.emit('journal', 1), 5);
    await waitFor(() => terminal.calls.length >= 5, 5000, 'five reconciliations');
    clearInterval(chatter);
    terminal.most.should.equal(1);
    const gaps = [terminal.calls[0] - opened, ...terminal.calls.slice(1).map((t, i) => t - terminal.calls[i] - 30)];
    // Timers fire late on a busy machine, never early.
    gaps[0].should.be.aboveOrEqual(38);
    gaps[1].should.be.aboveOrEqual(78);
    gaps[2].should.be.aboveOrEqual(158);
    gaps[3].should.be.aboveOrEqual(158);
    gaps[4].should.be.aboveOrEqual(158);
    gaps[3].should.be.below(1000);
    await hub.close();
  });

  it('what it settles goes to the node that started it; then it stops, and starts again at reconcileDelay when a record opens', async () => {
    const terminal = new FakeTerminal();
    terminal.settleAt = 2;
    const hub = hubWith(terminal);
    const got: Wire[] = [];
    hub.acquire('n1');
    hub.onRecovered('n1', (item) => got.push(item));
    await waitFor(() => got.length === 1, 3000, 'the recovered outcome');
    got[0].report.verdict.should.equal('ours');
    await delay(400);
    terminal.calls.should.have.length(2);
    terminal.records = [{ id: 'r2', method: 'Refund', params: {}, tag: 'n1', startedAt: 'now' }];
    const reopened = Date.now();
    terminal.emit('journal', 1);
    await waitFor(() => terminal.calls.length === 3, 3000, 'a reconciliation of the new record');
    // The wait starts again from reconcileDelay, not from where it was.
    (terminal.calls[2] - reopened).should.be.below(150);
    await hub.close();
  });

  it('stops on close, and plans nothing for records it cannot settle by asking (an unreadable journal)', async () => {
    const terminal = new FakeTerminal();
    const hub = hubWith(terminal);
    hub.acquire('n1');
    await waitFor(() => terminal.calls.length === 1, 3000, 'the first reconciliation');
    await hub.close();
    const after = terminal.calls.length;
    await delay(400);
    terminal.calls.length.should.equal(after);

    const unreadable = new FakeTerminal();
    unreadable.records = [{ id: 'unreadable-journal', method: 'Unknown', params: {}, startedAt: 'then', reason: 'x' }];
    const hub2 = hubWith(unreadable);
    hub2.acquire('n1');
    unreadable.emit('journal', 1);
    await delay(300);
    unreadable.calls.should.have.length(0);
    await hub2.close();
  });

  it('an outcome kept for a node waits for it across hubs of the same configuration, and only for that node id', async () => {
    const options = { host: 'kept.example', port: 1 };
    const first = new TerminalHub(options, () => asTerminal(new FakeTerminal()));
    first.keep('n7', { kept: { out: [{ payload: { amount: 5 } }, null], payload: { amount: 5 }, method: 'Purchase', arrivedAt: 'now' } });
    await first.close();
    const second = new TerminalHub(options, () => asTerminal(new FakeTerminal()));
    const other: Wire[] = [];
    second.onRecovered('n8', (item) => other.push(item));
    const got: Wire[] = [];
    second.onRecovered('n7', (item) => got.push(item));
    got.should.have.length(1);
    got[0].kept.should.match({ method: 'Purchase', out: [{ payload: { amount: 5 } }, null] });
    other.should.have.length(0);
    // Taken once: a third instance finds nothing.
    const again: Wire[] = [];
    second.onRecovered('n7', (item) => again.push(item));
    again.should.have.length(0);
    await second.close();
  });
});

describe('Redeploys during a payment in a real Node-RED', function () {
  this.timeout(60000);
  let sim;
  let red;
  afterEach(async () => {
    if (red) await red.stop();
    if (sim) await sim.stop();
    red = sim = undefined;
  });

  it('a modified-nodes deploy through the editor API: the outcome reaches the wires once, and the log says so', async () => {
    sim = await simulator({ phases: { S01: 10, S02: 1500, S03: 10, S04: 10, S05: 10, S07: 0 } });
    const flows = [
      { id: 'f1', type: 'tab', label: 'pay' },
      {
        id: 'cfg1',
        type: 'ssi-terminal',
        name: 'sim',
        transport: 'tcp',
        host: '127.0.0.1',
        port: sim.port,
        merchantId: MERCHANT,
        currency: '980',
        pollInterval: 20,
      },
      { id: 'inj1', type: 'inject', z: 'f1', props: [{ p: 'payload' }], payload: '2450', payloadType: 'num', wires: [['buy1']] },
      { id: 'buy1', type: 'ssi-purchase', z: 'f1', terminal: 'cfg1', units: 'minor', wires: [['out1'], []] },
      // What leaves the purchase node, in the log where the test can see it.
      {
        id: 'out1',
        type: 'function',
        z: 'f1',
        func: "node.warn('OUTCOME ' + msg.payload.amount + ' recovered=' + (msg.recovered === true));\nreturn null;",
        outputs: 0,
        wires: [],
      },
    ];
    red = await startNodeRed({ flows });
    (await red.inject('inj1')).status.should.equal(200);
    await waitFor(() => sim.status === 'S02', 5000, 'the card prompt');
    const current = await request(`${red.url}/flows`);
    const changed = current.body.map((n) => (n.id === 'buy1' ? { ...n, name: 'renamed' } : n));
    (await request(`${red.url}/flows`, { method: 'POST', body: changed, headers: { 'Node-RED-Deployment-Type': 'nodes' } })).status.should.equal(204);
    await waitFor(() => /OUTCOME 2450/.test(red.output()), 10000, 'the outcome at the function node');
    await delay(500);
    const output = red.output();
    output.match(/OUTCOME 2450/g).should.have.length(1);
    output.should.match(/OUTCOME 2450 recovered=false/);
    output.should.match(/the outcome arrived after this node was stopped \(a redeploy\) and was sent on to out1/);
    output.should.not.match(/not sent on|could not be sent on/);
    sim.counts.Purchase.should.equal(1);
  });
});
