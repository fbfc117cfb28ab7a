'use strict';
/**
 * The terminal contacted at deploy and watched while idle: every node using it shows whether it answers before the
 * first customer, without any message; the watch never sends between the steps of an operation; switched off, it
 * sends nothing.
 */
import should = require('should');
import net = require('node:net');
import { Terminal, EcrError } from '../../dist/core';
import { unreachableReason, UNREACHABLE_REASONS } from '../../dist/nodes/lib/unreachable';
import { unreachableBadge } from '../../dist/nodes/lib/status';
import { translator, readable } from '../../dist/nodes/lib/i18n';
import { helper, terminalConfig, simulator, load, next, statusText, NODES, MERCHANT, type FlowNode } from './support';
import type { SinonSpy } from 'sinon';
import { delay, waitFor, purchase } from '../support/fixtures';
import type { Wire } from '../support/wire';

const EN = require('../../src/nodes/locales/en-US/ssi-terminal.json')['ssi-terminal'];
const UK = require('../../src/nodes/locales/uk/ssi-terminal.json')['ssi-terminal'];
const REFUSED = EN.status.unreachable.refused;
const READY = statusText('S00');

/** A TCP port nothing listens on. */
async function closedPort() {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Every status node `id` showed (the helper spies on status once per node type: the calls are told by their node). */
const shownAll = (id) => {
  const node = helper.getNode(id);
  return (node.status as SinonSpy)
    .getCalls()
    .filter((c) => c.thisValue === node)
    .map((c) => c.args[0]);
};
/** The status node `id` shows now. */
const shown = (id) => shownAll(id).slice(-1)[0];

/** Waits until node `id` shows `text`. */
async function showing(id, text, ms = 3000) {
  await waitFor(() => shown(id)?.text === text, ms, `${id} to show "${text}" (it shows ${JSON.stringify(shown(id)?.text)})`);
  return shown(id);
}

/** The config node's log lines of `level` (20 error, 30 warn, 40 info). */
const logged = (level, id = 'term') =>
  helper
    .log()
    .args.filter((a) => a[0].level === level && a[0].id === id)
    .map((a) => a[0].msg);
/** The config node's warnings that the terminal does not answer. */
const silent = () => logged(30).filter((m) => m.startsWith('the terminal does not answer'));

/**
 * A purchase node on terminal `term`, with helpers on its outputs and a Catch of its errors; the terminal is
 * contacted at deploy and not watched unless `watch` says otherwise.
 */
function buyer(config, watch = {}) {
  return [
    { connectTimeout: 300, overallTimeout: 2000, ...config, probeAtDeploy: true, watchInterval: 0, ...watch },
    { id: 'buy', type: 'ssi-purchase', terminal: config.id ?? 'term', wires: [['ok'], ['no']] },
    { id: 'ok', type: 'helper' },
    { id: 'no', type: 'helper' },
    { id: 'c1', type: 'catch', scope: ['buy'], wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

describe('the terminal contacted at deploy and watched', function () {
  let sims: Wire[] = [];
  /** Every Terminal.request call (the watch's GetStatus; operations do not use it), with when it was made. */
  let calls;
  /**
   * In the order they happened: each Terminal.request call ('request'), each operation entering the Terminal's queue
   * ('start', Terminal.transact) and settling ('end'). Timestamps could not order two events of one millisecond.
   */
  let events;
  const { request, transact } = Terminal.prototype;
  before(() => {
    Terminal.prototype.request = function (method, ...rest) {
      calls.push({ method, at: Date.now() });
      events.push({ event: 'request', method, at: Date.now() });
      return Reflect.apply(request, this, [method, ...rest]);
    };
    Terminal.prototype.transact = function (method, ...rest) {
      events.push({ event: 'start', method, at: Date.now() });
      const settled = () => events.push({ event: 'end', method, at: Date.now() });
      const outcome = Reflect.apply(transact, this, [method, ...rest]);
      outcome.then(settled, settled);
      return outcome;
    };
  });
  after(() => {
    Object.assign(Terminal.prototype, { request, transact });
  });
  beforeEach(() => {
    calls = [];
    events = [];
  });
  afterEach(async () => {
    await helper.unload();
    await Promise.all(sims.map((s) => s.stop()));
    sims = [];
  });
  const sim = async (options?) => {
    const s = await simulator(options);
    sims.push(s);
    return s;
  };

  it('a terminal at a closed port: the purchase node shows it red, with the reason, right after deploy and without any message', async () => {
    const port = await closedPort();
    await load(buyer({ id: 'term', type: 'ssi-terminal', name: 'wrong port', transport: 'tcp', host: '127.0.0.1', port }));
    const caught: Wire[] = [];
    helper.getNode('caught').on('input', (msg) => caught.push(msg));
    (await showing('buy', REFUSED, 2000)).should.eql({ fill: 'red', shape: 'ring', text: 'not reachable: connection refused' });
    await waitFor(() => silent().length === 1, 2000, 'the warning');
    silent()[0].should.match(
      /^the terminal does not answer: GetStatus: cannot connect to tcp:\/\/127\.0\.0\.1:\d+ \(connect ECONNREFUSED .*\); nothing was sent$/,
    );
    calls.map((c) => c.method).should.eql(['GetStatus']);
    caught.should.eql([]);
    // The failed connection and the check's failure say the same: the node (and a Status node's flow) hears it once.
    shownAll('buy')
      .filter((b) => b.text === REFUSED)
      .should.have.length(1);
  });

  it('every flow node type shows the unreachable terminal', async () => {
    const port = await closedPort();
    const flow: FlowNode[] = [{ id: 'term', type: 'ssi-terminal', transport: 'tcp', host: '127.0.0.1', port, connectTimeout: 300 }];
    const types = NODES.filter((t) => t !== 'ssi-terminal');
    types.length.should.equal(8);
    for (const type of types) flow.push({ id: `n-${type}`, type, terminal: 'term', wires: [] });
    await load(flow);
    for (const type of types) await showing(`n-${type}`, REFUSED, 2000);
  });

  it('a simulator: the node shows it ready; the protocol is found out at deploy, so the first payment does not ask', async () => {
    const s = await sim();
    await load(buyer(terminalConfig(s)));
    (await showing('buy', READY)).should.eql({ fill: 'green', shape: 'dot', text: 'ready' });
    await waitFor(() => s.counts.GetResultByUid === 1, 2000, 'the protocol probe');
    s.requests.map((r) => r.method).should.eql(['GetStatus', 'GetResultByUid']);
    // Later firmware's gap is kept before the protocol is known: the probe waits for it after GetStatus.
    (s.requests[1].at - s.requests[0].at).should.be.aboveOrEqual(250);
    await waitFor(() => logged(40).some((m) => /speaks protocol v1\.1\.10/.test(m)), 1000, 'the protocol in the log');
    const ok = next(helper.getNode('ok'));
    helper.getNode('buy').receive({ payload: 100 });
    (await ok).payload.approved.should.be.true();
    s.counts.GetResultByUid.should.equal(1);
    silent().should.eql([]);
  });

  it("later firmware: every request on the wire, the watch's and a payment's, keeps 250 ms from the one before", async () => {
    const s = await sim({ firmware: '1.4' });
    await load(buyer(terminalConfig(s), { watchInterval: 1 }));
    await showing('buy', READY);
    await waitFor(() => s.counts.GetResultByUid === 1, 2000, 'the protocol probe');
    await waitFor(() => logged(40).some((m) => /speaks later firmware/.test(m)), 1000, 'the protocol in the log');
    await waitFor(() => s.counts.GetStatus >= 2, 2000, 'a check of the watch');
    const ok = next(helper.getNode('ok'), 8000);
    helper.getNode('buy').receive({ payload: 100 });
    (await ok).payload.approved.should.be.true();
    await waitFor(() => calls.length >= 3, 2000, 'another check of the watch');
    const methods = s.requests.map((r) => r.method);
    methods.should.containEql('Purchase');
    const gaps = s.requests.slice(1).map((r, i) => r.at - s.requests[i].at);
    Math.min(...gaps).should.be.aboveOrEqual(250, JSON.stringify(s.requests.map((r, i) => [r.method, i ? r.at - s.requests[i - 1].at : 0])));
  });

  it('the watch notices the simulator going away and coming back; the log says so once each', async () => {
    let s = await sim();
    const { port, httpPort } = s;
    await load(buyer(terminalConfig(s), { watchInterval: 1 }));
    await showing('buy', READY);
    await s.stop();
    sims = [];
    (await showing('buy', REFUSED, 4000)).fill.should.equal('red');
    await delay(1200);
    shown('buy').text.should.equal(REFUSED);
    // The checks while it is away, and their attempts to connect, change nothing the node shows.
    shownAll('buy')
      .filter((b) => b.text === REFUSED)
      .should.have.length(1);
    s = await sim({ port, httpPort });
    (await showing('buy', READY, 9000)).should.eql({ fill: 'green', shape: 'dot', text: 'ready' });
    silent().should.have.length(1);
    silent()[0].should.match(/^the terminal does not answer: .*ECONNREFUSED/);
    await waitFor(() => logged(40).includes('the terminal answers again'), 1500, 'the log to say it answers again');
    await delay(1100);
    logged(40)
      .filter((m) => m === 'the terminal answers again')
      .should.have.length(1);
    silent().should.have.length(1);
  });

  it('watch off: nothing is sent; probe at deploy only: one check and then nothing; watch on: a check every interval', async () => {
    const off = await sim();
    const once = await sim();
    const watched = await sim();
    const flow = [
      terminalConfig(off, { id: 'off', probeAtDeploy: false, watchInterval: 0 }),
      terminalConfig(once, { id: 'once', probeAtDeploy: true, watchInterval: 0, protocol: '1.1' }),
      terminalConfig(watched, { id: 'watched', probeAtDeploy: false, watchInterval: 1, protocol: '1.1' }),
      { id: 'b-off', type: 'ssi-purchase', terminal: 'off', wires: [[], []] },
      { id: 'b-once', type: 'ssi-purchase', terminal: 'once', wires: [[], []] },
      { id: 'b-watched', type: 'ssi-purchase', terminal: 'watched', wires: [[], []] },
    ];
    const deployed = Date.now();
    await load(flow);
    await delay(2500);
    off.requests.should.eql([]);
    shown('b-off').should.eql({ fill: 'grey', shape: 'ring', text: statusText('unknown') });
    once.counts.should.eql({ GetStatus: 1 });
    shown('b-once').text.should.equal(READY);
    // No check at deploy: the first one an interval later, then one every interval.
    watched.counts.should.eql({ GetStatus: 2 });
    (watched.requests[0].at - deployed).should.be.aboveOrEqual(1000);
    shown('b-watched').text.should.equal(READY);
  });

  it('the watch never sends while a purchase is in flight, and goes on after it', async () => {
    // The purchase takes about 2 s: at least one check of a 1 s watch falls inside it.
    const s = await sim({ phases: { S01: 200, S02: 1200, S03: 0, S04: 600, S05: 0, S07: 0 } });
    await load(buyer(terminalConfig(s, { protocol: '1.1' }), { watchInterval: 1 }));
    await showing('buy', READY);
    await waitFor(() => calls.length >= 2, 2000, 'a check of the watch');
    const ok = next(helper.getNode('ok'), 8000);
    helper.getNode('buy').receive({ payload: 100 });
    (await ok).payload.approved.should.be.true();
    const start = events.findIndex((e) => e.event === 'start');
    const end = events.findIndex((e) => e.event === 'end');
    events
      .filter((e) => e.event !== 'request')
      .map((e) => `${e.event} ${e.method}`)
      .should.eql(['start Purchase', 'end Purchase']);
    (events[end].at - events[start].at).should.be.above(1500);
    events
      .slice(start, end)
      .filter((e) => e.event === 'request')
      .should.eql([]);
    // On the wire, from the Purchase to its result: only the purchase's own polls.
    const from = s.requests.findIndex((r) => r.method === 'Purchase');
    const to = s.requests.map((r) => r.method).lastIndexOf('GetLastResult');
    [...new Set(s.requests.slice(from + 1, to + 1).map((r) => r.method))].sort().should.eql(['GetLastResult', 'GetStatus']);
    const before = calls.length;
    await waitFor(() => calls.length > before, 1500, 'the watch after the purchase');
    s.counts.Purchase.should.equal(1);
  });

  it("a terminal busy with another cash register's payment shows busy, not unreachable", async () => {
    const s = await sim({ phases: { S01: 300, S02: 2000, S03: 0, S04: 300, S05: 0, S07: 0 } });
    await load(buyer(terminalConfig(s, { protocol: '1.1' }), { watchInterval: 1 }));
    await showing('buy', READY);
    const other = new Terminal({ transport: 'tcp', host: '127.0.0.1', port: s.port, pollInterval: 20 });
    try {
      const theirs = other.transact('Purchase', purchase('500'));
      await waitFor(() => [statusText('S01'), statusText('S02')].includes(shown('buy').text), 3000, 'the busy terminal');
      shown('buy').fill.should.equal('blue');
      should((await theirs).params.transAmount).equal('500');
      await showing('buy', READY, 3000);
      shownAll('buy')
        .map((b) => b.fill)
        .should.not.containEql('red');
    } finally {
      await other.close();
    }
  });

  it('a terminal that closes the connection after each answer stays connected', async () => {
    const s = await sim({ closeAfterAnswer: true });
    await load(buyer(terminalConfig(s, { protocol: '1.1' }), { watchInterval: 1 }));
    await showing('buy', READY);
    await waitFor(() => s.counts.GetStatus >= 3, 3500, 'three checks');
    shownAll('buy')
      .map((b) => b.fill)
      .should.not.containEql('red');
    shown('buy').text.should.equal(READY);
    s.ignoredAfterAnswer.should.equal(0);
    const ok = next(helper.getNode('ok'), 5000);
    helper.getNode('buy').receive({ payload: 100 });
    (await ok).payload.approved.should.be.true();
  });

  it("a node's own last outcome stays when the watch finds the terminal gone; the other nodes show it", async () => {
    const s = await sim();
    const flow = [
      ...buyer(terminalConfig(s, { protocol: '1.1' }), { watchInterval: 1 }),
      { id: 'health', type: 'ssi-status', terminal: 'term', wires: [[]] },
    ];
    await load(flow);
    await showing('buy', READY);
    const ok = next(helper.getNode('ok'));
    helper.getNode('buy').receive({ payload: 2450 });
    await ok;
    shown('buy').text.should.match(/^✔ 24\.50 at \d\d:\d\d$/);
    await s.stop();
    sims = [];
    await showing('health', REFUSED, 4000);
    shown('buy').text.should.match(/^✔ 24\.50 at \d\d:\d\d$/);
  });

  it('a configuration written by hand without the settings contacts the terminal at deploy and watches every 60 s', async () => {
    const s = await sim();
    const [, ...nodes] = buyer(terminalConfig(s));
    await load([{ id: 'term', type: 'ssi-terminal', host: '127.0.0.1', port: s.port, merchantId: MERCHANT }, ...nodes]);
    await showing('buy', READY);
    helper.getNode('term').watch!.settings.should.eql({ probeAtDeploy: true, every: 60000 });
    s.counts.GetStatus.should.equal(1);
  });

  it('a watch interval that is not a whole number of seconds from 0 to 86400 is an error naming the field; nothing is sent', async () => {
    const s = await sim();
    await load(buyer(terminalConfig(s), { watchInterval: 'often' }));
    await delay(300);
    logged(20).should.eql(['ssi-terminal: watchInterval must be a whole number from 0 to 86400; got "often"']);
    shown('buy').text.should.equal(statusText('config-error'));
    s.requests.should.eql([]);
  });

  it("every reason has a phrase in both catalogues; the status shows it in the runtime's language", () => {
    Object.keys(EN.status.unreachable)
      .sort()
      .should.eql([...UNREACHABLE_REASONS].sort());
    Object.keys(UK.status.unreachable)
      .sort()
      .should.eql([...UNREACHABLE_REASONS].sort());
    const uk = {
      _: (key) =>
        key
          .split(':')[1]
          .split('.')
          .slice(1)
          .reduce((at, part) => at?.[part], UK) ?? key,
    };
    readable(translator(uk as unknown as Parameters<typeof translator>[0]), unreachableBadge('refused')).should.eql({
      fill: 'red',
      shape: 'ring',
      text: 'недоступний: з’єднання відхилено',
    });
    should(readable(translator(uk as unknown as Parameters<typeof translator>[0]), unreachableBadge(undefined)).text).equal('недоступний');
  });

  it("the reason is told from the system's code of the failure or of its cause", () => {
    const sys = (code) => Object.assign(new Error(code), { code });
    const failed = (cause) => new EcrError('CONNECTION_FAILED', 'GetStatus: cannot connect', { cause });
    should(unreachableReason(failed(sys('ECONNREFUSED')))).equal('refused');
    should(unreachableReason(failed(sys('EHOSTUNREACH')))).equal('no-route');
    should(unreachableReason(failed(sys('ENOTFOUND')))).equal('unknown-host');
    should(unreachableReason(failed(new Error('connect timed out after 300 ms')))).equal('no-answer');
    should(unreachableReason(failed(sys('ENOENT')))).equal('port-missing');
    should(unreachableReason(failed(sys('EACCES')))).equal('port-denied');
    should(unreachableReason(sys('ECONNRESET'))).equal('lost');
    should(unreachableReason(new EcrError('TIMEOUT', 'GetStatus: no response within 10000 ms'))).equal('no-answer');
    should(unreachableReason(new EcrError('BAD_RESPONSE', 'answered HTTP 404 without a JSON object'))).equal('not-a-terminal');
    // During the backoff no connection is tried: the failure does not tell why.
    (unreachableReason(new EcrError('CONNECTION_FAILED', 'GetStatus: waiting 2000 ms before the next attempt')) === undefined).should.be.true();
    should(unreachableReason(new Error('something else'))).equal('other');
  });
});
