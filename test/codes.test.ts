'use strict';

import should = require('should');
import { ERROR_CODES, STATUS_CODES, IDLE_STATUSES, INTERRUPTIBLE_STATUSES, describeStatus, describeError } from '../src/core/codes';

const CYRILLIC = /[\u0400-\u04FF]/;

/** The errorDescription texts of §4.3.3, as the terminal sends them, with their category. */
const PROTOCOL_ERRORS = {
  E00: ['General error', 'request'],
  E01: ['Protocol version is not supported by the terminal', 'request'],
  E02: ['Checksum error', 'request'],
  E03: ['Json message format error', 'request'],
  E04: ['Required fields are missing', 'request'],
  E05: ['Unknown method', 'request'],
  E06: ['Terminal Busy', 'request'],
  E07: ['Merchant Id is not found', 'request'],
  E08: ['Interrupt prohibited', 'request'],
  E09: ['Format error', 'request'],
  E10: ['Connection error', 'transaction'],
  E11: ['Verification error (pin, signature)', 'transaction'],
  E12: ['Transaction canceled', 'transaction'],
  E13: ['MAC Error', 'transaction'],
  E14: ['Key error', 'transaction'],
  E15: ['Need z report', 'transaction'],
  E16: ['Card error', 'transaction'],
  E17: ['EMV error', 'transaction'],
  E18: ['Printer is out of paper or inoperational', 'request'],
  E19: ['Transaction amount out of limit', 'request'],
  E20: ['No last transactions found', 'transaction'],
  E21: ['General error in transaction', 'transaction'],
};

describe('codes: error codes E00–E21', function () {
  const codes: string[] = [];
  for (let n = 0; n <= 21; n++) codes.push(`E${String(n).padStart(2, '0')}`);

  it('has exactly E00–E21', function () {
    Object.keys(ERROR_CODES).sort().should.eql(codes);
  });

  for (const code of codes) {
    it(`${code} has its protocol description, category, and en and uk texts`, function () {
      const info = ERROR_CODES[code];
      should.exist(info);
      info.code.should.equal(code);
      info.description.should.equal(PROTOCOL_ERRORS[code][0]);
      info.category.should.equal(PROTOCOL_ERRORS[code][1]);
      info.en.should.be.a.String();
      info.en.trim().length.should.be.above(3);
      CYRILLIC.test(info.en).should.be.false();
      info.uk.should.be.a.String();
      info.uk.trim().length.should.be.above(3);
      CYRILLIC.test(info.uk).should.be.true();
      should(describeError(code)).equal(info);
    });
  }

  it('error entries cannot be changed', function () {
    Object.isFrozen(ERROR_CODES).should.be.true();
    Object.isFrozen(ERROR_CODES.E06).should.be.true();
  });

  it('describeError returns undefined for anything else', function () {
    should(describeError('E22')).be.undefined();
    should(describeError('e06')).be.undefined();
    should(describeError('')).be.undefined();
    should(describeError('toString')).be.undefined();
    should(describeError('constructor')).be.undefined();
    should(describeError('__proto__')).be.undefined();
  });
});

describe('codes: status codes S00–S08', function () {
  const statuses = ['S00', 'S01', 'S02', 'S03', 'S04', 'S05', 'S06', 'S07', 'S08'];

  it('has exactly S00–S07 of v1.1.10 and S08 of later firmware', function () {
    Object.keys(STATUS_CODES).sort().should.eql(statuses);
  });

  for (const code of statuses) {
    it(`${code} has en and uk texts and is known`, function () {
      const info = STATUS_CODES[code];
      info.code.should.equal(code);
      info.en.trim().length.should.be.above(3);
      CYRILLIC.test(info.en).should.be.false();
      info.uk.trim().length.should.be.above(3);
      CYRILLIC.test(info.uk).should.be.true();
      const event = describeStatus(code);
      event.should.eql({ status: code, text: info.en, uk: info.uk, known: true, idle: IDLE_STATUSES.has(code) });
    });
  }

  it('S00 is idle and its text says so', function () {
    describeStatus('S00').should.eql({ status: 'S00', text: 'idle', uk: 'термінал в режимі очікування', known: true, idle: true });
  });

  it('only S00 and S06 are idle; S01–S05, S07 and S08 are not', function () {
    [...IDLE_STATUSES].sort().should.eql(['S00', 'S06']);
    for (const code of ['S01', 'S02', 'S03', 'S04', 'S05', 'S07', 'S08']) describeStatus(code).idle.should.be.false();
    describeStatus('S06').idle.should.be.true();
  });

  it('Interrupt works in S02 and S03, and in S08 of later firmware', function () {
    [...INTERRUPTIBLE_STATUSES].sort().should.eql(['S02', 'S03', 'S08']);
  });

  it("describeStatus('S08') is the second-step wait of later firmware: known, never idle", function () {
    describeStatus('S08').should.eql({ status: 'S08', text: 'waiting for the second step', uk: 'очікується другий крок', known: true, idle: false });
  });

  it("describeStatus('S09') is known:false and idle:false", function () {
    describeStatus('S09').should.eql({ status: 'S09', text: 'unknown status S09', uk: 'невідомий статус S09', known: false, idle: false });
  });

  it('other unknown statuses are never known nor idle, names of Object.prototype included', function () {
    for (const s of ['s00', '', 'S99', 'toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const event = describeStatus(s);
      event.known.should.be.false(s);
      event.idle.should.be.false(s);
      event.text.should.equal(`unknown status ${s}`);
    }
  });
});
