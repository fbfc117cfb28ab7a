/**
 * What reconcile() reports, told apart by its verdict: only an established outcome ('ours') surely has a result.
 * Compiled only (never run): each `@ts-expect-error` line is a misuse that must be a compile error.
 */
import type { ReconcileReport, RecoveredReport, Terminal } from '@ssi-ecr/node-red';
import { expectType, type Equal } from './assert';

declare const terminal: Terminal;

export async function rightUses(): Promise<string[]> {
  const reports = await terminal.reconcile();
  return reports.map((report) => {
    switch (report.verdict) {
      case 'ours':
        // No `result!`: an established outcome has its result.
        expectType<Equal<typeof report, RecoveredReport>>();
        expectType<Equal<typeof report.result.params.transactionResult, string | undefined>>();
        return `${report.record.method}: ${report.result.params.transactionResult ?? report.result.errorCode}`;
      case 'not-performed':
        return `${report.record.method} never ran: ${report.reason}`;
      case 'unknown':
        return `${report.record.method} still unresolved (${report.reason})${report.retry ? ', try again later' : ''}`;
    }
  });
}

export function misuses(report: ReconcileReport): void {
  // @ts-expect-error: the result may be absent until the verdict says 'ours'
  void report.result.params;
  // @ts-expect-error: a report is not known to be recovered before its verdict is checked
  const recovered: RecoveredReport = report;
  void recovered;
  // @ts-expect-error: no such verdict
  if (report.verdict === 'maybe') return;
  if (report.verdict === 'ours') {
    // @ts-expect-error: an established outcome has no reason to wait, nor to retry
    const reason: string = report.reason;
    void reason;
  }
}
