import { StreamTransport, type ByteStream, type StreamTransportOptions } from './stream';

type SerialPortModule = typeof import('serialport');
let serialport: SerialPortModule | undefined;

/**
 * The serialport package, loaded on first use: its native binding takes tens of ms to load (most of the
 * pack's start-up on a small box), and only a serial connection needs it.
 */
export function loadSerialPort(): SerialPortModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (serialport ??= require('serialport') as SerialPortModule);
}

export interface SerialOptions extends StreamTransportOptions {
  path: string;
  baudRate?: number;
}

export const DEFAULT_BAUD_RATE = 115200;

/** The terminal's USB port as seen by the OS: the same framing as TCP over an 8N1 line. */
export class SerialTransport extends StreamTransport {
  readonly name: string;
  // A serial line does not close after an answer; reopening the port for every payment would only add risk.
  protected override readonly peerMayClose = false;
  private readonly path: string;
  private readonly baudRate: number;

  constructor(options: SerialOptions) {
    super(options);
    this.path = options.path;
    this.baudRate = options.baudRate ?? DEFAULT_BAUD_RATE;
    this.name = `serial:${this.path}@${this.baudRate}`;
  }

  protected open(timeout: number): Promise<ByteStream> {
    return new Promise((resolve, reject) => {
      const { SerialPort } = loadSerialPort();
      const port = new SerialPort({ path: this.path, baudRate: this.baudRate, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        port.destroy();
        reject(new Error(`opening ${this.path} timed out after ${timeout} ms`));
      }, timeout);
      port.open((err) => {
        clearTimeout(timer);
        // An open that completes after its caller gave up is nobody's: closed at once, or it would hold the device
        // (and a reader on it) for as long as the process runs.
        if (timedOut) {
          if (!err && port.isOpen) port.close(() => undefined);
          return;
        }
        if (err) {
          port.destroy();
          return reject(err);
        }
        resolve({
          write: (data, callback) => port.write(data, callback),
          destroy: () => (port.isOpen ? port.close(() => port.destroy()) : port.destroy()),
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          on: (event: string, listener: (...args: any[]) => void) => port.on(event, listener),
        });
      });
    });
  }
}
