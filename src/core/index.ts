export { Terminal, type RequestOptions } from './terminal';
export { TERMINAL_DEFAULTS } from './check-options';
export type {
  TerminalOptions,
  OperationOptions,
  TcpTerminalOptions,
  HttpTerminalOptions,
  SerialTerminalOptions,
  OwnTransportOptions,
} from './terminal-options';
export type { TransactOptions, FirstStepDecision, OnFirstStep } from './operation';
export type { ReconcileReport, RecoveredReport, NotPerformedReport, UnknownReport, OperationResult } from './reconcile';
export {
  unchecked,
  type ParamsOf,
  type ResultOf,
  type ResultParams,
  type ArgsOf,
  type NoParams,
  type UncheckedParams,
  type RequestValues,
  type ResponseValues,
} from './method-types';
export { merchantIds } from './request-defaults';
export { PROTOCOLS, GENERATION_DEFAULTS, isUid, type Protocol, type Generation, type FirmwareEvent } from './firmware';
export { nextPollDelay, POLLING_MODES, type Polling } from './poll-schedule';
export { Journal } from './journal';
export {
  JOURNAL_UNAVAILABLE,
  UNREADABLE_JOURNAL,
  HAND_VERDICTS,
  type JournalRecord,
  type JournalStep,
  type SettledRef,
  type HandSettlement,
  type HandVerdict,
  type HandNote,
} from './journal-record';
export { MAX_REF_LENGTH, type PreviousUse } from './refs';
export { EcrError, isEcrError, LIB_CODES, NODE_CODES, type LibCode, type NodeCode, type TerminalErrorCode, type EcrErrorCode } from './errors';
export { errorJson } from './error-json';
export {
  METHODS,
  METHOD_NAMES,
  REQUEST_KEYS,
  RESULT_KEYS,
  REPORT_TOTAL_KEYS,
  RESPONSE_KEYS,
  getMethod,
  methodsIn,
  isMethodName,
  isPolled,
  busyAfterAnswer,
  type MethodSpec,
  type TransactSpec,
  type RequestSpec,
  type SpecOf,
  type MethodGroup,
  type KeySpec,
  type Requirement,
  type RequestKey,
  type ResponseKey,
  type ResponseFormat,
  type MethodName,
  type MethodIn,
  type FinancialMethod,
  type ReportMethod,
  type ServiceMethod,
  type AdditionalMethod,
  type TransactMethod,
  type RequestMethod,
} from './catalogue';
export {
  ERROR_CODES,
  STATUS_CODES,
  IDLE_STATUSES,
  INTERRUPTIBLE_STATUSES,
  OUTCOME_ERROR_CODES,
  SECOND_STEP_STATUS,
  describeStatus,
  describeError,
  type StatusEvent,
  type ErrorCodeInfo,
  type StatusInfo,
  type DocumentedErrorCode,
} from './codes';
export { validateRequest, type ValidRequest, type ValidateOptions, type Params } from './validate';
export {
  normaliseResponse,
  normaliseParams,
  canonicalAmount,
  isApproved,
  classifyResult,
  APPROVED_RESULTS,
  FIRST_STEP_COMPLETED,
  type EcrResponse,
  type ResultClass,
} from './normalise';
export { judgeResult, type Verdict } from './result-judgement';
export { encodeFrame, FrameDecoder, lrc, MAX_BODY, MAX_FRAME, type DecodeIssue } from './frame';
export { FrameParser } from './frame-parser';
export {
  checkReceiptXml,
  inspectReceiptXml,
  receiptLrc,
  escapeXmlText,
  formatLrc,
  parseLrc,
  LRC_ENCODINGS,
  type LrcEncoding,
  type ReceiptInspection,
} from './receipt-xml';
export { TcpTransport, DEFAULT_TCP_PORT } from './transports/tcp';
export { HttpTransport, DEFAULT_HTTP_PORT } from './transports/http';
export { SerialTransport, DEFAULT_BAUD_RATE } from './transports/serial';
export type { Transport, ConnectionEvent, ConnectionState, TransportIssue } from './transports/transport';
export { maskPan, maskTrack2, redactForLog } from './mask';
export { money } from './money';
