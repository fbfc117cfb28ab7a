/**
 * What `ssi-ecr` prints: a summary a technician reads at a glance on stdout, messages and live statuses on stderr,
 * or with --json exactly one JSON document on stdout. Card data is masked everywhere (no track 2 at all): the
 * library's results are masked already, and whatever is printed is masked again (redactForLog).
 */
import {
  describeError,
  describeStatus,
  type EcrResponse,
  errorJson,
  getMethod,
  isApproved,
  money,
  type Params,
  redactForLog,
  REPORT_TOTAL_KEYS,
  type StatusEvent,
} from '../core';
import { valueText } from '../core/internal';
import { UsageError } from './args';
import { EXIT, type ExitOutcome } from './exit-codes';
import { RESULT_READS } from './run';

export interface Report {
  /** Unknown when the command line did not name one. */
  command?: string;
  method?: string;
  /** The request's params as sent (or as they would have been). */
  params?: Params;
  outcome: ExitOutcome;
  response?: EcrResponse;
  receipt?: unknown;
  receiptError?: string;
  error?: unknown;
}

const AMOUNT = /Amount$|^discount$|^balance$/;
const WIDTH = 20;

function resultMethodOf(method: string | undefined): string | undefined {
  const spec = method === undefined ? undefined : getMethod(method);
  return spec?.resultMethod ?? method;
}

/** The document's error: a mistake on the command line (USAGE), or the library's errorJson, INTERNAL for a bug. */
function documentError(err: unknown): Record<string, unknown> {
  if (err instanceof UsageError) return { code: 'USAGE', message: err.message, field: err.field, rule: err.rule, sent: false };
  return errorJson(err, 'INTERNAL');
}

/** The one document --json prints. */
export function jsonDocument(r: Report): Record<string, unknown> {
  const doc: Record<string, unknown> = { command: r.command ?? null, method: r.method ?? null, exitCode: EXIT[r.outcome], outcome: r.outcome };
  if (r.params) doc.params = r.params;
  if (r.response && RESULT_READS.includes(resultMethodOf(r.method) ?? '')) doc.approved = isApproved(r.response);
  if (r.response) doc.response = r.response;
  if (r.receipt !== undefined) doc.receipt = r.receipt;
  if (r.receiptError !== undefined) doc.receiptError = r.receiptError;
  if (r.error !== undefined) doc.error = documentError(r.error);
  return redactForLog(JSON.parse(JSON.stringify(doc)) as Record<string, unknown>);
}

function shown(key: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '' || value === false) return undefined;
  if (AMOUNT.test(key)) return key !== 'transAmount' && valueText(value) === '0' ? undefined : money(value);
  if (Array.isArray(value))
    return value
      .map((v) => shown(key, v) ?? '')
      .filter(Boolean)
      .join(', ');
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.name === 'string') return [o.name, o.versionName].filter((v) => typeof v === 'string' && v).join(' ');
    return JSON.stringify(value);
  }
  return valueText(value);
}

function rows(params: Record<string, unknown>, skip: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    const text = skip.includes(key) ? undefined : shown(key, value);
    if (text !== undefined && text !== '') out.push(`  ${key.padEnd(WIDTH)} ${text}`);
  }
  return out;
}

function failure(response: EcrResponse): string {
  const info = response.errorCode ? describeError(response.errorCode) : undefined;
  const text = [response.errorCode, response.errorDescription || info?.en].filter(Boolean).join(' ');
  return text || 'no error code';
}

function financial(method: string, response: EcrResponse): string[] {
  const p = response.params;
  const name = typeof p.originalTrnName === 'string' && p.originalTrnName ? p.originalTrnName : method;
  if (!p.transactionResult && method === 'GetResultByUid' && (!response.error || response.errorCode === 'E20')) {
    return ['NO SUCH OPERATION  the terminal has no result for this transactionUid'];
  }
  if (!response.error && !p.transactionResult) return ["NO LAST OPERATION  the terminal's result buffer is empty"];
  const what = `${name} ${money(p.transAmount)}`;
  const head = isApproved(response)
    ? `APPROVED  ${what}`
    : `NOT APPROVED  ${what}: ${valueText(p.transactionResult || 'no transactionResult')}, ${failure(response)}`;
  return [head, ...rows(p, ['originalTrnName'])];
}

function report(method: string, response: EcrResponse): string[] {
  const p = response.params;
  const batch = p.batchNumber ? `, batch ${valueText(p.batchNumber)}` : '';
  const head = response.error
    ? `FAILED  ${method}${batch}: ${failure(response)}${p.responseCode ? ` (responseCode ${valueText(p.responseCode)})` : ''}`
    : `OK  ${method}${batch}${p.isBatchEmpty === true ? ' (batch empty)' : ''}`;
  const lines = [head, `  ${'totals'.padEnd(WIDTH)} ${'count'.padStart(6)} ${'amount'.padStart(12)}`];
  for (const key of REPORT_TOTAL_KEYS.filter((k) => k.endsWith('Count'))) {
    const category = key.slice('total'.length, -'Count'.length);
    lines.push(`  ${category.padEnd(WIDTH)} ${valueText(p[key] ?? 0).padStart(6)} ${money(p[`total${category}Amount`]).padStart(12)}`);
  }
  if (Array.isArray(p.transactions)) {
    lines.push(`  transactions (${p.transactions.length})`);
    for (const t of p.transactions as Record<string, unknown>[]) {
      const cells = [
        t.invoiceNum,
        t.originalTrnName,
        money(t.transAmount),
        typeof t.pan === 'string' ? t.pan : '',
        t.rrn ? `rrn ${valueText(t.rrn)}` : '',
      ];
      lines.push(`    ${cells.filter(Boolean).join('  ')}`);
    }
  }
  return lines;
}

/** One merchant a line: its id, or (detailed lists) id, terminal id and name in columns. */
function merchantLines(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((m: unknown) => {
    if (!m || typeof m !== 'object') return String(m);
    const { merchantId, terminalId, merchantName } = m as Record<string, unknown>;
    return [valueText(merchantId), valueText(terminalId).padEnd(10), valueText(merchantName)].join('  ').trimEnd();
  });
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

/** The summary on stdout of a command that got its answer. */
export function humanSummary(r: Report): string {
  const response = redactForLog(r.response!);
  const method = r.method!;
  const p = response.params;
  let lines: string[];
  if (r.command === 'raw') lines = [JSON.stringify(redactForLog(response), null, 2)];
  else if (RESULT_READS.includes(resultMethodOf(method) ?? '')) lines = financial(method, response);
  else if (resultMethodOf(method) === 'GetLastReport') lines = report(method, response);
  else if (method === 'GetStatus')
    lines = [response.status === undefined ? 'no status in the answer' : `${response.status}  ${describeStatus(response.status).text}`];
  else if (method === 'GetMerchantList' || method === 'GetMerchantListDetailed') lines = merchantLines(p.merchantList);
  else if (method === 'GetLastReceipt' || method === 'GetLastReportReceipt') lines = [text(p.receipt ?? '')];
  else if (method === 'PingDevice') lines = ['the terminal answers'];
  else if (method === 'PrintXml' || method === 'PrintPdfUrl') lines = [`printed (${method})`];
  else lines = rows(p).length > 0 ? rows(p) : [`${method}: done`];
  if (r.receipt !== undefined) lines.push('', text(redactForLog(r.receipt)));
  return `${lines.join('\n')}\n`;
}

/** A live status line (stderr) while an operation runs. */
export function statusLine(s: StatusEvent, elapsedMs: number): string {
  return `  ${(elapsedMs / 1000).toFixed(1).padStart(5)}s  ${s.status}  ${s.text}`;
}

/** What stderr says when a command did not get its answer, by exit outcome. */
export function humanError(r: Report, movesMoney: boolean): string {
  const err = r.error as Error & { facts?: Record<string, unknown> };
  const message = redactForLog(err?.message ?? String(err));
  switch (r.outcome) {
    case 'usage':
      return `ssi-ecr: ${message}\n${r.method ? `${r.method} was not sent` : 'Nothing was sent'}. See: ssi-ecr ${r.command ? `${r.command} ` : ''}--help\n`;
    case 'unreachable':
      return `UNREACHABLE  ${message}\n`;
    case 'refused':
      return `${movesMoney ? 'NOT PERFORMED' : 'FAILED'}  ${message}\n${movesMoney ? 'No money moved.\n' : ''}`;
    case 'unknown': {
      const facts = err?.facts ?? {};
      const known = [
        facts.acknowledged !== undefined ? `acknowledged: ${facts.acknowledged ? 'yes' : 'no'}` : '',
        facts.lastStatus ? `last status: ${valueText(facts.lastStatus)}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      return (
        `OUTCOME UNKNOWN  ${message}\n${known ? `(${known})\n` : ''}` +
        'The request was sent and may have been performed. Check the terminal (its screen, its last receipt, or\n' +
        '`ssi-ecr last-result`) before charging again; do not simply retry.\n'
      );
    }
    default:
      return `${message}\n`;
  }
}
