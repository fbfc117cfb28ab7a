/**
 * Where a Terminal writes its financial and report operations down: the journal file (Journal), or, when the owner
 * keeps none, NO_JOURNAL, which holds nothing and writes nothing, so the code that writes down never asks which.
 */
import type { EcrError } from './errors';
import type { HandSettlement, JournalRecord, SettledRef } from './journal-record';
import type { EcrResponse } from './normalise';
import type { Params } from './validate';

export type RecordChange = Partial<
  Pick<JournalRecord, 'step' | 'lastStatus' | 'reason' | 'sentAt' | 'acknowledged' | 'superseded' | 'params' | 'secondStep'>
>;

export interface OperationJournal {
  /** Operations written down whose outcome is not established yet. */
  readonly records: readonly JournalRecord[];
  /** Refs of settled operations, remembered so a repeat is refused after a restart too. */
  readonly settled: readonly SettledRef[];
  /** Why this journal takes no writes (an EcrError, code JOURNAL), or undefined while it does. */
  readonly unavailable: EcrError | undefined;
  /** Writes an operation down before it is sent: its record, or undefined where nothing is kept. */
  open(init: { method: string; params: Params; tag?: string; ref?: string; snapshot: EcrResponse | null }): JournalRecord | undefined;
  /** Resolves once every change made so far is on disk; rejects (code JOURNAL) if that write failed. */
  flush(): Promise<void>;
  update(id: string, change: RecordChange): void;
  /** Changes a record without a write of its own: for what no decision rests on (the last status seen). */
  amend(id: string, change: Partial<Pick<JournalRecord, 'lastStatus'>>): void;
  /** Crosses a record out; `settled` (its ref's outcome) and `byHand` (what a person said of it) go in the same write. */
  close(id: string, settled?: SettledRef, byHand?: HandSettlement): void;
  /** Crosses a record out once that is on disk; if the write fails the record stays, and the error is thrown. */
  closeDurably(id: string, settled?: SettledRef, byHand?: HandSettlement): Promise<void>;
  /** Takes back, in memory only, a record whose first write failed, and the superseded marks written with it. */
  discard(id: string, unsupersede?: readonly string[]): void;
  /** No more writes; another Terminal may open the journal. Never rejects. */
  release(): Promise<void>;
}

const nothing = (): void => undefined;
const done = (): Promise<void> => Promise.resolve();

/** The journal of a Terminal that keeps none: nothing is written down, so nothing is ever unresolved. */
export const NO_JOURNAL: OperationJournal = Object.freeze({
  records: Object.freeze([]),
  settled: Object.freeze([]),
  unavailable: undefined,
  open: () => undefined,
  flush: done,
  update: nothing,
  amend: nothing,
  close: nothing,
  closeDurably: done,
  discard: nothing,
  release: done,
});
