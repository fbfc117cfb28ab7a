'use strict';
import net = require('node:net');
import should = require('should');
import { Terminal, encodeFrame, FrameDecoder } from '../src/core';
import { scriptedTerminal, ok, result } from './support/scripted-terminal';
import { setup, purchase, waitFor, financialCount, MERCHANT } from './support/fixtures';
import type { AddressInfo } from 'node:net';
import type { Wire } from './support/wire';

describe('No outcome lost, no request sent twice', function () {
  let env;
  afterEach(() => env && env.cleanup());

  for (const transport of ['tcp', 'http']) {
    it(`${transport}: connection dropped right after the ack: the outcome is still delivered, one Purchase sent`, async () => {
      env = await setup({ phases: { S01: 20, S02: 20, S03: 20, S04: 20, S05: 20, S07: 0 } });
      env.sim.injectFault({ method: 'Purchase', action: 'close-after-response' });
      const r = await env.open(transport).transact('Purchase', purchase('777'));
      r.params.should.match({ transactionResult: 'APPROVED_ONLINE', transAmount: '777' });
      financialCount(env.sim, 'Purchase').should.equal(1);
    });

    it(`${transport}: the ack never came: the outcome is established by polling, never by resending (soleEcr)`, async () => {
      env = await setup({ phases: { S01: 20, S02: 20, S03: 20, S04: 20, S05: 20, S07: 0 } });
      env.sim.injectFault({ method: 'Purchase', action: 'close-before-response' });
      const r = await env.open(transport, { soleEcr: true }).transact('Purchase', purchase('778'));
      r.params.should.match({ transactionResult: 'APPROVED_ONLINE', transAmount: '778' });
      financialCount(env.sim, 'Purchase').should.equal(1);
    });

    it(`${transport}: the ack never came and another ECR may share the terminal: a matching result is not taken, OUTCOME_UNKNOWN`, async () => {
      env = await setup({ phases: { S01: 20, S02: 20, S03: 20, S04: 20, S05: 20, S07: 0 } });
      env.sim.injectFault({ method: 'Purchase', action: 'close-before-response' });
      const err = await env.open(transport).transact('Purchase', purchase('778')).should.be.rejected();
      err.code.should.equal('OUTCOME_UNKNOWN');
      err.message.should.match(/never acknowledged and nothing in the result ties it/);
      err.facts.lastResult.params.should.match({ transactionResult: 'APPROVED_ONLINE', transAmount: '778' });
      financialCount(env.sim, 'Purchase').should.equal(1);
    });

    it(`${transport}: the terminal stalls on the ack: after the request timeout the outcome is polled (soleEcr)`, async () => {
      env = await setup();
      env.sim.injectFault({ method: 'Purchase', action: 'no-response' });
      const r = await env.open(transport, { requestTimeout: 200, soleEcr: true }).transact('Purchase', purchase('779'));
      r.params.transAmount.should.equal('779');
      financialCount(env.sim, 'Purchase').should.equal(1);
    });

    it(`${transport}: a request lost before it reached the payment app ends NOT_PERFORMED, not resent`, async () => {
      env = await setup();
      const t = env.open(transport);
      await t.transact('Purchase', purchase('100'));
      env.sim.injectFault({ method: 'Purchase', action: 'drop-request' });
      const started = Date.now();
      const err = await t.transact('Purchase', purchase('780')).should.be.rejected();
      err.code.should.equal('NOT_PERFORMED');
      // Not before the request could no longer arrive (unackedGrace: 300 in these tests).
      (Date.now() - started).should.be.aboveOrEqual(300);
      err.sent.should.be.true();
      err.facts.acknowledged.should.be.false();
      err.facts.lastResult.params.transAmount.should.equal('100');
      financialCount(env.sim, 'Purchase').should.equal(2);
    });
  }

  it('works with a terminal that closes the connection after every response', async () => {
    env = await setup({ closeAfterResponse: true, phases: { S01: 10, S02: 10, S03: 10, S04: 10, S05: 10, S07: 0 } });
    const t = env.open('tcp');
    for (const amount of ['101', '102', '103']) {
      (await t.transact('Purchase', purchase(amount))).params.transAmount.should.equal(amount);
    }
    (await t.request('GetStatus')).status.should.equal('S00');
    financialCount(env.sim, 'Purchase').should.equal(3);
    env.sim.totalConnections.should.be.above(6);
  });

  it('one connection cut right after an answer does not make the client open a connection per request', async () => {
    env = await setup();
    const t = env.open('tcp');
    await t.request('PingDevice');
    env.sim.injectFault({ method: 'PingDevice', action: 'close-after-response' });
    await t.request('PingDevice');
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 10; i++) await t.request('PingDevice');
    env.sim.totalConnections.should.equal(2);
  });

  it('a terminal rebooted mid-transaction: the client reconnects, goes on polling, and gets the outcome', async () => {
    env = await setup({ restartDuration: 150, phases: { S01: 10, S02: 10, S03: 10, S04: 300, S05: 10, S07: 0 } });
    const t = env.open('tcp', { pollInterval: 10 });
    const service = env.open('tcp');
    const statuses: Wire[] = [];
    const running = t.transact('Purchase', purchase('990'), { onStatus: (s) => statuses.push(s.status) });
    await waitFor(() => env.sim.status === 'S04', 2000, 'S04');
    await service.request('Restart');
    const r = await running;
    r.params.should.match({ transAmount: '990', transactionResult: 'APPROVED_ONLINE' });
    financialCount(env.sim, 'Purchase').should.equal(1);
  });

  it('the overall timeout slides with every status change', async () => {
    env = await setup({ phases: { S01: 80, S02: 80, S03: 80, S04: 80, S05: 80, S07: 0 } });
    const r = await env.open('tcp', { overallTimeout: 150, pollInterval: 10 }).transact('Purchase', purchase());
    r.params.transactionResult.should.equal('APPROVED_ONLINE');
  });

  it('a terminal stuck without status change ends OUTCOME_UNKNOWN with the facts, never "cancelled"', async () => {
    env = await setup({ phases: { S01: 10, S02: 60_000, S03: 10, S04: 10, S05: 10, S07: 0 } });
    const t = env.open('tcp', { overallTimeout: 200, pollInterval: 10 });
    const err = await t.transact('Purchase', purchase()).should.be.rejected();
    err.code.should.equal('OUTCOME_UNKNOWN');
    err.sent.should.be.true();
    err.facts.should.match({ acknowledged: true, lastStatus: 'S02' });
    err.message.should.match(/no status change for 200 ms/);
  });

  it('closing the client during a transaction rejects OUTCOME_UNKNOWN, and queued operations CLOSED unsent', async () => {
    env = await setup({ phases: { S01: 10, S02: 60_000, S03: 10, S04: 10, S05: 10, S07: 0 } });
    const t = env.open('tcp', { pollInterval: 10 });
    const running = t.transact('Purchase', purchase('1'));
    const queued = t.transact('Purchase', purchase('2'));
    await waitFor(() => env.sim.status === 'S02', 2000, 'S02');
    await t.close();
    (await running.should.be.rejected()).code.should.equal('OUTCOME_UNKNOWN');
    const q = await queued.should.be.rejected();
    q.code.should.equal('CLOSED');
    q.sent.should.be.false();
    financialCount(env.sim, 'Purchase').should.equal(1);
  });
});

describe('Statuses and results the client must not misread', () => {
  let peer;
  let t;
  afterEach(async () => {
    if (t) await t.close();
    if (peer) await peer.close();
  });
  const open = (options = {}) => (t = new Terminal({ host: '127.0.0.1', port: peer.port, pollInterval: 5, settleGrace: 100, ...options }));
  const snapshot = result({ originalTrnName: 'Purchase', transAmount: '500', invoiceNum: '000009', rrn: 'A1' });

  it('an unknown status (S09) is reported and is neither idle nor final', async () => {
    peer = await scriptedTerminal((m, counts) => {
      if (m.method === 'GetLastResult')
        return counts.GetStatus ? result({ originalTrnName: 'Purchase', transAmount: '2450', invoiceNum: '000010' }) : snapshot;
      if (m.method === 'Purchase') return ok('Purchase');
      if (m.method === 'GetStatus') return ok('GetStatus', { status: counts.GetStatus <= 4 ? 'S09' : 'S00' });
      return undefined;
    });
    const seen: Wire[] = [];
    const r = await open().transact('Purchase', purchase(), { onStatus: (s) => seen.push(s) });
    seen[0].should.match({ status: 'S09', known: false, idle: false });
    seen[0].text.should.match(/unknown status S09/);
    seen.map((s) => s.status).should.eql(['S09', 'S00']);
    peer.counts.GetLastResult.should.equal(2);
    should(r.params.invoiceNum).equal('000010');
  });

  it('a last result of another method is not taken as ours', async () => {
    peer = await scriptedTerminal((m, counts) => {
      if (m.method === 'GetLastResult')
        return counts.GetStatus ? result({ originalTrnName: 'Refund', transAmount: '2450', invoiceNum: '000011' }) : snapshot;
      if (m.method === 'Purchase') return ok('Purchase');
      if (m.method === 'GetStatus') return ok('GetStatus', { status: 'S00' });
      return undefined;
    });
    const err = await open().transact('Purchase', purchase()).should.be.rejected();
    err.code.should.equal('OUTCOME_UNKNOWN');
    err.message.should.match(/is a Refund, not a Purchase/);
    err.facts.lastResult.params.originalTrnName.should.equal('Refund');
  });

  it('a last result for another amount is not taken as ours', async () => {
    peer = await scriptedTerminal((m, counts) => {
      if (m.method === 'GetLastResult')
        return counts.GetStatus ? result({ originalTrnName: 'Purchase', transAmount: '9999', invoiceNum: '000012' }) : snapshot;
      if (m.method === 'Purchase') return ok('Purchase');
      if (m.method === 'GetStatus') return ok('GetStatus', { status: 'S00' });
      return undefined;
    });
    const err = await open().transact('Purchase', purchase('2450')).should.be.rejected();
    err.code.should.equal('OUTCOME_UNKNOWN');
    err.message.should.match(/amount 9999, not 2450/);
  });

  it('acknowledged but the last result never changes: OUTCOME_UNKNOWN after the grace period, Purchase sent once', async () => {
    peer = await scriptedTerminal((m) => {
      if (m.method === 'GetLastResult') return snapshot;
      if (m.method === 'Purchase') return ok('Purchase');
      if (m.method === 'GetStatus') return ok('GetStatus', { status: 'S00' });
      return undefined;
    });
    const started = Date.now();
    const err = await open({ settleGrace: 150 }).transact('Purchase', purchase()).should.be.rejected();
    err.code.should.equal('OUTCOME_UNKNOWN');
    (Date.now() - started).should.be.aboveOrEqual(150);
    peer.counts.Purchase.should.equal(1);
  });

  it('a response of another method and junk before the answer are skipped and reported', async () => {
    const server = net.createServer((socket) => {
      const decoder = new FrameDecoder({
        onMessage: () =>
          socket.write(Buffer.concat([encodeFrame(ok('PingDevice')), Buffer.from('zz'), encodeFrame(ok('GetStatus', { status: 'S03' }))])),
      });
      socket.on('data', (d) => decoder.push(d));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    peer = { close: () => new Promise((resolve) => server.close(resolve)) };
    t = new Terminal({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
    const issues: Wire[] = [];
    t.on('issue', (i) => issues.push(i.kind));
    (await t.request('GetStatus')).status.should.equal('S03');
    issues.should.eql(['stray', 'junk']);
  });
});

describe('Merchant and amount checks of the request reach the terminal only when valid', () => {
  let env;
  afterEach(() => env.cleanup());
  it('a purchase on the second merchant goes into its batch only', async () => {
    env = await setup();
    const t = env.open('tcp');
    await t.transact('Purchase', purchase('1234', { merchantId: '000000060007177' }));
    const x = await t.transact('XReport', { merchantId: MERCHANT });
    x.params.totalSaleCount.should.equal(0);
    x.params.isBatchEmpty.should.be.true();
  });
});
