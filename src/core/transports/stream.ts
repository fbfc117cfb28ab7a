/**
 * The framed transport over any byte stream (a TCP socket, a serial port): opened on demand, kept open,
 * reopened with a capped backoff after a loss, one request in flight, responses matched by method. Terminals
 * that close the connection after every answer work too: a request that must not be lost goes on a connection
 * that has not answered yet, and a harmless read lost in a closing connection is asked again on a new one.
 */
import { EventEmitter } from 'node:events';
import { getMethod } from '../catalogue';
import { EcrError, LIB_CODES } from '../errors';
import { encodeFrame, FrameDecoder } from '../frame';
import { maskCardData } from '../mask';
import { Backoff, Lock, Pacer, sleep, type ConnectionEvent, type ExchangeOptions, type Transport, type TransportIssue } from './transport';

export interface ByteStream {
  write(data: Buffer, callback: (err?: Error | null) => void): unknown;
  destroy(): void;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

export interface StreamTransportOptions {
  /** Longest wait for a connection (including backoff) before a request fails unsent, ms. */
  connectTimeout?: number;
  backoffInitial?: number;
  backoffMax?: number;
}

interface Pending {
  method: string;
  resolve(message: Record<string, unknown>): void;
  reject(err: EcrError): void;
}

interface Open {
  stream: ByteStream;
  decoder: FrameDecoder;
  exchanges: number;
  lastResponseAt: number;
  ended: boolean;
  /** An answer without "method" was said once on this connection. */
  saidNoMethod?: boolean;
}

/** A close this soon after a response, with nothing pending, marks a terminal that closes after every response. */
const CLOSE_AFTER_RESPONSE_MS = 1000;
/**
 * A terminal that closes after its answer may do so a few ms later. Until a connection has shown it stays open
 * after an answer, a read waits this long after the previous answer, so that it is not written into a closing one.
 */
const CLOSING_WINDOW_MS = 50;

/**
 * Whether an answer naming no method ("Unknown", §5.1: the terminal could not tell which) can answer a request of
 * `method`. A frame the terminal could not read, yes; but "unknown method" (E05) only for a method a terminal may not
 * know (later firmware's, on v1.1.10): an old E05 copied in front of a Purchase's acknowledgement is not its answer.
 */
function unknownAnswers(method: string, message: Record<string, unknown>): boolean {
  if (message.errorCode !== 'E05') return true;
  const spec = getMethod(method);
  return spec === undefined || spec.since !== undefined;
}

export abstract class StreamTransport extends EventEmitter implements Transport {
  abstract readonly name: string;
  private readonly lock = new Lock();
  private readonly pacer = new Pacer();
  private readonly backoff: Backoff;
  private readonly connectTimeout: number;
  private readonly closing = new AbortController();
  private current: Open | null = null;
  private pending: Pending | null = null;
  private timer: NodeJS.Timeout | undefined;
  private timerMs = 0;
  private onTimeout: (() => void) | undefined;
  /** Some terminals close the socket after every response; such a socket is never reused. */
  private peerClosesAfterResponse = false;
  /** Connections in a row that the terminal closed right after one answer: two make the pattern, one is a cut. */
  private closedAfterAnswer = 0;
  /** A connection has answered a request sent after the closing window: this terminal keeps its connections. */
  private keepsOpen = false;

  constructor(options: StreamTransportOptions = {}) {
    super();
    this.connectTimeout = options.connectTimeout ?? 5000;
    this.backoff = new Backoff(options.backoffInitial ?? 250, options.backoffMax ?? 5000);
  }

  /** Opens the underlying stream; rejects if it cannot. */
  protected abstract open(timeout: number): Promise<ByteStream>;

  /**
   * Whether the far end may close the stream after an answer, so that a request that must not be lost needs a
   * connection of its own (a socket: yes; a serial line never closes, so it is not reopened for that).
   */
  protected readonly peerMayClose: boolean = true;

  get connected(): boolean {
    return this.current !== null && !this.current.ended;
  }

  exchange(method: string, request: Record<string, unknown>, options: ExchangeOptions): Promise<Record<string, unknown>> {
    const frame = encodeFrame(request, method);
    const fresh = options.fresh === true && this.peerMayClose;
    const once = () => {
      // An open connection is used at once; only opening one (or waiting out a closing window) takes the async way.
      const open = this.usable(fresh);
      if (open && !this.mayBeClosing(open)) return this.sendOn(open, method, frame, options);
      if (open)
        return this.afterClosingWindow(open)
          .then(() => this.ensureOpen(method, fresh))
          .then((opened) => this.sendOn(opened, method, frame, options));
      return this.ensureOpen(method, fresh).then((opened) => this.sendOn(opened, method, frame, options));
    };
    // Every exchange marks its end, so that the first paced request keeps its distance from an unpaced one before it.
    return this.lock.run(() => this.pacer.run(options.gap, this.closing.signal, once));
  }

  /** The connection has answered moments ago, and this terminal has not shown that it keeps connections open. */
  private mayBeClosing(open: Open): boolean {
    return this.peerMayClose && !this.keepsOpen && open.exchanges > 0 && Date.now() - open.lastResponseAt < CLOSING_WINDOW_MS;
  }

  private afterClosingWindow(open: Open): Promise<void> {
    const wait = open.lastResponseAt + CLOSING_WINDOW_MS - Date.now();
    return wait > 0 ? sleep(wait, this.closing.signal).catch(() => undefined) : Promise.resolve();
  }

  /**
   * Sends on `open`. A harmless read written into a connection that had answered before and then closed without
   * answering was never read by the terminal (it was closing): it is asked once more on a new connection.
   */
  private async sendOn(open: Open, method: string, frame: Buffer, options: ExchangeOptions): Promise<Record<string, unknown>> {
    const answeredBefore = open.exchanges > 0;
    try {
      return await this.send(open, method, frame, options.timeout);
    } catch (err) {
      const closing = (err as EcrError).code === LIB_CODES.CONNECTION_LOST && answeredBefore && open.ended;
      if (!options.harmless || !closing || this.closing.signal.aborted) throw err;
      // The second try's failure is not the one to report: the first request did go out.
      const again = await this.ensureOpen(method, true).catch(() => undefined);
      if (!again) throw err;
      return this.send(again, method, frame, options.timeout);
    }
  }

  close(): Promise<void> {
    if (this.closing.signal.aborted) return Promise.resolve();
    this.closing.abort(new EcrError(LIB_CODES.CLOSED, `${this.name}: transport closed`));
    this.failPending(new EcrError(LIB_CODES.CLOSED, `${this.name}: transport closed while waiting for a response`, { sent: true }));
    this.drop();
    return Promise.resolve();
  }

  /** The current connection if it may carry the next request (`fresh`: only one that has not answered yet). */
  private usable(fresh = false): Open | null {
    const open = this.current;
    if (!open || open.ended || ((fresh || this.peerClosesAfterResponse) && open.exchanges > 0)) return null;
    return this.closing.signal.aborted ? null : open;
  }

  private async ensureOpen(method: string, fresh = false): Promise<Open> {
    if (this.current && !this.usable(fresh)) this.drop();
    if (this.current) return this.current;
    const deadline = Date.now() + this.connectTimeout;
    let lastError: Error | undefined;
    for (;;) {
      if (this.closing.signal.aborted) throw new EcrError(LIB_CODES.CLOSED, `${method}: ${this.name} is closed`, { method });
      const wait = this.backoff.wait;
      const left = deadline - Date.now();
      if (wait >= left || left <= 0) {
        const why = lastError ? lastError.message : `waiting ${wait} ms before the next attempt after ${this.backoff.consecutiveFailures} failures`;
        throw new EcrError(LIB_CODES.CONNECTION_FAILED, `${method}: cannot connect to ${this.name} (${why}); nothing was sent`, {
          method,
          sent: false,
          cause: lastError,
        });
      }
      if (wait > 0) await sleep(wait, this.closing.signal).catch(() => undefined);
      if (this.closing.signal.aborted) continue;
      this.emitConnection({ state: 'connecting' });
      try {
        const stream = await this.open(Math.max(1, deadline - Date.now()));
        if (this.closing.signal.aborted) {
          stream.destroy();
          continue;
        }
        this.backoff.succeeded();
        this.current = this.attach(stream);
        this.emitConnection({ state: 'connected' });
        return this.current;
      } catch (err) {
        lastError = err as Error;
        this.backoff.failed();
        this.emitConnection({ state: 'disconnected', error: lastError });
      }
    }
  }

  private attach(stream: ByteStream): Open {
    const open: Open = { stream, exchanges: 0, lastResponseAt: 0, ended: false, decoder: undefined as unknown as FrameDecoder };
    open.decoder = new FrameDecoder({
      onMessage: (message) => this.deliver(open, message),
      onIssue: (issue) => this.emit('issue', issue),
    });
    stream.on('data', (chunk) => open.decoder.push(chunk));
    const lost = (err?: Error) => {
      if (open.ended) return;
      open.ended = true;
      // Closed soon after an answer (with a request written meanwhile or not): two connections in a row like this
      // make the pattern, and then no connection that has answered is used again.
      if (!err && open.exchanges > 0 && Date.now() - open.lastResponseAt < CLOSE_AFTER_RESPONSE_MS) {
        this.closedAfterAnswer++;
        if (this.closedAfterAnswer >= 2) this.peerClosesAfterResponse = true;
      }
      if (this.current === open) {
        this.current = null;
        stream.destroy();
        this.emitConnection({ state: 'disconnected', error: err });
      }
      this.failPending(
        new EcrError(LIB_CODES.CONNECTION_LOST, `connection to ${this.name} lost${err ? ` (${err.message})` : ''} after the request was sent`, {
          sent: true,
          cause: err,
        }),
      );
      if (!this.current) this.clearTimer();
    };
    stream.on('error', (err) => lost(err));
    stream.on('close', () => lost());
    return open;
  }

  /**
   * Starts the response timeout of the request being sent. One timer serves every exchange, re-armed for each:
   * a timer created and cleared per exchange makes Node's timer lists come and go every time, a few µs of CPU
   * per poll. Once the answer is in, the timer is left to run out doing nothing (the open socket keeps the
   * process alive anyway); it is cleared when the connection goes.
   */
  private armTimeout(ms: number, onTimeout: () => void): void {
    this.onTimeout = onTimeout;
    if (this.timer && this.timerMs === ms) {
      this.timer.refresh();
      return;
    }
    clearTimeout(this.timer);
    this.timerMs = ms;
    this.timer = setTimeout(() => {
      const fire = this.onTimeout;
      this.onTimeout = undefined;
      fire?.();
    }, ms);
  }

  private clearTimer(): void {
    this.onTimeout = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private send(open: Open, method: string, frame: Buffer, timeout: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      this.armTimeout(timeout, () => {
        this.failPending(new EcrError(LIB_CODES.TIMEOUT, `${method}: no response from ${this.name} within ${timeout} ms`, { method, sent: true }));
        // A late answer must never be taken for the next request's: start the next one on a fresh connection.
        if (this.current === open) this.drop();
      });
      this.pending = {
        method,
        resolve: (message) => {
          this.onTimeout = undefined;
          open.exchanges++;
          open.lastResponseAt = Date.now();
          // A connection that carried a second exchange is one the terminal keeps open.
          if (open.exchanges > 1) {
            this.closedAfterAnswer = 0;
            this.keepsOpen = true;
          }
          resolve(message);
        },
        reject: (err) => {
          this.onTimeout = undefined;
          reject(err.method ? err : new EcrError(err.code, `${method}: ${err.message}`, { method, sent: err.sent, cause: err }));
        },
      };
      open.stream.write(frame, (err) => {
        if (err && this.pending) {
          this.failPending(
            new EcrError(LIB_CODES.CONNECTION_LOST, `${method}: writing to ${this.name} failed (${err.message})`, { method, sent: true, cause: err }),
          );
        }
      });
    });
  }

  private deliver(open: Open, message: Record<string, unknown>): void {
    const pending = this.pending;
    const method = message.method;
    // "Unknown" is a terminal's answer to a request it could not read (§5.1). Some later firmware leaves "method"
    // out altogether: with one request in flight on this connection, that answer can only be its.
    if (pending && method === undefined && this.current === open) {
      if (!open.saidNoMethod) {
        open.saidNoMethod = true;
        this.emit('issue', { kind: 'no-method', expected: pending.method } satisfies TransportIssue);
      }
      this.pending = null;
      pending.resolve(message);
      return;
    }
    if (pending && (method === pending.method || (method === 'Unknown' && unknownAnswers(pending.method, message)))) {
      this.pending = null;
      pending.resolve(message);
      return;
    }
    // An issue goes to logs: card data in a stray answer is masked there as in any answer.
    this.emit('issue', { kind: 'stray', message: maskCardData(message), expected: pending?.method } satisfies TransportIssue);
  }

  private failPending(err: EcrError): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = null;
    pending.reject(err);
  }

  private drop(): void {
    const open = this.current;
    if (!this.pending) this.clearTimer();
    if (!open) return;
    this.current = null;
    open.ended = true;
    open.decoder.reset();
    open.stream.destroy();
    this.emitConnection({ state: 'disconnected' });
  }

  private emitConnection(event: ConnectionEvent): void {
    this.emit('connection', event);
  }
}
