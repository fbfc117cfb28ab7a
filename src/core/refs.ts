/**
 * One operation per caller's reference (an order number, a correlation id). A repeat of a ref that runs, waits,
 * has an outcome nobody knows yet, or has settled (remembered for a day, across restarts through the journal) is
 * refused before anything is sent. A ref whose operation certainly did not run is let go, so it may be tried again.
 */
import { EcrError, LIB_CODES } from './errors';
import { keptRefs, type JournalRecord, type SettledRef } from './journal-record';
import type { OperationJournal } from './operation-journal';
import { isApproved, type EcrResponse } from './normalise';
import { shownValue, valueText } from './shown';
import type { Params } from './validate';

export const MAX_REF_LENGTH = 128;

interface Active {
  state: 'running' | 'unresolved';
  method: string;
  params: Params;
  since: string;
}

/** What a DUPLICATE error's facts.previous holds. */
export type PreviousUse = (Active & { ref: string }) | (SettledRef & { state: 'settled' });

export function checkRef(method: string, ref: unknown): string | undefined {
  if (ref === undefined) return undefined;
  if (typeof ref !== 'string' || ref.length < 1 || ref.length > MAX_REF_LENGTH) {
    throw new EcrError(LIB_CODES.VALIDATION, `${method}: ref must be a string of 1 to ${MAX_REF_LENGTH} characters; got ${shownValue(ref)}`, {
      method,
      field: 'ref',
      rule: `string of 1 to ${MAX_REF_LENGTH} characters`,
    });
  }
  return ref;
}

/** The outcome worth remembering with a ref: no card data. */
export function resultSummary(result: EcrResponse): Record<string, unknown> {
  const summary: Record<string, unknown> = { approved: isApproved(result) };
  for (const key of ['transactionResult', 'responseCode', 'rrn', 'invoiceNum', 'authCode', 'transAmount']) {
    if (result.params[key] !== undefined) summary[key] = result.params[key];
  }
  return summary;
}

function describe(previous: PreviousUse): string {
  if (previous.state === 'running') return 'is running or waiting its turn';
  if (previous.state === 'unresolved') return 'has an outcome not established yet; check the terminal';
  const s = previous as SettledRef;
  const summary = s.summary
    ? ` (${[s.summary.transactionResult, s.summary.rrn && `rrn ${valueText(s.summary.rrn)}`].filter(Boolean).join(', ')})`
    : '';
  return s.how === 'resolved-by-hand' ? `was resolved by hand at ${s.settledAt}` : `settled at ${s.settledAt}${summary}`;
}

export class RefBook {
  private readonly active = new Map<string, Active>();
  private settled: SettledRef[];

  constructor(journal: OperationJournal) {
    this.settled = [...journal.settled];
    for (const r of journal.records) this.unresolved(r);
  }

  /** Claims `ref` for a new operation, or refuses it with DUPLICATE naming the earlier use. */
  claim(ref: string, method: string, params: Params): void {
    const previous = this.find(ref);
    if (previous) {
      throw new EcrError(
        LIB_CODES.DUPLICATE,
        `${method} not sent: ref ${JSON.stringify(ref)} was already used for ${previous.method} ${JSON.stringify(previous.params)}, which ${describe(previous)}`,
        {
          method,
          field: 'ref',
          rule: 'one operation per ref',
          sent: false,
          facts: { ref, previous },
        },
      );
    }
    this.active.set(ref, { state: 'running', method, params, since: new Date().toISOString() });
  }

  find(ref: string): PreviousUse | undefined {
    const active = this.active.get(ref);
    if (active) return { ...active, ref };
    this.settled = keptRefs(this.settled);
    const settled = this.settled.find((s) => s.ref === ref);
    return settled && { ...settled, state: 'settled' };
  }

  /** The operation certainly did not run: its ref may be used again. */
  release(ref: string | undefined): void {
    if (ref !== undefined) this.active.delete(ref);
  }

  /** Sent, outcome not established: the ref stays taken until reconcile or a person settles it. */
  unresolved(record: Pick<JournalRecord, 'ref' | 'method' | 'params' | 'startedAt'>): void {
    if (record.ref !== undefined)
      this.active.set(record.ref, { state: 'unresolved', method: record.method, params: record.params, since: record.startedAt });
  }

  /** Builds the settled entry (for the journal's write) and remembers it here. */
  settle(ref: string | undefined, method: string, params: Params, how: SettledRef['how'], result?: EcrResponse): SettledRef | undefined {
    if (ref === undefined) return undefined;
    const entry: SettledRef = { ref, method, params, settledAt: new Date().toISOString(), how, summary: result && resultSummary(result) };
    this.active.delete(ref);
    this.settled = keptRefs([...this.settled, entry]);
    return entry;
  }
}
