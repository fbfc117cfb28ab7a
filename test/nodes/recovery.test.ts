'use strict';
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import http = require('node:http');
import should = require('should');
import { helper, simulator, load, next, buyerFlow, statusText } from './support';
import type { EventEmitter } from 'node:events';
import { startNodeRed } from '../support/node-red';
import { waitFor, MERCHANT } from '../support/fixtures';
import type { AddressInfo } from 'node:net';
import type { Wire } from '../support/wire';

describe('Recovered outcomes in Node-RED', function () {
  let sim;
  let dir;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-nr-journal-'));
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

  it('an unknown outcome goes to Catch; once the terminal tells, the outcome leaves by the usual output marked recovered', async () => {
    sim = await simulator({ phases: { S01: 10, S02: 1500, S03: 10, S04: 10, S05: 10, S07: 0 } });
    await load(flow());
    const buy = helper.getNode('buy');
    const statuses: Wire[] = [];
    (buy as EventEmitter).on('call:status', (c) => statuses.push(c.args[0].text));
    const caught = next(helper.getNode('caught'));
    buy.receive({ payload: 5555, correlationId: 'pay-5555' });
    const err = await caught;
    err.error.code.should.equal('OUTCOME_UNKNOWN');
    err.ecrError.facts.journalId.should.be.a.String();
    await waitFor(() => statuses.some((s) => /^✘ outcome unknown: check the terminal at \d\d:\d\d$/.test(s)), 2000, 'the failure badge');
    JSON.parse(fs.readFileSync(path.join(dir, 'journal-term.json'), 'utf8')).records.should.have.length(1);
    await waitFor(() => sim.status === 'S00', 4000, 'the terminal to finish');
    sim.engine.phases.S02 = 0;
    // The next payment first settles the earlier one: its outcome comes out first, marked recovered.
    const outputs: Wire[] = [];
    helper.getNode('ok').on('input', (m) => outputs.push(m));
    buy.receive({ payload: 6666 });
    await waitFor(() => outputs.length === 2, 4000, 'both outcomes');
    outputs[0].should.match({ recovered: true, topic: 'recovered', payload: { recovered: true, approved: true, amount: 5555 } });
    outputs[0].journal.should.match({ method: 'Purchase', tag: 'buy', ref: 'pay-5555', step: 'unknown' });
    // The correlation id comes back with the recovered outcome, so the caller can match it.
    outputs[0].correlationId.should.equal('pay-5555');
    outputs[1].payload.should.match({ approved: true, amount: 6666 });
    outputs[1].should.not.have.property('recovered');
    sim.counts.Purchase.should.equal(2);
    JSON.parse(fs.readFileSync(path.join(dir, 'journal-term.json'), 'utf8')).records.should.eql([]);
  });

  it('while an outcome cannot be established, new payments are refused (UNRESOLVED) unless the terminal allows them; the journal can be listed and resolved by hand', async () => {
    sim = await simulator();
    const now = new Date().toISOString();
    fs.writeFileSync(
      path.join(dir, 'journal-term.json'),
      JSON.stringify({
        version: 1,
        records: [
          {
            id: 'lost-1',
            method: 'Purchase',
            params: { transAmount: '42', transCurrency: '980', merchantId: MERCHANT },
            tag: 'buy',
            startedAt: now,
            updatedAt: now,
            step: 'unknown',
            snapshot: { method: 'GetLastResult', error: false, errorCode: '', errorDescription: '', params: { transAmount: '1' } },
          },
        ],
      }),
    );
    // The terminal has never run anything: its (empty) last result is not that purchase's, and never will be.
    await load(flow());
    const buy = helper.getNode('buy');
    const badges: Wire[] = [];
    (buy as EventEmitter).on('call:status', (c) => badges.push(c.args[0]));
    // Reconciled at start, still unknown: the node says so before anyone tries to pay.
    await waitFor(() => badges.some((b) => b.text === statusText('unresolved')), 3000, 'the unresolved badge');
    should(badges.find((b) => b.text === statusText('unresolved'))).match({ fill: 'yellow', shape: 'ring' });
    const caught = next(helper.getNode('caught'));
    helper.getNode('buy').receive({ payload: 100 });
    const err = await caught;
    err.error.code.should.equal('UNRESOLVED');
    err.ecrError.sent.should.be.false();
    (sim.counts.Purchase || 0).should.equal(0);
    const list = await helper.request().get('/ssi-ecr/journal/term').expect(200);
    list.body.unresolved.map((r) => r.id).should.eql(['lost-1']);
    await helper.request().post('/ssi-ecr/journal/term/resolve/nope').expect(404);
    (await helper.request().post('/ssi-ecr/journal/term/resolve/lost-1').expect(200)).body.should.eql({ resolved: true, unresolved: 0 });
    const ok = next(helper.getNode('ok'));
    helper.getNode('buy').receive({ payload: 100 });
    (await ok).payload.amount.should.equal(100);
  });

  it('allowWhileUnresolved lets payments run with an unresolved record', async () => {
    sim = await simulator();
    const now = new Date().toISOString();
    fs.writeFileSync(
      path.join(dir, 'journal-term.json'),
      JSON.stringify({
        version: 1,
        records: [
          { id: 'lost-2', method: 'Purchase', params: { transAmount: '43' }, startedAt: now, updatedAt: now, step: 'unknown', snapshot: null },
        ],
      }),
    );
    await load(flow({ allowWhileUnresolved: true }));
    const ok = next(helper.getNode('ok'));
    helper.getNode('buy').receive({ payload: 101 });
    (await ok).payload.amount.should.equal(101);
  });
});

describe('Node-RED killed during a payment', function () {
  this.timeout(60000);
  let sim;
  let red;
  let userDir;
  let server;
  afterEach(async () => {
    if (red) await red.stop();
    if (sim) await sim.stop();
    if (server) await new Promise((r) => server.close(r));
    if (userDir) fs.rmSync(userDir, { recursive: true, force: true });
    red = sim = server = userDir = undefined;
  });

  it('after a restart the purchase node sends the outcome it never got to send, marked recovered, and nothing is charged twice', async () => {
    sim = await simulator({ phases: { S01: 10, S02: 1500, S03: 10, S04: 10, S05: 10, S07: 0 } });
    // What the flow sends on, received outside Node-RED.
    const received: Wire[] = [];
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push({ path: req.url, body: JSON.parse(body) });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const sink = (id, route) => ({
      id,
      type: 'http request',
      z: 'f1',
      method: 'POST',
      ret: 'txt',
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/${route}`,
      wires: [[]],
    });
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
      { id: 'inj1', type: 'inject', z: 'f1', props: [{ p: 'payload' }], payload: '3456', payloadType: 'num', wires: [['buy1']] },
      { id: 'buy1', type: 'ssi-purchase', z: 'f1', terminal: 'cfg1', units: 'minor', wires: [['toOk'], ['toNo']] },
      sink('toOk', 'approved'),
      sink('toNo', 'declined'),
    ];
    red = await startNodeRed({ flows, keep: true });
    userDir = red.userDir;
    (await red.inject('inj1')).status.should.equal(200);
    await waitFor(() => sim.status === 'S02', 5000, 'the card prompt');
    await red.kill();
    const journal = JSON.parse(fs.readFileSync(path.join(userDir, 'ssi-ecr', 'journal-cfg1.json'), 'utf8')).records;
    journal.should.have.length(1);
    journal[0].should.match({ method: 'Purchase', tag: 'buy1', params: { transAmount: '3456' } });
    red = await startNodeRed({ userDir, keep: true });
    // Ends as soon as it comes (4 s on an idle machine); the limit leaves room for reconcile's retries after a start
    // that found the terminal still busy, on a loaded machine.
    await waitFor(() => received.length === 1, 45000, 'the recovered outcome');
    received[0].path.should.equal('/approved');
    received[0].body.should.match({ recovered: true, approved: true, amount: 3456, transactionResult: 'APPROVED_ONLINE' });
    received[0].body.should.not.have.property('track2', /\d{7}/);
    sim.counts.Purchase.should.equal(1);
    JSON.parse(fs.readFileSync(path.join(userDir, 'ssi-ecr', 'journal-cfg1.json'), 'utf8')).records.should.eql([]);
  });
});
