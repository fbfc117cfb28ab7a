/**
 * The simulator on a serial line (the terminal's USB port as the OS shows it): the port is opened, served with
 * the same framing as TCP, and opened again whenever it goes away (a cable pulled, a pty pair torn down).
 */
import type { SerialPort } from 'serialport';
import { loadSerialPort } from '../core/transports/serial';

export interface SerialServing {
  readonly path: string;
  /** Resolves once the port is open for the first time. */
  readonly opened: Promise<void>;
  close(): Promise<void>;
}

export function serveSerial(
  path: string,
  baudRate: number,
  serve: (port: SerialPort) => void,
  retryMs = 200,
): SerialServing {
  let closed = false;
  let port: SerialPort | undefined;
  let timer: NodeJS.Timeout | undefined;
  let first: () => void;
  const opened = new Promise<void>((resolve) => (first = resolve));
  const open = () => {
    if (closed) return;
    const p = new (loadSerialPort().SerialPort)({ path, baudRate, autoOpen: false });
    p.open((err) => {
      if (err || closed) {
        p.destroy();
        timer = setTimeout(open, retryMs);
        return;
      }
      port = p;
      p.on('error', () => p.destroy());
      p.on('close', () => {
        port = undefined;
        if (!closed) timer = setTimeout(open, retryMs);
      });
      serve(p);
      first();
    });
  };
  open();
  return {
    path,
    opened,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        clearTimeout(timer);
        if (port?.isOpen) port.close(() => resolve());
        else resolve();
      }),
  };
}
