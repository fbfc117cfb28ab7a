/**
 * A file replaced whole or not at all, and durable once written: temp file, fsync, rename, fsync of the folder.
 * writeFileAtomic blocks until then; writeFileAtomicAsync does the same on libuv's thread pool. Every write has a
 * temp file of its own (`<file>.<pid>.<random>.tmp`): two writers never write into, or rename away, each other's.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs';
import { basename, dirname } from 'node:path';

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
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, text, { flag: 'wx' });
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
  const tmp = tempName(path);
  let fd: number;
  try {
    fd = await step<number>((done) => fs.open(tmp, 'wx', done));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // The folder is made only when it is missing: creating it is a step of its own on every write otherwise.
    await step((done) => fs.mkdir(dirname(path), { recursive: true }, (e) => done(e)));
    fd = await step<number>((done) => fs.open(tmp, 'wx', done));
  }
  try {
    try {
      await step((done) => fs.writeFile(fd, text, done));
      await step((done) => fs.fsync(fd, done));
    } finally {
      await step((done) => fs.close(fd, done));
    }
    await step((done) => fs.rename(tmp, path, done));
  } catch (err) {
    // A full disk must not also keep a half-written temp file: it is removed, the write fails.
    await step((done) => fs.unlink(tmp, (e) => done(e))).catch(() => undefined);
    throw err;
  }
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
