import { connect, type Socket } from 'node:net';
import { StreamTransport, type ByteStream, type StreamTransportOptions } from './stream';

export interface TcpOptions extends StreamTransportOptions {
  host: string;
  port?: number;
}

export const DEFAULT_TCP_PORT = 3000;

export class TcpTransport extends StreamTransport {
  readonly name: string;
  private readonly host: string;
  private readonly port: number;

  constructor(options: TcpOptions) {
    super(options);
    this.host = options.host;
    this.port = options.port ?? DEFAULT_TCP_PORT;
    this.name = `tcp://${this.host}:${this.port}`;
  }

  protected open(timeout: number): Promise<ByteStream> {
    return new Promise((resolve, reject) => {
      const socket: Socket = connect({ host: this.host, port: this.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect timed out after ${timeout} ms`));
      }, timeout);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        socket.setKeepAlive(true, 10_000);
        resolve(socket);
      });
      const onError = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      socket.once('error', onError);
    });
  }
}
