export { Terminal, type TerminalOptions, type RequestOptions, type TransactOptions, type ReconcileReport } from './terminal';
export { nextPollDelay, POLLING_MODES, type Polling } from './poll-schedule';
export { Journal, JOURNAL_UNAVAILABLE, UNREADABLE_JOURNAL, type JournalRecord, type JournalStep, type SettledRef } from './journal';
export { type PreviousUse } from './refs';
export { EcrError, isEcrError, LIB_CODES, type LibCode } from './errors';
export {
  METHODS, METHOD_NAMES, REQUEST_KEYS, RESULT_KEYS, REPORT_TOTAL_KEYS, getMethod, methodsIn, isPolled, busyAfterAnswer,
  type MethodSpec, type MethodGroup, type KeySpec, type Requirement,
} from './catalogue';
export { ERROR_CODES, STATUS_CODES, IDLE_STATUSES, describeStatus, describeError, type StatusEvent, type ErrorCodeInfo, type StatusInfo } from './codes';
export { validateRequest, type ValidRequest, type Params } from './validate';
export { normaliseResponse, normaliseParams, canonicalAmount, isApproved, type EcrResponse } from './normalise';
export { encodeFrame, FrameDecoder, lrc, MAX_BODY, MAX_FRAME, type DecodeIssue } from './frame';
export { FrameParser } from './frame-parser';
export { checkReceiptXml, receiptLrc, escapeXmlText } from './receipt-xml';
export { TcpTransport } from './transports/tcp';
export { HttpTransport } from './transports/http';
export { SerialTransport } from './transports/serial';
export type { Transport, ConnectionEvent, ConnectionState, TransportIssue } from './transports/transport';
export { maskPan, maskTrack2, redactForLog } from './mask';
export { money } from './money';
