/**
 * The command-line parsing both bins share (ssi-ecr and ssi-ecr-sim): node's parseArgs, strict, with every
 * mistake turned into a UsageError that names the option and says what it takes.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { valueText } from '../core/internal';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** The command line is wrong: nothing was sent. */
export class UsageError extends Error {
  readonly field?: string;
  readonly rule?: string;

  constructor(message: string, field?: string, rule?: string) {
    super(message);
    this.name = 'UsageError';
    this.field = field;
    this.rule = rule;
  }
}

type Parsed<T extends OptionSpecs> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>>;

export function parseCommandLine<T extends OptionSpecs>(args: readonly string[], options: T, allowPositionals = true): Parsed<T> {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: allowPositionals as true, strict: true });
  } catch (err) {
    const negative = args.find((a) => /^-\d/.test(a));
    if (negative !== undefined)
      throw new UsageError(`${negative} is not an option, and no amount or number on this command line can be negative`, undefined, 'not negative');
    // parseArgs says "Unknown option '--x'", "Option '--port <value>' argument missing", …: already clear.
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument starting with a '-'.*$/s, ''));
  }
}

/** A whole-number option (a port, a baud rate, milliseconds), or undefined when it was not given. */
export function wholeNumber(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value))
    throw new UsageError(`--${name} must be a whole number; got ${valueText(value)}`, name, 'whole number');
  return Number(value);
}
