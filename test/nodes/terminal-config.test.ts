'use strict';
import net = require('node:net');
import { EventEmitter } from 'node:events';
import should = require('should');
import bcrypt = require('bcryptjs');
import { helper, terminalConfig, simulator, load, next, statuses, statusText } from './support';
import { startNodeRed, request } from '../support/node-red';
import { waitFor, MERCHANT } from '../support/fixtures';
import { METHOD_NAMES } from '../../dist/core';
import type { Wire } from '../support/wire';
import type { SinonSpy, SinonSpyCall } from 'sinon';
import { optionsFromSettings } from '../../dist/nodes/lib/terminal-settings';

/** Sockets of this process connected to `port`: what a redeploy must not leave behind. */
function socketsTo(port) {
  // An undocumented Node.js call (no public API lists a process's sockets).
  return (process as unknown as { _getActiveHandles(): unknown[] })
    ._getActiveHandles()
    .filter((h) => h instanceof net.Socket && h.remotePort === port && !h.destroyed).length;
}

describe('ssi-terminal settings as Terminal options', function () {
  it("LRC encoding: decimal or hex; left blank, the Terminal's default (decimal)", () => {
    should(optionsFromSettings({ host: 'h', lrcEncoding: 'hex' }).lrcEncoding).equal('hex');
    should(optionsFromSettings({ host: 'h', lrcEncoding: 'decimal' }).lrcEncoding).equal('decimal');
    should(optionsFromSettings({ transport: 'serial', serialPort: '/dev/ttyACM0', lrcEncoding: 'hex' }).lrcEncoding).equal('hex');
    for (const blank of [undefined, null, '']) (optionsFromSettings({ host: 'h', lrcEncoding: blank }).lrcEncoding === undefined).should.be.true();
  });

  it('LRC encoding: anything else is refused, naming the field and the rule', () => {
    for (const value of ['HEX', 'octal', 16, true]) {
      let err;
      try {
        optionsFromSettings({ host: 'h', lrcEncoding: value });
      } catch (e) {
        err = e;
      }
      (err !== undefined).should.be.true(String(value));
      err.should.match({ code: 'VALIDATION', field: 'lrcEncoding', rule: 'must be decimal or hex' });
      err.message.should.equal(`ssi-terminal: lrcEncoding must be decimal or hex; got ${JSON.stringify(value)}`);
    }
  });

  it("protocol, request gap, sole ECR and currency: mapped as the Terminal takes them; blank is the Terminal's default", () => {
    optionsFromSettings({ host: 'h', protocol: '1.4', minRequestGap: '300', soleEcr: true, currency: '840' }).should.match({
      protocol: '1.4',
      minRequestGap: 300,
      soleEcr: true,
      currency: '840',
    });
    optionsFromSettings({ host: 'h', protocol: 'auto', soleEcr: 'false', currency: 980 }).should.match({
      protocol: 'auto',
      soleEcr: false,
      currency: '980',
    });
    optionsFromSettings({ transport: 'serial', serialPort: '/dev/ttyACM0', protocol: '1.1', soleEcr: 'true' }).should.match({
      protocol: '1.1',
      soleEcr: true,
    });
    // A configuration saved before these settings existed: every one left to the Terminal.
    const old = optionsFromSettings({ host: 'h', requestTimeout: '' });
    for (const key of ['protocol', 'minRequestGap', 'soleEcr', 'currency', 'requestTimeout']) (old[key] === undefined).should.be.true(key);
  });

  it('protocol, request gap, sole ECR and currency: anything else is refused, naming the field and the rule', () => {
    for (const [settings, field, rule] of <[Record<string, unknown>, string, string][]>[
      [{ protocol: '1.3' }, 'protocol', 'must be auto, 1.1, 1.4'],
      [{ protocol: 'AUTO' }, 'protocol', 'must be auto, 1.1, 1.4'],
      [{ minRequestGap: '-5' }, 'minRequestGap', 'must be a whole number from 0 to 10000'],
      [{ minRequestGap: 10001 }, 'minRequestGap', 'must be a whole number from 0 to 10000'],
      [{ soleEcr: 'yes' }, 'soleEcr', 'must be true or false'],
      [{ soleEcr: 1 }, 'soleEcr', 'must be true or false'],
      [{ currency: 'UAH' }, 'currency', 'must be a 3-digit ISO 4217 numeric code such as 980'],
      [{ currency: '9800' }, 'currency', 'must be a 3-digit ISO 4217 numeric code such as 980'],
    ]) {
      let err;
      try {
        optionsFromSettings({ host: 'h', ...settings });
      } catch (e) {
        err = e;
      }
      (err !== undefined).should.be.true(JSON.stringify(settings));
      err.should.match({ code: 'VALIDATION', field, rule });
      err.message.should.equal(`ssi-terminal: ${field} ${rule}; got ${JSON.stringify(settings[field])}`);
    }
  });

  it('a misconfigured LRC encoding reaches the flow nodes as a VALIDATION error naming it', async () => {
    const sim = await simulator();
    try {
      await load([
        terminalConfig(sim, { lrcEncoding: 'octal' }),
        { id: 'p1', type: 'ssi-print', terminal: 'term', mode: 'xml', wires: [[]] },
        { id: 'c1', type: 'catch', scope: ['p1'], wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ]);
      const caught = next(helper.getNode('caught'));
      helper.getNode('p1').receive({ payload: ['x'] });
      const msg = await caught;
      msg.error.code.should.equal('VALIDATION');
      msg.error.message.should.match(/lrcEncoding must be decimal or hex; got "octal"/);
      sim.requests.should.have.length(0);
    } finally {
      await helper.unload();
      await sim.stop();
    }
  });
});

describe('ssi-terminal config node (in the test runtime)', function () {
  let sim;
  afterEach(async () => {
    await helper.unload();
    if (sim) await sim.stop();
    sim = undefined;
  });

  const twoBuyers = (extra = {}) => [
    terminalConfig(sim, extra),
    { id: 'b1', type: 'ssi-purchase', terminal: 'term', wires: [['ok1'], []] },
    { id: 'b2', type: 'ssi-purchase', terminal: 'term', wires: [['ok2'], []] },
    { id: 'ok1', type: 'helper' },
    { id: 'ok2', type: 'helper' },
  ];

  it('one client serves every node of one terminal, and operations run one after another', async () => {
    sim = await simulator({ phases: { S01: 20, S02: 0, S03: 0, S04: 0, S05: 0, S07: 0 } });
    await load(twoBuyers());
    const a = next(helper.getNode('ok1'));
    const b = next(helper.getNode('ok2'));
    helper.getNode('b1').receive({ payload: 111 });
    helper.getNode('b2').receive({ payload: 222 });
    const [ma, mb] = await Promise.all([a, b]);
    ma.payload.amount.should.equal(111);
    mb.payload.amount.should.equal(222);
    // One connection to begin with, then one of its own for each Purchase (a terminal may close after any answer).
    sim.totalConnections.should.equal(3);
    sim.requests
      .filter((r) => r.method === 'Purchase')
      .map((r) => r.params.transAmount)
      .should.eql(['111', '222']);
    (sim.counts.E06 || 0).should.equal(0);
  });

  it('nothing connects before it is needed; a redeploy of modified nodes and an unload leave no socket', async () => {
    sim = await simulator();
    await load(twoBuyers());
    sim.totalConnections.should.equal(0);
    helper.getNode('b1').status.should.be.a.Function();
    const ok = next(helper.getNode('ok1'));
    helper.getNode('b1').receive({ payload: 100 });
    await ok;
    socketsTo(sim.port).should.equal(1);
    // Change one purchase node only: the shared connection survives for the other user.
    const changed = twoBuyers();
    changed[1].units = 'major';
    await helper.setFlows(changed, 'nodes');
    await waitFor(() => socketsTo(sim.port) <= 1, 2000, 'old sockets to close');
    const ok2 = next(helper.getNode('ok2'));
    helper.getNode('b2').receive({ payload: 200 });
    await ok2;
    await helper.unload();
    await waitFor(() => socketsTo(sim.port) === 0 && sim.connections === 0, 2000, 'every socket to close');
  });

  it('a redeploy while a payment runs lets it finish before the connection closes, and says what came of it', async () => {
    sim = await simulator({ phases: { S01: 10, S02: 300, S03: 10, S04: 10, S05: 10, S07: 0 } });
    await load(twoBuyers());
    const b1 = helper.getNode('b1');
    // The test helper stops spying when it unloads, so listen to the runtime's log itself.
    const log = new EventEmitter();
    const warned = new Promise((resolve) => log.on('log', (m) => m.id === 'b1' && m.level === 30 && resolve(String(m.msg))));
    helper._RED.log.addHandler(log);
    b1.receive({ payload: 321 });
    await waitFor(() => sim.status === 'S02', 2000, 'S02');
    await helper.unload();
    // The client polled the payment to its end before it let go of the connection.
    sim.counts.Purchase.should.equal(1);
    sim.requests[sim.requests.length - 1].method.should.equal('GetLastResult');
    const warning = await warned;
    // Node-RED stopped every node, ok1 too: what b1 sent would reach nobody, so it says so, and keeps it.
    should(warning).match(
      /^the outcome arrived after this node was stopped and could not be sent on \(ok1 stopped too\): it is kept, and sent marked recovered when this node starts again; if Node-RED is stopping, it is lost: /,
    );
    should(warning).match(/"transAmount":"321"/);
    should(warning).match(/APPROVED_ONLINE/);
    helper._RED.log.removeHandler(log);
    await waitFor(() => sim.connections === 0, 2000, 'the connection to close');
  });

  it('flow nodes show the terminal status; when it is gone the failing node says why and the others show it unreachable, and why', async () => {
    sim = await simulator();
    const port = sim.port;
    await load(twoBuyers());
    const b1 = helper.getNode('b1');
    const b2 = helper.getNode('b2');
    const seen1 = statuses(b1);
    const seen2 = statuses(b2);
    const ok = next(helper.getNode('ok1'));
    b1.receive({ payload: 100 });
    await ok;
    await sim.stop();
    sim = undefined;
    const caught = new Promise<SinonSpyCall>((resolve) => (b1 as EventEmitter).on('call:error', resolve));
    b1.receive({ payload: 100 });
    (await caught).args[0].sent.should.be.false();
    // The node that failed says why; the other user of the terminal shows it is unreachable.
    await waitFor(() => seen1.some((s) => s.text.startsWith('✘ terminal not reachable at ')), 8000, 'the failure badge');
    await waitFor(() => seen2.some((s) => s.text === statusText('unreachable.refused')), 2000, 'the unreachable badge');
    seen1.map((s) => s.text).should.containDeep([statusText('sending')]);
    seen1.some((s) => /^✔ 1\.00 at \d\d:\d\d$/.test(s.text)).should.be.true();
    seen2.map((s) => s.text).should.containDeep([statusText('S00'), statusText('unreachable.refused')]);
    seen2.find((s) => s.text === statusText('unreachable.refused')).should.match({ fill: 'red', shape: 'ring' });
    port.should.be.above(0);
  });

  it('a configuration saved before protocol, sole ECR and request gap existed: detects the firmware, as the defaults say', async () => {
    for (const firmware of ['1.1', '1.4'] as const) {
      sim = await simulator({ firmware });
      // Exactly the properties a configuration of the earlier release has (requestTimeout as its editor saved it).
      await load([
        {
          id: 'term',
          type: 'ssi-terminal',
          name: 'old',
          transport: 'tcp',
          host: '127.0.0.1',
          port: sim.port,
          httpPort: '',
          httpPath: '/',
          serialPort: '',
          baudRate: 115200,
          merchantId: MERCHANT,
          currency: '980',
          polling: 'adaptive',
          pollInterval: 10,
          connectTimeout: 5000,
          overallTimeout: 180000,
          unackedGrace: 15000,
          allowWhileUnresolved: false,
          lrcEncoding: 'decimal',
        },
        { id: 'b1', type: 'ssi-purchase', terminal: 'term', wires: [['ok1'], []] },
        { id: 'ok1', type: 'helper' },
      ]);
      const logged: Wire[] = [];
      helper.getNode('term').on('call:log', (call) => logged.push(String(call.args[0])));
      const hub = helper.getNode('term').hub;
      const terminal = hub.acquire('test');
      terminal.should.match({ protocol: 'auto', soleEcr: false, currency: '980' });
      const ok = next(helper.getNode('ok1'));
      helper.getNode('b1').receive({ payload: 700 });
      (await ok).payload.should.match({ approved: true, amount: 700 });
      should(terminal.firmware).equal(firmware);
      terminal.requestTimeout.should.equal(firmware === '1.4' ? 15000 : 10000);
      terminal.minRequestGap.should.equal(firmware === '1.4' ? 250 : 0);
      await waitFor(() => logged.length > 0, 1000, 'the firmware in the log');
      logged.should.eql([
        firmware === '1.4'
          ? 'the terminal speaks later firmware (1.3/1.4): GetResultByUid, asked as a probe, was answered E20'
          : 'the terminal speaks protocol v1.1.10: GetResultByUid, asked as a probe, was answered E05',
      ]);
      // One probe found out; on later firmware the purchase went in two steps.
      (sim.counts['Purchase#2'] || 0).should.equal(firmware === '1.4' ? 1 : 0);
      sim.counts.Purchase.should.equal(firmware === '1.4' ? 2 : 1);
      await hub.release('test');
      await helper.unload();
      await sim.stop();
      sim = undefined;
    }
  });

  it("protocol 1.1 asks nothing to find out; request gap and request timeout given win over the firmware's", async () => {
    sim = await simulator();
    await load(twoBuyers({ protocol: '1.1', minRequestGap: 40, requestTimeout: 3000 }));
    const ok = next(helper.getNode('ok1'));
    helper.getNode('b1').receive({ payload: 100 });
    await ok;
    (sim.counts.GetResultByUid || 0).should.equal(0);
    const terminal = helper.getNode('term').hub.acquire('test');
    terminal.should.match({ protocol: '1.1', firmware: '1.1', minRequestGap: 40, requestTimeout: 3000 });
    await helper.getNode('term').hub.release('test');
    await helper.unload();
    await sim.stop();
    // Detected, the same terminal is asked once.
    sim = await simulator();
    await load(twoBuyers());
    const again = next(helper.getNode('ok1'));
    helper.getNode('b1').receive({ payload: 100 });
    await again;
    sim.counts.GetResultByUid.should.equal(1);
  });

  it("the currency of the configuration: the purchase node's default, and the Terminal's for a command without one", async () => {
    sim = await simulator();
    await load([
      terminalConfig(sim, { currency: '840' }),
      { id: 'b1', type: 'ssi-purchase', terminal: 'term', wires: [['ok1'], []] },
      { id: 'ok1', type: 'helper' },
      { id: 'cmd', type: 'ssi-command', terminal: 'term', method: 'Purchase', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const ok = next(helper.getNode('ok1'));
    helper.getNode('b1').receive({ payload: 100 });
    await ok;
    const out = next(helper.getNode('out'));
    helper.getNode('cmd').receive({ payload: { transAmount: '200', merchantId: MERCHANT } });
    (await out).payload.params.transAmount.should.equal('200');
    sim.requests
      .filter((r) => r.method === 'Purchase')
      .map((r) => r.params.transCurrency)
      .should.eql(['840', '840']);
  });

  for (const soleEcr of [true, false]) {
    it(`the acknowledgement of a purchase is lost: ${soleEcr ? 'the sole ECR takes the matching result as its outcome' : 'another ECR may share the terminal, so a matching result is not taken: OUTCOME_UNKNOWN'}`, async () => {
      sim = await simulator({ phases: { S01: 20, S02: 20, S03: 20, S04: 20, S05: 20, S07: 0 } });
      await load([
        terminalConfig(sim, soleEcr ? { soleEcr: true } : {}),
        { id: 'b1', type: 'ssi-purchase', terminal: 'term', wires: [['ok1'], ['no1']] },
        { id: 'ok1', type: 'helper' },
        { id: 'no1', type: 'helper' },
        { id: 'c1', type: 'catch', scope: ['b1'], wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ]);
      sim.injectFault({ method: 'Purchase', action: 'close-before-response' });
      const got = next(helper.getNode(soleEcr ? 'ok1' : 'caught'));
      helper.getNode('b1').receive({ payload: 778 });
      const msg = await got;
      if (soleEcr) msg.payload.should.match({ approved: true, amount: 778 });
      else
        msg.ecrError.should.match({
          code: 'OUTCOME_UNKNOWN',
          sent: true,
          facts: { acknowledged: false, lastResult: { params: { transAmount: '778', transactionResult: 'APPROVED_ONLINE' } } },
        });
      sim.requests.filter((r) => r.method === 'Purchase').should.have.length(1);
    });
  }

  it('a misconfigured terminal is reported on every message, naming the field', async () => {
    sim = await simulator();
    await load([
      terminalConfig(sim, { host: '' }),
      { id: 'b1', type: 'ssi-purchase', terminal: 'term', wires: [[], []] },
      { id: 'c1', type: 'catch', scope: ['b1'], wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ]);
    const caught = next(helper.getNode('caught'));
    helper.getNode('b1').receive({ payload: 100 });
    const msg = await caught;
    msg.error.code.should.equal('VALIDATION');
    msg.error.message.should.match(/host is required/);
    (helper.getNode('b1').status as SinonSpy).lastCall.args[0].text.should.equal(statusText('config-error'));
  });
});

describe('ssi-terminal in a real Node-RED: admin endpoints, permissions, redeploys', function () {
  this.timeout(60000);
  let sim;
  let red;
  afterEach(async () => {
    if (red) await red.stop();
    if (sim) await sim.stop();
    red = sim = undefined;
  });

  const flow = (port) => [
    { id: 'f1', type: 'tab', label: 'pay' },
    {
      id: 'cfg1',
      type: 'ssi-terminal',
      name: 'sim',
      transport: 'tcp',
      host: '127.0.0.1',
      port,
      merchantId: MERCHANT,
      currency: '980',
      pollInterval: 20,
    },
    { id: 'inj1', type: 'inject', z: 'f1', props: [{ p: 'payload' }], payload: '2450', payloadType: 'num', wires: [['buy1']] },
    { id: 'buy1', type: 'ssi-purchase', z: 'f1', terminal: 'cfg1', units: 'minor', wires: [[], []] },
  ];

  it('tests a connection, lists serial ports and the catalogue; redeploys leave no connection open', async () => {
    sim = await simulator();
    red = await startNodeRed({ flows: flow(sim.port) });
    const test = await request(`${red.url}/ssi-ecr/test-connection`, {
      method: 'POST',
      body: { transport: 'tcp', host: '127.0.0.1', port: sim.port },
    });
    test.status.should.equal(200);
    test.body.should.match({ ok: true, ping: true, status: 'S00', firmware: '1.1', merchants: [MERCHANT, '000000060007177'] });
    test.body.info.terminalModel.should.match(/X990/);
    // Later firmware is told by its answer to the probe; protocol 1.1 in the form is taken as said, unasked.
    const later = await simulator({ firmware: '1.4' });
    try {
      const t14 = await request(`${red.url}/ssi-ecr/test-connection`, {
        method: 'POST',
        body: { transport: 'tcp', host: '127.0.0.1', port: later.port },
      });
      t14.body.should.match({ ok: true, status: 'S00', firmware: '1.4' });
      later.counts.GetResultByUid.should.equal(1);
      const forced = await request(`${red.url}/ssi-ecr/test-connection`, {
        method: 'POST',
        body: { transport: 'tcp', host: '127.0.0.1', port: later.port, protocol: '1.1' },
      });
      forced.body.should.match({ ok: true, firmware: '1.1' });
      later.counts.GetResultByUid.should.equal(1);
    } finally {
      await later.stop();
    }
    const refused = await request(`${red.url}/ssi-ecr/test-connection`, { method: 'POST', body: { transport: 'tcp', host: '127.0.0.1', port: 1 } });
    refused.body.should.match({ ok: false, error: { code: 'CONNECTION_FAILED' } });
    const invalid = await request(`${red.url}/ssi-ecr/test-connection`, { method: 'POST', body: { transport: 'tcp', host: '' } });
    invalid.body.should.match({ ok: false, error: { code: 'VALIDATION', field: 'host' } });
    // During a payment the test answers at once instead of waiting behind it.
    sim.engine.phases.S02 = 3000;
    (await red.inject('inj1')).status.should.equal(200);
    await waitFor(() => sim.status === 'S02', 5000, 'the payment to wait for a card');
    const during = await request(`${red.url}/ssi-ecr/test-connection`, {
      method: 'POST',
      body: { id: 'cfg1', transport: 'tcp', host: '127.0.0.1', port: sim.port },
    });
    during.body.should.match({ ok: true, status: 'S02', info: { skipped: /busy/ }, firmware: '1.1' });
    sim.engine.phases.S02 = 0;
    await waitFor(() => sim.status === 'S00', 8000, 'the payment to end');
    const ports = await request(`${red.url}/ssi-ecr/serial-ports`);
    ports.status.should.equal(200);
    ports.body.should.be.an.Array();
    const cat = await request(`${red.url}/ssi-ecr/catalogue`);
    cat.body.methods.map((m) => m.name).should.eql(METHOD_NAMES);
    // A purchase through the deployed flow, then redeploys.
    (await red.inject('inj1')).status.should.equal(200);
    await waitFor(() => sim.counts.GetLastResult >= 4 && sim.status === 'S00', 10000, 'the purchase to finish');
    sim.counts.Purchase.should.equal(2);
    await waitFor(() => sim.connections === 1, 2000, 'one open connection');
    const current = await request(`${red.url}/flows`);
    (await request(`${red.url}/flows`, { method: 'POST', body: current.body, headers: { 'Node-RED-Deployment-Type': 'full' } })).status.should.equal(
      204,
    );
    await waitFor(() => sim.connections === 0, 5000, 'a full redeploy to close the connection');
    // The new flows start a moment after the deploy answers: inject once the node is there again.
    (await red.inject('inj1')).status.should.equal(200);
    await waitFor(() => sim.counts.Purchase === 3 && sim.status === 'S00' && sim.connections === 1, 10000, 'the third purchase');
    const without = current.body.filter((n) => n.type !== 'ssi-purchase' && n.type !== 'inject');
    (await request(`${red.url}/flows`, { method: 'POST', body: without, headers: { 'Node-RED-Deployment-Type': 'nodes' } })).status.should.equal(204);
    await waitFor(() => sim.connections === 0, 5000, 'removing the last user to close the connection');
  });

  it('every admin endpoint needs permission: none without a token, read for lists, write for a connection test', async () => {
    sim = await simulator();
    const hash = bcrypt.hashSync('secret-pass', 8);
    red = await startNodeRed({
      flows: flow(sim.port),
      settings: {
        adminAuth: {
          type: 'credentials',
          users: [
            { username: 'admin', password: hash, permissions: '*' },
            { username: 'viewer', password: hash, permissions: 'read' },
          ],
        },
      },
    });
    const token = async (username, scope) => {
      const r = await request(`${red.url}/auth/token`, {
        method: 'POST',
        body: { client_id: 'node-red-admin', grant_type: 'password', scope, username, password: 'secret-pass' },
      });
      r.status.should.equal(200);
      return { authorization: `Bearer ${r.body.access_token}` };
    };
    const body = { transport: 'tcp', host: '127.0.0.1', port: sim.port };
    (await request(`${red.url}/ssi-ecr/catalogue`)).status.should.equal(401);
    (await request(`${red.url}/ssi-ecr/serial-ports`)).status.should.equal(401);
    (await request(`${red.url}/ssi-ecr/test-connection`, { method: 'POST', body })).status.should.equal(401);
    const viewer = await token('viewer', 'read');
    (await request(`${red.url}/ssi-ecr/catalogue`, { headers: viewer })).status.should.equal(200);
    (await request(`${red.url}/ssi-ecr/serial-ports`, { headers: viewer })).status.should.equal(200);
    (await request(`${red.url}/ssi-ecr/test-connection`, { method: 'POST', body, headers: viewer })).status.should.equal(401);
    const admin = await token('admin', '*');
    const ok = await request(`${red.url}/ssi-ecr/test-connection`, { method: 'POST', body, headers: admin });
    ok.status.should.equal(200);
    ok.body.ok.should.be.true();
    (sim.counts.PingDevice || 0).should.equal(1);
  });
});
