'use strict';

import should = require('should');
import { OperationQueue } from '../src/core/queue';
import { EcrError } from '../src/core/errors';
import type { Wire } from './support/wire';

/** A promise with its resolve/reject exposed. */
function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks run. */
function tick() {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves with the rejection reason; fails when the promise resolves. */
async function rejectionOf(promise) {
  try {
    const value = await promise;
    throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
  } catch (err) {
    return err;
  }
}

describe('queue: OperationQueue', function () {
  it('runs jobs one at a time in arrival order and hands back their results', async function () {
    const q = new OperationQueue(10, 'T1');
    const log: Wire[] = [];
    let active = 0;
    let maxActive = 0;
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const results = gates.map((gate, n) =>
      q.add(`Job${n}`, async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        log.push(`start ${n}`);
        await gate.promise;
        log.push(`end ${n}`);
        active--;
        return n * 10;
      }),
    );
    await tick();
    log.should.eql(['start 0']);
    q.size.should.equal(4);
    q.busy.should.be.true();
    // Finish them out of order: the queue still starts them in arrival order, one after the other.
    gates[2].resolve();
    gates[1].resolve();
    await tick();
    log.should.eql(['start 0']);
    gates[0].resolve();
    await tick();
    log.should.eql(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2', 'start 3']);
    gates[3].resolve();
    (await Promise.all(results)).should.eql([0, 10, 20, 30]);
    log.should.eql(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
    maxActive.should.equal(1);
    q.size.should.equal(0);
    q.busy.should.be.false();
  });

  it('starts a job at once when the queue is empty', function () {
    const q = new OperationQueue(1, 'T1');
    let started = false;
    const p = q.add('PingDevice', async () => {
      started = true;
      return 'ok';
    });
    started.should.be.true();
    return p.then((v) => v.should.equal('ok'));
  });

  it("passes a failing job's error to its caller and goes on with the next job", async function () {
    const q = new OperationQueue(5, 'T1');
    const boom = new Error('boom');
    const first = q.add('A', async () => {
      throw boom;
    });
    const second = q.add('B', async () => 'second');
    (await rejectionOf(first)).should.equal(boom);
    (await second).should.equal('second');
  });

  it('goes on with the next job when a job throws before returning a promise', async function () {
    const q = new OperationQueue(5, 'T1');
    const boom = new Error('sync boom');
    const gate = deferred();
    const first = q.add('A', () => gate.promise);
    const second = q.add('B', () => {
      throw boom;
    });
    const third = q.add('C', async () => 'third');
    gate.resolve('first');
    should(await first).equal('first');
    (await rejectionOf(second)).should.equal(boom);
    (await third).should.equal('third');
    q.busy.should.be.false();
    // And when it is the first job.
    const fourth = q.add('D', () => {
      throw boom;
    });
    (await rejectionOf(fourth)).should.equal(boom);
    (await q.add('E', async () => 'fifth')).should.equal('fifth');
  });

  it('rejects with QUEUE_FULL when `limit` jobs already wait; nothing of it runs', async function () {
    const q = new OperationQueue(2, 'tcp://10.0.0.5:3000');
    const gate = deferred();
    const ran: Wire[] = [];
    const running = q.add('Purchase', async () => {
      ran.push('running');
      await gate.promise;
    });
    const w1 = q.add('GetLastResult', async () => ran.push('w1'));
    const w2 = q.add('GetLastResult', async () => ran.push('w2'));
    q.size.should.equal(3);
    const full = q.add('Refund', async () => ran.push('full'));
    const err = await rejectionOf(full);
    err.should.be.instanceOf(EcrError);
    err.code.should.equal('QUEUE_FULL');
    err.method.should.equal('Refund');
    err.sent.should.be.false();
    err.message.should.equal('Refund: 2 operations already wait for tcp://10.0.0.5:3000; nothing was sent');
    q.size.should.equal(3);
    gate.resolve();
    await Promise.all([running, w1, w2]);
    ran.should.eql(['running', 'w1', 'w2']);
    // Room again once the waiting jobs have run.
    (await q.add('Refund', async () => 'later')).should.equal('later');
  });

  it('with limit 0, runs a job when nothing runs and refuses one that would have to wait', async function () {
    const q = new OperationQueue(0, 'T0');
    const gate = deferred();
    const first = q.add('A', () => gate.promise);
    q.busy.should.be.true();
    (await rejectionOf(q.add('B', async () => 'b'))).code.should.equal('QUEUE_FULL');
    gate.resolve('a');
    should(await first).equal('a');
    (await q.add('C', async () => 'c')).should.equal('c');
  });

  it('an AbortSignal aborts a waiting job with ABORTED and it never runs', async function () {
    const q = new OperationQueue(5, 'T1');
    const gate = deferred();
    const ran: Wire[] = [];
    const first = q.add('Purchase', async () => {
      ran.push('first');
      await gate.promise;
      return 'first';
    });
    const ctl = new AbortController();
    const aborted = q.add('GetStatus', async () => ran.push('aborted'), ctl.signal);
    const last = q.add('PingDevice', async () => {
      ran.push('last');
      return 'last';
    });
    q.size.should.equal(3);
    ctl.abort();
    const err = await rejectionOf(aborted);
    err.should.be.instanceOf(EcrError);
    err.code.should.equal('ABORTED');
    err.method.should.equal('GetStatus');
    err.sent.should.be.false();
    err.message.should.equal('GetStatus: aborted while waiting in the queue; nothing was sent');
    q.size.should.equal(2);
    gate.resolve();
    (await first).should.equal('first');
    (await last).should.equal('last');
    ran.should.eql(['first', 'last']);
  });

  it('an already aborted signal rejects at once with ABORTED', async function () {
    const q = new OperationQueue(5, 'T1');
    let ran = false;
    const err = await rejectionOf(
      q.add(
        'Purchase',
        async () => {
          ran = true;
        },
        AbortSignal.abort(),
      ),
    );
    err.code.should.equal('ABORTED');
    err.message.should.equal('Purchase: aborted before it was sent');
    ran.should.be.false();
    q.size.should.equal(0);
  });

  it('aborting after a job has started does not reject it through the queue', async function () {
    const q = new OperationQueue(5, 'T1');
    const ctl = new AbortController();
    const gate = deferred();
    const p = q.add('Purchase', () => gate.promise, ctl.signal);
    ctl.abort();
    await tick();
    gate.resolve('done');
    should(await p).equal('done');
  });

  it('close() rejects waiting jobs with the given error; the running job finishes; later adds are refused', async function () {
    const q = new OperationQueue(5, 'T1');
    const gate = deferred();
    const ran: Wire[] = [];
    const running = q.add('Purchase', async () => {
      ran.push('running');
      await gate.promise;
      return 'finished';
    });
    const ctl = new AbortController();
    const waiting1 = q.add('GetLastResult', async () => ran.push('w1'), ctl.signal);
    const waiting2 = q.add('GetStatus', async () => ran.push('w2'));
    const closed = new EcrError('CLOSED', 'T1: terminal client closed; nothing was sent');
    q.close(closed);
    (await rejectionOf(waiting1)).should.equal(closed);
    (await rejectionOf(waiting2)).should.equal(closed);
    // Aborting a job that close() already rejected changes nothing.
    ctl.abort();
    (await rejectionOf(q.add('PingDevice', async () => ran.push('after')))).should.equal(closed);
    gate.resolve();
    (await running).should.equal('finished');
    await tick();
    ran.should.eql(['running']);
    q.size.should.equal(0);
  });
});
