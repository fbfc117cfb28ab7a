'use strict';
/** Journal writes off the event loop, on a writer thread: durable before the request goes out, and no disk call on the event loop. */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import should = require('should');
import { writeFileAtomicAsync } from '../src/core/atomic-file';
import { Journal } from '../src/core';
import { setup, purchase } from './support/fixtures';
import type { Wire } from './support/wire';

describe('Journal writes', function () {
  let dir;
  let env;
  const restore: Wire[] = [];
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-writes-'))));
  afterEach(async () => {
    for (const undo of restore.splice(0)) undo();
    if (env) await env.cleanup();
    env = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writeFileAtomicAsync: writes of one file land in call order, whole, and leave no temp file', async () => {
    const file = path.join(dir, 'deep', 'er', 'f.json');
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeFileAtomicAsync(file, JSON.stringify({ i, pad: 'x'.repeat(1000 - i * 40) }))));
    JSON.parse(fs.readFileSync(file, 'utf8')).i.should.equal(19);
    fs.readdirSync(path.dirname(file)).should.eql(['f.json']);
  });

  it('writeFileAtomicAsync rejects when the folder cannot be made', async () => {
    fs.writeFileSync(path.join(dir, 'sub'), 'a file, not a folder');
    await writeFileAtomicAsync(path.join(dir, 'sub', 'f.json'), '{}').should.be.rejected();
  });

  it('changes are seen at once and on disk after flush(); a status goes with the next write, not alone', async () => {
    const file = path.join(dir, 'j.json');
    const onDisk = () => JSON.parse(fs.readFileSync(file, 'utf8')).records;
    const j = new Journal(file);
    const r = j.open({ method: 'Purchase', params: purchase('100'), snapshot: null });
    j.records.should.have.length(1);
    await j.flush();
    onDisk()[0].should.match({ id: r.id, step: 'sending' });
    j.amend(r.id, { lastStatus: 'S03' });
    should(j.records[0].lastStatus).equal('S03');
    await j.flush();
    onDisk()[0].should.not.have.property('lastStatus');
    j.update(r.id, { step: 'unknown', reason: 'lost' });
    await j.flush();
    onDisk()[0].should.match({ step: 'unknown', lastStatus: 'S03', reason: 'lost' });
    j.close(r.id);
    j.records.should.eql([]);
    await j.flush();
    onDisk().should.eql([]);
  });

  it('the writes run on a thread of their own: the intent is on disk before the request goes out, the event loop never waits for a disk', async function () {
    this.timeout(15000);
    env = await setup();
    const file = path.join(dir, 'journal.json');
    const t = env.open('tcp', { journal: file });
    await t.request('GetStatus');
    let recordAtPurchase;
    env.sim.on('request', (method) => {
      if (method === 'Purchase') recordAtPurchase = JSON.parse(fs.readFileSync(file, 'utf8')).records[0];
    });
    // The main thread makes no file-system call of a journal write at all: a slow disk could not hold it.
    const calls: Wire[] = [];
    for (const name of ['open', 'write', 'writeFile', 'fsync', 'rename', 'close']) {
      const original = fs[name];
      fs[name] = (...args) => (calls.push(name), original(...args));
      restore.push(() => (fs[name] = original));
    }
    const result = await t.transact('Purchase', purchase('2450'));
    result.params.transAmount.should.equal('2450');
    recordAtPurchase.should.match({ method: 'Purchase', step: 'sending' });
    calls.should.eql([]);
    JSON.parse(fs.readFileSync(file, 'utf8')).records.should.eql([]);
  });

  it('writes of many files at once leave the event loop free, and each file holds its last write', async function () {
    this.timeout(15000);
    let last = Date.now();
    let longestGap = 0;
    const ticker = setInterval(() => {
      longestGap = Math.max(longestGap, Date.now() - last);
      last = Date.now();
    }, 2);
    try {
      await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          Promise.all([0, 1, 2].map((n) => writeFileAtomicAsync(path.join(dir, `f${i}.json`), JSON.stringify({ i, n, pad: 'x'.repeat(2000) })))),
        ),
      );
    } finally {
      clearInterval(ticker);
    }
    for (let i = 0; i < 300; i += 37) JSON.parse(fs.readFileSync(path.join(dir, `f${i}.json`), 'utf8')).n.should.equal(2);
    fs.readdirSync(dir)
      .filter((f) => f.endsWith('.tmp'))
      .should.eql([]);
    longestGap.should.be.below(200);
  });
});
