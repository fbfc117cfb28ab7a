'use strict';

import should = require('should');
import { normaliseResponse, normaliseParams, isApproved, classifyResult, canonicalAmount } from '../src/core/normalise';

describe('normalise: canonicalAmount', function () {
  it('strips leading zeros from digit strings', function () {
    should(canonicalAmount('000000080000')).equal('80000');
    should(canonicalAmount('000000000000')).equal('0');
    should(canonicalAmount('2450')).equal('2450');
    should(canonicalAmount('0')).equal('0');
    should(canonicalAmount(' 0012 ')).equal('12');
  });

  it('turns whole numbers into digit strings', function () {
    should(canonicalAmount(80000)).equal('80000');
    should(canonicalAmount(0)).equal('0');
    should(canonicalAmount(999999999999)).equal('999999999999');
  });

  it('keeps digit strings beyond the safe integer range exact', function () {
    should(canonicalAmount('0000123456789012345678')).equal('123456789012345678');
  });

  it('keeps anything that is not a whole number as sent', function () {
    should(canonicalAmount('24.50')).equal('24.50');
    should(canonicalAmount(24.5)).equal(24.5);
    should(canonicalAmount(-1)).equal(-1);
    should(canonicalAmount('-1')).equal('-1');
    should(canonicalAmount('')).equal('');
    should(canonicalAmount('abc')).equal('abc');
    should(canonicalAmount(null)).equal(null);
    should(canonicalAmount(undefined)).equal(undefined);
    should(canonicalAmount(true)).equal(true);
    should(canonicalAmount(Number.MAX_SAFE_INTEGER + 2)).equal(Number.MAX_SAFE_INTEGER + 2);
  });
});

describe('normalise: normaliseParams', function () {
  it('normalises a GetLastResult as the vendor example writes it (track2 dropped, even empty)', function () {
    const raw = {
      originalTrnName: 'Оплата',
      transAmount: '000000002450',
      discount: 0,
      authCode: '86429E',
      date: '26/01/2024',
      time: '13:05:09',
      invoiceNum: '000456',
      bankName: 'ПриватБанк',
      merchantId: '000000060007176',
      terminalId: 'SSI00001',
      pan: '4725XXXXXXXX1627',
      responseCode: '0000',
      rrn: '987612344098',
      transactionResult: 'APPROVED-ONLINE',
      posEntryMode: 'contactless',
      binName: 'VISA',
      track2: '',
      cardHolderName: 'IVAN PETRENKO',
      parEnabled: 'true',
      parValue: '',
      balance: '000000000000',
      errorDetails: '',
    };
    normaliseParams(raw).should.eql({
      originalTrnName: 'Оплата',
      transAmount: '2450',
      discount: '0',
      authCode: '86429E',
      date: '26/01/2024',
      time: '13:05:09',
      invoiceNum: '000456',
      bankName: 'ПриватБанк',
      merchantId: '000000060007176',
      terminalId: 'SSI00001',
      pan: '4725XXXXXXXX1627',
      responseCode: '0000',
      rrn: '987612344098',
      transactionResult: 'APPROVED_ONLINE',
      posEntryMode: 'CONTACTLESS',
      binName: 'VISA',
      cardholderName: 'IVAN PETRENKO',
      parEnabled: true,
      parValue: '',
      balance: '0',
      errorDetails: '',
    });
  });

  it("turns 'APPROVED-ONLINE' into 'APPROVED_ONLINE' and normalises case and spaces of enums", function () {
    normaliseParams({ transactionResult: 'APPROVED-ONLINE' }).should.eql({ transactionResult: 'APPROVED_ONLINE' });
    normaliseParams({ transactionResult: 'APPROVED_OFFLINE' }).should.eql({ transactionResult: 'APPROVED_OFFLINE' });
    normaliseParams({ transactionResult: ' declined online ' }).should.eql({ transactionResult: 'DECLINED_ONLINE' });
    normaliseParams({ transactionResult: 'Signature-Verification-Error' }).should.eql({ transactionResult: 'SIGNATURE_VERIFICATION_ERROR' });
    normaliseParams({ posEntryMode: 'CONTACT-EMV' }).should.eql({ posEntryMode: 'CONTACT_EMV' });
    normaliseParams({ transactionResult: 5 }).should.eql({ transactionResult: 5 });
  });

  it('renames cardHolderName to cardholderName; cardholderName wins when both are sent', function () {
    normaliseParams({ cardHolderName: 'A B' }).should.eql({ cardholderName: 'A B' });
    normaliseParams({ cardholderName: 'A B' }).should.eql({ cardholderName: 'A B' });
    normaliseParams({ cardHolderName: 'OLD', cardholderName: 'NEW' }).should.eql({ cardholderName: 'NEW' });
    normaliseParams({ cardholderName: 'NEW', cardHolderName: 'OLD' }).should.eql({ cardholderName: 'NEW' });
  });

  it('renames MerchantList, MerchantCount and Receipt', function () {
    normaliseParams({ MerchantCount: '2', MerchantList: ['M1', 'M2'], Receipt: 'text' }).should.eql({
      merchantCount: 2,
      merchantList: ['M1', 'M2'],
      receipt: 'text',
    });
  });

  it('turns zero-padded and numeric amounts into canonical digit strings', function () {
    normaliseParams({
      transAmount: 80000,
      cashAmount: '000000000700',
      endAmount: '27000',
      totalSaleAmount: '000000080000',
      totalRefundAmount: 0,
      totalVoidAmount: '000000000000',
    }).should.eql({
      transAmount: '80000',
      cashAmount: '700',
      endAmount: '27000',
      totalSaleAmount: '80000',
      totalRefundAmount: '0',
      totalVoidAmount: '0',
    });
  });

  it('turns counts into numbers; merchantCount 2 stays 2', function () {
    normaliseParams({ totalSaleCount: '5', totalVoidCount: '000', merchantCount: 2 }).should.eql({
      totalSaleCount: 5,
      totalVoidCount: 0,
      merchantCount: 2,
    });
    normaliseParams({ merchantCount: '3' }).should.eql({ merchantCount: 3 });
    normaliseParams({ totalSaleCount: 'many' }).should.eql({ totalSaleCount: 'many' });
    normaliseParams({ totalSaleCount: '1234567890123456' }).should.eql({ totalSaleCount: '1234567890123456' });
  });

  it('turns boolean strings into booleans', function () {
    normaliseParams({ isBatchEmpty: 'true' }).should.eql({ isBatchEmpty: true });
    normaliseParams({ isBatchEmpty: 'false' }).should.eql({ isBatchEmpty: false });
    normaliseParams({ isBatchEmpty: true }).should.eql({ isBatchEmpty: true });
    normaliseParams({ isBatchEmpty: '1', parEnabled: 0 }).should.eql({ isBatchEmpty: true, parEnabled: false });
    normaliseParams({ isBatchEmpty: 'maybe' }).should.eql({ isBatchEmpty: 'maybe' });
  });

  it('keeps keys it does not know, and leaves opaque values (responseCode, invoiceNum, batchNumber) alone', function () {
    const raw = { futureKey: { a: [1, 2] }, responseCode: '00', invoiceNum: '000123', batchNumber: '007', details: 'actual: ee, expected: 66' };
    const out = normaliseParams(raw);
    out.should.eql(raw);
    should(out.futureKey).equal(raw.futureKey);
  });

  it('keeps keys that are names of Object.prototype as they came', function () {
    const raw = JSON.parse('{"constructor":"c","toString":"t","hasOwnProperty":"h","valueOf":1}');
    const out = normaliseParams(raw);
    Object.keys(out).should.eql(['constructor', 'toString', 'hasOwnProperty', 'valueOf']);
    out.constructor.should.equal('c');
    out.toString.should.equal('t');
    out.hasOwnProperty.should.equal('h');
    out.valueOf.should.equal(1);
  });

  it('keeps a "__proto__" key as data without changing the prototype of the result', function () {
    const raw = JSON.parse('{"__proto__":{"polluted":true},"transAmount":"0100"}');
    const out = normaliseParams(raw);
    Object.getPrototypeOf(out).should.equal(Object.prototype);
    should(out.polluted).be.undefined();
    Object.keys(out).should.eql(['__proto__', 'transAmount']);
    Object.getOwnPropertyDescriptor(out, '__proto__')!.value.should.eql({ polluted: true });
    should(out.transAmount).equal('100');
    should(({} as Record<string, unknown>).polluted).be.undefined();
  });

  it('normalises every entry of transactions[] and keeps entries that are not objects', function () {
    const out = normaliseParams({
      transactions: [
        { originalTrnName: 'Оплата', transAmount: '000000001000', cardHolderName: 'X', transactionResult: 'approved-offline', invoiceNum: '000001' },
        { transAmount: 2500, responseCode: '00' },
        null,
        'odd',
        [1],
      ],
      totalSaleCount: '2',
      isBatchEmpty: 'false',
    });
    out.should.eql({
      transactions: [
        { originalTrnName: 'Оплата', transAmount: '1000', cardholderName: 'X', transactionResult: 'APPROVED_OFFLINE', invoiceNum: '000001' },
        { transAmount: '2500', responseCode: '00' },
        null,
        'odd',
        [1],
      ],
      totalSaleCount: 2,
      isBatchEmpty: false,
    });
  });

  it('keeps transactions that is not an array', function () {
    normaliseParams({ transactions: 'none' }).should.eql({ transactions: 'none' });
  });

  it('does not change its argument', function () {
    const raw = { transAmount: '000100', cardHolderName: 'A', transactions: [{ transAmount: '01' }] };
    const copy = JSON.parse(JSON.stringify(raw));
    normaliseParams(raw);
    raw.should.eql(copy);
  });
});

describe('normalise: normaliseResponse', function () {
  it('normalises a full GetLastReport response', function () {
    const raw = {
      method: 'GetLastReport',
      step: 0,
      error: 'false',
      errorCode: '',
      errorDescription: '',
      params: {
        responseCode: '00',
        totalSaleCount: '5',
        totalSaleAmount: '000000080000',
        totalVoidCount: '0',
        totalVoidAmount: '000000000000',
        isBatchEmpty: 'false',
        batchNumber: '12',
      },
    };
    normaliseResponse(raw).should.eql({
      method: 'GetLastReport',
      step: 0,
      error: false,
      errorCode: '',
      errorDescription: '',
      params: {
        responseCode: '00',
        totalSaleCount: 5,
        totalSaleAmount: '80000',
        totalVoidCount: 0,
        totalVoidAmount: '0',
        isBatchEmpty: false,
        batchNumber: '12',
      },
    });
  });

  it('turns error "true" into true and fills missing fields', function () {
    normaliseResponse({ method: 'Purchase', error: 'true', errorCode: 'e06', errorDescription: 'Terminal Busy' }).should.eql({
      method: 'Purchase',
      error: true,
      errorCode: 'E06',
      errorDescription: 'Terminal Busy',
      params: {},
    });
    normaliseResponse({ method: 'Purchase', error: true, errorCode: ' E09 ' }).errorCode.should.equal('E09');
    normaliseResponse({ method: 'Purchase', error: 'TRUE' }).error.should.be.true();
    normaliseResponse({ method: 'Purchase', error: false }).error.should.be.false();
    normaliseResponse({ method: 'Purchase', error: 'false' }).error.should.be.false();
  });

  it('treats a missing params as {} and a non-object params as {}', function () {
    normaliseResponse({ method: 'PingDevice', error: false, errorCode: '', errorDescription: '' }).params.should.eql({});
    normaliseResponse({ method: 'PingDevice', error: false, params: null }).params.should.eql({});
    normaliseResponse({ method: 'PingDevice', error: false, params: [1, 2] }).params.should.eql({});
    normaliseResponse({ method: 'PingDevice', error: false, params: 'x' }).params.should.eql({});
  });

  it('names a response without a method "Unknown" and fills defaults', function () {
    normaliseResponse({}).should.eql({ method: 'Unknown', error: false, errorCode: '', errorDescription: '', params: {} });
    normaliseResponse({ method: 7, errorCode: 7, errorDescription: 7 }).should.eql({
      method: 'Unknown',
      error: false,
      errorCode: '',
      errorDescription: '',
      params: {},
    });
  });

  it('uppercases and trims status, from the top level or from params', function () {
    const top = normaliseResponse({ method: 'GetStatus', error: false, errorCode: '', errorDescription: '', status: ' s02 ', params: {} });
    should(top.status).equal('S02');
    const inner = normaliseResponse({ method: 'GetStatus', error: false, params: { status: 's05' } });
    should(inner.status).equal('S05');
    should(inner.params.status).equal('s05');
    should(normaliseResponse({ method: 'GetStatus', status: 'S00', params: { status: 'S01' } }).status).equal('S00');
    normaliseResponse({ method: 'GetStatus' }).should.not.have.property('status');
    // A status is a string or nothing: a number, an object or null is not taken, and never overrides params.status.
    for (const status of [3, {}, null, [], '']) normaliseResponse({ method: 'GetStatus', status }).should.not.have.property('status');
    should(normaliseResponse({ method: 'GetStatus', status: {}, params: { status: 'S01' } }).status).equal('S01');
  });

  it('keeps unknown top-level keys and normalises params', function () {
    const out = normaliseResponse({
      method: 'GetLastResult',
      error: false,
      errorCode: '',
      errorDescription: '',
      receipt: 'ЧЕК',
      vendorExtra: { a: 1 },
      params: { transactionResult: 'APPROVED-ONLINE', cardHolderName: 'N', transAmount: 80000, unknownKey: 'kept' },
    });
    should(out.receipt).equal('ЧЕК');
    should(out.vendorExtra).eql({ a: 1 });
    out.params.should.eql({ transactionResult: 'APPROVED_ONLINE', cardholderName: 'N', transAmount: '80000', unknownKey: 'kept' });
  });

  it('does not change its argument', function () {
    const raw = { method: 'GetLastResult', error: 'false', status: 's00', params: { transAmount: '0100' } };
    const copy = JSON.parse(JSON.stringify(raw));
    normaliseResponse(raw);
    raw.should.eql(copy);
  });
});

describe("normalise: classifyResult and later firmware's dates", function () {
  const result = (transactionResult, error = false, errorCode = '') =>
    normaliseResponse({ method: 'GetLastResult', error, errorCode, errorDescription: '', params: { transactionResult } });

  it('names every spelling of 1.1.10 and of later firmware', function () {
    const cases = {
      APPROVED_ONLINE: 'approved',
      'APPROVED-ONLINE': 'approved',
      APPROVED_OFFLINE: 'approved',
      APPROVED: 'approved',
      COMPLETED: 'approved',
      OK: 'approved',
      DECLINED: 'declined',
      'DECLINED-ONLINE': 'declined',
      DECLINED_OFFLINE: 'declined',
      CANCELLED: 'cancelled',
      CANCELLED_BEFORE_START: 'cancelled',
      FIRST_STEP_COMPLETED: 'first-step',
      FAILED: 'failed',
      PIN_ERROR: 'failed',
      '': 'failed',
    };
    for (const [spelling, cls] of Object.entries(cases)) classifyResult(result(spelling)).should.equal(cls, spelling);
    classifyResult(result('APPROVED', true, 'E21')).should.equal('failed');
    classifyResult(result('', true, 'E12')).should.equal('cancelled');
  });

  it('gives date and time beside transactionDate (DDMMYYYY or YYYYMMDD) and transactionTime (HHMMSS)', function () {
    const r = normaliseResponse({ method: 'GetLastResult', error: false, params: { transactionDate: '05122026', transactionTime: '101722' } });
    r.params.should.match({ date: '05/12/2026', time: '10:17:22', transactionDate: '05122026', transactionTime: '101722' });
    should(normaliseResponse({ method: 'GetLastResult', params: { transactionDate: '20261205' } }).params.date).equal('05/12/2026');
    should(normaliseResponse({ method: 'GetLastResult', params: { date: '01/01/2026', transactionDate: '05122026' } }).params.date).equal(
      '01/01/2026',
    );
    normaliseResponse({ method: 'GetLastResult', params: { transactionDate: '5.12.26', transactionTime: 'now' } }).params.should.not.have.properties(
      'date',
      'time',
    );
  });
});

describe('normalise: isApproved', function () {
  const result = (transactionResult, error: boolean | string = false) =>
    normaliseResponse({ method: 'GetLastResult', error, errorCode: '', errorDescription: '', params: { transactionResult } });

  it('is true for APPROVED_ONLINE and APPROVED_OFFLINE with error false', function () {
    isApproved(result('APPROVED_ONLINE')).should.be.true();
    isApproved(result('APPROVED_OFFLINE')).should.be.true();
    isApproved(result('APPROVED-ONLINE')).should.be.true();
    isApproved(result('approved-offline')).should.be.true();
    isApproved({ error: false, params: { transactionResult: 'APPROVED_ONLINE' } }).should.be.true();
  });

  it('is false when error is true', function () {
    isApproved(result('APPROVED_ONLINE', true)).should.be.false();
    isApproved(result('APPROVED_ONLINE', 'true')).should.be.false();
    isApproved({ error: true, params: { transactionResult: 'APPROVED_OFFLINE' } }).should.be.false();
  });

  it('is true for the spellings of later firmware: APPROVED, COMPLETED, OK', function () {
    for (const r of ['APPROVED', 'COMPLETED', 'OK', 'approved']) isApproved(result(r)).should.be.true(r);
  });

  for (const other of [
    'CANCELLED',
    'DECLINED_OFFLINE',
    'DECLINED_ONLINE',
    'FAILED',
    'NO_CONNECTION',
    'CONNECTION_ERROR',
    'CONNECTION_TIMEOUT',
    'PIN_ERROR',
    'SIGNATURE_VERIFICATION_ERROR',
    '',
    'APPROVED_ONLINE_X',
    'DECLINED',
    'CANCELLED_BEFORE_START',
    'FIRST_STEP_COMPLETED',
  ]) {
    it(`is false for ${JSON.stringify(other)}`, function () {
      isApproved(result(other)).should.be.false();
    });
  }

  it('is false without a transactionResult', function () {
    isApproved({ error: false, params: {} }).should.be.false();
    isApproved(normaliseResponse({ method: 'GetLastResult', error: false })).should.be.false();
  });

  it('does not normalise on its own: a raw "APPROVED-ONLINE" is not approved', function () {
    isApproved({ error: false, params: { transactionResult: 'APPROVED-ONLINE' } }).should.be.false();
  });
});

describe('normalise: a response without an error flag', function () {
  it('takes an error code as an error, and no code as success', function () {
    normaliseResponse({ method: 'Purchase', errorCode: 'E06' }).error.should.be.true();
    normaliseResponse({ method: 'Purchase', errorCode: '' }).error.should.be.false();
    normaliseResponse({ method: 'Purchase', error: 'false', errorCode: 'E06' }).error.should.be.false();
  });
});
