/**
 * HTTP (§1.1, port = TCP port + 1): the JSON request is the body of a POST, the JSON response is the body of
 * the answer. §1.1 does not fix the body format; this is the reading the project takes.
 */
import { EventEmitter } from 'node:events';
import { Agent, request as httpRequest } from 'node:http';
import { EcrError, LIB_CODES } from '../errors';
import { MAX_BODY } from '../frame';
import { Backoff, Lock, Pacer, sleep, type ConnectionEvent, type ExchangeOptions, type Transport, type TransportIssue } from './transport';

export interface HttpOptions {
  host: string;
  port?: number;
  path?: string;
  connectTimeout?: number;
  backoffInitial?: number;
  backoffMax?: number;
}

export const DEFAULT_HTTP_PORT = 3001;
const MAX_RESPONSE = 4 * 1024 * 1024;

export class HttpTransport extends EventEmitter implements Transport {
  readonly name: string;
  private readonly lock = new Lock();
  private readonly pacer = new Pacer();
  private saidNoMethod = false;
  private readonly backoff: Backoff;
  // A fresh connection per request: a stale kept-alive socket would turn a financial request into an unknown.
  private readonly agent = new Agent({ keepAlive: false, maxSockets: 1 });
  private readonly closing = new AbortController();
  private readonly connectTimeout: number;
  private isConnected = false;

  constructor(private readonly options: HttpOptions) {
    super();
    const path = options.path ?? '/';
    this.name = `http://${options.host}:${options.port ?? DEFAULT_HTTP_PORT}${path.startsWith('/') ? path : `/${path}`}`;
    this.connectTimeout = options.connectTimeout ?? 5000;
    this.backoff = new Backoff(options.backoffInitial ?? 250, options.backoffMax ?? 5000);
  }

  get connected(): boolean {
    return this.isConnected;
  }

  exchange(method: string, request: Record<string, unknown>, options: ExchangeOptions): Promise<Record<string, unknown>> {
    const body = Buffer.from(JSON.stringify(request), 'utf8');
    if (body.length > MAX_BODY) {
      throw new EcrError(LIB_CODES.FRAME_TOO_LARGE, `${method}: the request is ${body.length} bytes; the terminal takes at most ${MAX_BODY}`, {
        method,
      });
    }
    return this.lock.run(async () => {
      const wait = this.backoff.wait;
      if (wait >= this.connectTimeout) {
        throw new EcrError(LIB_CODES.CONNECTION_FAILED, `${method}: ${this.name} unreachable; next attempt in ${wait} ms; nothing was sent`, {
          method,
          sent: false,
        });
      }
      if (wait > 0) await sleep(wait, this.closing.signal);
      const answer = await this.pacer.run(options.gap, this.closing.signal, () => this.post(method, body, options.timeout));
      // One request, one answer: an answer without "method" (some later firmware) is this request's.
      if (answer.method === undefined && !this.saidNoMethod) {
        this.saidNoMethod = true;
        this.emit('issue', { kind: 'no-method', expected: method } satisfies TransportIssue);
      }
      return answer;
    });
  }

  close(): Promise<void> {
    if (this.closing.signal.aborted) return Promise.resolve();
    this.closing.abort(new EcrError(LIB_CODES.CLOSED, `${this.name}: transport closed`));
    this.agent.destroy();
    this.setConnected(false);
    return Promise.resolve();
  }

  private post(method: string, body: Buffer, timeout: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      let sent = false;
      let settled = false;
      const finish = (err: EcrError | null, value?: Record<string, unknown>) => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        clearTimeout(responseTimer);
        if (err) reject(err);
        else resolve(value!);
      };
      const req = httpRequest({
        host: this.options.host,
        port: this.options.port ?? DEFAULT_HTTP_PORT,
        path: this.name.slice(this.name.indexOf('/', 7)),
        method: 'POST',
        agent: this.agent,
        headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, accept: 'application/json' },
        signal: this.closing.signal,
      });
      const connectTimer = setTimeout(() => req.destroy(new Error(`connect timed out after ${this.connectTimeout} ms`)), this.connectTimeout);
      let responseTimer: NodeJS.Timeout | undefined;
      const startResponseTimer = () => {
        sent = true;
        clearTimeout(connectTimer);
        responseTimer = setTimeout(() => {
          req.destroy();
          finish(new EcrError(LIB_CODES.TIMEOUT, `${method}: no response from ${this.name} within ${timeout} ms`, { method, sent: true }));
        }, timeout);
      };
      req.on('socket', (socket) => {
        if (!socket.connecting) startResponseTimer();
        else socket.once('connect', startResponseTimer);
      });
      req.on('error', (err) => {
        if (!sent) {
          this.backoff.failed();
          this.setConnected(false, err);
          finish(
            new EcrError(LIB_CODES.CONNECTION_FAILED, `${method}: cannot connect to ${this.name} (${err.message}); nothing was sent`, {
              method,
              sent: false,
              cause: err,
            }),
          );
        } else {
          this.setConnected(false, err);
          finish(
            new EcrError(LIB_CODES.CONNECTION_LOST, `${method}: connection to ${this.name} lost (${err.message}) after the request was sent`, {
              method,
              sent: true,
              cause: err,
            }),
          );
        }
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE) res.destroy(new Error(`response larger than ${MAX_RESPONSE} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', (err) =>
          finish(
            new EcrError(LIB_CODES.CONNECTION_LOST, `${method}: reading the response failed (${err.message})`, { method, sent: true, cause: err }),
          ),
        );
        res.on('end', () => {
          this.backoff.succeeded();
          this.setConnected(true);
          let value: unknown;
          try {
            value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            value = undefined;
          }
          if (value === null || typeof value !== 'object' || Array.isArray(value)) {
            return finish(
              new EcrError(LIB_CODES.BAD_RESPONSE, `${method}: ${this.name} answered HTTP ${res.statusCode} without a JSON object`, {
                method,
                sent: true,
              }),
            );
          }
          finish(null, value as Record<string, unknown>);
        });
      });
      req.end(body);
    });
  }

  private setConnected(connected: boolean, error?: Error): void {
    if (this.isConnected === connected) return;
    this.isConnected = connected;
    this.emit('connection', { state: connected ? 'connected' : 'disconnected', error } satisfies ConnectionEvent);
  }
}
