'use strict';
import should = require('should');
import { nextPollDelay } from '../src/core';
import { HUMAN_PHASES } from '../src/simulator/engine';
import { optionsFromSettings } from '../src/nodes/lib/terminal-settings';

describe('poll schedule', () => {
  it('fixed polling waits the base interval whatever the status', () => {
    for (const status of [undefined, 'S01', 'S02', 'S05', 'S08']) nextPollDelay('fixed', 500, status, 1234).should.equal(500);
  });

  it('adaptive polling is slow while the cardholder acts and fast when the outcome is near', () => {
    nextPollDelay('adaptive', 500, undefined).should.equal(250);
    nextPollDelay('adaptive', 500, 'S02').should.equal(1000);
    nextPollDelay('adaptive', 500, 'S03').should.equal(1000);
    nextPollDelay('adaptive', 500, 'S04').should.equal(500);
    nextPollDelay('adaptive', 500, 'S05', 0).should.equal(100);
    nextPollDelay('adaptive', 500, 'S07', 0).should.equal(100);
  });

  it('a fast status that lasts eases off to the base interval, never beyond', () => {
    nextPollDelay('adaptive', 500, 'S05', 1000).should.equal(100);
    nextPollDelay('adaptive', 500, 'S05', 1400).should.equal(200);
    nextPollDelay('adaptive', 500, 'S07', 60_000).should.equal(500);
  });

  it('a status it does not know (S08 of later firmware) is polled at the base interval', () => {
    nextPollDelay('adaptive', 500, 'S08', 10_000).should.equal(500);
  });

  it("on the simulator's human timings the model sends fewer polls than fixed 500 ms and answers within 100 ms", () => {
    // Time 0 is the acknowledgement; the terminal goes S01 → S02 → S03 → S04 → S05 → S00. Exchanges take no time here.
    const order = ['S01', 'S02', 'S03', 'S04', 'S05'];
    const run = (polling, offset) => {
      const ends: [string, number][] = [];
      let t = offset;
      for (const s of order) ends.push([s, (t += HUMAN_PHASES[s])]);
      const statusAt = (at) => (ends.find(([, end]) => at < end) ?? ['S00'])[0];
      let now = 0;
      let last;
      let since = 0;
      let polls = 0;
      for (;;) {
        now += nextPollDelay(polling, 500, last, now - since);
        polls++;
        const status = statusAt(now);
        if (status !== last) [last, since] = [status, now];
        if (status === 'S00') return { polls, latency: now - t };
      }
    };
    for (let offset = 0; offset < 500; offset += 25) {
      const adaptive = run('adaptive', offset);
      const fixed = run('fixed', offset);
      adaptive.polls.should.be.belowOrEqual(fixed.polls, `offset ${offset}: ${JSON.stringify({ adaptive, fixed })}`);
      adaptive.latency.should.be.belowOrEqual(100, `offset ${offset}: ${JSON.stringify({ adaptive, fixed })}`);
    }
  });

  it('the ssi-terminal settings take adaptive or fixed, and name the field otherwise', () => {
    should(optionsFromSettings({ host: 'h', polling: 'fixed' }).polling).equal('fixed');
    (optionsFromSettings({ host: 'h' }).polling === undefined).should.be.true();
    (() => optionsFromSettings({ host: 'h', polling: 'often' })).should.throw(/ssi-terminal: polling must be adaptive or fixed; got "often"/);
  });
});
