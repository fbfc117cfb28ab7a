/**
 * The simulator's wire: framed TCP on `port`, HTTP on `port + 1`, and any byte stream handed to serveStream
 * (a serial port). Frame errors get E01/E02/E03 as a terminal answers them. Optionally the terminal closes a TCP
 * connection after each answer, and leaves "method" out of its answers, as later firmware's emulator does.
 */
import { EventEmitter } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder, PROTOCOL_ID, PROTOCOL_VERSION, type DecodeIssue } from '../core/frame';
import { errorResponse, TerminalEngine, type EngineOptions, type Response } from './engine';
import { serveSerial, type SerialServing } from './serial';

export interface SimulatorOptions extends EngineOptions {
  host?: string;
  /** Framed TCP port; 0 picks a free one. */
  port?: number;
  /** HTTP port; default port + 1 (a free one when port is 0); false for none. */
  httpPort?: number | false;
  /**
   * Close a TCP connection after answering on it, as some terminals do: true or 0 at once, a number of ms that
   * much later. Once it has answered, the terminal reads nothing more from that connection: a request written
   * into it meanwhile is never acted on (counted in `ignoredAfterAnswer`). HTTP answers say `connection: close`.
   */
  closeAfterAnswer?: boolean | number;
  /** The former name of closeAfterAnswer. */
  closeAfterResponse?: boolean | number;
  /** Answers carry no "method" key (later firmware's emulator answers so). */
  noMethod?: boolean;
  /** ms the terminal is unreachable after Restart or RestartPaymentApp. */
  restartDuration?: number;
}

/**
 * close-after-response: answer, then drop the connection. close-before-response: act on the request, then drop
 * the connection without answering (an ack lost on the way). no-response: act on it and never answer (a stall).
 * drop-request: drop the connection without acting on the request (it never reached the payment app).
 */
export type FaultAction = 'close-after-response' | 'close-before-response' | 'no-response' | 'drop-request';

/** A test hook: the next `times` requests of `method` (any method when left out) meet `action`. */
export interface Fault {
  method?: string;
  action: FaultAction;
  times?: number;
}

export interface RequestRecord {
  method: string;
  params: unknown;
  /** The request's top-level "step", when it had one. */
  step?: unknown;
  via: 'tcp' | 'http' | 'stream';
  at: number;
}

interface Peer {
  write(data: Buffer): unknown;
  destroy(): void;
  end(): unknown;
  readonly destroyed?: boolean;
}

/** What the terminal knows of one connection. */
interface Link {
  via: 'tcp' | 'stream';
  /** It answered on this connection and closes it: nothing more is read from it. */
  closing: boolean;
}

/** After answering with closeAfterAnswer, a connection the ECR leaves half open is dropped this much later. */
const HALF_OPEN_GRACE = 2000;

const LOG_LIMIT = 1000;

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

export class Simulator extends EventEmitter {
  readonly engine: TerminalEngine;
  readonly host: string;
  port: number;
  httpPort: number | undefined;
  /** Connections accepted so far (TCP and HTTP). */
  totalConnections = 0;
  readonly frameIssues: Record<string, number> = {};
  /** The latest requests received, oldest first. */
  readonly requests: RequestRecord[] = [];
  /**
   * With closeAfterAnswer: requests (and broken frames) that arrived on a connection after the terminal had
   * answered on it, never acted on and not in `counts` or `requests`. A client that waits for the close writes none.
   */
  ignoredAfterAnswer = 0;
  /** ms after an answer the TCP connection is closed, or undefined to keep it open. */
  readonly closeAfterAnswer: number | undefined;
  private readonly options: SimulatorOptions;
  private readonly closeTimers = new Set<NodeJS.Timeout>();
  private readonly sockets = new Set<Socket>();
  private readonly faults: Required<Fault>[] = [];
  private tcp: Server | undefined;
  private http: HttpServer | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly serials: SerialServing[] = [];

  constructor(options: SimulatorOptions = {}) {
    super();
    this.options = options;
    this.engine = new TerminalEngine(options);
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 3000;
    this.httpPort = options.httpPort === false ? undefined : (options.httpPort ?? (this.port === 0 ? 0 : this.port + 1));
    this.closeAfterAnswer = closeDelay(options.closeAfterAnswer ?? options.closeAfterResponse);
    this.engine.on('restart', () => this.goOffline(this.options.restartDuration ?? 500));
  }

  /** Requests received per method. */
  get counts(): Record<string, number> {
    return this.engine.counts;
  }

  /** Connections open now. */
  get connections(): number {
    return this.sockets.size;
  }

  get status(): string {
    return this.engine.status;
  }

  injectFault(fault: Fault): void {
    this.faults.push({ method: fault.method ?? '*', action: fault.action, times: fault.times ?? 1 });
  }

  /** Drops every fault still waiting to happen. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  async start(): Promise<this> {
    await this.listen();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.engine.stop();
    await Promise.all(this.serials.splice(0).map((s) => s.close()));
    await this.unlisten();
  }

  /** Serves the protocol over any byte stream, e.g. a serial port. */
  serveStream(stream: NodeJS.ReadWriteStream & { destroy(): void }): void {
    this.servePeer(stream, 'stream');
  }

  /** Serves a serial port (8N1), opening it again whenever it goes away; stopped with the simulator. */
  async serveSerial(path: string, baudRate = 115200): Promise<void> {
    const serving = serveSerial(path, baudRate, (port) => this.serveStream(port));
    this.serials.push(serving);
    await serving.opened;
  }

  private async listen(): Promise<void> {
    this.tcp = createServer((socket) => this.accept(socket));
    this.port = await listenOn(this.tcp, this.port, this.host);
    if (this.httpPort !== undefined) {
      this.http = createHttpServer((req, res) => this.onHttp(req, res));
      this.http.on('connection', (socket: Socket) => this.track(socket));
      this.httpPort = await listenOn(this.http, this.httpPort, this.host);
    }
  }

  private async unlisten(): Promise<void> {
    for (const timer of this.closeTimers) clearTimeout(timer);
    this.closeTimers.clear();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const servers = [this.tcp, this.http].filter((server) => server !== undefined);
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    this.tcp = undefined;
    this.http = undefined;
  }

  /** After a restart: every connection drops and nothing answers for a while. */
  private goOffline(ms: number): void {
    if (this.stopped) return;
    this.emit('restart');
    void this.unlisten().then(() => {
      this.restartTimer = setTimeout(() => {
        if (!this.stopped) void this.listen().then(() => this.emit('online'));
      }, ms);
    });
  }

  private track(socket: Socket): void {
    this.totalConnections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private accept(socket: Socket): void {
    this.track(socket);
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    this.servePeer(socket, 'tcp');
  }

  private servePeer(peer: Peer & NodeJS.EventEmitter, via: 'tcp' | 'stream'): void {
    const link: Link = { via, closing: false };
    const decoder = new FrameDecoder({
      onMessage: (message) => (link.closing ? this.ignoredAfterAnswer++ : this.onFrame(peer, link, message)),
      onIssue: (issue) => {
        if (!link.closing) this.onIssue(peer, link, issue);
        else if (issue.kind !== 'junk') this.ignoredAfterAnswer++;
      },
    });
    peer.on('data', (chunk: Buffer) => decoder.push(chunk));
  }

  private onIssue(peer: Peer & NodeJS.EventEmitter, link: Link, issue: DecodeIssue): void {
    this.frameIssues[issue.kind] = (this.frameIssues[issue.kind] ?? 0) + 1;
    switch (issue.kind) {
      case 'header': {
        const details =
          issue.id !== PROTOCOL_ID
            ? `actual: ${hex(issue.id)}, expected: ${hex(PROTOCOL_ID)}`
            : `actual version: ${hex(issue.version!)}, expected: ${hex(PROTOCOL_VERSION)}`;
        return this.reply(peer, link, errorResponse('Unknown', 'E01', details));
      }
      case 'lrc':
        // As in the E01 example of §5.1: "actual" is what the frame carries, "expected" what the terminal computed.
        return this.reply(peer, link, errorResponse(methodIn(issue.body), 'E02', `actual: ${hex(issue.received)}, expected: ${hex(issue.computed)}`));
      case 'json':
      case 'not-object':
        return this.reply(peer, link, errorResponse('Unknown', 'E03', issue.kind === 'json' ? issue.reason : 'the message is not a JSON object'));
      case 'junk':
        return;
    }
  }

  private onFrame(peer: Peer & NodeJS.EventEmitter, link: Link, message: Record<string, unknown>): void {
    const { response, fault } = this.process(message, link.via);
    if (fault === 'close-before-response') return peer.destroy();
    if (fault === 'no-response') return;
    this.reply(peer, link, response);
    if (fault === 'close-after-response') peer.destroy();
  }

  private process(message: Record<string, unknown>, via: RequestRecord['via']): { response: Response; fault?: FaultAction } {
    const method = typeof message.method === 'string' ? message.method : 'Unknown';
    const record: RequestRecord = { method, params: message.params, via, at: Date.now() };
    if (message.step !== undefined) record.step = message.step;
    this.requests.push(record);
    if (this.requests.length > LOG_LIMIT) this.requests.shift();
    const fault = this.takeFault(method);
    if (fault === 'drop-request') return { response: {}, fault: 'close-before-response' };
    const response = this.engine.handle(message);
    this.emit('request', method, response);
    return { response, fault };
  }

  private takeFault(method: string): FaultAction | undefined {
    const i = this.faults.findIndex((f) => f.method === '*' || f.method === method);
    if (i < 0) return undefined;
    const fault = this.faults[i];
    if (--fault.times <= 0) this.faults.splice(i, 1);
    return fault.action;
  }

  private reply(peer: Peer & NodeJS.EventEmitter, link: Link, response: Response): void {
    peer.write(encodeFrame(this.wire(response)));
    const delay = this.closeAfterAnswer;
    // A serial line has no connection to close.
    if (delay === undefined || link.via !== 'tcp') return;
    link.closing = true;
    const close = () => {
      if (peer.destroyed) return;
      peer.end();
      // An ECR that never closes its side does not keep the socket forever.
      const grace = this.later(HALF_OPEN_GRACE, () => peer.destroy());
      peer.once('close', () => {
        clearTimeout(grace);
        this.closeTimers.delete(grace);
      });
    };
    if (delay === 0) close();
    else this.later(delay, close);
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.closeTimers.delete(timer);
      fn();
    }, ms);
    this.closeTimers.add(timer);
    return timer;
  }

  /** The answer as it goes on the wire: without "method" when the terminal leaves it out. */
  private wire(response: Response): Response {
    if (!this.options.noMethod) return response;
    const rest = { ...response };
    delete rest.method;
    return rest;
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    const send = (status: number, body: Response) => {
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        connection: this.closeAfterAnswer !== undefined ? 'close' : 'keep-alive',
      });
      res.end(JSON.stringify(this.wire(body)));
    };
    if (req.method !== 'POST') return send(405, errorResponse('Unknown', 'E00', 'POST the JSON request'));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 0x10000) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      let message: unknown;
      try {
        message = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        return send(200, errorResponse('Unknown', 'E03', (err as Error).message));
      }
      if (message === null || typeof message !== 'object' || Array.isArray(message)) {
        return send(200, errorResponse('Unknown', 'E03', 'the message is not a JSON object'));
      }
      const { response, fault } = this.process(message as Record<string, unknown>, 'http');
      if (fault === 'close-before-response') return req.socket.destroy();
      if (fault === 'no-response') return;
      send(200, response);
      if (fault === 'close-after-response') res.on('finish', () => req.socket.destroy());
    });
  }
}

/** closeAfterAnswer as ms, or undefined for "keep the connection open". */
function closeDelay(option: boolean | number | undefined): number | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return 0;
  if (!Number.isFinite(option) || option < 0) throw new Error(`closeAfterAnswer must be true, false or ms >= 0; got ${String(option)}`);
  return option;
}

function methodIn(body: Buffer): string {
  const m = /"method"\s*:\s*"([A-Za-z]{1,40})"/.exec(body.toString('utf8'));
  return m ? m[1] : 'Unknown';
}

function listenOn(server: Server | HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  return new Simulator(options).start();
}
