/**
 * A file replaced whole or not at all, and durable once written: temp file, fsync, rename, fsync of the folder.
 * writeFileAtomic blocks until then; writeFileAtomicAsync does the same on a writer thread of its own. Every write
 * has a temp file of its own (`<file>.<pid>.<random>.tmp`): two writers never write into, or rename away, each other's.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** The temp file of one write of `path`. */
function tempName(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** Whether `name` (in the folder of `path`) is a temp file a write of `path` left: a crash mid-write leaves one. */
export function isTempOf(path: string, name: string): boolean {
  const base = basename(path);
  if (!name.startsWith(`${base}.`)) return false;
  const rest = name.slice(base.length + 1);
  return rest === 'tmp' || /^\d+\.[0-9a-f]{8}\.tmp$/.test(rest);
}

function fsyncPath(path: string, flags: string): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  replaceSync(path, text);
}

/**
 * writeFileAtomic for a folder that is there: the folder is made only when the temp file cannot be, as in the
 * pool's steps (a folder that became a file then fails ENOTDIR, as a write into it would).
 */
export function replaceSync(path: string, text: string): void {
  const tmp = tempName(path);
  try {
    try {
      writeFileSync(tmp, text, { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(tmp, text, { flag: 'wx' });
    }
    fsyncPath(tmp, 'r+');
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      /* never made, or renamed already */
    }
    throw err;
  }
  // The rename itself is durable only once the folder is synced (not possible on every platform).
  try {
    fsyncPath(dirname(path), 'r');
  } catch {
    /* Windows cannot open a folder for fsync */
  }
}

/**
 * One thread of this process does every writeFileAtomicAsync, each whole and in call order. Its eight file
 * system calls per write (open, write, fsync, close, rename, and the folder's open, fsync, close) would otherwise
 * each be a request to libuv's thread pool and a callback on the event loop; with a thousand journals writing at
 * once on a small machine, handing them over there costs the event loop more than everything else a payment does.
 */
class WriterThread {
  private worker: Worker | undefined;
  private next = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();

  write(path: string, text: string): Promise<void> {
    const worker = (this.worker ??= this.start());
    const id = this.next++;
    // A write in progress keeps the process alive, as a file system request would.
    if (this.pending.size === 0) worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, path, text });
    });
  }

  private start(): Worker {
    // The worker beside this module in its own form: .js when built, .ts when the tests run the sources (through tsx).
    const worker = new Worker(join(__dirname, `atomic-file-worker${extname(__filename)}`));
    worker.unref();
    worker.on('message', ({ id, error }: { id: number; error?: { message: string; code?: string } }) => {
      const waiting = this.pending.get(id);
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
      if (!waiting) return;
      if (error) waiting.reject(Object.assign(new Error(error.message), { code: error.code }));
      else waiting.resolve();
    });
    const fail = (err: Error) => {
      this.worker = undefined;
      for (const waiting of this.pending.values()) waiting.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the journal's writer thread exited (${code})`)));
    return worker;
  }
}

const writer = new WriterThread();

/**
 * writeFileAtomic off the event loop, on a thread of its own (see WriterThread), so a slow disk (an SD card's
 * fsync takes tens of ms) holds up only the caller that awaits it, not every other connection. Writes of one
 * file from this process run one after another, in call order.
 */
export function writeFileAtomicAsync(path: string, text: string): Promise<void> {
  return writer.write(path, text);
}
