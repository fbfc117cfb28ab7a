/**
 * The journal: every financial or report operation is written down before it is sent and crossed out when its
 * outcome is delivered. What is still written down after a crash is an operation whose outcome must be
 * established from the terminal before anything else is charged. Writes are atomic: temp file, fsync, rename.
 * They run off the event loop: open(), update() and close() change the records at once and start a write;
 * flush() resolves once every change made so far is on disk (and rejects if that write failed).
 *
 * One journal file has one writer: it is locked (`<journal>.lock`) from construction to release(). A journal that
 * cannot be used (locked by another process or Terminal, unreadable and impossible to keep aside, on a read-only
 * file system) does not throw: it holds one record, `journal-unavailable`, whose reason says why, and refuses
 * every write with that reason (an EcrError, code JOURNAL), so nothing is sent through it.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isTempOf, writeFileAtomic, writeFileAtomicAsync } from './atomic-file';
import { EcrError, LIB_CODES } from './errors';
import { acquireLock, type JournalLock } from './journal-lock';
import type { EcrResponse } from './normalise';
import { boundValue, keepSnapshot, type Bounds } from './snapshot';
import type { TransportIssue } from './transports/transport';
import type { Params } from './validate';

export type JournalStep =
  /** Written before the request went out; no acknowledgement seen (yet). */
  | 'sending'
  | 'acknowledged'
  /** Later firmware: step 1 read the card (S08); step 2, the request that moves money, is written down before it goes. */
  | 'second-step'
  /** The client gave up establishing the outcome (OUTCOME_UNKNOWN): reconciliation must settle it. */
  | 'unknown';

export interface JournalRecord {
  id: string;
  method: string;
  params: Params;
  /** Who asked: e.g. the id of the Node-RED node, so a recovered outcome reaches it. */
  tag?: string;
  /** The caller's reference (an order number, a correlation id): one operation per ref. */
  ref?: string;
  startedAt: string;
  updatedAt: string;
  step: JournalStep;
  /** The result buffer just before sending: a result equal to it is not this operation's. */
  snapshot: EcrResponse | null;
  /** When the request was handed to the connection: until unackedGrace has passed it may still arrive. */
  sentAt?: string;
  acknowledged?: boolean;
  /** Set when later financial operations ran (allowed while this was open): its result can no longer tell. */
  superseded?: boolean;
  /** The last status seen while it ran: written with the record's next change, not on its own. */
  lastStatus?: string;
  reason?: string;
  /** Two-step operations (later firmware): when step 2 was handed to the connection, and whether it was acknowledged. */
  secondStep?: { sentAt: string; acknowledged?: boolean };
}

/** What is remembered of a settled operation that had a ref, so the same ref is not charged again. */
export interface SettledRef {
  ref: string;
  method: string;
  params: Params;
  settledAt: string;
  /** result: its outcome was delivered (summary below); resolved-by-hand: someone checked the terminal. */
  how: 'result' | 'resolved-by-hand';
  /** The result without card data: transactionResult, responseCode, approved, rrn, invoiceNum, authCode, amount. */
  summary?: Record<string, unknown>;
}

/** What a person said became of an operation they crossed out by hand, kept for whoever checks later. */
export interface HandSettlement {
  /** The journal record's id, method, params, ref, tag and start. */
  id: string;
  method: string;
  params: Params;
  ref?: string;
  tag?: string;
  startedAt: string;
  /** approved or not-performed: the person's verdict; checked: crossed out without one. */
  verdict: HandVerdict;
  /** Who, when Node-RED knows (its adminAuth user). */
  by?: string;
  settledAt: string;
}

export const HAND_VERDICTS = ['approved', 'not-performed', 'checked'] as const;
export type HandVerdict = (typeof HAND_VERDICTS)[number];
/** Settlements by hand kept in the journal: the newest this many. */
export const HAND_MEMORY_MAX = 100;

/** A settled ref is remembered this long, and at most this many of them. */
export const REF_MEMORY_MS = 24 * 60 * 60 * 1000;
export const REF_MEMORY_MAX = 1000;

/** The record an unreadable journal is replaced with (the file kept aside): markResolved() it once checked. */
export const UNREADABLE_JOURNAL = 'unreadable-journal';
/** The one record of a journal that cannot be used; its reason says why. It goes once the cause is fixed and the Terminal made again. */
export const JOURNAL_UNAVAILABLE = 'journal-unavailable';

/**
 * Nesting a journal file may have: far more than this library writes (params and snapshots read back are bounded
 * again), far less than JSON.stringify can write back.
 */
const MAX_FILE_DEPTH = 1000;
/** What is kept of request params: they passed validation (at most a frame), only their depth is bounded. */
const PARAMS_BOUNDS: Bounds = { depth: 16, string: Infinity, size: Infinity };
/** What is kept of a settled ref's summary. */
const SUMMARY_BOUNDS: Bounds = { depth: 2, string: 256, size: 4096 };
/** Characters kept of a reason, and of a status. */
const MAX_REASON = 2000;
const MAX_STATUS = 64;

interface JournalFile {
  version: 1;
  records: JournalRecord[];
  settled?: SettledRef[];
  byHand?: HandSettlement[];
}

/** Settled refs still remembered at `now`, the newest `REF_MEMORY_MAX`. */
export function keptRefs(settled: readonly SettledRef[], now = Date.now()): SettledRef[] {
  return settled.filter((s) => now - Date.parse(s.settledAt) < REF_MEMORY_MS).slice(-REF_MEMORY_MAX);
}

const cap = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max)}… (cut: ${text.length} characters)`);

/** "EROFS: read-only file system, rename '…' -> '…'": the OS code first. */
function osError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}

/** A file-system error of the journal as the library reports every failure: an EcrError, code JOURNAL. */
function journalError(path: string, what: string, err: unknown): EcrError {
  if (err instanceof EcrError && err.code === LIB_CODES.JOURNAL) return err;
  return new EcrError(LIB_CODES.JOURNAL, `the journal ${path} ${what} (${osError(err)})`, { cause: err, facts: { path, os: (err as NodeJS.ErrnoException)?.code } });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Whether `value` nests no deeper than `max` levels; counted without recursion, whatever its depth. */
function nestsWithin(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return false;
    for (const child of Object.values(v as object)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return true;
}

const STEPS: readonly unknown[] = ['sending', 'acknowledged', 'second-step', 'unknown'];
const AMOUNT_KEYS = ['transAmount', 'discountedAmount', 'endAmount'];

/** What is wrong with a record read from the file, or undefined. */
function badRecord(r: unknown, i: number): string | undefined {
  const at = `record ${i}`;
  if (!isObject(r)) return `${at} is ${r === null ? 'null' : Array.isArray(r) ? 'an array' : typeof r}, not an object`;
  if (typeof r.id !== 'string' || r.id === '') return `${at} has no id`;
  if (typeof r.method !== 'string' || r.method === '') return `${at} (${r.id}) has no method`;
  if (!isObject(r.params)) return `${at} (${r.id}) has no params object`;
  for (const key of ['tag', 'ref', 'startedAt', 'updatedAt', 'sentAt', 'lastStatus', 'reason']) {
    if (r[key] !== undefined && typeof r[key] !== 'string') return `${at} (${r.id}): ${key} is not a string`;
  }
  for (const key of ['acknowledged', 'superseded']) {
    if (r[key] !== undefined && typeof r[key] !== 'boolean') return `${at} (${r.id}): ${key} is not true or false`;
  }
  if (r.step !== undefined && !STEPS.includes(r.step)) return `${at} (${r.id}): step is not one of ${STEPS.join(', ')}`;
  const second = r.secondStep;
  if (second !== undefined && !(isObject(second) && typeof second.sentAt === 'string' && (second.acknowledged === undefined || typeof second.acknowledged === 'boolean'))) {
    return `${at} (${r.id}): secondStep is not { sentAt, acknowledged }`;
  }
  // The amounts reconciliation compares with the terminal's: whole numbers, as validation let them through.
  for (const key of AMOUNT_KEYS) {
    const v = r.params[key];
    if (v !== undefined && !(typeof v === 'string' ? /^\s*\d+\s*$/.test(v) : Number.isSafeInteger(v) && (v as number) >= 0)) return `${at} (${r.id}): params.${key} is not an amount`;
  }
  const snap = r.snapshot;
  if (snap !== undefined && snap !== null) {
    if (!isObject(snap) || !isObject(snap.params)) return `${at} (${r.id}): snapshot is not a response with params`;
    if (snap.errorCode !== undefined && typeof snap.errorCode !== 'string') return `${at} (${r.id}): snapshot.errorCode is not a string`;
  }
  return undefined;
}

function badSettled(s: unknown, i: number): string | undefined {
  const at = `settled ref ${i}`;
  if (!isObject(s)) return `${at} is not an object`;
  if (typeof s.ref !== 'string') return `${at} has no ref`;
  if (typeof s.method !== 'string') return `${at} (${s.ref}) has no method`;
  if (!isObject(s.params)) return `${at} (${s.ref}) has no params object`;
  if (typeof s.settledAt !== 'string') return `${at} (${s.ref}) has no settledAt`;
  if (s.how !== 'result' && s.how !== 'resolved-by-hand') return `${at} (${s.ref}): how is not result or resolved-by-hand`;
  if (s.summary !== undefined && !isObject(s.summary)) return `${at} (${s.ref}): summary is not an object`;
  return undefined;
}

function badHand(h: unknown, i: number): string | undefined {
  const at = `settlement by hand ${i}`;
  if (!isObject(h)) return `${at} is not an object`;
  for (const key of ['id', 'method', 'startedAt', 'settledAt']) if (typeof h[key] !== 'string') return `${at} has no ${key}`;
  if (!isObject(h.params)) return `${at} (${String(h.id)}) has no params object`;
  for (const key of ['ref', 'tag', 'by']) if (h[key] !== undefined && typeof h[key] !== 'string') return `${at} (${String(h.id)}): ${key} is not a string`;
  if (!(HAND_VERDICTS as readonly unknown[]).includes(h.verdict)) return `${at} (${String(h.id)}): verdict is not one of ${HAND_VERDICTS.join(', ')}`;
  return undefined;
}

/** The journal a file holds; throws an Error saying what is wrong with it when it is not one. */
function parseJournal(text: string): JournalFile {
  const file = JSON.parse(text) as unknown;
  if (!isObject(file)) throw new Error('it is not a JSON object');
  if (file.version !== 1) throw new Error(`its version is ${JSON.stringify(file.version) ?? 'missing'}, not 1`);
  if (!Array.isArray(file.records)) throw new Error('it has no records array');
  if (file.settled !== undefined && !Array.isArray(file.settled)) throw new Error('its settled refs are not an array');
  if (file.byHand !== undefined && !Array.isArray(file.byHand)) throw new Error('its settlements by hand are not an array');
  if (!nestsWithin(file, MAX_FILE_DEPTH)) throw new Error(`it nests deeper than ${MAX_FILE_DEPTH} levels`);
  const ids = new Set<string>();
  file.records.forEach((r: unknown, i: number) => {
    const bad = badRecord(r, i);
    if (bad) throw new Error(bad);
    const id = (r as JournalRecord).id;
    if (ids.has(id)) throw new Error(`two records have the id ${id}`);
    ids.add(id);
  });
  (file.settled ?? []).forEach((s: unknown, i: number) => {
    const bad = badSettled(s, i);
    if (bad) throw new Error(bad);
  });
  (file.byHand ?? []).forEach((h: unknown, i: number) => {
    const bad = badHand(h, i);
    if (bad) throw new Error(bad);
  });
  return file as unknown as JournalFile;
}

function syntheticRecord(id: string, reason: string): JournalRecord {
  const now = new Date().toISOString();
  return { id, method: 'Unknown', params: {}, startedAt: now, updatedAt: now, step: 'unknown', snapshot: null, reason: cap(reason, MAX_REASON) };
}

/** A record as it is kept: what came from a terminal bounded, so that writing it never fails for depth or size. */
function kept(record: JournalRecord, stored = false): JournalRecord {
  const out: JournalRecord = { ...record, params: boundValue(record.params, PARAMS_BOUNDS) as Params, snapshot: keepSnapshot(record.snapshot ?? null, stored) };
  if (out.reason !== undefined) out.reason = cap(out.reason, MAX_REASON);
  if (out.lastStatus !== undefined) out.lastStatus = cap(out.lastStatus, MAX_STATUS);
  return out;
}

function keptHand(h: HandSettlement): HandSettlement {
  return { ...h, params: boundValue(h.params, PARAMS_BOUNDS) as Params };
}

function keptRef(s: SettledRef): SettledRef {
  const out: SettledRef = { ...s, params: boundValue(s.params, PARAMS_BOUNDS) as Params };
  if (s.summary !== undefined) out.summary = boundValue(s.summary, SUMMARY_BOUNDS) as Record<string, unknown>;
  return out;
}

/**
 * Events: 'issue' ({ kind: 'journal', message }): something worth a log line that stops nothing, such as a stale
 * lock taken over or an unreadable journal kept aside. Emitted on the next tick, so a listener added right after
 * construction hears those of the construction.
 */
export class Journal extends EventEmitter {
  private list: JournalRecord[] = [];
  private refs: SettledRef[] = [];
  private hand: HandSettlement[] = [];
  /** The write that holds the latest change: resolves once it is on disk. */
  private latest: Promise<void> = Promise.resolve();
  /** Set while a write waits for the one before it: changes made meanwhile go with it. */
  private queued = false;
  private readonly lock: JournalLock | undefined;
  /** Why nothing may be written (unusable, or released): every write and open() fails with it. */
  private failure: EcrError | undefined;
  private releasing: Promise<void> | undefined;

  constructor(readonly path: string) {
    super();
    const got = acquireLock(path);
    if (!got.ok) {
      this.unusable(`the journal ${path} cannot be used: ${got.reason}. Nothing is sent through this Terminal until it can`, { cause: got.cause, os: got.code, holder: got.owner });
      return;
    }
    this.lock = got.lock;
    if (got.tookOver) this.notify(`the journal ${path} was taken over: ${got.tookOver}`);
    this.sweepTemps();
    this.list = this.load();
  }

  get records(): readonly JournalRecord[] {
    return this.list;
  }

  /** Refs of settled operations, remembered so a repeat is refused after a restart too. */
  get settled(): readonly SettledRef[] {
    return this.refs;
  }

  /** Operations crossed out by hand, the newest last: what the person said became of each. */
  get byHand(): readonly HandSettlement[] {
    return this.hand;
  }

  /** Why this journal takes no writes (an EcrError, code JOURNAL), or undefined while it does. */
  get unavailable(): EcrError | undefined {
    return this.failure;
  }

  /** Throws the journal's failure (code JOURNAL) when it cannot be written: nothing may then be sent. */
  open(init: { method: string; params: Params; tag?: string; ref?: string; snapshot: EcrResponse | null }): JournalRecord {
    if (this.failure) throw this.failure;
    const now = new Date().toISOString();
    // Opened right before the request goes out: its sending time is now.
    const record = kept({ id: randomUUID(), method: init.method, params: init.params, tag: init.tag, ref: init.ref, startedAt: now, updatedAt: now, sentAt: now, step: 'sending', snapshot: init.snapshot });
    this.list = [...this.list, record];
    this.save();
    return record;
  }

  /** Resolves once every change made so far is on disk; rejects (an EcrError, code JOURNAL) if the write holding the latest one failed. */
  flush(): Promise<void> {
    return this.latest;
  }

  update(id: string, change: Partial<Pick<JournalRecord, 'step' | 'lastStatus' | 'reason' | 'sentAt' | 'acknowledged' | 'superseded' | 'params' | 'secondStep'>>): void {
    this.amend(id, change);
    this.save();
  }

  /**
   * Changes a record without a write of its own: the change reaches the disk with the next one. For what no
   * decision rests on (the terminal's last status), which would otherwise cost a durable write per status change.
   */
  amend(id: string, change: Partial<Pick<JournalRecord, 'lastStatus'>>): void {
    if (this.failure) return;
    const next = { ...change };
    if (typeof next.lastStatus === 'string') next.lastStatus = cap(next.lastStatus, MAX_STATUS);
    if (typeof (next as JournalRecord).reason === 'string') (next as JournalRecord).reason = cap((next as JournalRecord).reason!, MAX_REASON);
    this.list = this.list.map((r) => (r.id === id ? { ...r, ...next, updatedAt: new Date().toISOString() } : r));
  }

  /**
   * Crosses a record out; `settled` (its ref's outcome) and `byHand` (what a person said of it) are remembered in
   * the same write.
   */
  close(id: string, settled?: SettledRef, byHand?: HandSettlement): void {
    if (this.failure) {
      this.save();
      return;
    }
    const before = this.list.length;
    this.list = this.list.filter((r) => r.id !== id);
    if (settled) this.refs = keptRefs([...this.refs, keptRef(settled)]);
    if (byHand) this.hand = [...this.hand, keptHand(byHand)].slice(-HAND_MEMORY_MAX);
    if (this.list.length !== before || settled || byHand) this.save();
  }

  /**
   * Takes back, in memory only, a record whose first write failed (so the file never held it), and the superseded
   * marks written with it: nothing was sent, so nothing may stay behind to block the next payment.
   */
  discard(id: string, unsupersede: readonly string[] = []): void {
    this.list = this.list.filter((r) => r.id !== id).map((r) => (unsupersede.includes(r.id) ? { ...r, superseded: undefined } : r));
  }

  /**
   * Crosses a record out once that is on disk. If the write fails the record stays, in memory as in the file, so
   * it is settled again later, and the write's error (code JOURNAL) is thrown.
   */
  async closeDurably(id: string, settled?: SettledRef, byHand?: HandSettlement): Promise<void> {
    const record = this.list.find((r) => r.id === id);
    const refs = this.refs;
    const hand = this.hand;
    this.close(id, settled, byHand);
    try {
      await this.flush();
    } catch (err) {
      if (record && !this.list.some((r) => r.id === id)) this.list = [...this.list, record];
      this.refs = refs;
      this.hand = hand;
      throw err;
    }
  }

  /**
   * Once every write started is done: no more writes, and the lock goes, so another Terminal may open the
   * journal. Never rejects.
   */
  release(): Promise<void> {
    this.releasing ??= (async () => {
      for (;;) {
        const last = this.latest;
        await last.catch(() => undefined);
        if (last === this.latest) break;
      }
      this.failure ??= new EcrError(LIB_CODES.JOURNAL, `the journal ${this.path} was released (its Terminal was closed): nothing more is written to it`, { facts: { path: this.path } });
      this.lock?.release();
    })();
    return this.releasing;
  }

  private notify(message: string): void {
    const issue: TransportIssue = { kind: 'journal', message };
    process.nextTick(() => this.emit('issue', issue));
  }

  /** From now on this journal holds only the record saying why it cannot be used, and takes no writes. */
  private unusable(message: string, facts: { cause?: unknown; os?: string; holder?: unknown }): void {
    this.failure = new EcrError(LIB_CODES.JOURNAL, message, { cause: facts.cause, facts: { path: this.path, os: facts.os, holder: facts.holder } });
    this.list = [syntheticRecord(JOURNAL_UNAVAILABLE, message)];
    this.refs = [];
    this.hand = [];
  }

  /** Temp files a crash left mid-write: nobody else writes this journal (it is locked), so they are nobody's. */
  private sweepTemps(): void {
    try {
      for (const name of readdirSync(dirname(this.path))) if (isTempOf(this.path, name)) unlinkSync(join(dirname(this.path), name));
    } catch {
      /* the folder is new, or cannot be listed: nothing to sweep */
    }
  }

  private load(): JournalRecord[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      this.unusable(`the journal ${this.path} cannot be used: it could not be read (${osError(err)}). Nothing is sent through this Terminal until it can`, { cause: err, os: (err as NodeJS.ErrnoException).code });
      return this.list;
    }
    let file: JournalFile;
    try {
      file = parseJournal(text);
    } catch (err) {
      return this.keepAside((err as Error).message);
    }
    this.refs = keptRefs(file.settled ?? []).map(keptRef);
    this.hand = (file.byHand ?? []).slice(-HAND_MEMORY_MAX).map(keptHand);
    return file.records.map((r) => kept(r, true));
  }

  /** An unreadable journal may hide an operation in flight: the file is kept, and payments wait until someone looks. */
  private keepAside(why: string): JournalRecord[] {
    const path = this.path;
    const aside = `${path}.unreadable-${Date.now()}`;
    try {
      renameSync(path, aside);
    } catch (err) {
      this.unusable(`the journal ${path} cannot be used: it could not be read (${why}), and it could not be kept aside as ${aside} (${osError(err)}). Nothing is sent through this Terminal until the file is moved away or repaired by hand`, { cause: err, os: (err as NodeJS.ErrnoException).code });
      return this.list;
    }
    this.list = [syntheticRecord(UNREADABLE_JOURNAL, `the journal could not be read (${why}); it was kept as ${aside}: check the terminal's last operations, then mark this record resolved`)];
    this.refs = [];
    this.hand = [];
    try {
      writeFileAtomic(path, this.text());
    } catch (err) {
      // Put back, so that the next start still finds that something was wrong; kept aside if even that fails.
      let where = `it is back at ${path}`;
      try {
        renameSync(aside, path);
      } catch {
        where = `it is kept as ${aside}`;
      }
      this.unusable(`the journal ${path} cannot be used: it could not be read (${why}), and its replacement could not be written (${osError(err)}); ${where}. Nothing is sent through this Terminal until the file is moved away or repaired by hand`, { cause: err, os: (err as NodeJS.ErrnoException).code });
      return this.list;
    }
    this.notify(`the journal ${path} could not be read (${why}): it was kept as ${aside}, and payments wait until record ${UNREADABLE_JOURNAL} is marked resolved`);
    return this.list;
  }

  private text(): string {
    const body: JournalFile = { version: 1, records: this.list, settled: this.refs };
    if (this.hand.length > 0) body.byHand = this.hand;
    return `${JSON.stringify(body, null, 1)}\n`;
  }

  /** Starts a write of the records as they will be when it starts (one after another: each write is the whole file). */
  private save(): void {
    if (this.failure) {
      const refused = Promise.reject(this.failure);
      refused.catch(() => undefined);
      this.latest = refused;
      return;
    }
    if (this.queued) return;
    this.queued = true;
    const write = this.latest
      .catch(() => undefined)
      .then(async () => {
        this.queued = false;
        if (this.failure) throw this.failure;
        try {
          await writeFileAtomicAsync(this.path, this.text());
        } catch (err) {
          throw journalError(this.path, 'could not be written', err);
        }
      });
    // A failure reaches whoever flushes; nobody flushing must not make it an unhandled rejection.
    write.catch(() => undefined);
    this.latest = write;
  }
}
