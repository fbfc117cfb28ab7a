/**
 * A file replaced whole or not at all, and durable once written: temp file, fsync, rename, fsync of the folder.
 * writeFileAtomic blocks until then; writeFileAtomicAsync does the same on libuv's thread pool.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs';
import { dirname } from 'node:path';

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
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  fsyncPath(tmp, 'r+');
  renameSync(tmp, path);
  // The rename itself is durable only once the folder is synced (not possible on every platform).
  try {
    fsyncPath(dirname(path), 'r');
  } catch {
    /* Windows cannot open a folder for fsync */
  }
}

/** Writes in progress per file: two writes of one file must not share its temp file at the same time. */
const writing = new Map<string, Promise<void>>();

/**
 * writeFileAtomic off the event loop: the same steps on libuv's thread pool, so a slow disk (an SD card's fsync
 * takes tens of ms) holds up only the caller that awaits it, not every other connection. Writes of one file
 * from this process run one after another, in call order.
 */
export function writeFileAtomicAsync(path: string, text: string): Promise<void> {
  const previous = writing.get(path);
  const write = (previous ? previous.catch(() => undefined) : Promise.resolve()).then(() => replace(path, text));
  const tail = write.catch(() => undefined);
  writing.set(path, tail);
  void tail.then(() => {
    if (writing.get(path) === tail) writing.delete(path);
  });
  return write;
}

/** One step of the write on libuv's thread pool; the callback API spares a FileHandle and promise per step. */
function step<T>(run: (done: (err: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));
}

async function replace(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  let fd: number;
  try {
    fd = await step<number>((done) => fs.open(tmp, 'w', done));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // The folder is made only when it is missing: creating it is a step of its own on every write otherwise.
    await step((done) => fs.mkdir(dirname(path), { recursive: true }, (e) => done(e)));
    fd = await step<number>((done) => fs.open(tmp, 'w', done));
  }
  try {
    await step((done) => fs.writeFile(fd, text, done));
    await step((done) => fs.fsync(fd, done));
  } finally {
    await step((done) => fs.close(fd, done));
  }
  await step((done) => fs.rename(tmp, path, done));
  let folder: number | undefined;
  try {
    folder = await step<number>((done) => fs.open(dirname(path), 'r', done));
    await step((done) => fs.fsync(folder!, done));
  } catch {
    /* Windows cannot open a folder for fsync */
  } finally {
    if (folder !== undefined) await step((done) => fs.close(folder!, done)).catch(() => undefined);
  }
}
