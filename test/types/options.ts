/**
 * Making a Terminal: one shape of options per transport. Compiled only (never run): each `@ts-expect-error` line
 * is a misuse that must be a compile error.
 */
import { Terminal, type TerminalOptions, type Transport } from '@ssi-ecr/node-red';

declare const ownTransport: Transport;

export function rightUses(): Terminal[] {
  return [
    new Terminal({ host: '192.168.1.50' }),
    new Terminal({ transport: 'tcp', host: '192.168.1.50', port: 3000, pollInterval: 500, polling: 'adaptive' }),
    new Terminal({ transport: 'http', host: '192.168.1.50', port: 3001, httpPath: '/' }),
    new Terminal({ transport: 'serial', path: '/dev/ttyACM0', baudRate: 115200, journal: '/var/lib/pos/journal.jsonl' }),
    new Terminal({ transport: ownTransport, soleEcr: true, protocol: '1.4', lrcEncoding: 'hex' }),
  ];
}

/** Options built at run time (a command line's flags) still fit one of the shapes. */
export function fromFlags(http: boolean, host: string): TerminalOptions {
  return { transport: http ? 'http' : 'tcp', host, connectTimeout: 2000 };
}

export function misuses(): void {
  // @ts-expect-error: a serial terminal has no host
  new Terminal({ transport: 'serial', path: '/dev/ttyACM0', host: 'x' });
  // @ts-expect-error: a serial terminal needs its device path (and has no host)
  new Terminal({ transport: 'serial', host: 'x' });
  // @ts-expect-error: a serial terminal needs its device path
  new Terminal({ transport: 'serial' });
  // @ts-expect-error: a network terminal needs its host
  new Terminal({ transport: 'http', port: 3001 });
  // @ts-expect-error: tcp is the default transport, and it needs a host
  new Terminal({ pollInterval: 500 });
  // @ts-expect-error: a network terminal has no serial device path
  new Terminal({ host: '192.168.1.50', path: '/dev/ttyACM0' });
  // @ts-expect-error: httpPath belongs to the http transport
  new Terminal({ host: '192.168.1.50', httpPath: '/ecr' });
  // @ts-expect-error: there is no udp transport
  new Terminal({ transport: 'udp', host: '192.168.1.50' });
  // @ts-expect-error: options are required
  new Terminal();
  // @ts-expect-error: pollInterval is a number of ms
  new Terminal({ host: '192.168.1.50', pollInterval: '500' });
  // @ts-expect-error: polling is 'adaptive' or 'fixed'
  new Terminal({ host: '192.168.1.50', polling: 'sometimes' });

  // A serial shape kept in a variable cannot carry a host either.
  const serial = { transport: 'serial' as const, path: '/dev/ttyACM0', host: 'x' };
  // @ts-expect-error: host is not a serial option
  new Terminal(serial);
}
