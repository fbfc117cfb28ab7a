/** The Transport a Terminal's options name: tcp, http or serial, or one the caller made. */
import { EcrError, LIB_CODES } from './errors';
import { DEFAULT_HTTP_PORT, HttpTransport } from './transports/http';
import { SerialTransport } from './transports/serial';
import { DEFAULT_TCP_PORT, TcpTransport } from './transports/tcp';
import type { Transport } from './transports/transport';

export interface TransportOptions {
  /** 'tcp' (default), 'http', 'serial', or a Transport of your own. */
  transport?: 'tcp' | 'http' | 'serial' | Transport;
  host?: string;
  /** TCP port (default 3000), or for HTTP the HTTP port (TCP port + 1: 3001). */
  port?: number;
  /** HTTP path the JSON is POSTed to (default "/"). */
  httpPath?: string;
  /** Serial device, e.g. /dev/ttyACM0 or COM3. */
  path?: string;
  /** Serial baud rate (default 115200). */
  baudRate?: number;
  /** ms to wait for a connection before a request fails unsent (default 5000). */
  connectTimeout?: number;
}

export function createTransport(options: TransportOptions, connectTimeout: number): Transport {
  const kind = options.transport ?? 'tcp';
  if (typeof kind === 'object') return kind;
  const common = { connectTimeout };
  const needHost = () => {
    if (!options.host)
      throw new EcrError(LIB_CODES.VALIDATION, `Terminal: host is required for the ${kind} transport`, { field: 'host', rule: 'required' });
    return options.host;
  };
  switch (kind) {
    case 'tcp':
      return new TcpTransport({ ...common, host: needHost(), port: options.port ?? DEFAULT_TCP_PORT });
    case 'http':
      return new HttpTransport({ ...common, host: needHost(), port: options.port ?? DEFAULT_HTTP_PORT, path: options.httpPath });
    case 'serial':
      if (!options.path)
        throw new EcrError(LIB_CODES.VALIDATION, 'Terminal: path (the serial device) is required for the serial transport', {
          field: 'path',
          rule: 'required',
        });
      return new SerialTransport({ ...common, path: options.path, baudRate: options.baudRate });
    default:
      throw new EcrError(LIB_CODES.VALIDATION, `Terminal: transport must be tcp, http or serial; got ${JSON.stringify(kind)}`, {
        field: 'transport',
        rule: 'tcp | http | serial',
      });
  }
}
