/**
 * Running a planned command against the terminal: where it is (tcp, http, serial), the merchant when the terminal
 * has only one, financial and report methods through transact() (live statuses, Ctrl-C as an Interrupt), the rest
 * through request(), and the receipt afterwards when asked.
 */
import {
  describeError,
  type EcrResponse,
  getMethod,
  isApproved,
  isEcrError,
  isPolled,
  maskPan,
  merchantIds,
  money,
  type Protocol,
  PROTOCOLS,
  type RequestMethod,
  type StatusEvent,
  type Terminal,
  type TerminalOptions,
  unchecked,
  validateRequest,
} from '../core';
import { valueText } from '../core/internal';
import { UsageError, wholeNumber, type OptionSpecs } from './args';
import { RECEIPT_OF, type Plan } from './commands';

/** Where the terminal is, and how the answer is shown: the options every command takes. */
export const GLOBAL_FLAGS = {
  host: { type: 'string' },
  port: { type: 'string' },
  http: { type: 'boolean' },
  serial: { type: 'string' },
  baud: { type: 'string' },
  'connect-timeout': { type: 'string' },
  poll: { type: 'string' },
  protocol: { type: 'string' },
  'sole-ecr': { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

export const DEFAULT_HOST = '127.0.0.1';

type Values = Record<string, unknown>;

function port(value: unknown): number | undefined {
  const n = wholeNumber('port', value);
  if (n !== undefined && (n < 1 || n > 65535)) throw new UsageError(`--port must be from 1 to 65535; got ${n}`, 'port', '1–65535');
  return n;
}

function protocol(value: unknown): Protocol | undefined {
  if (value === undefined) return undefined;
  if (!PROTOCOLS.includes(value as Protocol))
    throw new UsageError(`--protocol must be ${PROTOCOLS.join(', ')}; got ${valueText(value)}`, 'protocol', PROTOCOLS.join(' | '));
  return value as Protocol;
}

export function optionsFromFlags(values: Values): TerminalOptions {
  const timing = {
    connectTimeout: wholeNumber('connect-timeout', values['connect-timeout']),
    pollInterval: wholeNumber('poll', values.poll),
    protocol: protocol(values.protocol),
    soleEcr: values['sole-ecr'] === true,
  };
  if (values.serial !== undefined) {
    const clash = ['host', 'port', 'http'].find((flag) => values[flag] !== undefined);
    if (clash)
      throw new UsageError(
        `--serial and --${clash} do not go together: the terminal is either on a serial port or on the network`,
        clash,
        'serial or network',
      );
    return { transport: 'serial', path: valueText(values.serial), baudRate: wholeNumber('baud', values.baud), ...timing };
  }
  if (values.baud !== undefined) throw new UsageError('--baud goes with --serial PATH', 'baud', 'only with --serial');
  return {
    transport: values.http ? 'http' : 'tcp',
    host: typeof values.host === 'string' ? values.host : DEFAULT_HOST,
    port: port(values.port),
    ...timing,
  };
}

/** Methods whose answer is a financial result (GetResultByUid: later firmware's, by the operation's uid). */
export const RESULT_READS: readonly string[] = ['GetLastResult', 'GetResultByUid'];

/** Whether an answer is the outcome the command hoped for: approved payments, successful reports, anything else answered. */
export function answerOutcome(method: string, response: EcrResponse): 'ok' | 'declined' {
  const where = getMethod(method)?.resultMethod ?? method;
  if (RESULT_READS.includes(where)) return isApproved(response) ? 'ok' : 'declined';
  if (where === 'GetLastReport') return response.error ? 'declined' : 'ok';
  return 'ok';
}

export interface Hooks {
  /** A line for the technician (stderr). */
  note: (text: string) => void;
  status: (s: StatusEvent) => void;
}

export interface Executed {
  response: EcrResponse;
  outcome: 'ok' | 'declined';
  receipt?: unknown;
  receiptError?: string;
}

/** A financial or report method: the request moves money or closes a batch, and its outcome must never be guessed. */
export function movesMoney(method: string): boolean {
  const spec = getMethod(method);
  return spec !== undefined && isPolled(spec);
}

/**
 * The terminal's only merchant, asked here rather than left to the Terminal (which would ask the same once) so that
 * the request shown before it is sent, and the JSON document, name it.
 */
async function onlyMerchant(terminal: Terminal, plan: Plan, hooks: Hooks): Promise<string> {
  const answer = await terminal.request('GetMerchantList');
  const list = merchantIds(answer.params.merchantList);
  if (list.length !== 1) {
    const which = list.length === 0 ? 'the terminal lists no merchant' : `the terminal has ${list.length} merchants: ${list.join(', ')}`;
    throw new UsageError(`${plan.method} needs --merchant ID: ${which}`, 'merchantId', 'required when the terminal has more than one merchant');
  }
  hooks.note(`merchant ${list[0]} (the only one on the terminal)`);
  return list[0];
}

/** GetLastResult and GetLastReport answer a declined or failed outcome with error: true; that is a result, not a refusal. */
async function readAnswer(terminal: Terminal, method: RequestMethod, params: Plan['params']): Promise<EcrResponse> {
  try {
    // Params from the command line: checked by request() when it runs, as a JavaScript caller's.
    return await terminal.request(method, unchecked(params));
  } catch (err) {
    const response = isEcrError(err) ? (err.response as EcrResponse | undefined) : undefined;
    const isBuffer = RESULT_READS.includes(method) || method === 'GetLastReport';
    if (isBuffer && response && describeError(response.errorCode)?.category === 'transaction') return response;
    throw err;
  }
}

function describeRequest(plan: Plan, where: string): string {
  const p = plan.params;
  const amount = p.transAmount !== undefined ? ` ${money(p.transAmount)}` : '';
  const keys = Object.entries(p)
    .map(([k, v]) => `${k} ${valueText(v)}`)
    .join(', ');
  return `${plan.method}${amount} → ${where}${keys ? ` (${keys})` : ''}`;
}

/** Later firmware's step 1 has read the card: what the terminal read; the second step follows, unchanged. */
function cardRead(first: EcrResponse): string {
  const p = first.params;
  const card = [p.binName, typeof p.pan === 'string' && p.pan ? maskPan(p.pan) : '', p.bankName]
    .filter((v) => typeof v === 'string' && v !== '')
    .join(' ');
  return `  card read${card ? `: ${card}` : ''}; nothing charged yet, sending the second step`;
}

export async function execute(terminal: Terminal, plan: Plan, hooks: Hooks, signal: AbortSignal): Promise<Executed> {
  if (plan.merchantFromTerminal) {
    plan.params = validateRequest(plan.method, { ...plan.params, merchantId: await onlyMerchant(terminal, plan, hooks) }).params;
  }
  const spec = getMethod(plan.method)!;
  let response: EcrResponse;
  if (isPolled(spec)) {
    hooks.note(describeRequest(plan, terminal.name));
    response = await terminal.transact(spec.name, unchecked(plan.params), {
      onStatus: hooks.status,
      signal,
      onFirstStep: (first) => hooks.note(cardRead(first)),
    });
  } else {
    response = await readAnswer(terminal, spec.name, plan.params);
  }
  const done: Executed = { response, outcome: answerOutcome(plan.method, response) };
  if (plan.receipt && spec.resultMethod) {
    // The operation has happened: a receipt that cannot be read must not hide its outcome.
    try {
      done.receipt = (await terminal.request(RECEIPT_OF[spec.resultMethod])).params.receipt;
    } catch (err) {
      done.receiptError = (err as Error).message;
    }
  }
  return done;
}
