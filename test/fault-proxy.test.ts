'use strict';
import net = require('node:net');
import should = require('should');
import { Terminal, encodeFrame, FrameDecoder } from '../src/core';
import { startSimulator } from '../src/simulator';
import { startFaultProxy, FrameCutter } from './support/fault-proxy';
import { FAST, purchase, delay } from './support/fixtures';
import type { Wire } from './support/wire';

/** simulator ⇄ proxy ⇄ client; everything closed in afterEach. */
describe('fault proxy: each fault does what it says', function () {
  let sim;
  let proxy;
  const terminals: Terminal[] = [];
  const raws: net.Socket[] = [];

  beforeEach(async () => {
    sim = await startSimulator({ port: 0, httpPort: false, phases: FAST });
    proxy = await startFaultProxy({ target: { port: sim.port } });
  });

  afterEach(async () => {
    await Promise.all(terminals.splice(0).map((t) => t.close()));
    for (const s of raws.splice(0)) s.destroy();
    await proxy.stop();
    await sim.stop();
  });

  const open = (options = {}) => {
    const t = new Terminal({
      host: '127.0.0.1',
      port: proxy.port,
      pollInterval: 5,
      settleGrace: 80,
      requestTimeout: 200,
      connectTimeout: 400,
      unackedGrace: 300,
      ...options,
    });
    terminals.push(t);
    return t;
  };

  /** A raw client: sends frames, records every chunk it reads and whether the proxy closed it. */
  async function rawClient() {
    const socket = net.connect({ host: '127.0.0.1', port: proxy.port, noDelay: true });
    raws.push(socket);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = {
      socket,
      chunks: [] as Buffer[],
      messages: [] as Wire[],
      issues: [] as string[],
      closed: false,
      send: (message: object) => socket.write(encodeFrame(message)),
    };
    const decoder = new FrameDecoder({ onMessage: (m: Wire) => client.messages.push(m), onIssue: (i) => client.issues.push(i.kind) });
    socket.on('data', (d) => {
      client.chunks.push(d);
      decoder.push(d);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => (client.closed = true));
    return client;
  }

  const until = async (predicate, ms = 2000) => {
    const end = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > end) throw new Error('timed out');
      await delay(2);
    }
  };

  it('passes traffic through unchanged when no fault is queued', async () => {
    const t = open();
    const r = await t.transact('Purchase', purchase('4321'));
    should(r.params.transAmount).equal('4321');
    proxy.stats.requests.should.match({ GetLastResult: 2, Purchase: 1 });
    Object.values(proxy.counts)
      .every((n) => n === 0)
      .should.be.true();
  });

  it('split (bytes): the answer arrives one byte per write and the client still reads it', async () => {
    proxy.inject({ kind: 'split', mode: 'bytes', method: 'GetStatus' });
    const c = await rawClient();
    c.send({ method: 'GetStatus' });
    await until(() => c.messages.length === 1);
    const frameLength = encodeFrame(c.messages[0]).length;
    proxy.stats.writes.should.equal(frameLength);
    c.chunks.length.should.be.above(1);
    c.messages[0].status.should.equal('S00');
    proxy.counts.split.should.equal(1);
  });

  it('split (random): a Terminal reads an answer cut at random offsets', async () => {
    const t = open();
    proxy.inject({ kind: 'split', mode: 'random', method: 'GetLastResult', times: 2 });
    const r = await t.transact('Purchase', purchase('4322'));
    should(r.params.transAmount).equal('4322');
    proxy.counts.split.should.equal(2);
    proxy.stats.writes.should.be.above(proxy.stats.answers);
  });

  it('merge (junk): junk around the answer in one write is reported and skipped', async () => {
    const t = open();
    const issues: Wire[] = [];
    t.on('issue', (i) => issues.push(i.kind));
    proxy.inject({ kind: 'merge', with: 'junk', method: 'GetStatus', bytes: 7 });
    should((await t.request('GetStatus')).status).equal('S00');
    issues.should.eql(['junk', 'junk']);
    proxy.counts.merge.should.equal(1);
  });

  it('merge (old): copies of older frames in the same write are strays, not the answer', async () => {
    const c = await rawClient();
    c.send({ method: 'GetStatus' });
    await until(() => c.messages.length === 1);
    c.send({ method: 'PingDevice' });
    await until(() => c.messages.length === 2);
    proxy.inject({ kind: 'merge', with: 'old', method: 'GetLastResult' });
    c.send({ method: 'GetLastResult' });
    await until(() => c.messages.length >= 3);
    await delay(20);
    const last = c.chunks[c.chunks.length - 1];
    last.length.should.be.above(encodeFrame(c.messages[2]).length);
    // Before the answer: the last older frames of other methods; after it: the latest older frame.
    c.messages
      .slice(2)
      .map((m) => m.method)
      .should.eql(['GetStatus', 'PingDevice', 'GetLastResult', 'PingDevice']);
    proxy.counts.merge.should.equal(1);
  });

  it('junk: bytes before the answer are reported as junk', async () => {
    const t = open();
    const issues: Wire[] = [];
    t.on('issue', (i) => issues.push(i));
    proxy.inject({ kind: 'junk', method: 'PingDevice', bytes: 13 });
    await t.request('PingDevice');
    issues.should.match([{ kind: 'junk', bytes: 13 }]);
  });

  it('delay: the answer is held back', async () => {
    const t = open();
    proxy.inject({ kind: 'delay', method: 'GetStatus', ms: 120 });
    const started = Date.now();
    await t.request('GetStatus');
    (Date.now() - started).should.be.aboveOrEqual(115);
    proxy.counts.delay.should.equal(1);
  });

  it('delay beyond the request timeout: TIMEOUT', async () => {
    const t = open({ requestTimeout: 80 });
    proxy.inject({ kind: 'delay', method: 'GetStatus', ms: 200 });
    (await t.request('GetStatus').should.be.rejected()).code.should.equal('TIMEOUT');
  });

  it("lrc: the client sees an 'issue' of kind lrc and a TIMEOUT", async () => {
    const t = open({ requestTimeout: 100 });
    const issues: Wire[] = [];
    t.on('issue', (i) => issues.push(i.kind));
    proxy.inject({ kind: 'lrc', method: 'GetStatus' });
    const err = await t.request('GetStatus').should.be.rejected();
    err.code.should.equal('TIMEOUT');
    issues.should.containEql('lrc');
    proxy.counts.lrc.should.equal(1);
  });

  it('stall: the socket stays open, nothing comes back, the client times out', async () => {
    const c = await rawClient();
    proxy.inject({ kind: 'stall', method: 'GetStatus' });
    c.send({ method: 'GetStatus' });
    await delay(150);
    c.messages.should.have.length(0);
    c.closed.should.be.false();
    proxy.connections.should.equal(1);
    sim.counts.GetStatus.should.equal(1);
    const t = open({ requestTimeout: 100 });
    proxy.inject({ kind: 'stall', method: 'GetStatus' });
    (await t.request('GetStatus').should.be.rejected()).code.should.equal('TIMEOUT');
  });

  it('blackhole: the request never reaches the terminal and the socket stays open', async () => {
    const c = await rawClient();
    proxy.inject({ kind: 'blackhole', method: 'PingDevice' });
    c.send({ method: 'PingDevice' });
    await delay(100);
    (sim.counts.PingDevice || 0).should.equal(0);
    c.closed.should.be.false();
  });

  it('late-request: the request reaches the terminal late, even after the client hung up', async () => {
    const t = open();
    proxy.inject({ kind: 'late-request', method: 'GetStatus', ms: 80 });
    const started = Date.now();
    await t.request('GetStatus');
    (Date.now() - started).should.be.aboveOrEqual(75);
    const c = await rawClient();
    proxy.inject({ kind: 'late-request', method: 'PingDevice', ms: 100 });
    c.send({ method: 'PingDevice' });
    await delay(20);
    c.socket.destroy();
    await delay(30);
    (sim.counts.PingDevice || 0).should.equal(0);
    await until(() => sim.counts.PingDevice === 1);
    proxy.counts['late-request'].should.equal(2);
  });

  it('drop-before-request: the connection is cut and the terminal never sees the request', async () => {
    const t = open();
    proxy.inject({ kind: 'drop-before-request', method: 'Purchase' });
    const err = await t.transact('Purchase', purchase('4323')).should.be.rejected();
    err.code.should.equal('NOT_PERFORMED');
    (sim.counts.Purchase || 0).should.equal(0);
    proxy.counts['drop-before-request'].should.equal(1);
  });

  it('drop-after-request (ack lost): the terminal got it, the client (the only ECR) gets the outcome by polling', async () => {
    const t = open({ soleEcr: true });
    proxy.inject({ kind: 'drop-after-request', method: 'financial' });
    const r = await t.transact('Purchase', purchase('4324'));
    should(r.params.transAmount).equal('4324');
    sim.counts.Purchase.should.equal(1);
    // Probe and snapshot, the Purchase on one of its own (dropped), then the polls.
    proxy.stats.connections.should.equal(3);
  });

  it('drop-after-answer: the answer arrives, then the connection ends', async () => {
    const c = await rawClient();
    proxy.inject({ kind: 'drop-after-answer', method: 'GetStatus' });
    c.send({ method: 'GetStatus' });
    await until(() => c.closed);
    c.messages.map((m) => m.method).should.eql(['GetStatus']);
  });

  it('skip and afterFinancial: a GetLastResult fault spares the snapshot and hits the outcome read', async () => {
    const c = await rawClient();
    const f = proxy.inject({ kind: 'drop-after-request', method: 'GetLastResult', afterFinancial: true });
    c.send({ method: 'GetLastResult' });
    await until(() => c.messages.length === 1);
    f.fired.should.equal(0);
    const g = proxy.inject({ kind: 'stall', method: 'GetStatus', skip: 1 });
    c.send({ method: 'GetStatus' });
    await until(() => c.messages.length === 2);
    g.fired.should.equal(0);
    c.send({ method: 'Echo', params: { merchantId: '000000060007176' } });
    await until(() => c.messages.length === 3);
    c.send({ method: 'GetLastResult' });
    await until(() => c.closed);
    f.fired.should.equal(1);
  });

  it('refuse (reset): new connections are reset for a while, then accepted again', async () => {
    const t = open({ connectTimeout: 150 });
    await t.request('PingDevice');
    proxy.inject({ kind: 'refuse', method: 'PingDevice', ms: 400 });
    (await t.request('PingDevice').should.be.rejected()).code.should.equal('CONNECTION_LOST');
    const e2 = await t.request('PingDevice').should.be.rejected();
    ['CONNECTION_FAILED', 'CONNECTION_LOST'].should.containEql(e2.code);
    proxy.stats.refused.should.be.above(0);
    await delay(450);
    await open().request('PingDevice');
    proxy.counts.refuse.should.equal(1);
  });

  it('refuse (unlisten): the port stops listening, then listens again on the same port', async () => {
    const port = proxy.port;
    proxy.refuse(200, 'unlisten');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const err = await open({ connectTimeout: 100 }).request('PingDevice').should.be.rejected();
    err.code.should.equal('CONNECTION_FAILED');
    err.sent.should.be.false();
    await delay(250);
    proxy.port.should.equal(port);
    await open().request('PingDevice');
  });

  it('drop with refuseMs during polling: the Terminal reconnects once the window ends and gets the outcome', async () => {
    const t = open({ connectTimeout: 1000 });
    proxy.inject({ kind: 'drop-after-request', method: 'GetStatus', refuseMs: 250 });
    const r = await t.transact('Purchase', purchase('4325'));
    should(r.params.transAmount).equal('4325');
    proxy.counts.should.match({ 'drop-after-request': 1, refuse: 1 });
    sim.counts.Purchase.should.equal(1);
  });

  it('the frame cutter passes junk through and reassembles split frames', () => {
    const cutter = new FrameCutter();
    const frame = encodeFrame({ method: 'GetStatus' });
    cutter.push(Buffer.from('zz')).should.match([{ raw: Buffer.from('zz') }]);
    cutter.push(frame.subarray(0, 4)).should.have.length(0);
    const out = cutter.push(frame.subarray(4));
    out.should.have.length(1);
    out[0].message.method.should.equal('GetStatus');
  });
});
