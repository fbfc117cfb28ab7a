#!/usr/bin/env node
/**
 * ssi-ecr: the command line for installers and scripts. Parses the command line, checks the request against the
 * catalogue before anything is sent, runs it, prints the outcome, and exits with a code that tells approved,
 * declined, refused, unreachable and unknown apart (exit-codes.ts).
 */
import { Terminal } from '../core';
import { parseCommandLine, UsageError } from './args';
import { commandFlagSpecs, COMMANDS, findCommand, plan, type Plan } from './commands';
import { EXIT, outcomeOfError } from './exit-codes';
import { commandHelp, mainHelp } from './help';
import { humanError, humanSummary, jsonDocument, statusLine, type Report } from './output';
import { execute, GLOBAL_FLAGS, movesMoney, optionsFromFlags } from './run';

const out = (text: string) => process.stdout.write(text);

export async function main(argv: readonly string[]): Promise<number> {
  // Read again once parsed; until then (a command line that does not parse) as they appear.
  let json = argv.includes('--json');
  let quiet = argv.includes('--quiet') || argv.includes('-q');
  const note = (text: string) => {
    if (!quiet) process.stderr.write(`${text}\n`);
  };
  const report: Report = { outcome: 'usage' };
  let terminal: Terminal | undefined;
  let planned: Plan | undefined;
  let movingMoney = false;
  const abort = new AbortController();
  let presses = 0;
  const onInterrupt = () => {
    presses++;
    if (presses === 1) {
      abort.abort();
      note(
        'Ctrl-C: asking the terminal to cancel (Interrupt works while it waits for the card or PIN, or for the second step); waiting for the outcome.\n' +
          'Ctrl-C again stops waiting: the outcome is then unknown.',
      );
    } else {
      stopWaiting('Ctrl-C again');
    }
  };
  /** The outcome is then unknown (exit 5), and said so: never a silent exit in the middle of a payment. */
  const stopWaiting = (why: string) => {
    note(`${why}: no longer waiting for the outcome.`);
    void terminal?.close();
  };
  const onTerminate = () => stopWaiting('SIGTERM');

  try {
    const { values, positionals } = parseCommandLine(argv, { ...GLOBAL_FLAGS, ...commandFlagSpecs() });
    json = values.json === true;
    quiet = values.quiet === true;
    const [name, ...rest] = positionals;
    if (name === 'help' || (name === undefined && values.help)) {
      const cmd = name === 'help' && rest[0] !== undefined ? findCommand(rest[0]) : undefined;
      out(cmd ? commandHelp(cmd) : mainHelp());
      return EXIT.ok;
    }
    if (name === undefined) throw new UsageError(`a command is needed: ${COMMANDS.map((c) => c.name).join(', ')}`, 'COMMAND', 'required');
    const cmd = findCommand(name);
    if (!cmd)
      throw new UsageError(
        `unknown command ${JSON.stringify(name)}; the commands are ${COMMANDS.map((c) => c.name).join(', ')}`,
        'COMMAND',
        'known command',
      );
    report.command = cmd.name;
    if (values.help) {
      out(commandHelp(cmd));
      return EXIT.ok;
    }
    planned = plan(cmd, rest, values);
    report.method = planned.method;
    movingMoney = movesMoney(planned.method);
    terminal = new Terminal(optionsFromFlags(values));
    if (movingMoney) {
      process.on('SIGINT', onInterrupt);
      process.on('SIGTERM', onTerminate);
    }
    const started = Date.now();
    const done = await execute(terminal, planned, { note, status: (s) => note(statusLine(s, Date.now() - started)) }, abort.signal);
    Object.assign(report, done);
  } catch (err) {
    report.error = err;
    report.outcome = outcomeOfError(err, movingMoney);
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onTerminate);
    await terminal?.close();
  }
  // As sent: with the merchant the terminal named, when it did.
  report.params = planned?.params;

  if (json) out(`${JSON.stringify(jsonDocument(report), null, 2)}\n`);
  else if (report.response) out(humanSummary(report));
  if (report.receiptError) note(`receipt not available: ${report.receiptError}`);
  if (report.error !== undefined) process.stderr.write(humanError(report, movingMoney));
  return EXIT[report.outcome];
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Everything is closed by now; should a handle linger, it must not keep a script waiting.
    setTimeout(() => process.exit(code), 2000).unref();
  });
}
