#!/usr/bin/env node
/** ssi-ecr-sim: a simulated SSI ECR JSON terminal on TCP (framed) and HTTP. */
import { parseCommandLine, wholeNumber as int } from '../cli/args';
import { money } from '../core/money';
import { TEST_AMOUNTS } from './scenarios';
import { startSimulator } from './server';

const HELP = `Usage: ssi-ecr-sim [options]
  --port N              framed TCP port (default 3000; HTTP on N+1)
  --host ADDR           address to listen on (default 127.0.0.1)
  --http-port N         HTTP port (default port+1)
  --fast                no delays between statuses (tests)
  --state FILE          keep last results and the batch in FILE across restarts
  --platform P          android (default) or linux (GetTerminalInfo shape, no PrintXml)
  --lrc ENC             how PrintXml's lrc is written: decimal (default, "31") or hex ("1F")
  --z-after N           require a Z report (S06, E15) after N operations
  --no-pin-limit N      contactless without PIN up to N minor units (default 0: always PIN)
  --quirks              answer in the vendor examples' forms (APPROVED-ONLINE, cardHolderName, padded totals)
  --firmware V          1.1 (default: protocol v1.1.10) or 1.4 (later firmware: two-step Purchase with S08,
                        transactionUid, GetResultByUid, GetMerchantListDetailed, APPROVED/DECLINED)
  --second-step-timeout MS  firmware 1.4: a Purchase waiting in S08 this long is cancelled (default 60000)
  --close-after-answer [MS]  close the TCP connection after every answer, at once or MS ms later; what the
                        ECR writes meanwhile is ignored (alias: --close-after-response)
  --no-method           leave "method" out of every answer
  --merchant ID         a merchant id (repeat for several; default two test merchants)
  --serial PATH         also serve this serial port (e.g. one end of a socat pty pair), reopened when it goes away
  --baud N              serial baud rate (default 115200)
  -h, --help`;

const CLOSE_OPTIONS = new Set(['--close-after-answer', '--close-after-response']);

/** --close-after-answer takes an optional MS: given bare, it is written as =0 (close at once) for the parser. */
function closeWithoutMs(args: string[]): string[] {
  return args.map((arg, i) => (CLOSE_OPTIONS.has(arg) && !/^\d+$/.test(args[i + 1] ?? '') ? `${arg}=0` : arg));
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(
    closeWithoutMs(process.argv.slice(2)),
    {
      port: { type: 'string', default: '3000' },
      host: { type: 'string', default: '127.0.0.1' },
      'http-port': { type: 'string' },
      fast: { type: 'boolean', default: false },
      state: { type: 'string' },
      platform: { type: 'string', default: 'android' },
      lrc: { type: 'string', default: 'decimal' },
      'z-after': { type: 'string' },
      'no-pin-limit': { type: 'string' },
      quirks: { type: 'boolean', default: false },
      firmware: { type: 'string', default: '1.1' },
      'second-step-timeout': { type: 'string' },
      'close-after-answer': { type: 'string' },
      'close-after-response': { type: 'string' },
      'no-method': { type: 'boolean', default: false },
      merchant: { type: 'string', multiple: true },
      serial: { type: 'string' },
      baud: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    false,
  );
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (values.platform !== 'android' && values.platform !== 'linux') throw new Error(`--platform must be android or linux; got ${values.platform}`);
  if (values.firmware !== '1.1' && values.firmware !== '1.4') throw new Error(`--firmware must be 1.1 or 1.4; got ${values.firmware}`);
  const closeAfter = values['close-after-answer'] ?? values['close-after-response'];
  const closeAfterAnswer = closeAfter === undefined ? undefined : int('close-after-answer', closeAfter);
  if (values.lrc !== 'decimal' && values.lrc !== 'hex') throw new Error(`--lrc must be decimal or hex; got ${values.lrc}`);
  const sim = await startSimulator({
    port: int('port', values.port),
    host: values.host,
    httpPort: int('http-port', values['http-port']),
    phases: values.fast ? { S01: 0, S02: 0, S03: 0, S04: 0, S05: 0, S07: 0 } : undefined,
    stateFile: values.state,
    platform: values.platform,
    lrcEncoding: values.lrc,
    zReportAfter: int('z-after', values['z-after']),
    noPinLimit: int('no-pin-limit', values['no-pin-limit']),
    quirks: values.quirks,
    firmware: values.firmware,
    secondStepTimeout: int('second-step-timeout', values['second-step-timeout']),
    closeAfterAnswer,
    noMethod: values['no-method'],
    merchants: values.merchant,
  });
  console.log(`SSI ECR terminal simulator: tcp://${sim.host}:${sim.port} (framed), http://${sim.host}:${sim.httpPort}/ (POST JSON)`);
  if (values.serial) {
    await sim.serveSerial(values.serial, int('baud', values.baud));
    console.log(`serial: ${values.serial} (8N1, ${int('baud', values.baud) ?? 115200} baud)`);
  }
  console.log(
    `firmware ${sim.engine.firmware}${closeAfterAnswer === undefined ? '' : `, closes each connection ${closeAfterAnswer} ms after answering`}${values['no-method'] ? ', answers without "method"' : ''}`,
  );
  console.log(`merchants: ${sim.engine.merchants.map((m) => m.merchantId).join(', ')}`);
  console.log('test amounts:');
  for (const [amount, o] of Object.entries(TEST_AMOUNTS)) console.log(`  ${money(amount).padStart(7)}  ${o.doc}`);
  const shutdown = () => void sim.stop().then(() => process.exit(0));
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: Error) => {
  console.error(`ssi-ecr-sim: ${err.message}`);
  process.exit(2);
});
