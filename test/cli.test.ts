'use strict';
/**
 * The `ssi-ecr` command line, run as a technician or a script runs it: the built bin in a child process, against
 * the simulator over loopback (TCP, HTTP, and serial over a socat pty pair). Exit codes, stdout, stderr and what
 * reached the simulator are checked.
 */
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import { spawn, type ChildProcess } from 'node:child_process';
import 'should';
import { startSimulator, type SimulatorOptions } from '../src/simulator';
import { EXIT_DOCS } from '../src/cli/exit-codes';
import { METHODS, REQUEST_KEYS } from '../src/core';
import { FAST, MERCHANT, MERCHANT2 } from './support/fixtures';
import { ptyPair } from './support/pty';
import PKG = require('../package.json');

const root = path.join(__dirname, '..');
const BIN = path.join(root, PKG.bin['ssi-ecr']);
const RECEIPT = '<receipt><text align="center" size="large" weight="bold" darkness="normal">Дякуємо!</text></receipt>';

/**
 * Runs `ssi-ecr args…`; resolves with { code, stdout, stderr } (code -1: killed by `signal`, no exit code). `during(child, stderrSoFar)` is called on every
 * chunk of stderr (to press Ctrl-C at the right moment).
 */
function run(
  args: string[],
  { input, during }: { input?: string; during?: (child: ChildProcess & { pressed?: boolean; terminated?: boolean }, stderr: string) => void } = {},
) {
  return new Promise<{ code: number; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (during) during(child, stderr);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

describe('ssi-ecr (the command line)', function () {
  this.timeout(30000);
  let sim;
  /** The command line pointed at the simulator, polling fast. */
  let at;

  async function simulator(options: SimulatorOptions = {}) {
    if (sim) await sim.stop();
    sim = await startSimulator({ port: 0, ...options, phases: { ...FAST, ...options.phases } });
    at = ['--port', String(sim.port), '--poll', '10'];
    return sim;
  }

  const ecr = (args: string[], options?: Parameters<typeof run>[1]) => run([...args, ...at], options);
  const sent = (method) => sim.requests.filter((r) => r.method === method);

  beforeEach(() => simulator());
  afterEach(async () => {
    await sim.stop();
    sim = undefined;
  });

  describe('help', () => {
    it('--help lists every command, the connection options and the exit codes, and exits 0', async () => {
      const r = await run(['--help']);
      r.code.should.equal(0);
      for (const c of [
        'status',
        'ping',
        'info',
        'merchants',
        'purchase AMOUNT',
        'refund AMOUNT --rrn RRN',
        'void INVOICE',
        'xreport',
        'zreport',
        'last-result',
        'result-by-uid UID',
        'last-receipt',
        'print FILE|URL',
        'raw METHOD [JSON]',
      ]) {
        r.stdout.should.containEql(`  ${c} `);
      }
      for (const flag of ['--host', '--port', '--http', '--serial', '--json', '--protocol P', '--sole-ecr']) r.stdout.should.containEql(flag);
      for (const [code, name, meaning] of EXIT_DOCS) r.stdout.should.containEql(`${code}  ${name.padEnd(12)} ${meaning}`);
    });

    it("a command's --help comes from the catalogue: the method's doc and each key's doc", async () => {
      const r = await run(['purchase', '--help']);
      r.code.should.equal(0);
      r.stdout.should.startWith('Usage: ssi-ecr purchase AMOUNT [--currency CODE] [--merchant ID] [--discounted AMOUNT] [--uid UID] [--receipt]');
      r.stdout.should.containEql(METHODS.Purchase.doc.en);
      for (const key of ['transAmount', 'transCurrency', 'merchantId', 'discountedAmount']) r.stdout.should.containEql(REQUEST_KEYS[key].doc.en);
      (await run(['help', 'refund'])).stdout.should.containEql('--rrn RRN');
      (await run(['raw', '--help'])).stdout.should.match(/financial +Purchase, Void, Refund/);
      const merchants = await run(['merchants', '--help']);
      merchants.stdout.should.startWith('Usage: ssi-ecr merchants [--detailed] [options]');
      merchants.stdout.should.containEql(METHODS.GetMerchantListDetailed.doc.en);
      (await run(['result-by-uid', '--help'])).stdout.should.containEql(METHODS.GetResultByUid.doc.en);
    });

    it('no command, an unknown command or an unknown option: exit 2 and a pointer to --help', async () => {
      for (const args of [[], ['pay', '100'], ['status', '--colour']]) {
        const r = await ecr(args);
        r.code.should.equal(2, args.join(' '));
        r.stderr.should.match(/See: ssi-ecr (status )?--help/);
      }
      sim.requests.should.have.length(0);
    });
  });

  describe('commands that are answered at once', () => {
    it('status, ping, info and merchants', async () => {
      let r = await ecr(['status']);
      r.code.should.equal(0);
      r.stdout.should.equal('S00  idle\n');
      r = await ecr(['ping']);
      r.code.should.equal(0);
      r.stdout.should.equal('the terminal answers\n');
      r = await ecr(['info']);
      r.code.should.equal(0);
      r.stdout.should.match(/terminalModel +Verifone X990 \(simulated\)/).and.match(/terminalSerialNumber +SIM0000001/);
      r = await ecr(['merchants']);
      r.code.should.equal(0);
      r.stdout.should.equal(`${MERCHANT}\n${MERCHANT2}\n`);
      Object.keys(sim.counts).sort().should.eql(['GetMerchantList', 'GetStatus', 'GetTerminalInfo', 'PingDevice']);
    });

    it('--http talks HTTP to the HTTP port', async () => {
      const r = await run(['status', '--http', '--port', String(sim.httpPort)]);
      r.code.should.equal(0);
      r.stdout.should.equal('S00  idle\n');
      const p = await run(['purchase', '2450', '--merchant', MERCHANT, '--http', '--port', String(sim.httpPort), '--poll', '10']);
      p.code.should.equal(0);
      p.stderr.should.containEql(`→ http://127.0.0.1:${sim.httpPort}/`);
      sim.requests.every((q) => q.via === 'http').should.be.true();
      sent('Purchase').should.have.length(1);
    });

    it('a terminal that cannot be reached: exit 4, nothing sent', async () => {
      const port = sim.port;
      await sim.stop();
      for (const args of [['status'], ['purchase', '100', '--merchant', MERCHANT]]) {
        const r = await run([...args, '--port', String(port), '--connect-timeout', '300']);
        r.code.should.equal(4, args[0]);
        r.stderr.should.match(/^UNREACHABLE .*nothing was sent/m);
      }
      sim = await startSimulator({ port: 0 }); // for afterEach
    });
  });

  describe('payments', () => {
    it('purchase AMOUNT: approved, exit 0, live statuses on stderr, the summary on stdout', async () => {
      await simulator({ phases: { S02: 60, S03: 60, S04: 60, S05: 60 } });
      const r = await ecr(['purchase', '2450', '--merchant', MERCHANT]);
      r.code.should.equal(0);
      r.stdout.should.startWith('APPROVED  Purchase 24.50\n');
      r.stdout.should.match(/transactionResult +APPROVED_ONLINE/);
      r.stderr.should.containEql(`Purchase 24.50 → tcp://127.0.0.1:${sim.port} (transAmount 2450, transCurrency 980, merchantId ${MERCHANT})`);
      for (const line of [
        'S02  insert, tap or swipe card',
        'S03  enter PIN',
        'S04  connecting to the bank',
        'S05  printing the receipt',
        'S00  idle',
      ]) {
        r.stderr.should.match(new RegExp(`^ +\\d+\\.\\ds  ${line}$`, 'm'));
      }
      sent('Purchase').should.have.length(1);
      sent('Purchase')[0].params.should.eql({ transAmount: '2450', transCurrency: '980', merchantId: MERCHANT });
    });

    it('a declined purchase exits 1 with the reason', async () => {
      const r = await ecr(['purchase', '10051', '--merchant', MERCHANT]);
      r.code.should.equal(1);
      r.stdout.should.startWith('NOT APPROVED  Purchase 100.51: DECLINED_ONLINE, E21 НЕДОСТАТНЬО КОШТІВ (51)\n');
      r.stdout.should.match(/responseCode +51/);
    });

    it('--json: exactly one JSON document on stdout, card number masked, no track 2', async () => {
      const r = await ecr(['purchase', '2450', '--merchant', MERCHANT, '--json', '--receipt']);
      r.code.should.equal(0);
      const doc = JSON.parse(r.stdout);
      doc.should.match({
        command: 'purchase',
        method: 'Purchase',
        exitCode: 0,
        outcome: 'ok',
        approved: true,
        params: { transAmount: '2450', transCurrency: '980', merchantId: MERCHANT },
      });
      doc.response.should.match({ method: 'GetLastResult', error: false, params: { transactionResult: 'APPROVED_ONLINE', transAmount: '2450' } });
      doc.response.params.pan.should.match(/^\d{4,6}X+\d{4}$/);
      doc.receipt.should.match(/СХВАЛЕНО/);
      // The simulator sends track 2 in the clear, as the vendor's example does: it never reaches the output.
      r.stdout.should.not.match(/track2|4725760000001627|5168740000004402/);
      r.stderr.should.not.match(/4725760000001627|5168740000004402/);

      const declined = JSON.parse((await ecr(['purchase', '10005', '--merchant', MERCHANT, '--json', '-q'])).stdout);
      declined.should.match({
        exitCode: 1,
        outcome: 'declined',
        approved: false,
        response: { error: true, errorCode: 'E21', params: { transactionResult: 'DECLINED_ONLINE' } },
      });

      const usage = await ecr(['purchase', '12.50', '--json']);
      usage.code.should.equal(2);
      JSON.parse(usage.stdout).should.match({ exitCode: 2, outcome: 'usage', error: { code: 'VALIDATION', field: 'transAmount', sent: false } });
    });

    it('an amount with a decimal point (or any value breaking a rule) is refused before the wire, naming the field and the rule', async () => {
      for (const [args, field] of [
        [['purchase', '12.50', '--merchant', MERCHANT], 'transAmount'],
        [['purchase', '0', '--merchant', MERCHANT], 'transAmount'],
        [['purchase', '100', '--merchant', MERCHANT, '--currency', 'UAH'], 'transCurrency'],
        [['purchase', '12.50'], 'transAmount'],
        [['refund', '100', '--merchant', MERCHANT], 'rrn'],
        [['void', '12a'], 'invoiceNum'],
      ] as [string[], string][]) {
        const r = await ecr(args);
        r.code.should.equal(2, args.join(' '));
        r.stderr.should.containEql(` ${field} `);
        r.stderr.should.match(/was not sent|Nothing was sent/);
      }
      const r = await ecr(['purchase', '12.50', '--merchant', MERCHANT]);
      r.stderr.should.containEql('Purchase: transAmount must be an amount in minor units (kopecks)');
      r.stderr.should.containEql('got "12.50"');
      sim.totalConnections.should.equal(0);
      sim.requests.should.have.length(0);
    });

    it('refused by the terminal (unknown merchant, E07): exit 3, no money moved', async () => {
      const r = await ecr(['purchase', '100', '--merchant', '123456']);
      r.code.should.equal(3);
      r.stderr.should.match(/^NOT PERFORMED {2}Purchase: refused by the terminal: E07/m).and.containEql('No money moved.');
      sent('Purchase').should.have.length(1);
    });

    it("without --merchant: the terminal's only merchant, or exit 2 naming the merchants when it has several", async () => {
      let r = await ecr(['purchase', '100']);
      r.code.should.equal(2);
      r.stderr.should.containEql(`Purchase needs --merchant ID: the terminal has 2 merchants: ${MERCHANT}, ${MERCHANT2}`);
      sent('Purchase').should.have.length(0);
      await simulator({ merchants: [MERCHANT2] });
      r = await ecr(['purchase', '100']);
      r.code.should.equal(0);
      r.stderr.should.containEql(`merchant ${MERCHANT2} (the only one on the terminal)`);
      sent('Purchase')[0].params.merchantId.should.equal(MERCHANT2);
    });

    it('refund AMOUNT --rrn, void INVOICE, then last-result and last-receipt', async () => {
      const sale = JSON.parse((await ecr(['purchase', '5000', '--merchant', MERCHANT, '--json', '-q'])).stdout).response.params;
      let r = await ecr(['refund', '1500', '--rrn', sale.rrn, '--merchant', MERCHANT]);
      r.code.should.equal(0);
      r.stdout.should.startWith('APPROVED  Refund 15.00\n');
      sent('Refund')[0].params.should.eql({ transAmount: '1500', transCurrency: '980', rrn: sale.rrn, merchantId: MERCHANT });
      r = await ecr(['void', sale.invoiceNum, '--receipt']);
      r.code.should.equal(0);
      r.stdout.should.startWith('APPROVED  Void 50.00\n');
      r.stdout.should.match(/СКАСУВАННЯ/);
      sent('Void')[0].params.should.eql({ invoiceNum: sale.invoiceNum });

      r = await ecr(['last-result']);
      r.code.should.equal(0);
      r.stdout.should.startWith('APPROVED  Void 50.00\n');
      r = await ecr(['void', '999999']);
      r.code.should.equal(1);
      r = await ecr(['last-result', '--json']);
      r.code.should.equal(1); // the last operation was not approved: a result, not a refusal
      JSON.parse(r.stdout).should.match({
        method: 'GetLastResult',
        outcome: 'declined',
        approved: false,
        response: { error: true, params: { transactionResult: 'FAILED' } },
      });
      r = await ecr(['last-receipt']);
      r.code.should.equal(0);
      r.stdout.should.match(/ЧЕК № \d+/);
    });

    it('Ctrl-C while the terminal waits for the card: Interrupt is sent, the outcome (cancelled) still arrives, exit 1', async () => {
      await simulator({ phases: { S02: 10000 } });
      const r = await ecr(['purchase', '2450', '--merchant', MERCHANT], {
        during: (child, stderr) => {
          if (/S02 {2}insert/.test(stderr) && !child.pressed) child.pressed = child.kill('SIGINT');
        },
      });
      r.code.should.equal(1);
      r.stderr.should.containEql('Ctrl-C: asking the terminal to cancel');
      r.stdout.should.startWith('NOT APPROVED  Purchase 24.50: CANCELLED');
      sent('Interrupt').should.have.length(1);
      sent('Purchase').should.have.length(1);
    });

    it('Ctrl-C twice once the bank is called: no Interrupt, stops waiting, outcome unknown, exit 5', async () => {
      await simulator({ phases: { S04: 10000 } });
      let presses = 0;
      const r = await ecr(['purchase', '2450', '--merchant', MERCHANT, '--json'], {
        during: (child, stderr) => {
          if (presses === 0 && /S04 {2}connecting/.test(stderr)) presses += child.kill('SIGINT') ? 1 : 0;
          else if (presses === 1 && /Ctrl-C again stops waiting/.test(stderr)) presses += child.kill('SIGINT') ? 1 : 0;
        },
      });
      r.code.should.equal(5);
      const doc = JSON.parse(r.stdout);
      doc.should.match({
        exitCode: 5,
        outcome: 'unknown',
        error: { code: 'OUTCOME_UNKNOWN', sent: true, facts: { acknowledged: true, lastStatus: 'S04' } },
      });
      r.stderr.should.containEql('OUTCOME UNKNOWN').and.containEql('before charging again; do not simply retry');
      sent('Interrupt').should.have.length(0);
    });

    it("SIGTERM during a payment (a script's timeout): stops waiting and says the outcome is unknown, exit 5", async () => {
      await simulator({ phases: { S04: 10000 } });
      const r = await ecr(['purchase', '2450', '--merchant', MERCHANT, '--json'], {
        during: (child, stderr) => {
          if (/S04 {2}connecting/.test(stderr) && !child.terminated) child.terminated = child.kill('SIGTERM');
        },
      });
      r.code.should.equal(5);
      r.stderr.should.containEql('SIGTERM: no longer waiting for the outcome.');
      JSON.parse(r.stdout).should.match({ outcome: 'unknown', params: { merchantId: MERCHANT }, error: { code: 'OUTCOME_UNKNOWN' } });
    });
  });

  describe('later firmware (1.3/1.4), a terminal that closes after every answer and leaves out "method"', () => {
    const later = (options = {}) => simulator({ firmware: '1.4', closeAfterAnswer: 5, noMethod: true, ...options });

    it('purchase: "card read" on stderr, the second step sent by itself, approved with its transactionUid; result-by-uid reads it back', async () => {
      await later({ phases: { S02: 300 } });
      let r = await ecr(['purchase', '2450', '--merchant', MERCHANT, '--uid', 'order-1001']);
      r.code.should.equal(0);
      r.stdout.should.startWith('APPROVED  Purchase 24.50\n');
      r.stdout.should.match(/^ {2}transactionUid +order-1001$/m).and.match(/^ {2}date +\d\d\/\d\d\/\d{4}$/m);
      r.stderr.should.match(/^ +\d+\.\ds {2}S08 {2}waiting for the second step$/m);
      r.stderr.should.match(/^ {2}card read: (VISA|MASTERCARD) \d{4}X+\d{4} SIMULATED BANK; nothing charged yet, sending the second step$/m);
      sim.counts['Purchase#2'].should.equal(1);
      sent('Purchase')
        .map((q) => q.step)
        .should.eql(['1', '2']);
      sent('Purchase')
        .every((q) => q.params.transactionUid === 'order-1001')
        .should.be.true();
      sim.ignoredAfterAnswer.should.equal(0);

      r = await ecr(['result-by-uid', 'order-1001', '--json']);
      r.code.should.equal(0);
      JSON.parse(r.stdout).should.match({
        command: 'result-by-uid',
        method: 'GetResultByUid',
        outcome: 'ok',
        approved: true,
        response: { params: { transactionUid: 'order-1001', transAmount: '2450', transactionResult: 'APPROVED' } },
      });
      r = await ecr(['result-by-uid', 'order-404']);
      r.code.should.equal(1);
      r.stdout.should.equal('NO SUCH OPERATION  the terminal has no result for this transactionUid\n');
      // The same uid again: refused before anything is sent (its result would look like the new payment's).
      r = await ecr(['purchase', '100', '--merchant', MERCHANT, '--uid', 'order-1001']);
      r.code.should.equal(2);
      r.stderr.should.containEql('transactionUid order-1001 was already used on the terminal');
      sim.counts['Purchase#2'].should.equal(1);
      sent('Purchase').should.have.length(2);
    });

    it('Ctrl-C once the card is read (S08): Interrupt instead of the second step, CANCELLED, exit 1, nothing charged', async () => {
      await later({ phases: { S02: 300 } });
      const r = await ecr(['purchase', '2450', '--merchant', MERCHANT], {
        during: (child, stderr) => {
          if (/S08 {2}waiting for the second step/.test(stderr) && !child.pressed) child.pressed = child.kill('SIGINT');
        },
      });
      r.code.should.equal(1);
      r.stderr.should.containEql('Ctrl-C: asking the terminal to cancel');
      r.stdout.should.startWith('NOT APPROVED  Purchase 24.50: CANCELLED');
      (sim.counts['Purchase#2'] || 0).should.equal(0);
      sent('Interrupt').should.have.length(1);
      sim.engine.batch.should.eql([]);
    });

    it('merchants --detailed: merchant, terminal id and name a line; a v1.1.10 terminal refuses it (E05), exit 3', async () => {
      await later();
      let r = await ecr(['merchants', '--detailed']);
      r.code.should.equal(0);
      r.stdout
        .split('\n')
        .filter(Boolean)
        .should.eql([
          `${MERCHANT}  T0000001    ТОВ "ТЕСТОВИЙ МАГАЗИН"`,
          `${MERCHANT2}  T0000002    ТОВ "ТЕСТОВИЙ МАГАЗИН"`,
          `${MERCHANT2}  T0000003    ТОВ "ТЕСТОВИЙ МАГАЗИН"`,
        ]);
      (await ecr(['merchants'])).stdout.should.equal(`${MERCHANT}\n${MERCHANT2}\n`);
      await simulator();
      r = await ecr(['merchants', '--detailed']);
      r.code.should.equal(3);
      r.stderr.should.match(/E05/);
      (await ecr(['status', '--detailed'])).code.should.equal(2);
    });

    it('--protocol 1.1 asks nothing to find out; --protocol takes auto, 1.1 or 1.4 only', async () => {
      let r = await ecr(['purchase', '100', '--merchant', MERCHANT, '--protocol', '1.1']);
      r.code.should.equal(0);
      (sim.counts.GetResultByUid || 0).should.equal(0);
      r = await ecr(['purchase', '100', '--merchant', MERCHANT]);
      r.code.should.equal(0);
      sim.counts.GetResultByUid.should.equal(1);
      r = await ecr(['status', '--protocol', '1.3']);
      r.code.should.equal(2);
      r.stderr.should.containEql('--protocol must be auto, 1.1, 1.4; got 1.3');
    });

    for (const sole of [true, false]) {
      it(`the acknowledgement of a purchase is lost: ${sole ? '--sole-ecr takes the matching result, exit 0' : 'without --sole-ecr the outcome is unknown, exit 5'}`, async () => {
        await simulator({ phases: { S01: 20, S02: 20, S03: 20, S04: 20, S05: 20, S07: 0 } });
        sim.injectFault({ method: 'Purchase', action: 'close-before-response' });
        const r = await ecr(['purchase', '778', '--merchant', MERCHANT, ...(sole ? ['--sole-ecr'] : [])]);
        r.code.should.equal(sole ? 0 : 5);
        if (sole) r.stdout.should.startWith('APPROVED  Purchase 7.78\n');
        else r.stderr.should.containEql('OUTCOME UNKNOWN');
        sent('Purchase').should.have.length(1);
      });
    }
  });

  describe('reports', () => {
    it('xreport --detailed lists the batch; zreport --receipt settles it and prints the receipt', async () => {
      (await ecr(['purchase', '2450', '--merchant', MERCHANT, '-q'])).code.should.equal(0);
      let r = await ecr(['xreport', '--merchant', MERCHANT, '--detailed']);
      r.code.should.equal(0);
      r.stdout.should.startWith('OK  XReport, batch 1\n');
      r.stdout.should.match(/^ {2}Sale +1 +24\.50$/m).and.match(/^ {4}\d{6} {2}Purchase {2}24\.50 {2}\d{4,6}X+\d{4}/m);
      sent('XReport')[0].params.should.eql({ merchantId: MERCHANT, isDetailReport: true });
      r = await ecr(['zreport', '--merchant', MERCHANT, '--receipt']);
      r.code.should.equal(0);
      r.stdout.should.startWith('OK  ZReport, batch 1\n');
      r.stdout.should.match(/Z-ЗВІТ/);
    });

    it('a failed settlement exits 1', async () => {
      sim.engine.scriptOutcome({ result: 'DECLINED_ONLINE', responseCode: '96', errorCode: 'E21', text: 'ЗВІРКА НЕ ВДАЛАСЯ' });
      const r = await ecr(['zreport', '--merchant', MERCHANT]);
      r.code.should.equal(1);
      r.stdout.should.startWith('FAILED  ZReport, batch 1: E21 ЗВІРКА НЕ ВДАЛАСЯ (responseCode 96)\n');
    });
  });

  describe('print and raw', () => {
    let dir;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-ecr-cli-'))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('print FILE sends PrintXml with its lrc; print URL sends PrintPdfUrl; - reads stdin', async () => {
      const file = path.join(dir, 'thanks.xml');
      fs.writeFileSync(file, `${RECEIPT}\n`);
      let r = await ecr(['print', file]);
      r.code.should.equal(0);
      r.stdout.should.equal('printed (PrintXml)\n');
      sent('PrintXml')[0].params.receipt.should.equal(RECEIPT);
      sent('PrintXml')[0].params.lrc.should.match(/^\d+$/);
      r = await ecr(['print', '-', '--font', 'roboto.ttf'], { input: RECEIPT });
      r.code.should.equal(0);
      sent('PrintXml')[1].params.fontStyle.should.equal('roboto.ttf');
      r = await ecr(['print', 'https://example.com/receipt.pdf']);
      r.code.should.equal(0);
      r.stdout.should.equal('printed (PrintPdfUrl)\n');
      sent('PrintPdfUrl')[0].params.should.eql({ url: 'https://example.com/receipt.pdf' });
    });

    it('print refuses a missing file or bad XML before anything is sent (exit 2)', async () => {
      // Not XML (an unclosed element). An element the protocol does not describe, well-formed, would be sent.
      fs.writeFileSync(path.join(dir, 'bad.xml'), '<receipt><table></receipt>');
      for (const args of [
        ['print', path.join(dir, 'missing.xml')],
        ['print', path.join(dir, 'bad.xml')],
        ['print', 'https://example.com/a.pdf', '--font', 'x.ttf'],
      ]) {
        const r = await ecr(args);
        r.code.should.equal(2, args.join(' '));
      }
      sim.requests.should.have.length(0);
    });

    it('raw METHOD JSON: a service method at once, a financial one to its outcome, a refusal is exit 3', async () => {
      let r = await ecr(['raw', 'GetStatus']);
      r.code.should.equal(0);
      JSON.parse(r.stdout).should.match({ method: 'GetStatus', status: 'S00' });
      r = await ecr(['raw', 'Purchase', JSON.stringify({ transAmount: '700', transCurrency: '980', merchantId: MERCHANT }), '--json']);
      r.code.should.equal(0);
      JSON.parse(r.stdout).should.match({
        command: 'raw',
        method: 'Purchase',
        approved: true,
        response: { method: 'GetLastResult', params: { transAmount: '700' } },
      });
      r = await ecr(['raw', 'Interrupt']);
      r.code.should.equal(3);
      r.stderr.should.match(/E08/);
      r = await ecr(['raw', 'Purchase', '{"transAmount":"700"}']);
      r.code.should.equal(2); // raw adds no defaults: transCurrency is missing
      r.stderr.should.containEql('transCurrency is required');
      for (const args of [
        ['raw', 'Purchse', '{}'],
        ['raw', 'GetStatus', '[1]'],
        ['raw', 'GetStatus', '{oops'],
      ])
        (await ecr(args)).code.should.equal(2);
      sent('Purchase').should.have.length(1);
    });
  });

  describe('over a serial port (socat pty pair)', () => {
    let dir;
    let pair;
    afterEach(async () => {
      await sim.stop(); // the simulator lets go of its end before the pair goes away
      await pair?.remove();
      pair = undefined;
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('--serial PATH: status and a purchase', async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssi-ecr-cli-serial-'));
      const [term, ecrEnd] = [path.join(dir, 'terminal'), path.join(dir, 'ecr')];
      pair = await ptyPair(term, ecrEnd);
      await sim.serveSerial(term);
      let r;
      for (const until = Date.now() + 10000; Date.now() < until;) {
        r = await run(['status', '--serial', ecrEnd]);
        if (r.code === 0) break;
      }
      r.stdout.should.equal('S00  idle\n');
      r = await run(['purchase', '990', '--merchant', MERCHANT, '--serial', ecrEnd, '--poll', '10']);
      r.code.should.equal(0);
      r.stderr.should.containEql(`→ serial:${ecrEnd}@115200`);
      sent('Purchase').should.have.length(1);
      sent('Purchase')[0].via.should.equal('stream');
    });
  });

  it('the README shows the command line and its exit codes as --help has them', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    readme.should.containEql('## Command line for installers');
    for (const [code, name, meaning] of EXIT_DOCS) readme.should.containEql(`| ${code} | \`${name}\` | ${meaning} |`);
  });
});
