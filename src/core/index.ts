export { Terminal, merchantIds, type TerminalOptions, type RequestOptions, type TransactOptions, type ReconcileReport, type FirstStepDecision, type OnFirstStep, type HandNote } from './terminal';
export { PROTOCOLS, GENERATION_DEFAULTS, isUid, type Protocol, type Generation } from './firmware';
export { nextPollDelay, POLLING_MODES, type Polling } from './poll-schedule';
export { Journal, JOURNAL_UNAVAILABLE, UNREADABLE_JOURNAL, HAND_VERDICTS, type JournalRecord, type JournalStep, type SettledRef, type HandSettlement, type HandVerdict } from './journal';
export { type PreviousUse } from './refs';
export { EcrError, isEcrError, LIB_CODES, type LibCode } from './errors';
export {
  METHODS, METHOD_NAMES, REQUEST_KEYS, RESULT_KEYS, REPORT_TOTAL_KEYS, getMethod, methodsIn, isPolled, busyAfterAnswer,
  type MethodSpec, type MethodGroup, type KeySpec, type Requirement,
} from './catalogue';
export { ERROR_CODES, STATUS_CODES, IDLE_STATUSES, INTERRUPTIBLE_STATUSES, OUTCOME_ERROR_CODES, SECOND_STEP_STATUS, describeStatus, describeError, type StatusEvent, type ErrorCodeInfo, type StatusInfo } from './codes';
export { validateRequest, type ValidRequest, type ValidateOptions, type Params } from './validate';
export {
  normaliseResponse, normaliseParams, canonicalAmount, isApproved, classifyResult, APPROVED_RESULTS, FIRST_STEP_COMPLETED, type EcrResponse, type ResultClass,
} from './normalise';
export { judgeResult, type Verdict } from './outcome';
export { encodeFrame, FrameDecoder, lrc, MAX_BODY, MAX_FRAME, type DecodeIssue } from './frame';
export { FrameParser } from './frame-parser';
export { checkReceiptXml, inspectReceiptXml, receiptLrc, escapeXmlText, formatLrc, parseLrc, LRC_ENCODINGS, type LrcEncoding, type ReceiptInspection } from './receipt-xml';
export { TcpTransport } from './transports/tcp';
export { HttpTransport } from './transports/http';
export { SerialTransport } from './transports/serial';
export type { Transport, ConnectionEvent, ConnectionState, TransportIssue } from './transports/transport';
export { maskPan, maskTrack2, redactForLog } from './mask';
export { money } from './money';
