/**
 * The commands of `ssi-ecr` and the request each one sends. Methods, request keys and their documentation come
 * from the catalogue; this file only says which command runs which method and which flag fills which key.
 */
import { readFileSync } from 'node:fs';
import {
  getMethod,
  isPolled,
  METHOD_NAMES,
  type MethodSpec,
  type Params,
  REQUEST_KEYS,
  type RequestMethod,
  type TransactSpec,
  validateRequest,
} from '../core';
import { UsageError, type OptionSpecs } from './args';

export interface Positional {
  /** As shown in usage lines: AMOUNT, INVOICE, … */
  name: string;
  /** The request key it fills; none for print and raw, which decide the method from it. */
  key?: string;
  optional?: boolean;
  doc?: string;
}

export interface Command {
  name: string;
  /** The catalogue method it runs; print and raw choose theirs from the arguments. */
  method?: string;
  /** The methods it may run (for help and the flags it takes). */
  methods: readonly string[];
  args: readonly Positional[];
  doc?: string;
  /** Boolean flags that run another method instead (merchants --detailed: GetMerchantListDetailed). */
  switches?: Readonly<Record<string, string>>;
}

/** Command-line flags for the request keys the commands fill from options. */
export const FLAG_OF_KEY: Readonly<Record<string, { flag: string; arg?: string }>> = Object.freeze({
  merchantId: { flag: 'merchant', arg: 'ID' },
  transCurrency: { flag: 'currency', arg: 'CODE' },
  rrn: { flag: 'rrn', arg: 'RRN' },
  discountedAmount: { flag: 'discounted', arg: 'AMOUNT' },
  isDetailReport: { flag: 'detailed' },
  fontStyle: { flag: 'font', arg: 'FILE' },
  transactionUid: { flag: 'uid', arg: 'UID' },
});

/** What a key is when its flag is left out. merchantId: the terminal's only merchant (see run.ts). */
export const KEY_DEFAULTS: Readonly<Record<string, string>> = Object.freeze({ transCurrency: '980' });

/** The receipt of an operation is read with the method that matches where its outcome is read. */
export const RECEIPT_OF = Object.freeze({ GetLastResult: 'GetLastReceipt', GetLastReport: 'GetLastReportReceipt' } as const satisfies Record<
  TransactSpec['resultMethod'],
  RequestMethod
>);

function command(name: string, method: string, args: Positional[] = []): Command {
  return { name, method, methods: [method], args };
}

export const COMMANDS: readonly Command[] = Object.freeze([
  command('status', 'GetStatus'),
  command('ping', 'PingDevice'),
  command('info', 'GetTerminalInfo'),
  {
    ...command('merchants', 'GetMerchantList'),
    methods: ['GetMerchantList', 'GetMerchantListDetailed'],
    switches: { detailed: 'GetMerchantListDetailed' },
  },
  command('purchase', 'Purchase', [{ name: 'AMOUNT', key: 'transAmount' }]),
  command('refund', 'Refund', [{ name: 'AMOUNT', key: 'transAmount' }]),
  command('void', 'Void', [{ name: 'INVOICE', key: 'invoiceNum' }]),
  command('xreport', 'XReport'),
  command('zreport', 'ZReport'),
  {
    ...command('last-result', 'GetLastResult'),
    doc: 'Exits as the operation did: 0 when the last operation was approved, 1 when it was not (or there is none).',
  },
  {
    ...command('result-by-uid', 'GetResultByUid', [
      { name: 'UID', key: 'transactionUid', doc: 'the transactionUid the payment was sent with (purchase --uid UID, or the one its result shows)' },
    ]),
    doc: 'Later firmware only. Exits as the operation did: 0 when it was approved, 1 when it was not.',
  },
  command('last-receipt', 'GetLastReceipt'),
  {
    name: 'print',
    methods: ['PrintXml', 'PrintPdfUrl'],
    args: [
      {
        name: 'FILE|URL',
        doc: 'a receipt XML file (- reads standard input) is printed with PrintXml (its lrc computed); an http(s) URL of a PDF with PrintPdfUrl',
      },
    ],
  },
  {
    name: 'raw',
    methods: METHOD_NAMES,
    doc: 'Any method of the protocol with JSON params, exactly as given (no defaults). Financial and report methods run to their outcome like purchase; the others are one exchange.',
    args: [
      { name: 'METHOD', doc: 'a method of the protocol (the list below)' },
      { name: 'JSON', optional: true, doc: 'the params object, e.g. \'{"transAmount":"2450","transCurrency":"980","merchantId":"…"}\'' },
    ],
  },
]);

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

function spec(method: string): MethodSpec {
  return getMethod(method)!;
}

/** The request keys a command fills from flags. */
export function keyFlags(cmd: Command): string[] {
  const filled = new Set(cmd.args.map((a) => a.key));
  const keys = new Set<string>();
  if (cmd.name === 'raw') return [];
  const switches = new Set(Object.keys(cmd.switches ?? {}));
  for (const method of cmd.methods) {
    for (const key of Object.keys(spec(method).params))
      if (!filled.has(key) && FLAG_OF_KEY[key] && !switches.has(FLAG_OF_KEY[key].flag)) keys.add(key);
  }
  return [...keys];
}

/** Commands that run one financial or report method offer --receipt: its receipt, read after the outcome. */
export function offersReceipt(cmd: Command): boolean {
  return cmd.method !== undefined && isPolled(spec(cmd.method));
}

/** Every flag some command takes, for the parser; which command takes which is checked afterwards. */
export function commandFlagSpecs(): OptionSpecs {
  const out: OptionSpecs = { receipt: { type: 'boolean' } };
  for (const [key, { flag }] of Object.entries(FLAG_OF_KEY)) out[flag] = { type: REQUEST_KEYS[key].format === 'boolean' ? 'boolean' : 'string' };
  return out;
}

/**
 * Where the money goes, like where the terminal is, may sit in a shell alias: every command takes these, and those
 * whose method has the key use it.
 */
export const CONTEXT_KEYS: readonly string[] = ['merchantId', 'transCurrency'];

export function allowedFlags(cmd: Command): Set<string> {
  const flags = new Set([...keyFlags(cmd), ...CONTEXT_KEYS].map((key) => FLAG_OF_KEY[key].flag));
  for (const flag of Object.keys(cmd.switches ?? {})) flags.add(flag);
  if (offersReceipt(cmd)) flags.add('receipt');
  return flags;
}

export interface Plan {
  method: string;
  params: Params;
  /** merchantId is to be taken from the terminal (its only merchant). */
  merchantFromTerminal: boolean;
  receipt: boolean;
}

type Values = Record<string, unknown>;

function readReceiptFile(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8').trim();
  } catch (err) {
    throw new UsageError(
      `print: cannot read ${file === '-' ? 'standard input' : file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      'FILE',
      'a readable receipt XML file',
    );
  }
}

function rawParams(json: string | undefined): Params {
  if (json === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new UsageError(`raw: JSON must be a JSON object of params (${(err as Error).message})`, 'JSON', 'JSON object');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new UsageError('raw: JSON must be a JSON object of params, e.g. {"merchantId":"000000060007176"}', 'JSON', 'JSON object');
  return parsed as Params;
}

/**
 * The request a command line asks for, checked against the catalogue before anything is sent: a wrong value
 * throws here (VALIDATION, naming the field and the rule) and the terminal is never contacted.
 */
export function plan(cmd: Command, positionals: readonly string[], values: Values): Plan {
  const needed = cmd.args.filter((a) => !a.optional).length;
  if (positionals.length < needed) {
    const missing = cmd.args[positionals.length];
    throw new UsageError(
      `${cmd.name} needs ${missing.name}${missing.key ? ` (${missing.key}: ${REQUEST_KEYS[missing.key].doc.en})` : ''}`,
      missing.key ?? missing.name,
      'required',
    );
  }
  if (positionals.length > cmd.args.length) throw new UsageError(`${cmd.name}: unexpected argument ${JSON.stringify(positionals[cmd.args.length])}`);
  const allowed = allowedFlags(cmd);
  for (const flag of Object.keys(commandFlagSpecs())) {
    if (values[flag] !== undefined && !allowed.has(flag))
      throw new UsageError(`${cmd.name} does not take --${flag}`, flag, 'not an option of this command');
  }

  let method = cmd.method;
  let params: Params = {};
  const switched = Object.entries(cmd.switches ?? {}).find(([flag]) => values[flag] === true);
  if (switched) method = switched[1];
  if (cmd.name === 'raw') {
    method = positionals[0];
    params = rawParams(positionals[1]);
  } else if (cmd.name === 'print') {
    const target = positionals[0];
    if (/^https?:\/\//i.test(target)) {
      method = 'PrintPdfUrl';
      params.url = target;
    } else {
      method = 'PrintXml';
      params.receipt = readReceiptFile(target);
    }
  }
  if (method === undefined) throw new Error(`${cmd.name}: no method`);
  cmd.args.forEach((arg, i) => {
    if (arg.key && positionals[i] !== undefined) params[arg.key] = positionals[i];
  });
  const wanted = cmd.name === 'raw' ? {} : (getMethod(method)?.params ?? {});
  for (const [key, { flag }] of Object.entries(FLAG_OF_KEY)) {
    if (values[flag] === undefined || (CONTEXT_KEYS.includes(key) && !(key in wanted)) || cmd.switches?.[flag] !== undefined) continue;
    if (!(key in wanted)) throw new UsageError(`${cmd.name}: ${method} does not take --${flag}`, flag, 'not an option of this method');
    params[key] = values[flag];
  }
  for (const key of Object.keys(wanted)) if (params[key] === undefined && KEY_DEFAULTS[key] !== undefined) params[key] = KEY_DEFAULTS[key];
  const merchantFromTerminal = cmd.name !== 'raw' && 'merchantId' in wanted && params.merchantId === undefined;
  // Checked now, with a stand-in merchant when the terminal is to name it: a wrong amount is found before any connection.
  const checked = validateRequest(method, merchantFromTerminal ? { ...params, merchantId: REQUEST_KEYS.merchantId.example } : params);
  if (!merchantFromTerminal) params = checked.params;
  return { method, params, merchantFromTerminal, receipt: values.receipt === true };
}
