/** The --help texts, built from the catalogue (methods, keys and their docs) and the exit-code table. */
import {
  DEFAULT_BAUD_RATE,
  DEFAULT_HTTP_PORT,
  DEFAULT_TCP_PORT,
  getMethod,
  isPolled,
  type MethodGroup,
  methodsIn,
  REQUEST_KEYS,
  TERMINAL_DEFAULTS,
} from '../core';
import { allowedFlags, COMMANDS, FLAG_OF_KEY, KEY_DEFAULTS, keyFlags, offersReceipt, RECEIPT_OF, type Command } from './commands';
import { EXIT_DOCS } from './exit-codes';
import { DEFAULT_HOST } from './run';

const COL = 24;

function row(left: string, right: string): string {
  return `  ${left.padEnd(COL)} ${right}`;
}

function flagUsage(key: string): string {
  const { flag, arg } = FLAG_OF_KEY[key];
  return arg ? `--${flag} ${arg}` : `--${flag}`;
}

function required(cmd: Command, key: string): boolean {
  return cmd.methods.every((m) => getMethod(m)!.params[key] === 'M') && key !== 'merchantId' && KEY_DEFAULTS[key] === undefined;
}

/**
 * `purchase AMOUNT [--merchant ID] …`: a key the method requires and nobody defaults is shown without brackets.
 * Short: the arguments and the required flags only.
 */
export function usageLine(cmd: Command, short = false): string {
  const parts = [cmd.name, ...cmd.args.map((a) => (a.optional ? `[${a.name}]` : a.name))];
  for (const key of keyFlags(cmd)) {
    if (required(cmd, key)) parts.push(flagUsage(key));
    else if (!short) parts.push(`[${flagUsage(key)}]`);
  }
  if (!short && allowedFlags(cmd).has('receipt')) parts.push('[--receipt]');
  if (!short) for (const flag of Object.keys(cmd.switches ?? {})) parts.push(`[--${flag}]`);
  return parts.join(' ');
}

/** One line of the command list: the method and the first clause of its doc. */
function summary(cmd: Command): string {
  if (!cmd.method) return cmd.methods.length > 2 ? 'any method of the protocol, JSON params' : cmd.methods.join(' or ');
  return `${cmd.method}: ${getMethod(cmd.method)!.doc.en.split(';')[0]}`;
}

function methodLine(method: string): string {
  const spec = getMethod(method)!;
  return `${method} (${spec.group}${spec.androidOnly ? ', Android only' : ''}): ${spec.doc.en}.`;
}

function keyDoc(cmd: Command, key: string): string {
  const k = REQUEST_KEYS[key];
  const optional = cmd.methods.every((m) => getMethod(m)!.params[key] !== 'M');
  let text = `${key}, ${k.notation}${optional ? ', optional' : ''}: ${k.doc.en}`;
  if (key === 'merchantId') text += ". Default: the terminal's merchant when it has only one";
  else if (KEY_DEFAULTS[key] !== undefined) text += `. Default: ${KEY_DEFAULTS[key]}`;
  return text;
}

const OPTIONS = [
  ['--host ADDR', `terminal address (default ${DEFAULT_HOST})`],
  ['--port N', `framed TCP port (default ${DEFAULT_TCP_PORT}); with --http the HTTP port (default ${DEFAULT_HTTP_PORT})`],
  ['--http', 'talk HTTP (POST JSON) instead of framed TCP'],
  ['--serial PATH', 'the terminal on a USB serial port instead, e.g. /dev/ttyACM0 or COM3'],
  ['--baud N', `serial baud rate (default ${DEFAULT_BAUD_RATE})`],
  ['--connect-timeout MS', `give up connecting after MS ms (default ${TERMINAL_DEFAULTS.connectTimeout}); nothing is sent`],
  ['--poll MS', `GetStatus poll interval while an operation runs (default ${TERMINAL_DEFAULTS.pollInterval})`],
  ['--protocol P', 'auto (default: found out with a harmless question), 1.1 (v1.1.10) or 1.4 (later firmware, 1.3/1.4)'],
  ['--sole-ecr', 'no other cash register uses this terminal: after a lost acknowledgement a matching result is taken as ours'],
  ['--json', 'exactly one JSON document on stdout (card numbers masked, no track 2), for scripts'],
  ['-q, --quiet', 'no live statuses or notes on stderr'],
  ['-h, --help', 'this help; ssi-ecr COMMAND --help for one command'],
] as const;

function exitTable(): string[] {
  return EXIT_DOCS.map(([code, name, meaning]) => `  ${String(code).padEnd(3)}${name.padEnd(12)} ${meaning}`);
}

export function mainHelp(): string {
  return [
    'Usage: ssi-ecr COMMAND [ARGUMENTS] [options]',
    '',
    'Talks to a POS terminal speaking SSI ECR JSON (framed TCP, HTTP or USB serial): for installers at the venue',
    'and for scripts. Amounts are in minor units (kopecks), as in the protocol: 2450 is 24.50.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => row(usageLine(c, true), summary(c))),
    '',
    'Options:',
    ...OPTIONS.map(([flag, doc]) => row(flag, doc)),
    '',
    '--merchant ID and --currency CODE are taken by every command (so that they can sit in a shell alias with --host)',
    'and used by those whose method has them. ssi-ecr COMMAND --help lists the keys of each command.',
    '',
    "While a payment or report runs, the terminal's statuses (insert card, enter PIN, …) are shown on stderr and the",
    'outcome on stdout. Ctrl-C asks the terminal to cancel (Interrupt works while it waits for the card or PIN, and on',
    'later firmware for the second step, after the card is read and before anything is charged) and still waits for',
    'the outcome; a second Ctrl-C (or a SIGTERM) stops waiting, and the outcome is then unknown (exit 5).',
    '',
    'Later firmware (1.3/1.4) reads the card first ("card read" on stderr) and charges it in a second step, which is',
    'sent with the same amount. Its payments carry a transactionUid (--uid UID, or one is made up); result-by-uid UID',
    "reads that payment's result whatever ran after it.",
    '',
    'Exit codes:',
    ...exitTable(),
    '',
  ].join('\n');
}

function groupList(group: MethodGroup): string {
  return row(group, methodsIn(group).join(', '));
}

export function commandHelp(cmd: Command): string {
  const lines = [`Usage: ssi-ecr ${usageLine(cmd)} [options]`, ''];
  if (cmd.doc) lines.push(cmd.doc);
  if (cmd.name !== 'raw') lines.push(...cmd.methods.map(methodLine));
  const polled = cmd.method !== undefined && isPolled(getMethod(cmd.method)!);
  if (polled) {
    const spec = getMethod(cmd.method!)!;
    lines.push(`Sends ${spec.name} once, shows the terminal's statuses on stderr while it runs, and reads the outcome with ${spec.resultMethod}.`);
  }
  const keys = keyFlags(cmd);
  if (cmd.args.length > 0 || keys.length > 0) lines.push('');
  for (const a of cmd.args) lines.push(row(a.optional ? `[${a.name}]` : a.name, a.doc ?? (a.key ? keyDoc(cmd, a.key) : '')));
  for (const key of keys) lines.push(row(flagUsage(key), keyDoc(cmd, key)));
  if (offersReceipt(cmd)) lines.push(row('--receipt', `also print the receipt (${RECEIPT_OF[getMethod(cmd.method!)!.resultMethod!]})`));
  for (const [flag, method] of Object.entries(cmd.switches ?? {}))
    lines.push(row(`--${flag}`, `run ${method} instead${getMethod(method)!.since ? ' (later firmware)' : ''}`));
  if (cmd.name === 'raw') lines.push('', 'Methods:', ...(['financial', 'report', 'service', 'additional'] as const).map(groupList));
  lines.push(
    '',
    'Options: --host, --port, --http, --serial, --baud, --connect-timeout, --poll, --protocol, --sole-ecr, --json, --quiet (see ssi-ecr --help).',
    `Exit codes: ${EXIT_DOCS.map(([code, name]) => `${code} ${name}`).join(', ')} (ssi-ecr --help says what each means).`,
    '',
  );
  return lines.join('\n');
}
