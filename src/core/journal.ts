/**
 * The journal: every financial or report operation is written down before it is sent and crossed out when its
 * outcome is delivered. What is still written down after a crash is an operation whose outcome must be
 * established from the terminal before anything else is charged. Writes are atomic: temp file, fsync, rename.
 * They run off the event loop: open(), update() and close() change the records at once and start a write;
 * flush() resolves once every change made so far is on disk (and rejects if that write failed).
 */
import { readFileSync, renameSync } from 'node:fs';
import { writeFileAtomic, writeFileAtomicAsync } from './atomic-file';
import { randomUUID } from 'node:crypto';
import { redactForLog } from './mask';
import type { EcrResponse } from './normalise';
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

/** A settled ref is remembered this long, and at most this many of them. */
export const REF_MEMORY_MS = 24 * 60 * 60 * 1000;
export const REF_MEMORY_MAX = 1000;

interface JournalFile {
  version: 1;
  records: JournalRecord[];
  settled?: SettledRef[];
}

/** Settled refs still remembered at `now`, the newest `REF_MEMORY_MAX`. */
export function keptRefs(settled: readonly SettledRef[], now = Date.now()): SettledRef[] {
  return settled.filter((s) => now - Date.parse(s.settledAt) < REF_MEMORY_MS).slice(-REF_MEMORY_MAX);
}

/** A journal is a log on disk: track2 is dropped, as in every log of the pack. */
function forDisk(response: EcrResponse | null): EcrResponse | null {
  return response ? redactForLog(response) : null;
}

export class Journal {
  private list: JournalRecord[];
  private refs: SettledRef[] = [];
  /** The write that holds the latest change: resolves once it is on disk. */
  private latest: Promise<void> = Promise.resolve();
  /** Set while a write waits for the one before it: changes made meanwhile go with it. */
  private queued = false;

  constructor(readonly path: string) {
    this.list = this.load();
  }

  get records(): readonly JournalRecord[] {
    return this.list;
  }

  /** Refs of settled operations, remembered so a repeat is refused after a restart too. */
  get settled(): readonly SettledRef[] {
    return this.refs;
  }

  open(init: { method: string; params: Params; tag?: string; ref?: string; snapshot: EcrResponse | null }): JournalRecord {
    const now = new Date().toISOString();
    // Opened right before the request goes out: its sending time is now.
    const record: JournalRecord = { id: randomUUID(), method: init.method, params: init.params, tag: init.tag, ref: init.ref, startedAt: now, updatedAt: now, sentAt: now, step: 'sending', snapshot: forDisk(init.snapshot) };
    this.list = [...this.list, record];
    this.save();
    return record;
  }

  /** Resolves once every change made so far is on disk; rejects if the write holding the latest one failed. */
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
    this.list = this.list.map((r) => (r.id === id ? { ...r, ...change, updatedAt: new Date().toISOString() } : r));
  }

  /** Crosses a record out; `settled` (its ref's outcome) is remembered in the same write. */
  close(id: string, settled?: SettledRef): void {
    const before = this.list.length;
    this.list = this.list.filter((r) => r.id !== id);
    if (settled) this.refs = keptRefs([...this.refs, settled]);
    if (this.list.length !== before || settled) this.save();
  }

  private load(): JournalRecord[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    try {
      const file = JSON.parse(text) as JournalFile;
      if (!file || !Array.isArray(file.records)) throw new Error('no records array');
      this.refs = keptRefs(Array.isArray(file.settled) ? file.settled.filter((s) => s && typeof s.ref === 'string') : []);
      return file.records;
    } catch (err) {
      // An unreadable journal may hide an operation in flight: keep the file and block until someone looks.
      const kept = `${this.path}.unreadable-${Date.now()}`;
      renameSync(this.path, kept);
      const now = new Date().toISOString();
      const record: JournalRecord = {
        id: 'unreadable-journal', method: 'Unknown', params: {}, startedAt: now, updatedAt: now, step: 'unknown', snapshot: null,
        reason: `the journal could not be read (${(err as Error).message}); it was kept as ${kept}: check the terminal's last operations, then mark this record resolved`,
      };
      this.list = [record];
      writeFileAtomic(this.path, this.text());
      return this.list;
    }
  }

  private text(): string {
    const body: JournalFile = { version: 1, records: this.list, settled: this.refs };
    return `${JSON.stringify(body, null, 1)}\n`;
  }

  /** Starts a write of the records as they will be when it starts (one after another: each write is the whole file). */
  private save(): void {
    if (this.queued) return;
    this.queued = true;
    const write = this.latest
      .catch(() => undefined)
      .then(() => {
        this.queued = false;
        return writeFileAtomicAsync(this.path, this.text());
      });
    // A failure reaches whoever flushes; nobody flushing must not make it an unhandled rejection.
    write.catch(() => undefined);
    this.latest = write;
  }
}
