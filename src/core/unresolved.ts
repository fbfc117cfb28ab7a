/**
 * The operations the journal holds open, settled from the terminal: each reconciled, crossed out on disk, and a
 * recovered outcome delivered once; and the rule that new money moves only once every earlier outcome is known.
 */
import { EcrError, LIB_CODES } from './errors';
import type { JournalRecord } from './journal-record';
import type { OperationJournal } from './operation-journal';
import { reconcileRecord, type ReconcileHost, type ReconcileReport } from './reconcile';
import type { RefBook } from './refs';

export interface UnresolvedHost extends ReconcileHost {
  readonly journal: OperationJournal;
  readonly refs: RefBook;
  /** Let new financial operations run while an earlier one's outcome is unresolved. */
  readonly allowWhileUnresolved: boolean;
  emit(event: string, ...args: unknown[]): boolean;
}

export class UnresolvedOperations {
  /** Records whose recovered outcome was delivered, though crossing them out has not reached the disk yet. */
  private readonly delivered = new Set<string>();

  constructor(private readonly host: UnresolvedHost) {}

  /** New money may move only once every earlier outcome is established (or the owner allows it). */
  async ensureResolved(method: string): Promise<void> {
    const journal = this.host.journal;
    const unusable = journal.unavailable;
    if (unusable)
      throw new EcrError(LIB_CODES.JOURNAL, `${method} not sent: ${unusable.message}`, {
        method,
        sent: false,
        cause: unusable,
        facts: unusable.facts,
      });
    if (journal.records.length === 0) return;
    await this.reconcile();
    const open = journal.records;
    if (open.length === 0 || this.host.allowWhileUnresolved) return;
    const first = open[0];
    throw new EcrError(
      LIB_CODES.UNRESOLVED,
      `${method} not sent: the outcome of an earlier ${first.method} (${JSON.stringify(first.params)}, started ${first.startedAt}) is not established${first.reason ? ` (${first.reason})` : ''}; check the terminal, then mark it resolved (journal record ${first.id})`,
      {
        method,
        sent: false,
        facts: { unresolved: open.map((r) => ({ id: r.id, method: r.method, params: r.params, startedAt: r.startedAt, reason: r.reason })) },
      },
    );
  }

  /** Establishes from the terminal what became of every unresolved operation (see reconcileRecord). */
  async reconcile(): Promise<ReconcileReport[]> {
    const { journal } = this.host;
    const reports: ReconcileReport[] = [];
    for (const record of [...journal.records]) {
      const report = await reconcileRecord(this.host, record);
      // Settled by hand while the terminal was asked: that person's verdict went out; this one must not as well.
      if (!journal.records.some((r) => r.id === record.id)) continue;
      reports.push(report);
      const failure = await this.writeDown(record, report);
      // Delivered once the record is crossed out on disk; if the disk refuses, delivered all the same, and only once:
      // the journal keeps the record until a later write succeeds.
      if (report.verdict === 'ours' && !this.delivered.has(record.id)) {
        this.host.emit('recovered', report);
        if (failure) this.delivered.add(record.id);
      }
      if (!failure) this.delivered.delete(record.id);
      else {
        const what = report.verdict === 'unknown' ? 'its state' : `its outcome (${report.verdict})`;
        this.host.emit('issue', {
          kind: 'journal',
          message: `${record.method} (journal record ${record.id}): ${what} could not be written down: ${(failure as Error).message}`,
        });
      }
    }
    if (reports.length > 0) this.host.emit('journal', journal.records.length);
    return reports;
  }

  /** What reconciling established, on disk: the record crossed out (ours, not performed) or its reason kept. Returns a failure. */
  private async writeDown(record: JournalRecord, report: ReconcileReport): Promise<unknown> {
    const { journal, refs } = this.host;
    try {
      if (report.verdict === 'ours')
        await journal.closeDurably(record.id, refs.settle(record.ref, record.method, record.params, 'result', report.result));
      else if (report.verdict === 'not-performed') {
        await journal.closeDurably(record.id);
        refs.release(record.ref);
      } else {
        journal.update(record.id, { step: 'unknown', reason: report.reason });
        await journal.flush();
      }
      return undefined;
    } catch (err) {
      return err;
    }
  }
}
