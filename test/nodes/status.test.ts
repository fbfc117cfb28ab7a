'use strict';
import 'should';
import { Terminal } from '../../dist/core';
import { helper, terminalConfig, simulator, load, next, statuses, withoutTime, statusText } from './support';
import { purchases } from './seed';
import { delay, waitFor } from '../support/fixtures';
import type { Wire } from '../support/wire';

const S00 = { status: 'S00', text: 'idle', uk: 'термінал в режимі очікування', known: true, idle: true, online: true, needsZReport: false };

describe('ssi-status node', function () {
  let sim;
  /** Every Terminal.request call, whatever the transport does with it: a timer left behind would show here. */
  let calls;
  const original = Terminal.prototype.request;
  before(() => {
    Terminal.prototype.request = function (method, ...rest) {
      calls.push(method);
      return Reflect.apply(original, this, [method, ...rest]);
    };
  });
  after(() => {
    Terminal.prototype.request = original;
  });
  beforeEach(() => {
    calls = [];
  });
  afterEach(async () => {
    await helper.unload();
    if (sim) await sim.stop();
    sim = undefined;
  });

  function flow(status = {}, terminal = {}) {
    return [
      terminalConfig(sim, terminal),
      {
        id: 'health',
        type: 'ssi-status',
        name: 'terminal health',
        terminal: 'term',
        mode: 'GetStatus',
        watch: false,
        interval: 30,
        wires: [['out']],
        ...status,
      },
      { id: 'out', type: 'helper' },
      { id: 'catcher', type: 'catch', scope: ['health'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ];
  }

  /** Every msg the node sends from now on. */
  function collect() {
    const got: Wire[] = [];
    helper.getNode('out').on('input', (msg: Wire) => got.push(msg));
    return got;
  }

  const http = () => ({ transport: 'http', httpPort: sim.httpPort });

  it('GetStatus: msg.payload describes the status; the rest of msg is kept; the status badge shows it', async () => {
    sim = await simulator();
    await load(flow());
    const node = helper.getNode('health');
    const seen = statuses(node);
    const got = next(helper.getNode('out'));
    node.receive({ payload: 'check', topic: 'health-check', req: { id: 1 } });
    const msg = await got;
    msg.payload.should.eql({ ...S00, terminal: 'term' });
    msg.ecr.should.match({ method: 'GetStatus', response: { method: 'GetStatus', error: false, status: 'S00' } });
    msg.topic.should.equal('health-check');
    msg.req.should.eql({ id: 1 });
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'green', shape: 'dot', text: statusText('S00') });
  });

  it('S06: needsZReport, and the terminal is still idle', async () => {
    sim = await simulator({ zReportAfter: 1 });
    await purchases(sim, 100);
    await load(flow());
    const got = next(helper.getNode('out'));
    helper.getNode('health').receive({});
    (await got).payload.should.eql({
      status: 'S06',
      text: 'Z report (settlement) required',
      uk: 'термінал вимагає виконати Z-звіт',
      known: true,
      idle: true,
      online: true,
      needsZReport: true,
      terminal: 'term',
    });
  });

  it('PingDevice: online without a status', async () => {
    sim = await simulator();
    await load(flow({ mode: 'PingDevice' }));
    const node = helper.getNode('health');
    const seen = statuses(node);
    const got = next(helper.getNode('out'));
    node.receive({ payload: 1 });
    const msg = await got;
    msg.payload.should.eql({
      status: null,
      text: 'the terminal answers',
      uk: 'термінал відповідає',
      known: false,
      idle: false,
      online: true,
      needsZReport: false,
      terminal: 'term',
    });
    msg.ecr.method.should.equal('PingDevice');
    calls.should.eql(['PingDevice']);
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'green', shape: 'dot', text: '✔ answers' });
  });

  it('an unreachable terminal is an answer, online: false, not an error', async () => {
    sim = await simulator();
    await load(flow({}, http()));
    await sim.stop();
    const node = helper.getNode('health');
    const seen = statuses(node);
    const got = next(helper.getNode('out'));
    const caught = next(helper.getNode('caught'), 300).then(
      () => 'caught',
      () => 'not caught',
    );
    node.receive({ topic: 'probe' });
    const msg = await got;
    msg.payload.should.have.keys('status', 'text', 'uk', 'known', 'idle', 'online', 'needsZReport', 'error', 'terminal');
    msg.payload.should.match({
      status: null,
      text: 'the terminal does not answer',
      uk: 'термінал не відповідає',
      known: false,
      idle: false,
      online: false,
      needsZReport: false,
    });
    msg.payload.error.should.match(/^GetStatus: cannot connect to http:\/\/127\.0\.0\.1:\d+\/ \(.*ECONNREFUSED.*\); nothing was sent$/);
    msg.should.not.have.property('ecr');
    msg.topic.should.equal('probe');
    (await caught).should.equal('not caught');
    withoutTime(seen[seen.length - 1]).should.eql({ fill: 'red', shape: 'ring', text: statusText('unreachable.refused') });
    sim = undefined;
  });

  it('a mode that is neither GetStatus nor PingDevice goes to Catch as VALIDATION; nothing is sent', async () => {
    sim = await simulator();
    await load(flow({ mode: 'Ping' }));
    const caught = next(helper.getNode('caught'));
    helper.getNode('health').receive({ keep: true });
    const err = await caught;
    err.error.code.should.equal('VALIDATION');
    err.ecrError.should.match({ field: 'mode', message: 'ssi-status: mode must be one of GetStatus, PingDevice; got "Ping"' });
    err.keep.should.equal(true);
    calls.should.eql([]);
  });

  it('watch: polls from deploy and sends a fresh msg only when status or online changes', async () => {
    sim = await simulator();
    const { port, httpPort } = sim;
    await load(flow({ watch: true, interval: 1 }, http()));
    const got = collect();
    const polls = () => calls.filter((m) => m === 'GetStatus').length;
    await waitFor(() => got.length === 1, 1000, 'the first poll');
    got[0].should.match({ topic: 'sim', payload: S00 });
    got[0].should.have.keys('_msgid', 'topic', 'payload', 'ecr');
    await waitFor(() => polls() === 2, 1500, 'a second poll');
    await delay(50);
    got.length.should.equal(1);
    await sim.stop();
    await waitFor(() => got.length === 2, 1500, 'the offline msg');
    got[1].should.match({ topic: 'sim', payload: { status: null, online: false } });
    await waitFor(() => polls() === 4, 1500, 'a second offline poll');
    await delay(50);
    got.length.should.equal(2);
    sim = await simulator({ port, httpPort });
    await waitFor(() => got.length === 3, 1500, 'the online msg');
    got[2].should.match({ topic: 'sim', payload: S00 });
    got[2]._msgid.should.not.equal(got[0]._msgid);
  });

  it('watch: one poll at a time; a poll that hangs delays the next one', async () => {
    sim = await simulator();
    await load(flow({ watch: true, interval: 1 }, { requestTimeout: 1500 }));
    const got = collect();
    await waitFor(() => got.length === 1, 1000, 'the first poll');
    sim.injectFault({ method: 'GetStatus', action: 'no-response' });
    await waitFor(() => sim.counts.GetStatus === 2, 1500, 'the hanging poll');
    await delay(1200);
    calls.filter((m) => m === 'GetStatus').length.should.equal(2);
    await waitFor(() => got.length === 3, 1500, 'offline, then online again');
    got[1].payload.should.match({ online: false, error: /no response .* within 1500 ms/ });
    got[2].payload.should.eql({ ...S00, terminal: 'term' });
  });

  it('watch with an interval under 1 s: the node reports it at deploy and does not poll', async () => {
    sim = await simulator();
    await load(flow({ watch: true, interval: 0.5 }));
    await delay(300);
    const errors = helper
      .log()
      .args.filter((a) => a[0].level === 20 && a[0].id === 'health')
      .map((a) => a[0].msg);
    errors.should.eql(['ssi-status: interval must be a number of seconds, at least 1; got 0.5']);
    calls.should.eql([]);
  });

  it('watch: no timer is left behind after the flow stops', async () => {
    sim = await simulator();
    await load(flow({ watch: true, interval: 1 }));
    const got = collect();
    await waitFor(() => got.length === 1, 1000, 'the first poll');
    await helper.unload();
    const requests = sim.counts.GetStatus;
    const made = calls.length;
    await delay(1300);
    calls.length.should.equal(made);
    sim.counts.GetStatus.should.equal(requests);
    got.length.should.equal(1);
  });
});
