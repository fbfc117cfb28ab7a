'use strict';
/**
 * The MQTT fleet example (examples/06) for real: an MQTT 5 broker on loopback (mosquitto where it is installed,
 * else aedes from npm; the run's first lines say which), two simulated terminals, Node-RED (a real process)
 * running the example flow, and a plain MQTT client as the central system. Each result arrives once, with its correlation id, on its terminal's topic and from that terminal; a repeated id never reaches a
 * terminal twice; bad requests are answered without reaching one; the statuses are retained; the broker's last will
 * tells a dead gateway, and the payment it was running is answered after the restart, with its id; after a restart
 * (the ids in memory gone) a repeated id is still never charged again.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import should = require('should');
import mqtt = require('mqtt');
import { startSimulator, type Simulator } from '../dist/simulator';
import type { Wire } from './support/wire';
import { startNodeRed } from './support/node-red';
import { startBroker } from './support/broker';
import { waitFor, delay, MERCHANT } from './support/fixtures';

const EXAMPLE = path.join(__dirname, '..', 'examples', '06 MQTT fleet - payments by topic.json');
const PHASES = { S01: 10, S02: 300, S03: 10, S04: 10, S05: 10, S07: 0 };
const TERMINALS = { 'till-1': 'T0000001', 'till-2': 'T0000002' };

/**
 * The example with its broker and terminals pointed at the test's, polling fast; on a tab of its own. The example's
 * MQTT nodes and broker come disabled (`d: true`): enabled here, as its comment tells a user to do.
 */
function fleetFlow(brokerPort, sims, settings = {}) {
  const nodes = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')).map(({ d, ...n }) =>
    /^mqtt/.test(n.type) ? n : { ...n, ...(d === undefined ? {} : { d }) },
  );
  const tab = nodes.find((n) => n.z).z;
  const flow = nodes.map((n) => {
    if (n.type === 'ssi-terminal') return { ...n, port: sims[n.name].port, pollInterval: 10, unackedGrace: 300, ...settings[n.name] };
    if (n.type === 'mqtt-broker') return { ...n, port: String(brokerPort) };
    if (n.type === 'ssi-status' && n.watch) return { ...n, interval: 1 };
    return n;
  });
  return [{ id: tab, type: 'tab', label: 'fleet' }, ...flow];
}

/** An MQTT 5 client that keeps every message it gets: { topic, body (parsed JSON), retain, properties }. */
async function client(brokerPort, topics) {
  const c = (await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, {
    protocolVersion: 5,
    clean: true,
    reconnectPeriod: 0,
  })) as mqtt.MqttClient & { got: { topic: string; body: Wire; retain: boolean; properties: object }[] };
  c.got = [];
  c.on('message', (topic, payload, packet) => {
    let body: Wire = payload.toString();
    try {
      body = JSON.parse(body);
    } catch {
      /* not JSON */
    }
    c.got.push({ topic, body, retain: packet.retain, properties: packet.properties || {} });
  });
  await c.subscribeAsync(topics, { qos: 1 });
  return c;
}

const request = (c, terminal, body, properties?) =>
  c.publishAsync(`payments/${terminal}/request`, typeof body === 'string' ? body : JSON.stringify(body), {
    qos: 1,
    ...(properties ? { properties } : {}),
  });

const amounts = (sim) =>
  sim.requests
    .filter((r) => r.method === 'Purchase')
    .map((r) => r.params.transAmount)
    .sort();

describe('MQTT fleet example: an MQTT 5 broker, two terminals, Node-RED and a central system', function () {
  this.timeout(90000);
  let dir;
  let broker;
  let sims: Record<string, Simulator>;
  let red;
  let clients;

  /** `settings`: ssi-terminal settings by terminal name. */
  async function start(settings?) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-mqtt-'));
    broker = await startBroker(dir);
    sims = {};
    for (const [name, terminalId] of Object.entries(TERMINALS)) {
      sims[name] = await startSimulator({ port: 0, phases: PHASES, merchants: [{ merchantId: MERCHANT, terminalIds: [terminalId] }] });
    }
    clients = [];
    const central = await client(broker.port, ['payments/#', 'client/replies']);
    clients.push(central);
    red = await startNodeRed({ flows: fleetFlow(broker.port, sims, settings), keep: true });
    return central;
  }

  /** What arrived on a topic, without the requests the central system published itself. */
  const on = (c, re) => c.got.filter((m) => re.test(m.topic));

  async function gatewayUp(c) {
    await waitFor(() => on(c, /^payments\/gateway$/).some((m) => m.body.online === true), 20000, 'the gateway online (birth message)');
    for (const name of Object.keys(TERMINALS)) {
      await waitFor(() => on(c, new RegExp(`^payments/${name}/status$`)).some((m) => m.body.state === 'online'), 20000, `${name} online`);
    }
  }

  afterEach(async () => {
    for (const c of clients ?? []) await c.endAsync(true);
    if (red) {
      await red.stop();
      fs.rmSync(red.userDir, { recursive: true, force: true });
    }
    for (const sim of Object.values(sims ?? {})) if (!sim['stopped']) await sim.stop();
    if (broker) await broker.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    red = broker = clients = dir = undefined;
    sims = {};
  });

  it('answers every request once, with its id, from the right terminal; a repeat never charges twice; bad requests reach no terminal', async () => {
    const central = await start();
    await gatewayUp(central);

    const reply = Buffer.from('corr-b5');
    // What the central system sends, all at once; the a1 repeat is a QoS 1 redelivery while a1 runs.
    await Promise.all([
      request(central, 'till-1', { id: 'a1', method: 'Purchase', params: { amount: 1001 } }).then(() =>
        request(central, 'till-1', { id: 'a1', method: 'Purchase', params: { amount: 1001 } }),
      ),
      request(central, 'till-1', { id: 'a2', method: 'Purchase', params: { amount: 10005 } }),
      request(central, 'till-1', { id: 'a3', method: 'Purchase', params: { amount: '12.50' } }),
      request(central, 'till-1', { id: 'a4', method: 'MakeCoffee', params: {} }),
      request(central, 'till-1', 'not JSON at all'),
      request(central, 'till-1', { method: 'Purchase', params: { amount: 100 } }),
      request(central, 'till-2', { id: 'a1', method: 'Purchase', params: { amount: 2001 } }),
      request(central, 'till-2', { id: 'b2', method: 'Purchase', params: { amount: 2002, currency: '980' } }),
      request(
        central,
        'till-2',
        { id: 'b5', method: 'Purchase', params: { amount: 2005 } },
        { responseTopic: 'client/replies', correlationData: reply },
      ),
      request(central, 'till-9', { id: 'c1', method: 'Purchase', params: { amount: 100 } }),
    ]);
    const results = () => on(central, /\/result$|^client\/replies$/);
    await waitFor(() => results().length >= 10, 30000, `10 results (got ${results().length})`);
    await delay(1500); // anything more would be a second answer

    const got = results()
      .map((m) => `${m.topic} ${m.body.id}${m.body.id === null ? ` ${m.body.error.field}` : ''}`)
      .sort();
    got.should.eql([
      'client/replies b5',
      'payments/till-1/result a1',
      'payments/till-1/result a2',
      'payments/till-1/result a3',
      'payments/till-1/result a4',
      'payments/till-1/result null id',
      'payments/till-1/result null payload',
      'payments/till-2/result a1',
      'payments/till-2/result b2',
      'payments/till-9/result c1',
    ]);
    const find = (topic, id) => results().find((m) => m.topic === topic && m.body.id === id);

    // Approved and declined payments, each from its own terminal.
    for (const [topic, id, terminal, amount] of [
      ['payments/till-1/result', 'a1', 'till-1', 1001],
      ['payments/till-2/result', 'a1', 'till-2', 2001],
      ['payments/till-2/result', 'b2', 'till-2', 2002],
      ['client/replies', 'b5', 'till-2', 2005],
    ]) {
      const { body, properties } = find(topic, id);
      body.should.match({ id, terminal, method: 'Purchase', outcome: 'approved', ok: true });
      body.result.should.match({
        approved: true,
        amount,
        transactionResult: 'APPROVED_ONLINE',
        terminalId: TERMINALS[terminal],
        merchantId: MERCHANT,
      });
      body.result.pan.should.match(/^\d{4}X+\d{4}$/);
      body.result.should.not.have.property('track2');
      body.should.not.have.property('duplicate');
      properties.contentType.should.equal('application/json');
    }
    find('client/replies', 'b5').properties.correlationData.should.eql(reply);
    find('payments/till-1/result', 'a2').body.should.match({
      terminal: 'till-1',
      outcome: 'declined',
      ok: false,
      result: { approved: false, amount: 10005, transactionResult: 'DECLINED_ONLINE', errorCode: 'E21', terminalId: 'T0000001' },
    });

    // Bad requests: an error naming the field and the rule, and nothing sent.
    const error = (topic, id, field?) =>
      results().find((m) => m.topic === topic && m.body.id === id && (id !== null || m.body.error.field === field)).body;
    error('payments/till-1/result', 'a3').should.match({
      outcome: 'error',
      ok: false,
      error: { code: 'VALIDATION', field: 'transAmount', sent: false },
    });
    error('payments/till-1/result', 'a4').should.match({
      method: 'MakeCoffee',
      outcome: 'error',
      error: { code: 'VALIDATION', field: 'method', sent: false },
    });
    error('payments/till-1/result', 'a4').error.rule.should.match(/must be one of Purchase, /);
    error('payments/till-1/result', null, 'payload').should.match({
      terminal: 'till-1',
      outcome: 'error',
      error: { code: 'VALIDATION', rule: 'must be a JSON object', sent: false },
    });
    error('payments/till-1/result', null, 'id').error.rule.should.match(/^must be a string of 1 to 64 characters/);
    error('payments/till-9/result', 'c1').should.match({
      terminal: 'till-9',
      outcome: 'error',
      error: { code: 'UNKNOWN_TERMINAL', field: 'topic', sent: false },
    });
    for (const { body } of results().filter((m) => m.body.outcome === 'error')) {
      body.error.message.should.be.a.String();
      body.error.rule.should.be.a.String();
    }

    // What the terminals were asked: each payment once, on its own terminal; the a1 repeat and the bad ones never.
    amounts(sims['till-1']).should.eql(['10005', '1001']);
    amounts(sims['till-2']).should.eql(['2001', '2002', '2005']);
    for (const sim of Object.values(sims)) should(sim.requests.map((r) => r.method)).not.containEql('MakeCoffee');

    // The client publishes a1 again later (it missed the answer, say): the same answer, marked, and no charge.
    const before = results().length;
    await request(central, 'till-1', { id: 'a1', method: 'Purchase', params: { amount: 1001 } });
    await waitFor(() => results().length > before, 10000, 'the answer to the repeated a1');
    await delay(500);
    results().length.should.equal(before + 1);
    const again = results()[before].body;
    const first = find('payments/till-1/result', 'a1').body;
    again.should.eql({ ...first, duplicate: true });
    amounts(sims['till-1']).should.eql(['10005', '1001']);

    // A newcomer gets the retained statuses and the gateway's at once.
    for (const name of Object.keys(TERMINALS)) {
      await waitFor(() => on(central, new RegExp(`^payments/${name}/status$`)).pop().body.state === 'online', 5000, `${name} idle again`);
    }
    const fresh = await client(broker.port, ['payments/+/status', 'payments/gateway']);
    clients.push(fresh);
    await waitFor(() => fresh.got.length >= 3, 5000, 'the retained statuses');
    for (const name of Object.keys(TERMINALS)) {
      const status = fresh.got.find((m) => m.topic === `payments/${name}/status`);
      status!.retain.should.be.true();
      status!.body.should.match({ terminal: name, state: 'online', status: 'S00', online: true, needsZReport: false });
    }
    should(fresh.got.find((m) => m.topic === 'payments/gateway')).match({ retain: true, body: { online: true } });

    // A terminal that goes away is shown offline.
    await sims['till-2'].stop();
    await waitFor(() => on(fresh, /^payments\/till-2\/status$/).some((m) => m.body.state === 'offline'), 15000, 'till-2 offline');
    on(fresh, /^payments\/till-2\/status$/)
      .pop()
      .body.should.match({ online: false, status: null });
  });

  it('the last will shows a dead gateway; after the restart the payment it was running is answered, recovered, with its id, once; repeats never charge', async () => {
    const central = await start();
    await gatewayUp(central);
    // Long enough at the card prompt to ask again after the restart while the outcome is still open.
    sims['till-1'].engine.phases.S02 = 12000;
    await request(central, 'till-1', { id: 'k1', method: 'Purchase', params: { amount: 3456 } });
    await waitFor(() => sims['till-1'].status === 'S02', 10000, 'the card prompt');
    await red.kill();
    await waitFor(() => on(central, /^payments\/gateway$/).some((m) => m.body.online === false), 10000, 'the last will');
    on(central, /^payments\/gateway$/)
      .pop()
      .body.should.eql({ online: false, reason: 'connection lost' });

    const seen = central.got.length;
    red = await startNodeRed({ userDir: red.userDir, keep: true });
    await waitFor(() => central.got.slice(seen).some((m) => m.topic === 'payments/gateway' && m.body.online === true), 20000, 'the gateway back');
    const answers = () => on(central, /^payments\/till-1\/result$/).map((m) => m.body);

    // The client, without an answer, publishes k1 again: the new process has no memory of it, the terminal's
    // journal has. Nothing is sent; the answer says the outcome is not established yet.
    sims['till-1'].status.should.equal('S02');
    await request(central, 'till-1', { id: 'k1', method: 'Purchase', params: { amount: 3456 } });
    await waitFor(() => answers().length === 1, 10000, 'the answer to the repeated k1');
    answers()[0].should.match({
      id: 'k1',
      terminal: 'till-1',
      method: 'Purchase',
      outcome: 'unknown',
      ok: false,
      duplicate: true,
      error: { code: 'DUPLICATE', sent: false },
    });
    answers()[0].error.message.should.match(/k1.*outcome not established/);
    answers()[0].should.not.have.property('recovered');

    // The cardholder finishes: the recovered outcome, with the id it was started with.
    await waitFor(() => answers().length === 2, 30000, 'the recovered outcome');
    const recovered = answers()[1];
    recovered.should.match({
      id: 'k1',
      terminal: 'till-1',
      method: 'Purchase',
      outcome: 'approved',
      ok: true,
      recovered: true,
      result: { amount: 3456, terminalId: 'T0000001' },
    });
    recovered.should.not.have.property('duplicate');

    // Asked again now: the recovered answer, marked duplicate.
    await request(central, 'till-1', { id: 'k1', method: 'Purchase', params: { amount: 3456 } });
    await waitFor(() => answers().length === 3, 10000, 'the answer to k1 asked a third time');
    answers()[2].should.eql({ ...recovered, duplicate: true });
    await delay(1000);
    answers().length.should.equal(3);
    sims['till-1'].requests.filter((r) => r.method === 'Purchase').length.should.equal(1);
    amounts(sims['till-1']).should.eql(['3456']);
  });

  it('after a restart (the ids in memory gone) a settled id gets its first outcome, marked duplicate, and is not charged again', async () => {
    const central = await start();
    await gatewayUp(central);
    const answers = () => on(central, /^payments\/till-1\/result$/).map((m) => m.body);
    await request(central, 'till-1', { id: 'p1', method: 'Purchase', params: { amount: 1500 } });
    await waitFor(() => answers().length === 1, 10000, 'the answer to p1');
    await request(central, 'till-1', { id: 'p2', method: 'Purchase', params: { amount: 10005 } });
    await waitFor(() => answers().length === 2, 10000, 'the answer to p2');
    const [paid, declined] = answers();
    paid.should.match({ id: 'p1', outcome: 'approved', ok: true });
    declined.should.match({ id: 'p2', outcome: 'declined', ok: false });

    await red.stop();
    const seen = central.got.length;
    red = await startNodeRed({ userDir: red.userDir, keep: true });
    await waitFor(() => central.got.slice(seen).some((m) => m.topic === 'payments/gateway' && m.body.online === true), 20000, 'the gateway back');

    const reply = Buffer.from('corr-p1');
    await request(
      central,
      'till-1',
      { id: 'p1', method: 'Purchase', params: { amount: 1500 } },
      { responseTopic: 'client/replies', correlationData: reply },
    );
    await request(central, 'till-1', { id: 'p2', method: 'Purchase', params: { amount: 10005 } });
    await request(central, 'till-1', { id: 'p3', method: 'Purchase', params: { amount: 1600 } });
    const replies = () => on(central, /^client\/replies$/);
    await waitFor(() => answers().length === 4 && replies().length === 1, 15000, 'the answers after the restart');
    const again = replies()[0];
    again.properties.correlationData.should.eql(reply);
    again.body.should.match({
      id: 'p1',
      terminal: 'till-1',
      method: 'Purchase',
      outcome: 'approved',
      ok: true,
      duplicate: true,
      result: {
        approved: true,
        transactionResult: 'APPROVED_ONLINE',
        rrn: paid.result.rrn,
        invoiceNum: paid.result.invoiceNum,
        authCode: paid.result.authCode,
        transAmount: '1500',
      },
    });
    again.body.should.not.have.property('error');
    again.body.result.should.not.have.property('pan');
    const byId = (id) =>
      answers()
        .slice(2)
        .find((a) => a.id === id);
    byId('p2').should.match({
      outcome: 'declined',
      ok: false,
      duplicate: true,
      result: { approved: false, transactionResult: 'DECLINED_ONLINE', responseCode: declined.result.responseCode, transAmount: '10005' },
    });
    byId('p3').should.match({ outcome: 'approved', ok: true, result: { amount: 1600 } });
    byId('p3').should.not.have.property('duplicate');

    // The duplicate answers are not kept as the ids' answers: asked again, the terminal answers the same.
    await request(central, 'till-1', { id: 'p1', method: 'Purchase', params: { amount: 1500 } });
    await waitFor(() => answers().length === 5, 10000, 'p1 asked a third time');
    answers()[4].should.match({ id: 'p1', outcome: 'approved', duplicate: true, result: { rrn: paid.result.rrn } });
    await delay(500);
    answers().length.should.equal(5);
    amounts(sims['till-1']).should.eql(['10005', '1500', '1600']);
  });

  it('an outcome unknown at first is answered again, with its id, once it is established; a repeat gets the settled answer', async () => {
    // No status change for 1 s ends the wait with OUTCOME_UNKNOWN; the next payment settles it first.
    const central = await start({ 'till-1': { overallTimeout: 1000 } });
    await gatewayUp(central);
    const answers = () => on(central, /^payments\/till-1\/result$/).map((m) => m.body);
    sims['till-1'].engine.phases.S02 = 2500;
    await request(central, 'till-1', { id: 'k2', method: 'Purchase', params: { amount: 4321 } });
    await waitFor(() => answers().length === 1, 10000, 'the answer to k2');
    answers()[0].should.match({ id: 'k2', outcome: 'unknown', ok: false, error: { code: 'OUTCOME_UNKNOWN', sent: true } });
    sims['till-1'].engine.phases.S02 = 10;
    await waitFor(() => sims['till-1'].status === 'S00', 10000, 'the terminal idle again');

    await request(central, 'till-1', { id: 'k3', method: 'Purchase', params: { amount: 1234 } });
    await waitFor(() => answers().length === 3, 10000, 'k2 settled and k3 answered');
    answers()[1].should.match({
      id: 'k2',
      terminal: 'till-1',
      outcome: 'approved',
      ok: true,
      recovered: true,
      result: { amount: 4321, terminalId: 'T0000001' },
    });
    answers()[2].should.match({ id: 'k3', outcome: 'approved', result: { amount: 1234 } });

    await request(central, 'till-1', { id: 'k2', method: 'Purchase', params: { amount: 4321 } });
    await waitFor(() => answers().length === 4, 10000, 'the answer to the repeated k2');
    answers()[3].should.eql({ ...answers()[1], duplicate: true });
    await delay(500);
    answers().length.should.equal(4);
    amounts(sims['till-1']).should.eql(['1234', '4321']);
  });
});
