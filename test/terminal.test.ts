'use strict';
import path = require('node:path');
import { spawn } from 'node:child_process';
import should = require('should');
import { Terminal, METHOD_NAMES, EcrError, isApproved } from '../src/core';
import { setup, purchase, delay, waitFor, financialCount, MERCHANT, MERCHANT2 } from './support/fixtures';
import type { Wire } from './support/wire';
import { TerminalEngine } from '../src/simulator';

const xorUtf8 = (text) => Buffer.from(text, 'utf8').reduce((x, b) => x ^ b, 0);
const RECEIPT =
  '<receipt><text align="center" size="large" weight="bold" darkness="normal">Дякуємо!</text><text align="left" size="normal" weight="normal" darkness="normal">Кава||45.00</text></receipt>';

for (const transport of ['tcp', 'http']) {
  describe(`Terminal over ${transport} against the simulator`, function () {
    let env;
    let t;
    beforeEach(async () => {
      env = await setup();
      t = env.open(transport);
    });
    afterEach(() => env.cleanup());

    it('request(GetStatus) answers at once with the status', async () => {
      const r = await t.request('GetStatus');
      r.should.match({ method: 'GetStatus', error: false, errorCode: '', status: 'S00' });
      t.lastStatus.should.match({ status: 'S00', text: 'idle', known: true, idle: true });
    });

    it('transact(Purchase) reports every status and resolves with the normalised GetLastResult', async () => {
      await env.cleanup();
      env = await setup({ phases: { S01: 30, S02: 30, S03: 30, S04: 30, S05: 30, S07: 0 } });
      t = env.open(transport);
      const seen: Wire[] = [];
      const result = await t.transact('Purchase', purchase(2450), { onStatus: (s) => seen.push(s.status) });
      seen.should.eql(['S01', 'S02', 'S03', 'S04', 'S05', 'S00']);
      result.should.match({ method: 'GetLastResult', error: false, errorCode: '' });
      result.params.should.match({
        originalTrnName: 'Purchase',
        transAmount: '2450',
        transactionResult: 'APPROVED_ONLINE',
        merchantId: MERCHANT,
        responseCode: '00',
      });
      result.params.invoiceNum.should.match(/^\d{6}$/);
      isApproved(result).should.be.true();
      financialCount(env.sim, 'Purchase').should.equal(1);
    });

    it('never hands out a full PAN or track 2, though the terminal sends track 2 unmasked', async () => {
      const result = await t.transact('Purchase', purchase(2450));
      result.params.pan.should.match(/^\d{4,6}X+\d{4}$/);
      // Not even masked: a result carries no track 2 at all.
      result.params.should.not.have.property('track2');
      for (const text of [JSON.stringify(result), JSON.stringify(await t.request('GetLastResult'))]) {
        text.should.not.match(/track2/);
        text.should.not.match(/(4725760000001627|5168740000004402)/);
        text.should.not.match(/=\d/);
      }
    });

    it('a declined purchase is a result, not an exception', async () => {
      const result = await t.transact('Purchase', purchase('10005'));
      result.error.should.be.true();
      result.errorCode.should.equal('E21');
      result.params.should.match({ transactionResult: 'DECLINED_ONLINE', responseCode: '05', transAmount: '10005' });
      isApproved(result).should.be.false();
    });

    it('Interrupt sent while transact polls in S02 reaches the terminal between polls and cancels', async () => {
      await env.cleanup();
      env = await setup({ phases: { S01: 10, S02: 5000, S03: 10, S04: 10, S05: 10, S07: 0 } });
      t = env.open(transport, { pollInterval: 20 });
      const statuses: Wire[] = [];
      const running = t.transact('Purchase', purchase(), { onStatus: (s) => statuses.push(s.status) });
      await waitFor(() => statuses.includes('S02'), 3000, 'S02');
      const started = Date.now();
      const ack = await t.request('Interrupt');
      (Date.now() - started).should.be.below(1000);
      ack.error.should.be.false();
      const result = await running;
      result.should.match({ error: true, errorCode: 'E12', params: { transactionResult: 'CANCELLED' } });
    });

    it('an AbortSignal during the card prompt sends Interrupt and still delivers the outcome', async () => {
      await env.cleanup();
      env = await setup({ phases: { S01: 10, S02: 5000, S03: 10, S04: 10, S05: 10, S07: 0 } });
      t = env.open(transport, { pollInterval: 10 });
      const ac = new AbortController();
      const running = t.transact('Purchase', purchase(), { signal: ac.signal, onStatus: (s) => s.status === 'S02' && ac.abort() });
      const result = await running;
      result.params.transactionResult.should.equal('CANCELLED');
      financialCount(env.sim, 'Interrupt').should.equal(1);
    });

    it('Interrupt when idle is refused with E08 and the response', async () => {
      const err = await t.request('Interrupt').should.be.rejectedWith(EcrError);
      err.code.should.equal('E08');
      err.response.should.match({ method: 'Interrupt', error: true, errorCode: 'E08' });
    });

    it("a terminal busy with another ECR's operation refuses with E06, and nothing is charged", async () => {
      await env.cleanup();
      env = await setup({ phases: { S01: 10, S02: 400, S03: 10, S04: 10, S05: 10, S07: 0 } });
      const other = env.open(transport);
      t = env.open(transport);
      const first = other.transact('Purchase', purchase('1000'));
      await waitFor(() => env.sim.status === 'S02', 2000, 'S02');
      const err = await t.transact('Purchase', purchase('2000')).should.be.rejected();
      err.code.should.equal('E06');
      err.sent.should.be.false();
      (await first).params.transAmount.should.equal('1000');
      financialCount(env.sim, 'Purchase').should.equal(1);
    });

    it('concurrent callers on one Terminal are served one at a time in arrival order', async () => {
      const amounts = ['101', '202', '303', '404', '505'];
      const results = await Promise.all(amounts.map((a) => t.transact('Purchase', purchase(a))));
      results.map((r) => r.params.transAmount).should.eql(amounts);
      const invoices = results.map((r) => Number(r.params.invoiceNum));
      invoices.should.eql([...invoices].sort((a, b) => a - b));
      env.sim.requests
        .filter((r) => r.method === 'Purchase')
        .map((r) => r.params.transAmount)
        .should.eql(amounts);
      should(env.sim.counts.Purchase).equal(5);
    });

    it('validation errors name method, field and rule and reach nothing', async () => {
      const before = env.sim.requests.length;
      const cases = [
        ['Purchase', purchase('24.50'), 'transAmount'],
        ['Purchase', purchase(-1), 'transAmount'],
        ['Purchase', purchase('1e3'), 'transAmount'],
        ['Purchase', purchase(' 12'), 'transAmount'],
        ['Purchase', { transAmount: '100', transCurrency: 'UAH', merchantId: MERCHANT }, 'transCurrency'],
        ['Refund', { transAmount: '100', transCurrency: '980', merchantId: MERCHANT }, 'rrn'],
        ['XReport', { merchantId: MERCHANT, isDetailReport: 'yes' }, 'isDetailReport'],
      ];
      for (const [method, params, field] of cases) {
        const err = await t.transact(method, params).should.be.rejected();
        err.code.should.equal('VALIDATION');
        err.field.should.equal(field);
        err.message.should.startWith(`${method}: ${field}`);
      }
      const unknown = await t.transact('Purchse', purchase()).should.be.rejected();
      unknown.code.should.equal('UNKNOWN_METHOD');
      unknown.message.should.match(/Did you mean Purchase\?/);
      const wrongCall = await t.request('Purchase', purchase()).should.be.rejected();
      wrongCall.message.should.match(/use transact\(\)/);
      env.sim.requests.length.should.equal(before);
    });

    it('reaches every method of the catalogue', async () => {
      const covered = new Set();
      const tx = async (method, params) => {
        covered.add(method);
        return t.transact(method, params);
      };
      const rq = async (method, params?) => {
        covered.add(method);
        return t.request(method, params);
      };
      const sale = await tx('Purchase', purchase('5000', { discountedAmount: '4500' }));
      sale.params.should.match({ transAmount: '4500', discount: '500' });
      (await tx('Void', { invoiceNum: sale.params.invoiceNum })).params.should.match({
        originalTrnName: 'Void',
        transactionResult: 'APPROVED_ONLINE',
        transAmount: '4500',
      });
      const sale2 = await tx('Purchase', purchase('3000'));
      (await tx('PartialVoid', { invoiceNum: sale2.params.invoiceNum, transAmount: '1000' })).params.transactionResult.should.equal(
        'APPROVED_ONLINE',
      );
      (
        await tx('Refund', { transAmount: '500', transCurrency: '980', rrn: sale2.params.rrn, merchantId: MERCHANT })
      ).params.originalTrnName.should.equal('Refund');
      (
        await tx('CashBack', { transAmount: '2000', cashAmount: '700', transCurrency: '980', merchantId: MERCHANT2, terminalId: 'T0000003' })
      ).params.should.match({ cashAmount: '700', terminalId: 'T0000003' });
      const pre = await tx('Preauthorization', purchase('9000'));
      (
        await tx('SalePreauth', {
          transAmount: '9000',
          endAmount: '8500',
          transCurrency: '980',
          rrn: pre.params.rrn,
          authCode: pre.params.authCode,
          merchantId: MERCHANT,
        })
      ).params.should.match({ endAmount: '8500', transactionResult: 'APPROVED_ONLINE' });
      const pre2 = await tx('Preauthorization', purchase('7000'));
      (await tx('VoidPreauth', { invoiceNum: pre2.params.invoiceNum })).params.transactionResult.should.equal('APPROVED_ONLINE');
      (await tx('Cash', purchase('10000'))).params.originalTrnName.should.equal('Cash');
      (await tx('Deposit', purchase('20000'))).params.originalTrnName.should.equal('Deposit');
      (await tx('Balance', { transCurrency: '980', merchantId: MERCHANT })).params.transAmount.should.equal('0');
      (await tx('Echo', { merchantId: MERCHANT })).params.should.match({ originalTrnName: 'Echo', transactionResult: 'APPROVED_ONLINE' });
      const x = await tx('XReport', { merchantId: MERCHANT, isDetailReport: true });
      x.should.match({ method: 'GetLastReport', error: false });
      x.params.totalSaleCount.should.equal(2);
      x.params.transactions.length.should.be.above(3);
      const z = await tx('ZReport', { merchantId: MERCHANT });
      z.params.totalSaleAmount.should.equal(x.params.totalSaleAmount);
      should(z.params.transactions).be.undefined();
      (await rq('GetLastReport')).params.batchNumber.should.equal(z.params.batchNumber);
      (await rq('GetLastReportReceipt')).params.receipt.should.match(/Z-ЗВІТ/);
      (await rq('GetStatus')).status.should.equal('S00');
      (await rq('GetLastResult')).params.originalTrnName.should.equal('Echo');
      (await rq('GetLastReceipt')).params.receipt.should.match(/ПОПОВНЕННЯ РАХУНКУ/);
      (await rq('PingDevice')).error.should.be.false();
      (await rq('GetMerchantList')).params.should.eql({ merchantCount: 2, merchantList: [MERCHANT, MERCHANT2] });
      (await rq('GetTerminalInfo')).params.should.have.properties('terminalModel', 'terminalSerialNumber', 'currentApp', 'paymentApps');
      // A print is done when the terminal is idle again: the next request is not refused with E06.
      (await rq('PrintXml', { receipt: RECEIPT })).error.should.be.false();
      env.sim.status.should.equal('S00');
      (await rq('PrintPdfUrl', { url: 'https://example.com/receipt.pdf' })).error.should.be.false();
      env.sim.status.should.equal('S00');
      await rq('Interrupt').should.be.rejectedWith({ code: 'E08' });
      const backOnline = () => new Promise((resolve) => env.sim.once('online', resolve));
      let online = backOnline();
      (await rq('RestartPaymentApp')).error.should.be.false();
      await online;
      online = backOnline();
      (await rq('Restart')).status.should.equal('S00');
      await online;
      (await rq('GetStatus')).status.should.equal('S00');
      // Methods of later firmware: a v1.1.10 terminal does not know them (test/firmware.test.ts runs them on 1.4).
      await rq('GetResultByUid', { transactionUid: 'no-such-operation' }).should.be.rejectedWith({ code: 'E05' });
      await rq('GetMerchantListDetailed').should.be.rejectedWith({ code: 'E05' });
      [...covered].sort().should.eql([...METHOD_NAMES].sort());
    });

    it('queued operations beyond maxQueue are refused at once with QUEUE_FULL', async () => {
      await env.cleanup();
      env = await setup({ phases: { S01: 50, S02: 0, S03: 0, S04: 0, S05: 0, S07: 0 } });
      t = env.open(transport, { maxQueue: 1 });
      const a = t.transact('Purchase', purchase('100'));
      const b = t.transact('Purchase', purchase('200'));
      const err = await t.transact('Purchase', purchase('300')).should.be.rejected();
      err.code.should.equal('QUEUE_FULL');
      await Promise.all([a, b]);
      financialCount(env.sim, 'Purchase').should.equal(2);
    });

    it('an operation aborted while it waits in the queue is never sent', async () => {
      await env.cleanup();
      env = await setup({ phases: { S01: 50, S02: 0, S03: 0, S04: 0, S05: 0, S07: 0 } });
      t = env.open(transport);
      const ac = new AbortController();
      const a = t.transact('Purchase', purchase('100'));
      const b = t.transact('Purchase', purchase('200'), { signal: ac.signal });
      ac.abort();
      (await b.should.be.rejected()).code.should.equal('ABORTED');
      await a;
      env.sim.requests
        .filter((r) => r.method === 'Purchase')
        .map((r) => r.params.transAmount)
        .should.eql(['100']);
    });

    it('a refused operation (E07) rejects with the E-code and leaves the last result alone', async () => {
      const before = await t.request('GetLastResult');
      const err = await t.transact('Purchase', purchase('100', { merchantId: 'NOPE1' })).should.be.rejected();
      err.code.should.equal('E07');
      err.sent.should.be.true();
      err.response.errorCode.should.equal('E07');
      (await t.request('GetLastResult')).should.eql(before);
    });
  });
}

describe('Terminal construction', () => {
  it('refuses options it cannot use, naming them', () => {
    // @ts-expect-error: no host, as a JavaScript caller may forget it
    (() => new Terminal({ transport: 'tcp' })).should.throw(/host is required/);
    // @ts-expect-error: no path, as a JavaScript caller may forget it
    (() => new Terminal({ transport: 'serial' })).should.throw(/path \(the serial device\) is required/);
    // @ts-expect-error: a transport the library does not have, as a JavaScript caller may give it
    (() => new Terminal({ transport: 'usb', host: 'x' })).should.throw(/transport must be tcp, http or serial/);
    (() => new Terminal({ host: 'x', pollInterval: -5 })).should.throw(/pollInterval must be a non-negative number/);
    // @ts-expect-error: a polling mode the library does not have
    (() => new Terminal({ host: 'x', polling: 'sometimes' })).should.throw(/polling must be adaptive or fixed; got "sometimes"/);
    for (const lrcEncoding of ['octal', 'HEX', '']) {
      let err;
      try {
        // @ts-expect-error: encodings the library does not have
        new Terminal({ host: 'x', lrcEncoding });
      } catch (e) {
        err = e;
      }
      should(err).be.ok();
      err.should.match({
        code: 'VALIDATION',
        field: 'lrcEncoding',
        message: `Terminal: lrcEncoding must be decimal or hex; got ${JSON.stringify(lrcEncoding)}`,
      });
    }
  });

  it('writes lrc in decimal unless told hex', async () => {
    const a = new Terminal({ host: '127.0.0.1' });
    const b = new Terminal({ host: '127.0.0.1', lrcEncoding: 'hex' });
    const c = new Terminal({ host: '127.0.0.1', lrcEncoding: 'decimal' });
    [a.lrcEncoding, b.lrcEncoding, c.lrcEncoding].should.eql(['decimal', 'hex', 'decimal']);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('defaults the HTTP port to 3001 and the TCP port to 3000', async () => {
    const a = new Terminal({ host: '127.0.0.1' });
    const b = new Terminal({ transport: 'http', host: '127.0.0.1' });
    a.name.should.equal('tcp://127.0.0.1:3000');
    b.name.should.equal('http://127.0.0.1:3001/');
    await Promise.all([a.close(), b.close()]);
  });

  it('rejects CONNECTION_FAILED, unsent, when nothing listens', async () => {
    const t = new Terminal({ host: '127.0.0.1', port: 1, connectTimeout: 300 });
    const err = await t.transact('Purchase', purchase()).should.be.rejected();
    err.code.should.equal('CONNECTION_FAILED');
    err.sent.should.be.false();
    await t.close();
  });

  it('after close, requests are refused with CLOSED', async () => {
    const t = new Terminal({ host: '127.0.0.1', port: 1 });
    await t.close();
    (await t.request('GetStatus').should.be.rejected()).code.should.equal('CLOSED');
    await delay(1);
  });
});

describe('Printing', () => {
  let env;
  afterEach(() => env.cleanup());
  it('PrintXml resolves once the terminal has printed (S05 → S00), so prints in a row are never refused', async () => {
    env = await setup({ phases: { S01: 0, S02: 0, S03: 0, S04: 0, S05: 80, S07: 0 } });
    const t = env.open('tcp', { pollInterval: 10 });
    const started = Date.now();
    for (let i = 0; i < 3; i++) (await t.request('PrintXml', { receipt: RECEIPT })).error.should.be.false();
    (Date.now() - started).should.be.aboveOrEqual(240);
    env.sim.counts.PrintXml.should.equal(3);
    env.sim.status.should.equal('S00');
  });

  it('a receipt with an attribute and an element the protocol does not describe is printed, with one issue each', async () => {
    env = await setup();
    const t = env.open('tcp');
    const issues: Wire[] = [];
    t.on('issue', (issue) => issues.push(issue));
    (await t.request('PrintXml', { receipt: RECEIPT })).error.should.be.false();
    issues.should.eql([], 'a receipt the protocol describes throughout');
    const receipt = '<receipt><text align="center" colour="red">Дякуємо!</text><qr>https://example.com</qr></receipt>';
    (await t.request('PrintXml', { receipt })).error.should.be.false();
    issues.should.eql([
      { kind: 'receipt', message: 'PrintXml: receipt <text> has unknown attribute "colour" (known: align, size, weight, darkness); sent as it is' },
      { kind: 'receipt', message: 'PrintXml: receipt has unknown element <qr> (known: <text>, <image>); sent as it is' },
    ]);
    // Sent as it is, and printed: the terminal went through S05 back to S00 without refusing.
    env.sim.requests
      .filter((r) => r.method === 'PrintXml')
      .map((r) => r.params.receipt)
      .should.eql([RECEIPT, receipt]);
    env.sim.status.should.equal('S00');
    // A known attribute with a value it does not take is refused before the wire, and is no issue.
    const err = await t.request('PrintXml', { receipt: '<receipt><text align="middle">x</text></receipt>' }).should.be.rejected();
    err.should.match({ code: 'VALIDATION', field: 'receipt', sent: false });
    issues.should.have.length(2);
    env.sim.counts.PrintXml.should.equal(2);
  });

  it('lrc in hex: a hex terminal prints what a hex Terminal sends, and refuses decimal with E02 (and the other way round)', async () => {
    env = await setup({ lrcEncoding: 'hex' });
    // A receipt whose LRC has a letter in hex, so that its decimal and hex forms differ.
    let receipt;
    for (let n = 0; ; n++) {
      receipt = `<receipt><text align="left">Чек ${n}</text></receipt>`;
      if (/[A-F]/.test(xorUtf8(receipt).toString(16).toUpperCase())) break;
    }
    const hex = xorUtf8(receipt).toString(16).toUpperCase().padStart(2, '0');
    const t = env.open('tcp', { lrcEncoding: 'hex' });
    (await t.request('PrintXml', { receipt })).error.should.be.false();
    (await t.request('PrintXml', { receipt, lrc: hex.toLowerCase() })).error.should.be.false();
    const sent = () => env.sim.requests.filter((r) => r.method === 'PrintXml').map((r) => r.params.lrc);
    sent().should.eql([hex, hex.toLowerCase()]);
    // A decimal Terminal's lrc is not what this terminal reads.
    const decimal = env.open('tcp');
    const err = await decimal.request('PrintXml', { receipt }).should.be.rejected();
    err.code.should.equal('E02');
    sent().should.eql([hex, hex.toLowerCase(), String(xorUtf8(receipt))]);
    // And a hex Terminal against a decimal terminal.
    await env.cleanup();
    env = await setup();
    const wrong = await env.open('tcp', { lrcEncoding: 'hex' }).request('PrintXml', { receipt }).should.be.rejected();
    wrong.code.should.equal('E02');
  });

  it("lrc in hex end to end through the simulator's command line (--lrc hex)", async function () {
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'dist', 'simulator', 'cli.js'), '--port', '0', '--fast', '--lrc', 'hex'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      await waitFor(() => /tcp:\/\/127\.0\.0\.1:(\d+)/.test(out), 10_000, 'the simulator to listen');
      const port = Number(/tcp:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
      const hexTerminal = new Terminal({ host: '127.0.0.1', port, pollInterval: 5, lrcEncoding: 'hex' });
      const decimalTerminal = new Terminal({ host: '127.0.0.1', port, pollInterval: 5 });
      try {
        const receipt = '<receipt><text>Дякуємо!</text></receipt>';
        xorUtf8(receipt).should.be.above(9, 'decimal and hex differ');
        (await hexTerminal.request('PrintXml', { receipt })).error.should.be.false();
        (await decimalTerminal.request('PrintXml', { receipt }).should.be.rejected()).code.should.equal('E02');
      } finally {
        await Promise.all([hexTerminal.close(), decimalTerminal.close()]);
      }
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('the simulator refuses an lrc encoding it does not know, on its command line and in its options', async () => {
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'dist', 'simulator', 'cli.js'), '--port', '0', '--lrc', 'octal'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (chunk) => (err += chunk));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    should(code).equal(2);
    err.should.equal('ssi-ecr-sim: --lrc must be decimal or hex; got octal\n');
    // @ts-expect-error: an encoding the simulator does not have
    (() => new TerminalEngine({ lrcEncoding: 'octal' })).should.throw('lrcEncoding must be decimal or hex; got "octal"');
  });
});
