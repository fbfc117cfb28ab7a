import { EventEmitter } from 'node:events';
import type { DecodeIssue } from '../frame';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export interface ConnectionEvent {
  state: ConnectionState;
  error?: Error;
}

/** Things worth a log line that are not failures of a request: junk on the line, a response nobody asked for. */
export type TransportIssue =
  | DecodeIssue
  | { kind: 'stray'; message: Record<string, unknown>; expected?: string }
  /** Answers without a "method" key (some later firmware): taken as the one request in flight; said once per connection. */
  | { kind: 'no-method'; expected: string }
  | { kind: 'journal'; message: string }
  | { kind: 'firmware'; message: string }
  /** A PrintXml receipt with what the protocol does not describe: sent as it is. */
  | { kind: 'receipt'; message: string };

export interface ExchangeOptions {
  /** How long to wait for the response once the request is written, in ms. */
  timeout: number;
  /**
   * The request must go on a connection known to be open: one that has carried no answer yet. A terminal may close
   * a connection right after (or a few ms after) any answer, so a request that must not be lost or repeated (one
   * that moves money, prints, interrupts) is never written into a connection that has already answered.
   */
  fresh?: boolean;
  /**
   * The request only reads (GetStatus, GetLastResult…): if the connection it was written into closes before any
   * answer, the terminal never read it, so it is written once more on a new connection.
   */
  harmless?: boolean;
  /** ms that must pass between the previous answer and this request (later firmware asks for 250). */
  gap?: number;
}

/**
 * One request, one response, one at a time. Events: 'connection' (ConnectionEvent), 'issue' (TransportIssue).
 * A failed exchange rejects with an EcrError whose `.sent` tells whether the terminal may have received it.
 */
export interface Transport extends EventEmitter {
  readonly name: string;
  readonly connected: boolean;
  exchange(method: string, request: Record<string, unknown>, options: ExchangeOptions): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Runs tasks one after another: the wire carries one request at a time. */
export class Lock {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  get queued(): number {
    return this.waiting;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.waiting++;
    const result = this.tail.then(() => {
      this.waiting--;
      return task();
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Capped exponential backoff between connection attempts, shared by every caller of one transport. */
export class Backoff {
  private failures = 0;
  private nextAt = 0;

  constructor(
    private readonly initial = 250,
    private readonly max = 5000,
  ) {}

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** ms to wait before the next attempt may start. */
  get wait(): number {
    return Math.max(0, this.nextAt - Date.now());
  }

  failed(): void {
    this.failures++;
    const base = Math.min(this.initial * 2 ** (this.failures - 1), this.max);
    this.nextAt = Date.now() + Math.round(base * (0.8 + Math.random() * 0.2));
  }

  succeeded(): void {
    this.failures = 0;
    this.nextAt = 0;
  }
}

/** Keeps requests at least `gap` ms after the previous exchange ended; called inside the transport's lock. */
export class Pacer {
  private lastEnd = 0;

  async before(gap: number | undefined, signal: AbortSignal): Promise<void> {
    const wait = gap ? this.lastEnd + gap - Date.now() : 0;
    if (wait > 0) await sleep(wait, signal);
  }

  after(): void {
    this.lastEnd = Date.now();
  }

  /** Runs one exchange between the two marks. */
  async run<T>(gap: number | undefined, signal: AbortSignal, exchange: () => Promise<T>): Promise<T> {
    await this.before(gap, signal);
    try {
      return await exchange();
    } finally {
      this.after();
    }
  }
}

/** A sleep that ends early, rejecting, when the owner closes. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
