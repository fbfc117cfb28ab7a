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
import { parseJournal, type JournalFile } from './journal-file';
import { acquireLock, osError, type JournalLock } from './journal-lock';
import {
  HAND_MEMORY_MAX,
  JOURNAL_UNAVAILABLE,
  kept,
  keptChange,
  keptHand,
  keptRef,
  keptRefs,
  syntheticRecord,
  UNREADABLE_JOURNAL,
  type HandSettlement,
  type JournalRecord,
  type SettledRef,
} from './journal-record';
import type { EcrResponse } from './normalise';
import type { OperationJournal, RecordChange } from './operation-journal';
import type { TransportIssue } from './transports/transport';
import type { Params } from './validate';

/** A file-system error of the journal as the library reports every failure: an EcrError, code JOURNAL. */
function journalError(path: string, what: string, err: unknown): EcrError {
  if (err instanceof EcrError && err.code === LIB_CODES.JOURNAL) return err;
  return new EcrError(LIB_CODES.JOURNAL, `the journal ${path} ${what} (${osError(err)})`, {
    cause: err,
    facts: { path, os: (err as NodeJS.ErrnoException)?.code },
  });
}

/**
 * Events: 'issue' ({ kind: 'journal', message }): something worth a log line that stops nothing, such as a stale
 * lock taken over or an unreadable journal kept aside. Emitted on the next tick, so a listener added right after
 * construction hears those of the construction.
 */
export class Journal extends EventEmitter implements OperationJournal {
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
      this.unusable(`the journal ${path} cannot be used: ${got.reason}. Nothing is sent through this Terminal until it can`, {
        cause: got.cause,
        os: got.code,
        holder: got.owner,
      });
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
    const record = kept({
      id: randomUUID(),
      method: init.method,
      params: init.params,
      tag: init.tag,
      ref: init.ref,
      startedAt: now,
      updatedAt: now,
      sentAt: now,
      step: 'sending',
      snapshot: init.snapshot,
    });
    this.list = [...this.list, record];
    this.save();
    return record;
  }

  /** Resolves once every change made so far is on disk; rejects (an EcrError, code JOURNAL) if the write holding the latest one failed. */
  flush(): Promise<void> {
    return this.latest;
  }

  update(id: string, change: RecordChange): void {
    this.amend(id, change);
    this.save();
  }

  /**
   * Changes a record without a write of its own: the change reaches the disk with the next one. For what no
   * decision rests on (the terminal's last status), which would otherwise cost a durable write per status change.
   */
  amend(id: string, change: Partial<Pick<JournalRecord, 'lastStatus'>>): void {
    if (this.failure) return;
    const next = keptChange(change as RecordChange);
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
      this.failure ??= new EcrError(
        LIB_CODES.JOURNAL,
        `the journal ${this.path} was released (its Terminal was closed): nothing more is written to it`,
        { facts: { path: this.path } },
      );
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
      this.unusable(
        `the journal ${this.path} cannot be used: it could not be read (${osError(err)}). Nothing is sent through this Terminal until it can`,
        { cause: err, os: (err as NodeJS.ErrnoException).code },
      );
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
      this.unusable(
        `the journal ${path} cannot be used: it could not be read (${why}), and it could not be kept aside as ${aside} (${osError(err)}). Nothing is sent through this Terminal until the file is moved away or repaired by hand`,
        { cause: err, os: (err as NodeJS.ErrnoException).code },
      );
      return this.list;
    }
    this.list = [
      syntheticRecord(
        UNREADABLE_JOURNAL,
        `the journal could not be read (${why}); it was kept as ${aside}: check the terminal's last operations, then mark this record resolved`,
      ),
    ];
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
      this.unusable(
        `the journal ${path} cannot be used: it could not be read (${why}), and its replacement could not be written (${osError(err)}); ${where}. Nothing is sent through this Terminal until the file is moved away or repaired by hand`,
        { cause: err, os: (err as NodeJS.ErrnoException).code },
      );
      return this.list;
    }
    this.notify(
      `the journal ${path} could not be read (${why}): it was kept as ${aside}, and payments wait until record ${UNREADABLE_JOURNAL} is marked resolved`,
    );
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
