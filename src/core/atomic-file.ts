/** A file replaced whole or not at all, and durable once this returns: temp file, fsync, rename, fsync of the folder. */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
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
