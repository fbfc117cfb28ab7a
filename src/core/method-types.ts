/**
 * The public types of requests and results, derived from the catalogue: what `Terminal.transact()` and
 * `Terminal.request()` take for each method, and what they resolve with. Nothing here runs but `unchecked()`,
 * which hands its argument back as it is.
 */
import type { FormatOf, MethodName, RequestKey, ResponseFormatOf, ResponseKey, SpecOf, TransactMethod } from './catalogue';
import type { EcrResponse } from './normalise';

/** The values a request key takes, by its format (§4.1): what validation accepts and turns into the wire form. */
export interface RequestValues {
  /** Minor units (kopecks): a whole number, or a string of 1–12 digits; 24.50 is 2450 or "2450". */
  amount: number | string;
  /** ISO 4217 numeric code: "980", or 980. */
  currency: string | number;
  /** Digits, leading zeros kept as printed ("000456"). */
  n: string;
  /** Latin letters and digits. */
  an: string;
  /** Printable characters. */
  ans: string;
  boolean: boolean;
  /** An absolute http: or https: URL. */
  url: string;
  /** A receipt XML string. */
  xml: string;
  /** The receipt's LRC: a string in the lrcEncoding, or the byte as a number; computed when left out. */
  lrc: string | number;
  /** 1–64 Latin letters, digits, "-", "_" or ".". */
  uid: string;
}

/**
 * The values response keys carry once the library has read them (see ResponseFormat in the catalogue): amounts as
 * digit strings in minor units, counts as numbers, flags as booleans. This is the protocol's form; a terminal that
 * breaks it for a key (a number where text belongs) has that value passed on as it sent it.
 */
export interface ResponseValues {
  amount: string;
  count: number;
  flag: boolean;
  code: string;
  text: string;
  rows: Record<string, unknown>[];
  merchants: (string | Record<string, unknown>)[];
  json: unknown;
}

type RequirementsOf<M extends MethodName> = SpecOf<M>['params'];
type KeysOf<M extends MethodName> = keyof RequirementsOf<M> & RequestKey;

/** transact() fills these in when left out: transCurrency from the `currency` option, merchantId from the terminal's only merchant. */
type FilledByTransact = 'merchantId' | 'transCurrency';

/** Validation fills these in when left out: PrintXml's lrc, computed from its receipt. */
type FilledByValidation = 'lrc';

/** Keys the caller must give: the catalogue's mandatory keys but those filled in for them. */
type MandatoryKeysOf<M extends MethodName> = {
  [K in KeysOf<M>]: RequirementsOf<M>[K] extends 'M'
    ? K extends FilledByValidation | (M extends TransactMethod ? FilledByTransact : never)
      ? never
      : K
    : never;
}[KeysOf<M>];

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The params of a method that takes no keys: an empty object, or none at all. */
export type NoParams = { readonly [key: string]: never };

/**
 * The params method M takes, closed: a key the catalogue does not give M (a misspelling) is a compile error.
 * Keys the catalogue does not describe (a later firmware's) go through `unchecked()`.
 */
export type ParamsOf<M extends MethodName> = M extends MethodName
  ? [KeysOf<M>] extends [never]
    ? NoParams
    : Simplify<
        { [K in MandatoryKeysOf<M>]: RequestValues[FormatOf<K>] } & { [K in Exclude<KeysOf<M>, MandatoryKeysOf<M>>]?: RequestValues[FormatOf<K>] }
      >
  : never;

declare const UNCHECKED: unique symbol;

/**
 * Params made by `unchecked()`: the compiler takes them for any method's; they are checked when the call runs.
 * Opaque on purpose: a type with an index signature here would let a misspelt key through every call.
 */
export interface UncheckedParams {
  readonly [UNCHECKED]: true;
}

/**
 * The escape hatch from ParamsOf: params the compiler does not check, for keys the catalogue does not describe
 * (a later firmware's, sent as they are, §1.2) or params that come from outside the program (a flow's msg.payload).
 * Nothing changes at run time: the same object is returned, and the call validates it as it validates a JavaScript
 * caller's, refusing a value that breaks a rule of the catalogue with VALIDATION, naming the key and the rule.
 */
export function unchecked(params: Readonly<Record<string, unknown>>): UncheckedParams {
  return params as Readonly<Record<string, unknown>> & UncheckedParams;
}

type Tail<M extends MethodName, Options> = [MandatoryKeysOf<M>] extends [never]
  ? [params?: ParamsOf<M> | UncheckedParams, options?: Options]
  : [params: ParamsOf<M> | UncheckedParams, options?: Options];

/** What follows the method in a call: its params (required when it has mandatory keys), then the call's options. */
export type ArgsOf<M extends MethodName, Options> = M extends MethodName ? Tail<M, Options> : never;

/** The response keys method M's outcome carries: a financial or report method's are those of where it is read. */
type ResultKeysOf<M extends MethodName> = M extends MethodName
  ? SpecOf<M> extends { resultMethod: infer R extends MethodName }
    ? SpecOf<R>['response'][number]
    : SpecOf<M>['response'][number]
  : never;

/** Response params: the known keys typed, any other key the terminal sent kept as it came. */
export type ResultParams<K extends ResponseKey> = { [P in K]?: ResponseValues[ResponseFormatOf<P>] } & { [key: string]: unknown };

/**
 * What a call of method M resolves with: the normalised response, its known `params` keys typed (all optional: a
 * terminal leaves out what it has not got). transact() resolves with the outcome (GetLastResult for a financial
 * method, GetLastReport for a report).
 */
export type ResultOf<M extends MethodName> = EcrResponse<ResultParams<ResultKeysOf<M>>>;

/**
 * A normalised response seen as method M's result. The one place the catalogue's response types are asserted: the
 * response came from the terminal, and normalise.ts read its known keys into the forms ResponseValues gives.
 */
export function resultOf<M extends MethodName>(response: EcrResponse): ResultOf<M> {
  return response as ResultOf<M>;
}
