'use strict';
/**
 * The operator's view (the SSI ECR sidebar's runtime part) and settling by hand through the admin API: what
 * GET /ssi-ecr/terminals shows of each deployed terminal, what POST /ssi-ecr/journal/<id>/resolve/<record> with a
 * verdict sends to the flow (once, never twice), and who may do what.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import 'should';
import bcrypt = require('bcryptjs');
import { helper, nodeModules, simulator, next, buyerFlow } from './support';
import { startNodeRed, request, freePort } from '../support/node-red';
import { waitFor, delay, MERCHANT } from '../support/fixtures';

import sidebar = require('../../dist/nodes/ssi-ecr-sidebar.js');
import type { Wire } from '../support/wire';

/** Loads a flow with the pack's nodes and the sidebar plugin, resolves when it is started. */
function load(flow) {
  return new Promise<void>((resolve, reject) => helper.load([...nodeModules(flow), sidebar], flow, (err) => (err ? reject(err) : resolve())));
}

/** What a helper node receives from now on. */
function collect(node) {
  const got: Wire[] = [];
  node.on('input', (msg) => got.push(msg));
  return got;
}

const view = async () => (await helper.request().get('/ssi-ecr/terminals').expect(200)).body.terminals;
const journalOf = (dir) => JSON.parse(fs.readFileSync(path.join(dir, 'journal-term.json'), 'utf8'));
const LIVE = { S01: 20, S02: 20, S03: 20, S04: 20, S05: 20, S07: 0 };

describe("the operator's view in Node-RED (admin API)", function () {
  let sim;
  let dir;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-nr-view-'));
    helper.settings({ ssiEcrJournalDir: dir });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({ ssiEcrJournalDir: undefined });
    if (sim) await sim.stop();
    sim = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A purchase whose outcome nobody can establish: its acknowledgement is lost, and another ECR may share the terminal. */
  async function unknownPurchase(amount, correlationId) {
    sim.injectFault({ method: 'Purchase', action: 'close-before-response' });
    const caught = next(helper.getNode('caught'));
    helper.getNode('buy').receive({ payload: amount, correlationId });
    (await caught).error.code.should.equal('OUTCOME_UNKNOWN');
    const [record] = (await view())[0].unresolved;
    return record;
  }

  it('lists each deployed terminal: reachable, its status, firmware, unresolved operations with their facts, last outcomes with the masked card only', async () => {
    sim = await simulator({ phases: LIVE });
    await load(buyerFlow(sim));
    const ok = next(helper.getNode('ok'));
    helper.getNode('buy').receive({ payload: 2450, correlationId: 'order-1' });
    await ok;
    const no = next(helper.getNode('no'));
    helper.getNode('buy').receive({ payload: 10051 });
    await no;
    const record = await unknownPurchase(778, 'order-3');

    const [term] = await view();
    term.should.match({
      id: 'term',
      name: 'sim',
      transport: 'tcp',
      where: `127.0.0.1:${sim.port}`,
      reachability: 'connected',
      status: 'S00',
      firmware: '1.1',
    });
    term.unresolved.should.have.length(1);
    record.should.match({
      method: 'Purchase',
      amount: 778,
      currency: '980',
      merchantId: MERCHANT,
      ref: 'order-3',
      node: 'buy',
      step: 'unknown',
      acknowledged: false,
      settle: 'verdict',
    });
    record.reason.should.match(/never acknowledged and nothing in the result ties it/);
    Date.parse(record.startedAt).should.not.be.NaN();
    term.outcomes
      .map((o) => [o.outcome, o.method, o.amount, o.code, o.reason, o.ref])
      .should.eql([
        ['error', 'Purchase', 778, 'OUTCOME_UNKNOWN', 'outcome-unknown', 'order-3'],
        ['declined', 'Purchase', 10051, 'E21', 'insufficient-funds', undefined],
        ['approved', 'Purchase', 2450, undefined, undefined, 'order-1'],
      ]);
    const approved = term.outcomes[2];
    approved.should.match({ node: 'buy', currency: '980', pan: /^\d{4,6}X+\d{4}$/ });
    approved.rrn.should.match(/^\d+$/);
    term.outcomes[0].sent.should.be.true();
    // The masked number is the only card data: no track 2, no cardholder, nothing else of the result.
    const text = JSON.stringify(term);
    text.should.not.match(/track2|cardholder|\d{7,}=/i);
    Object.keys(approved).sort().should.eql(['amount', 'at', 'authCode', 'currency', 'invoiceNum', 'method', 'node', 'outcome', 'pan', 'ref', 'rrn']);
  });

  it('an outcome reconciled from the terminal is among the last outcomes, marked recovered', async () => {
    sim = await simulator({ phases: { S01: 10, S02: 1500, S03: 10, S04: 10, S05: 10, S07: 0 } });
    await load(buyerFlow(sim));
    const caught = next(helper.getNode('caught'));
    helper.getNode('buy').receive({ payload: 5555 });
    (await caught).error.code.should.equal('OUTCOME_UNKNOWN');
    await waitFor(() => sim.status === 'S00', 4000, 'the terminal to finish');
    const ok = next(helper.getNode('ok'));
    await helper.getNode('term').hub.recover();
    (await ok).payload.should.match({ recovered: true, amount: 5555 });
    const [term] = await view();
    term.unresolved.should.eql([]);
    term.outcomes[0].should.match({ outcome: 'approved', amount: 5555, recovered: true });
    term.outcomes[0].should.not.have.property('byHand');
  });

  for (const [verdict, output, other] of [
    ['not-performed', 'no', 'ok'],
    ['approved', 'ok', 'no'],
  ]) {
    it(`settled by hand as ${verdict}: the node sends it once on output ${output === 'ok' ? 1 : 2}, marked settled by hand, and never again`, async () => {
      sim = await simulator({ phases: LIVE });
      await load(buyerFlow(sim));
      const record = await unknownPurchase(778, 'order-9');
      const got = collect(helper.getNode(output));
      const wrong = collect(helper.getNode(other));
      const settled = await helper.request().post(`/ssi-ecr/journal/term/resolve/${record.id}`).send({ verdict }).expect(200);
      settled.body.should.match({ resolved: true, unresolved: 0, settledByHand: { verdict } });
      settled.body.settledByHand.should.not.have.property('by');
      await waitFor(() => got.length === 1, 2000, 'the settled outcome');
      const msg = got[0];
      msg.should.match({ topic: 'recovered', recovered: true, correlationId: 'order-9', settledByHand: { verdict } });
      msg.payload.should.match({ recovered: true, settledByHand: { verdict }, amount: 778, amountMajor: 7.78, approved: verdict === 'approved' });
      if (verdict === 'approved') msg.payload.should.match({ outcome: 'approved', transactionResult: 'APPROVED' });
      else msg.payload.should.match({ outcome: 'failed', errorCode: 'NOT_PERFORMED', reason: 'not performed by the terminal' });
      // Nothing of it came from the terminal: no rrn, no card.
      msg.payload.should.not.have.properties(['rrn', 'pan', 'authCode']);
      msg.journal.should.match({ id: record.id, method: 'Purchase', ref: 'order-9' });

      // Settled twice (a second click, another operator): refused, and nothing more is sent.
      const twice = await helper.request().post(`/ssi-ecr/journal/term/resolve/${record.id}`).send({ verdict: 'approved' }).expect(404);
      twice.body.resolved.should.be.false();
      // Reconciling afterwards finds nothing to deliver either.
      (await helper.getNode('term').hub.recover()).should.eql([]);
      await delay(200);
      got.should.have.length(1);
      wrong.should.have.length(0);

      // The journal keeps the verdict; the view has the outcome, and no unresolved record.
      journalOf(dir).should.match({ records: [], byHand: [{ id: record.id, verdict, ref: 'order-9', tag: 'buy' }] });
      const [term] = await view();
      term.unresolved.should.eql([]);
      term.outcomes[0].should.match({
        outcome: verdict === 'approved' ? 'approved' : 'failed',
        amount: 778,
        recovered: true,
        byHand: { verdict },
        ref: 'order-9',
      });
      // Payments run again; the settled correlation id stays used.
      const ok = next(helper.getNode('ok'));
      helper.getNode('buy').receive({ payload: 100, correlationId: 'order-10' });
      (await ok).payload.amount.should.equal(100);
      const caught = next(helper.getNode('caught'));
      helper.getNode('buy').receive({ payload: 100, correlationId: 'order-9' });
      (await caught).error.code.should.equal('DUPLICATE');
      sim.counts.Purchase.should.equal(2);
    });
  }

  it('a settled outcome for a node that is not running waits for it, and is sent once when it starts', async () => {
    sim = await simulator({ phases: LIVE });
    const flow = buyerFlow(sim);
    await load(flow);
    const record = await unknownPurchase(778, 'order-11');
    // The buying node is disabled (a deploy of modified nodes); its terminal stays.
    await helper.setFlows(
      flow.map((n) => (n.id === 'buy' ? { ...n, d: true } : n)),
      'nodes',
    );
    const no = collect(helper.getNode('no'));
    await helper.request().post(`/ssi-ecr/journal/term/resolve/${record.id}`).send({ verdict: 'not-performed' }).expect(200);
    await delay(200);
    no.should.have.length(0);
    await helper.setFlows(flow, 'nodes');
    await waitFor(() => no.length === 1, 2000, 'the outcome that waited');
    no[0].should.match({
      recovered: true,
      correlationId: 'order-11',
      settledByHand: { verdict: 'not-performed' },
      payload: { amount: 778, approved: false },
    });
    await delay(200);
    no.should.have.length(1);
  });

  it('refuses what cannot be settled: a bad verdict (400, naming it), a running operation (409), a verdict on a report (409), an unknown record (404)', async () => {
    sim = await simulator({ phases: { S01: 10, S02: 1500, S03: 10, S04: 10, S05: 10, S07: 0 } });
    const now = new Date().toISOString();
    fs.writeFileSync(
      path.join(dir, 'journal-term.json'),
      JSON.stringify({
        version: 1,
        records: [
          {
            id: 'z1',
            method: 'ZReport',
            params: { merchantId: MERCHANT },
            tag: 'buy',
            startedAt: now,
            updatedAt: now,
            step: 'unknown',
            snapshot: null,
            reason: 'cut off',
          },
        ],
      }),
    );
    await load(buyerFlow(sim, { allowWhileUnresolved: true, overallTimeout: 10000 }));
    await waitFor(() => helper.getNode('term').hub.state.unresolved === 1, 3000, 'the journal to be read');
    const bad = await helper.request().post('/ssi-ecr/journal/term/resolve/z1').send({ verdict: 'maybe' }).expect(400);
    bad.body.should.match({ resolved: false, error: { code: 'VALIDATION', field: 'verdict', rule: /^must be one of approved, not-performed/ } });
    bad.body.error.message.should.match(/^settling by hand: verdict must be one of approved, not-performed .*; got "maybe"$/);
    const report = await helper.request().post('/ssi-ecr/journal/term/resolve/z1').send({ verdict: 'approved' }).expect(409);
    report.body.error.should.match(/a verdict is for payments; ZReport is only marked checked/);
    (await view())[0].unresolved.find((r) => r.id === 'z1').settle.should.equal('checked');

    // A payment that is running: its record is there, but nobody may settle it.
    helper.getNode('buy').receive({ payload: 4242 });
    await waitFor(() => sim.status === 'S02', 3000, 'the card prompt');
    const running = (await view())[0].unresolved.find((r) => r.method === 'Purchase');
    running.should.match({ settle: 'none', amount: 4242 });
    running.step.should.not.equal('unknown');
    const refused = await helper.request().post(`/ssi-ecr/journal/term/resolve/${running.id}`).send({ verdict: 'not-performed' }).expect(409);
    refused.body.error.should.match(/still being established/);
    const ok = next(helper.getNode('ok'), 8000);
    (await ok).payload.should.match({ amount: 4242, approved: true });
    ok.should.not.have.property('settledByHand');

    await helper.request().post('/ssi-ecr/journal/term/resolve/nope').send({ verdict: 'approved' }).expect(404);
    await helper.request().get('/ssi-ecr/journal/nope').expect(404);
    (await helper.request().post('/ssi-ecr/journal/term/resolve/z1').send({}).expect(200)).body.should.eql({ resolved: true, unresolved: 0 });
    journalOf(dir).byHand.should.match([{ id: 'z1', verdict: 'checked', method: 'ZReport' }]);
  });

  it('a verdict the journal cannot take is not sent: 500 naming the failure, the record stays unresolved', async () => {
    sim = await simulator({ phases: LIVE });
    await load(buyerFlow(sim));
    const record = await unknownPurchase(778, 'order-12');
    const approved = collect(helper.getNode('ok'));
    const declined = collect(helper.getNode('no'));
    // The journal's folder becomes a file: nothing can be written there any more.
    fs.rmSync(dir, { recursive: true });
    fs.writeFileSync(dir, 'not a folder');
    const failed = await helper.request().post(`/ssi-ecr/journal/term/resolve/${record.id}`).send({ verdict: 'not-performed' }).expect(500);
    failed.body.should.match({ resolved: false, error: { code: 'JOURNAL', message: /ENOTDIR/ } });
    await delay(200);
    approved.should.have.length(0);
    declined.should.have.length(0);
    const [term] = await view();
    term.unresolved.map((r) => r.id).should.eql([record.id]);
    term.outcomes.filter((o) => o.byHand).should.eql([]);
  });

  it('tells the editors (RED.comms) when a terminal changes and when flows start; the notice carries nothing but the id', async () => {
    sim = await simulator({ phases: LIVE });
    const notices: Wire[] = [];
    const listen = (event) => notices.push(event);
    helper._events.on('comms', listen);
    try {
      await load(buyerFlow(sim));
      await waitFor(() => notices.some((n) => n.topic === 'ssi-ecr/terminal'), 2000, 'the flows-started notice');
      const ok = next(helper.getNode('ok'));
      helper.getNode('buy').receive({ payload: 100 });
      await ok;
      await waitFor(() => notices.some((n) => n.topic === 'ssi-ecr/terminal/term'), 2000, 'the terminal notice');
      for (const n of notices.filter((x) => x.topic.startsWith('ssi-ecr/'))) {
        n.should.have.property('retain', undefined);
        n.data.should.eql(n.topic === 'ssi-ecr/terminal' ? {} : { id: 'term' });
      }
      // A payment's statuses come in bursts: they are told as a few notices, not one per status.
      notices.filter((n) => n.topic === 'ssi-ecr/terminal/term').length.should.be.below(6);
    } finally {
      helper._events.removeListener('comms', listen);
    }
  });

  it("a terminal that cannot be reached is listed as the nodes show it: why, in the status's words, and the system's message", async () => {
    const closed = await freePort();
    await load(buyerFlow({ port: closed }, { probeAtDeploy: true, watchInterval: 0, connectTimeout: 300 }));
    await waitFor(() => helper.getNode('term').hub.state.reachability === 'disconnected', 10000, 'the deploy probe to fail');
    const [term] = await view();
    term.should.match({ reachability: 'disconnected', reason: 'refused', error: /ECONNREFUSED/ });
  });

  it('a terminal whose settings are wrong is listed with why, and nothing is opened for it', async () => {
    sim = await simulator();
    await load(buyerFlow(sim, { host: '' }));
    const [term] = await view();
    term.should.match({ id: 'term', reachability: 'unknown', unresolved: [], outcomes: [] });
    term.configError.should.match(/host is required/);
  });
});

describe("the operator's view in a real Node-RED: permissions", function () {
  this.timeout(60000);
  let sim;
  let red;
  afterEach(async () => {
    if (red) await red.stop();
    if (sim) await sim.stop();
    red = sim = undefined;
  });

  it('read lists the terminals, write settles: anonymous gets neither, a viewer only the list; the settler is named', async () => {
    sim = await simulator({ phases: LIVE });
    const hash = bcrypt.hashSync('secret-pass', 8);
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
      { id: 'inj1', type: 'inject', z: 'f1', props: [{ p: 'payload' }], payload: '778', payloadType: 'num', wires: [['buy1']] },
      { id: 'buy1', type: 'ssi-purchase', z: 'f1', terminal: 'cfg1', units: 'minor', wires: [[], []] },
    ];
    red = await startNodeRed({
      flows,
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
    const viewer = await token('viewer', 'read');
    const admin = await token('admin', '*');
    (await request(`${red.url}/ssi-ecr/terminals`)).status.should.equal(401);
    sim.injectFault({ method: 'Purchase', action: 'close-before-response' });
    (await red.inject('inj1')).status.should.equal(401);
    (await request(`${red.url}/inject/inj1`, { method: 'POST', headers: admin })).status.should.equal(200);
    let terminals;
    const until = Date.now() + 10000;
    do {
      terminals = (await request(`${red.url}/ssi-ecr/terminals`, { headers: viewer })).body.terminals;
      if (terminals[0].unresolved.some((r) => r.settle === 'verdict')) break;
      await delay(100);
    } while (Date.now() < until);
    const record = terminals[0].unresolved.find((r) => r.settle === 'verdict');
    record.should.match({ method: 'Purchase', amount: 778 });
    const url = `${red.url}/ssi-ecr/journal/cfg1/resolve/${record.id}`;
    (await request(url, { method: 'POST', body: { verdict: 'not-performed' } })).status.should.equal(401);
    (await request(url, { method: 'POST', body: { verdict: 'not-performed' }, headers: viewer })).status.should.equal(401);
    const settled = await request(url, { method: 'POST', body: { verdict: 'not-performed' }, headers: admin });
    settled.status.should.equal(200);
    settled.body.settledByHand.should.match({ verdict: 'not-performed', by: 'admin' });
    // Answered once the verdict is on disk.
    const journal = JSON.parse(fs.readFileSync(path.join(red.userDir, 'ssi-ecr', 'journal-cfg1.json'), 'utf8'));
    journal.byHand.should.match([{ id: record.id, verdict: 'not-performed', by: 'admin' }]);
    const after = (await request(`${red.url}/ssi-ecr/terminals`, { headers: viewer })).body.terminals[0];
    after.unresolved.should.eql([]);
    after.outcomes[0].should.match({ byHand: { verdict: 'not-performed', by: 'admin' } });
    red.output().should.match(/settled by hand by admin: not-performed/);
  });
});
