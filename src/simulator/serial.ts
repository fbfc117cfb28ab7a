/**
 * The simulator on a serial line (the terminal's USB port as the OS shows it): the port is opened, served with
 * the same framing as TCP, and opened again whenever it goes away (a cable pulled, a pty pair torn down).
 */
import { statSync } from 'node:fs';
import type { SerialPort } from 'serialport';
import { loadSerialPort } from '../core/transports/serial';

export interface SerialServing {
  readonly path: string;
  /** Resolves once the port is open for the first time. */
  readonly opened: Promise<void>;
  close(): Promise<void>;
}

export function serveSerial(path: string, baudRate: number, serve: (port: SerialPort) => void, retryMs = 200): SerialServing {
  /** The device the path names now, or undefined when it is gone. */
  const device = () => {
    try {
      const s = statSync(path);
      return `${s.rdev}:${s.ino}`;
    } catch {
      return undefined;
    }
  };
  let closed = false;
  let port: SerialPort | undefined;
  let timer: NodeJS.Timeout | undefined;
  let first: () => void;
  const opened = new Promise<void>((resolve) => (first = resolve));
  const open = () => {
    if (closed) return;
    const opening = device();
    const p = new (loadSerialPort().SerialPort)({ path, baudRate, autoOpen: false });
    p.open((err) => {
      if (err || closed || opening === undefined || device() !== opening) {
        p.destroy();
        timer = setTimeout(open, retryMs);
        return;
      }
      port = p;
      // A device that went away while being opened (a pty pair torn down) can leave a port that never reports
      // closing: while the path names another device, or none, the port is given up and the path opened again.
      const watch = setInterval(() => {
        if (device() !== opening) p.destroy();
      }, retryMs);
      p.on('error', () => p.destroy());
      p.on('close', () => {
        clearInterval(watch);
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
