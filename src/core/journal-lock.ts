/**
 * One journal, one writer. Two writers of one journal file (two Terminals, two Node-RED processes) overwrite each
 * other's records: an operation one of them wrote down vanishes, and with it the outcome a crash would need. So a
 * journal is locked: `<journal>.lock`, created exclusively, names its owner (pid, host, when it started). A lock
 * whose owner no longer runs (killed, the machine restarted, its pid now another process's) is stale and taken
 * over; a lock held by a process that runs, or by one on another host, which cannot be asked, is respected.
 * A lock is released by its owner (Terminal.close()) and, best effort, when the process exits.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';

/** What a lock file holds. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** When the owner process started. */
  startedAt: string;
  /** When it took the lock. */
  acquiredAt: string;
  /** Linux: the kernel's boot id; a lock from another boot of this host is stale, whatever its pid. */
  bootId?: string;
  /** Linux: the owner's start in clock ticks after boot; another value for the same pid is another process. */
  processStart?: string;
  /** Tells this lock from any other, also one of the same pid. */
  token: string;
}

export type LockOutcome =
  | { ok: true; lock: JournalLock; tookOver?: string }
  /** reason: a sentence naming the lock file and who holds it, or the OS error that stopped it. */
  | { ok: false; reason: string; owner?: LockOwner; code?: string; cause?: unknown };

/** A lock file that cannot be read yet is being written, unless it is older than this (ms): then it was left. */
const HALF_WRITTEN_MS = 10_000;

/** Locks this process holds, by lock file. */
const held = new Map<string, JournalLock>();
let exitHook = false;

function readLinux(path: string): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks after boot. */
function processStart(pid: number | 'self'): string | undefined {
  const stat = readLinux(`/proc/${pid}/stat`);
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its closing one.
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields?.[19];
}

const bootId = () => readLinux('/proc/sys/kernel/random/boot_id');

function me(): LockOwner {
  return {
    pid: process.pid,
    hostname: hostname(),
    startedAt: new Date(Date.now() - Math.round(process.uptime() * 1000)).toISOString(),
    acquiredAt: new Date().toISOString(),
    bootId: bootId(),
    processStart: processStart('self'),
    token: randomBytes(8).toString('hex'),
  };
}

function errno(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'error';
}

/** "EROFS: read-only file system, rename '…' -> '…'": the OS code first, once. */
export function osError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}

type Found = { state: 'missing' } | { state: 'owned'; owner: LockOwner; text: string } | { state: 'unreadable'; text: string; ageMs: number };

function read(path: string): Found {
  let text: string;
  let ageMs: number;
  try {
    text = readFileSync(path, 'utf8');
    ageMs = Date.now() - statSync(path).mtimeMs;
  } catch (err) {
    if (errno(err) === 'ENOENT') return { state: 'missing' };
    throw err;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    if (owner && Number.isSafeInteger(owner.pid) && owner.pid > 0 && typeof owner.hostname === 'string' && typeof owner.token === 'string')
      return { state: 'owned', owner, text };
  } catch {
    /* half written, or not ours */
  }
  return { state: 'unreadable', text, ageMs };
}

/** Whether a process with this pid runs on this host (one we may not signal runs too). */
function runs(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errno(err) === 'EPERM';
  }
}

const who = (o: LockOwner) => `pid ${o.pid} on ${o.hostname}${typeof o.acquiredAt === 'string' ? ` (since ${o.acquiredAt})` : ''}`;

/** Whether a lock found is stale (its owner is gone), and why: a sentence either way. */
function judge(path: string, found: Exclude<Found, { state: 'missing' }>): { stale: boolean; why: string } {
  if (found.state === 'unreadable') {
    return found.ageMs > HALF_WRITTEN_MS
      ? {
          stale: true,
          why: `its lock ${path} could not be read and is ${Math.round(found.ageMs / 1000)} s old: left by a process that stopped while taking it`,
        }
      : { stale: false, why: `its lock ${path} is being taken by another process` };
  }
  const o = found.owner;
  if (o.hostname !== hostname()) {
    return {
      stale: false,
      why: `it is locked by ${who(o)}, another host, which this one cannot ask whether it still runs: if no process there uses this journal any more, delete ${path}`,
    };
  }
  const boot = bootId();
  if (o.bootId && boot && o.bootId !== boot) return { stale: true, why: `its lock was left by ${who(o)} before the machine restarted` };
  if (o.pid === process.pid) {
    if (held.get(path)?.token === o.token)
      return { stale: false, why: `it is locked by another Terminal of this process (${who(o)}): one journal serves one Terminal` };
    return { stale: true, why: `its lock was left by an earlier process with this one's pid (${who(o)})` };
  }
  if (!runs(o.pid)) return { stale: true, why: `its lock was left by ${who(o)}, which no longer runs` };
  const start = o.processStart ? processStart(o.pid) : undefined;
  if (start && start !== o.processStart) return { stale: true, why: `its lock was left by ${who(o)}; that pid is now another process's` };
  return {
    stale: false,
    why: `it is locked by ${who(o)}, which still runs: one journal serves one Terminal; if that process does not use it, stop it or give this Terminal another journal`,
  };
}

/** Creates the lock file with `owner` in it, or throws (EEXIST: somebody holds it). */
function create(path: string, owner: LockOwner): void {
  const fd = openSync(path, 'wx');
  let failed: { error: unknown } | undefined;
  try {
    writeSync(fd, JSON.stringify(owner));
    fsyncSync(fd);
  } catch (error) {
    failed = { error };
  } finally {
    closeSync(fd);
  }
  if (failed === undefined) return;
  // An empty lock would block the journal for HALF_WRITTEN_MS: a lock that could not be written is removed.
  try {
    unlinkSync(path);
  } catch {
    /* gone */
  }
  throw failed.error;
}

export class JournalLock {
  private released = false;

  constructor(
    /** The lock file. */
    readonly path: string,
    readonly owner: LockOwner,
  ) {}

  get token(): string {
    return this.owner.token;
  }

  /** Removes the lock file, if it is still this lock's. Never throws. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (held.get(this.path) === this) held.delete(this.path);
    try {
      const found = read(this.path);
      if (found.state === 'owned' && found.owner.token === this.token) unlinkSync(this.path);
    } catch {
      /* the folder went away, or the file system turned read-only: nothing more to do */
    }
  }
}

/** Takes the lock of `journal` (`<journal>.lock`). Never throws: a refusal or an OS error is an outcome. */
export function acquireLock(journal: string): LockOutcome {
  const path = `${resolve(journal)}.lock`;
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    return { ok: false, code: errno(err), cause: err, reason: `its folder could not be made (${osError(err)})` };
  }
  let tookOver: string | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const owner = me();
    try {
      create(path, owner);
      const lock = new JournalLock(path, owner);
      held.set(path, lock);
      if (!exitHook) {
        exitHook = true;
        process.on('exit', () => {
          for (const l of [...held.values()]) l.release();
        });
      }
      return { ok: true, lock, tookOver };
    } catch (err) {
      if (errno(err) !== 'EEXIST')
        return { ok: false, code: errno(err), cause: err, reason: `its lock ${path} could not be created (${osError(err)})` };
    }
    let found: Found;
    try {
      found = read(path);
    } catch (err) {
      return { ok: false, code: errno(err), cause: err, reason: `its lock ${path} could not be read (${osError(err)})` };
    }
    if (found.state === 'missing') continue;
    const verdict = judge(path, found);
    if (!verdict.stale) return { ok: false, reason: verdict.why, owner: found.state === 'owned' ? found.owner : undefined };
    // Taken over by moving the stale lock aside: of two processes doing so at once only one moves it.
    const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(path, aside);
    } catch (err) {
      if (errno(err) === 'ENOENT') continue;
      return { ok: false, code: errno(err), cause: err, reason: `its stale lock ${path} could not be moved aside (${osError(err)}); ${verdict.why}` };
    }
    let moved: Found = { state: 'missing' };
    try {
      moved = read(aside);
    } catch {
      /* judged below as not the lock we judged */
    }
    if (moved.state === 'missing' || moved.text !== found.text) {
      // Another process took the stale lock over between our reading and moving it: its fresh lock goes back.
      try {
        linkSync(aside, path);
      } catch {
        /* a third one holds it now; the fresh lock's owner will find that out when it releases */
      }
    } else {
      tookOver = verdict.why;
    }
    try {
      unlinkSync(aside);
    } catch {
      /* gone */
    }
  }
  return { ok: false, reason: `its lock ${path} kept changing hands while it was being taken` };
}
