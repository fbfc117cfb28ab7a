/**
 * The method catalogue: every method of SSI ECR JSON v1.1.10 (§2, §5), and what later firmware (1.3/1.4) adds,
 * with its group, request keys and what its response carries. Validation, the simulator, the editor's choices
 * and the docs are derived from here.
 */

export type MethodGroup = 'financial' | 'report' | 'service' | 'additional';

export interface Text {
  en: string;
  uk: string;
}

/** How a request value is written (§4.1); `amount` is n(12) in minor units, `currency` is n(3). */
export type KeyFormat = 'amount' | 'currency' | 'n' | 'an' | 'ans' | 'boolean' | 'url' | 'xml' | 'lrc' | 'uid';

/** The protocol generation a method or key first appears in: 1.1 (v1.1.10) or 1.4 (later firmware, 1.3.x/1.4.x). */
export type Generation = '1.1' | '1.4';

export interface KeySpec {
  name: string;
  format: KeyFormat;
  /** The spec's notation, shown in docs and errors. */
  notation: string;
  maxLength?: number;
  /** Smallest value for an amount. */
  min?: number;
  doc: Text;
  example: string | boolean;
  /** Later firmware only: sent to a terminal of that generation, never to a v1.1.10 one. */
  since?: Generation;
}

/** Request keys (§4.3.2) that methods take; `as const` so that the public types (method-types.ts) follow from it. */
const KEY_SPECS = {
  transAmount: {
    name: 'transAmount',
    format: 'amount',
    notation: 'n(12)',
    maxLength: 12,
    min: 1,
    example: '2450',
    doc: { en: 'Amount in minor units (kopecks) without separators: "2450" is 24.50', uk: 'Сума в копійках без роздільників: "2450" — це 24.50' },
  },
  discountedAmount: {
    name: 'discountedAmount',
    format: 'amount',
    notation: 'n(12)',
    maxLength: 12,
    min: 1,
    example: '2250',
    doc: {
      en: 'Amount after a BIN-range discount computed by the ECR, in minor units',
      uk: 'Сума зі знижкою для діапазону БІН, розрахована касою, в копійках',
    },
  },
  cashAmount: {
    name: 'cashAmount',
    format: 'amount',
    notation: 'n(12)',
    maxLength: 12,
    min: 1,
    example: '700',
    doc: { en: 'Cash to hand out, in minor units', uk: 'Сума до видачі готівкою, в копійках' },
  },
  endAmount: {
    name: 'endAmount',
    format: 'amount',
    notation: 'n(12)',
    maxLength: 12,
    min: 1,
    example: '27000',
    doc: { en: 'Final amount that completes the preauthorisation, in minor units', uk: 'Остаточна сума завершення предавторизації, в копійках' },
  },
  transCurrency: {
    name: 'transCurrency',
    format: 'currency',
    notation: 'n(3)',
    maxLength: 3,
    example: '980',
    doc: { en: 'ISO 4217 numeric currency code, e.g. "980" (UAH)', uk: 'Цифровий код валюти ISO 4217, напр. "980" (гривня)' },
  },
  merchantId: {
    name: 'merchantId',
    format: 'an',
    notation: 'an',
    maxLength: 32,
    example: '000000060007176',
    doc: { en: 'Merchant id on the terminal (see GetMerchantList)', uk: 'ID мерчанта на терміналі (див. GetMerchantList)' },
  },
  terminalId: {
    name: 'terminalId',
    format: 'ans',
    notation: 'ans',
    maxLength: 32,
    example: 'SSI00001',
    doc: {
      en: 'Terminal id at the acquirer; only when one merchantId has several terminalIds',
      uk: 'Ідентифікатор термінала в еквайра; лише коли під одним merchantId кілька terminalId',
    },
  },
  invoiceNum: {
    name: 'invoiceNum',
    format: 'n',
    notation: 'n',
    maxLength: 12,
    example: '000456',
    doc: {
      en: 'Receipt number of the original operation in the current batch, as printed (digits, leading zeros kept)',
      uk: 'Номер чеку оригінальної операції в поточній зміні, як надруковано',
    },
  },
  rrn: {
    name: 'rrn',
    format: 'an',
    notation: 'an',
    maxLength: 32,
    example: '987612344098',
    doc: { en: 'Retrieval reference number of the original operation, given by the bank', uk: 'Унікальний номер операції (RRN), наданий банком' },
  },
  authCode: {
    name: 'authCode',
    format: 'an',
    notation: 'an',
    maxLength: 12,
    example: '86429E',
    doc: { en: 'Authorisation code of the preauthorisation', uk: 'Код авторизації предавторизації' },
  },
  isDetailReport: {
    name: 'isDetailReport',
    format: 'boolean',
    notation: 'boolean',
    example: false,
    doc: { en: 'true for a per-transaction report; default false (totals only)', uk: 'true — детальний звіт по транзакціях; за замовчуванням false' },
  },
  receipt: {
    name: 'receipt',
    format: 'xml',
    notation: 'ans (XML)',
    maxLength: 65000,
    example: '<receipt><text align="center" size="normal" weight="normal" darkness="normal">Дякуємо!</text></receipt>',
    doc: {
      en: 'Receipt as XML: <text align size weight darkness> and <image> (base64) elements; "||" splits a line left/right',
      uk: 'Чек у форматі XML: елементи <text> та <image> (base64); "||" ділить рядок на ліву і праву частини',
    },
  },
  lrc: {
    name: 'lrc',
    format: 'lrc',
    notation: 'n (or hex)',
    maxLength: 4,
    example: '26',
    doc: {
      en: "XOR of the receipt's UTF-8 bytes as a decimal string (or two hex digits, lrcEncoding: hex); computed for you when left out",
      uk: 'LRC (XOR байтів UTF-8) рядка receipt десятковим числом (або двома hex-цифрами, lrcEncoding: hex); обчислюється автоматично, якщо не задано',
    },
  },
  fontStyle: {
    name: 'fontStyle',
    format: 'ans',
    notation: 'ans',
    maxLength: 255,
    example: 'roboto.ttf',
    doc: { en: "Font file in the terminal's content folder", uk: 'Файл шрифту в папці content на терміналі' },
  },
  transactionUid: {
    name: 'transactionUid',
    format: 'uid',
    notation: 'ans',
    maxLength: 64,
    example: '3f1c2d9e-7a4b-4c1e-9f0a-2b6d8e5c1a77',
    since: '1.4',
    doc: {
      en: "The ECR's own id of the operation (later firmware); GetResultByUid returns its result. Generated for you when left out",
      uk: 'Ідентифікатор операції, заданий касою (новіші прошивки); GetResultByUid повертає її результат. Генерується, якщо не задано',
    },
  },
  url: {
    name: 'url',
    format: 'url',
    notation: 'ans (http/https URL)',
    maxLength: 2048,
    example: 'https://example.com/receipt.pdf',
    doc: {
      en: 'http: or https: URL of the PDF to print (scaled to 57 mm paper)',
      uk: 'Посилання http: або https: на PDF для друку (масштабується під 57 мм)',
    },
  },
} as const satisfies Record<string, KeySpec>;

/** A request key of the catalogue. */
export type RequestKey = keyof typeof KEY_SPECS;

/** How the catalogue writes key K (§4.1). */
export type FormatOf<K extends RequestKey> = (typeof KEY_SPECS)[K]['format'];

/** Request keys (§4.3.2) that methods take, looked up by a name from anywhere (a flow, a command line). */
export const REQUEST_KEYS: Readonly<Record<string, KeySpec>> = Object.freeze(KEY_SPECS);

export type Requirement = 'M' | 'O';

/** Simulator phases of an operation, in order: each maps to a status (card S02, pin S03, host S04, print S05). */
export type Phase = 'card' | 'pin' | 'host' | 'print';

/** Batch totals a completed operation counts in (GetLastReport total*Count/Amount). */
export type BatchCategory = 'Sale' | 'FinAuth' | 'Refund' | 'Cash' | 'Payment' | 'Void';

/** What every method's entry says, whatever its group. */
interface SpecFields {
  title: Text;
  doc: Text;
  params: Readonly<Record<string, Requirement>>;
  /** May be sent while an operation runs (service methods, PingDevice, RestartPaymentApp). */
  whileBusy: boolean;
  androidOnly?: boolean;
  /** Keys of the response's params (or top-level `status`) worth knowing. */
  response: readonly string[];
  /**
   * What the terminal goes through after answering (financial and report methods after the ack; the print
   * methods print after their answer, showing S05, so the terminal is busy until it is done).
   */
  flow?: readonly Phase[];
  batch?: BatchCategory;
  /** A method of later firmware: a v1.1.10 terminal answers it E05 (unknown method). */
  since?: Generation;
  /**
   * Only reads (GetStatus, GetLastResult…): asking twice changes nothing, so a read lost in a connection the
   * terminal was closing is asked again. Anything else goes on a connection that has not answered yet.
   */
  readOnly?: boolean;
  /** On later firmware the operation runs in two steps (top-level "step": "1", then "2"), parking in S08 between. */
  twoStep?: boolean;
}

/** A financial or report method: acknowledged at once, then polled; its outcome is read from `resultMethod`. */
export interface TransactSpec extends SpecFields {
  name: TransactMethod;
  group: 'financial' | 'report';
  /** Where the outcome of an acknowledged financial or report request is read. */
  resultMethod: 'GetLastResult' | 'GetLastReport';
}

/** A service or additional method: answered at once. */
export interface RequestSpec extends SpecFields {
  name: RequestMethod;
  group: 'service' | 'additional';
  resultMethod?: undefined;
}

export type MethodSpec = TransactSpec | RequestSpec;

const FIN_RESULT = 'GetLastResult' as const;
const REPORT_RESULT = 'GetLastReport' as const;

/** The request keys a method takes, each mandatory or optional; a key the catalogue does not describe is refused. */
type KeyRequirements<P> = { readonly [K in keyof P]: K extends RequestKey ? Requirement : never };

function financial<const N extends string, const P extends KeyRequirements<P>>(
  name: N,
  title: Text,
  doc: Text,
  params: P,
  flow: Phase[],
  batch?: BatchCategory,
  twoStep?: boolean,
) {
  // Every financial request of later firmware may carry the ECR's id of the operation.
  const all = { ...params, transactionUid: 'O' as const };
  return {
    name,
    group: 'financial' as const,
    title,
    doc,
    params: all,
    resultMethod: FIN_RESULT,
    whileBusy: false,
    response: [],
    flow,
    batch,
    twoStep,
  };
}

function report<const N extends string>(name: N, title: Text, doc: Text, flow: Phase[]) {
  const params = { merchantId: 'M', isDetailReport: 'O' } as const;
  return { name, group: 'report' as const, title, doc, params, resultMethod: REPORT_RESULT, whileBusy: false, response: [], flow };
}

interface ImmediateOptions<P, R> {
  params?: P;
  response?: R;
  whileBusy?: boolean;
  androidOnly?: boolean;
  flow?: Phase[];
  since?: Generation;
  readOnly?: boolean;
}

function immediate<
  const N extends string,
  const G extends 'service' | 'additional',
  const P extends KeyRequirements<P> = Record<never, never>,
  const R extends readonly ResponseKey[] = [],
>(name: N, group: G, title: Text, doc: Text, opts: ImmediateOptions<P, R> = {}) {
  // A method without keys takes none: its entry says so by an empty object (P has no keys then).
  const params = (opts.params ?? {}) as P;
  const response = (opts.response ?? []) as R;
  return {
    name,
    group,
    title,
    doc,
    params,
    whileBusy: opts.whileBusy ?? group === 'service',
    androidOnly: opts.androidOnly,
    response,
    flow: opts.flow,
    since: opts.since,
    readOnly: opts.readOnly,
  };
}

export const RESULT_KEYS = [
  'originalTrnName',
  'transAmount',
  'discount',
  'authCode',
  'date',
  'time',
  'invoiceNum',
  'bankName',
  'merchantId',
  'terminalId',
  'pan',
  'responseCode',
  'rrn',
  'transactionResult',
  'posEntryMode',
  'binName',
  'track2',
  'cardholderName',
  'parEnabled',
  'parValue',
  'balance',
  'errorDetails',
  'cashAmount',
  'endAmount',
  // Later firmware (1.3/1.4).
  'transactionUid',
  'transactionDate',
  'transactionTime',
] as const;

export const REPORT_TOTAL_KEYS = [
  'totalSaleCount',
  'totalSaleAmount',
  'totalFinAuthCount',
  'totalFinAuthAmount',
  'totalRefundCount',
  'totalRefundAmount',
  'totalCashCount',
  'totalCashAmount',
  'totalPaymentCount',
  'totalPaymentAmount',
  'totalVoidCount',
  'totalVoidAmount',
] as const;

/**
 * How a response key reaches the caller once normalise.ts has read it: `amount` a digit string in minor units without
 * leading zeros ("80000"), `count` a number, `flag` a boolean, `code` an upper-case word (APPROVED_ONLINE), `text` a
 * string as sent, `rows` a list of objects read the same way, `merchants` ids or { merchantId, … } rows, `json` any
 * JSON the terminal sent (a receipt is text or JSON depending on the model, §4.3.5).
 */
export type ResponseFormat = 'amount' | 'count' | 'flag' | 'code' | 'text' | 'rows' | 'merchants' | 'json';

const RESPONSE_FORMATS = {
  originalTrnName: 'text',
  transAmount: 'amount',
  discount: 'amount',
  authCode: 'text',
  date: 'text',
  time: 'text',
  invoiceNum: 'text',
  bankName: 'text',
  merchantId: 'text',
  terminalId: 'text',
  pan: 'text',
  responseCode: 'text',
  rrn: 'text',
  transactionResult: 'code',
  posEntryMode: 'code',
  binName: 'text',
  track2: 'text',
  cardholderName: 'text',
  parEnabled: 'flag',
  parValue: 'text',
  balance: 'amount',
  errorDetails: 'text',
  cashAmount: 'amount',
  endAmount: 'amount',
  discountedAmount: 'amount',
  transactionUid: 'text',
  transactionDate: 'text',
  transactionTime: 'text',
  transactions: 'rows',
  isBatchEmpty: 'flag',
  batchNumber: 'text',
  totalSaleCount: 'count',
  totalSaleAmount: 'amount',
  totalFinAuthCount: 'count',
  totalFinAuthAmount: 'amount',
  totalRefundCount: 'count',
  totalRefundAmount: 'amount',
  totalCashCount: 'count',
  totalCashAmount: 'amount',
  totalPaymentCount: 'count',
  totalPaymentAmount: 'amount',
  totalVoidCount: 'count',
  totalVoidAmount: 'amount',
  merchantCount: 'count',
  merchantList: 'merchants',
  receipt: 'json',
  status: 'text',
  terminalModel: 'text',
  terminalSerialNumber: 'text',
  currentApp: 'json',
  paymentApps: 'json',
  model: 'text',
  pos_sn: 'text',
  os_version: 'text',
} as const satisfies Record<string, ResponseFormat>;

/** A response key the catalogue knows. */
export type ResponseKey = keyof typeof RESPONSE_FORMATS;

/** How response key K is read (see ResponseFormat). */
export type ResponseFormatOf<K extends ResponseKey> = (typeof RESPONSE_FORMATS)[K];

/** Response keys (§5) and how normalise.ts reads each. */
export const RESPONSE_KEYS: Readonly<Record<string, ResponseFormat>> = Object.freeze(RESPONSE_FORMATS);

/** The response keys read in one format. */
export function responseKeysIn(format: ResponseFormat): string[] {
  return Object.entries(RESPONSE_FORMATS)
    .filter(([, f]) => f === format)
    .map(([key]) => key);
}

const CARD_FLOW: Phase[] = ['card', 'pin', 'host', 'print'];

const METHOD_LIST = [
  financial(
    'Purchase',
    { en: 'Purchase', uk: 'Оплата' },
    {
      en: 'Card payment of transAmount; discountedAmount when the ECR computed a BIN discount',
      uk: 'Оплата карткою на суму transAmount; discountedAmount — якщо знижку для БІН рахує каса',
    },
    { transAmount: 'M', transCurrency: 'M', merchantId: 'M', discountedAmount: 'O' },
    CARD_FLOW,
    'Sale',
    true,
  ),
  financial(
    'Void',
    { en: 'Void', uk: 'Скасування' },
    { en: 'Cancels an operation of the current batch by its receipt number', uk: 'Скасовує операцію поточної зміни за номером чеку' },
    { invoiceNum: 'M' },
    ['host', 'print'],
    'Void',
  ),
  financial(
    'Refund',
    { en: 'Refund', uk: 'Повернення' },
    { en: 'Full or partial refund of an earlier operation identified by its RRN', uk: 'Повне або часткове повернення операції за RRN' },
    { transAmount: 'M', transCurrency: 'M', rrn: 'M', merchantId: 'M' },
    ['card', 'host', 'print'],
    'Refund',
  ),
  financial(
    'CashBack',
    { en: 'Purchase with cash back', uk: 'Оплата з видачею готівки' },
    {
      en: 'Purchase with cashAmount handed out in cash; terminalId only when one merchantId has several',
      uk: 'Оплата з видачею готівки cashAmount; terminalId — лише якщо під merchantId кілька терміналів',
    },
    { transAmount: 'M', cashAmount: 'M', transCurrency: 'M', merchantId: 'M', terminalId: 'O' },
    CARD_FLOW,
    'Sale',
  ),
  financial(
    'Preauthorization',
    { en: 'Preauthorisation', uk: 'Предавторизація' },
    { en: 'Blocks transAmount on the card for a later SalePreauth', uk: 'Блокує суму на картці для подальшого завершення' },
    { transAmount: 'M', transCurrency: 'M', merchantId: 'M' },
    CARD_FLOW,
  ),
  financial(
    'SalePreauth',
    { en: 'Complete preauthorisation', uk: 'Завершення предавторизації' },
    { en: 'Completes a preauthorisation (rrn, authCode) for endAmount', uk: 'Завершує предавторизацію (rrn, authCode) на суму endAmount' },
    { transAmount: 'M', endAmount: 'M', transCurrency: 'M', rrn: 'M', authCode: 'M', merchantId: 'M' },
    ['host', 'print'],
    'FinAuth',
  ),
  financial(
    'VoidPreauth',
    { en: 'Void preauthorisation', uk: 'Скасування предавторизації' },
    { en: 'Cancels a preauthorisation by its receipt number', uk: 'Скасовує предавторизацію за номером чеку' },
    { invoiceNum: 'M' },
    ['host', 'print'],
    'Void',
  ),
  financial(
    'Cash',
    { en: 'Cash withdrawal', uk: 'Видача готівки' },
    { en: 'Cash handed out against the card', uk: 'Видача готівки з картки' },
    { transAmount: 'M', transCurrency: 'M', merchantId: 'M' },
    CARD_FLOW,
    'Cash',
  ),
  financial(
    'Deposit',
    { en: 'Deposit', uk: 'Поповнення рахунку' },
    { en: 'Tops up the card account', uk: 'Поповнення рахунку картки' },
    { transAmount: 'M', transCurrency: 'M', merchantId: 'M' },
    CARD_FLOW,
    'Payment',
  ),
  financial(
    'Balance',
    { en: 'Balance enquiry', uk: 'Запит балансу' },
    {
      en: 'Balance enquiry shown to the cardholder; the ECR gets neither the balance nor a receipt (transAmount is 0)',
      uk: 'Запит балансу; каса не отримує ні суму, ні чек (transAmount = 0)',
    },
    { transCurrency: 'M', merchantId: 'M' },
    ['card', 'pin', 'host'],
  ),
  financial(
    'Echo',
    { en: 'Bank connection check', uk: 'Перевірка зв’язку з банком' },
    { en: "Checks the connection to the acquirer's host", uk: 'Перевіряє зв’язок з процесинговим центром' },
    { merchantId: 'M' },
    ['host'],
  ),
  financial(
    'PartialVoid',
    { en: 'Partial void', uk: 'Часткове скасування' },
    {
      en: 'Reduces an operation of the current batch by transAmount (the amount taken off, not the new total)',
      uk: 'Зменшує операцію поточної зміни на transAmount (сума зменшення, а не нова сума)',
    },
    { invoiceNum: 'M', transAmount: 'M' },
    ['host', 'print'],
    'Void',
  ),

  report(
    'XReport',
    { en: 'X report', uk: 'X-звіт' },
    { en: 'Interim totals of the current batch; the batch stays open', uk: 'Проміжні підсумки поточної зміни; зміна не закривається' },
    ['print'],
  ),
  report(
    'ZReport',
    { en: 'Z report (settlement)', uk: 'Z-звіт (звірка)' },
    { en: 'Settles with the bank and closes the batch', uk: 'Звірка з банком і закриття зміни' },
    ['host', 'print'],
  ),

  immediate(
    'GetStatus',
    'service',
    { en: 'Status', uk: 'Статус термінала' },
    { en: 'Current terminal status S00–S08; poll it while an operation runs', uk: 'Поточний статус S00–S08; опитується під час операції' },
    { response: ['status'], readOnly: true },
  ),
  immediate(
    'Interrupt',
    'service',
    { en: 'Interrupt', uk: 'Переривання' },
    {
      en: 'Cancels the running operation while it waits for the card or PIN (S02, S03) or for the second step (S08); otherwise E08',
      uk: 'Перериває операцію, поки термінал чекає картку чи ПІН (S02, S03) або другий крок (S08); інакше E08',
    },
  ),
  immediate(
    'Restart',
    'service',
    { en: 'Restart terminal', uk: 'Перезавантаження термінала' },
    { en: 'Reboots the terminal', uk: 'Перезавантажує термінал' },
    { response: ['status'] },
  ),

  immediate(
    'GetLastResult',
    'additional',
    { en: 'Last result', uk: 'Результат останньої операції' },
    {
      en: 'Outcome of the last financial operation; survives a reboot',
      uk: 'Результат останньої фінансової операції; зберігається після перезавантаження',
    },
    { response: [...RESULT_KEYS], readOnly: true },
  ),
  immediate(
    'GetLastReceipt',
    'additional',
    { en: 'Last receipt', uk: 'Чек останньої операції' },
    { en: 'Receipt of the last financial operation', uk: 'Чек останньої фінансової операції' },
    { response: ['receipt'], readOnly: true },
  ),
  immediate(
    'PingDevice',
    'additional',
    { en: 'Ping terminal', uk: 'Перевірка зв’язку з терміналом' },
    { en: 'Checks the terminal answers; allowed in any status', uk: 'Перевіряє, що термінал відповідає; у будь-якому статусі' },
    { whileBusy: true, readOnly: true },
  ),
  immediate(
    'RestartPaymentApp',
    'additional',
    { en: 'Restart payment app', uk: 'Перезапуск платіжного застосунку' },
    {
      en: 'Restarts the payment application, e.g. when it never returns to S00',
      uk: 'Перезапускає платіжний застосунок, напр. коли термінал не повертається в S00',
    },
    { whileBusy: true, androidOnly: true },
  ),
  immediate(
    'GetLastReport',
    'additional',
    { en: 'Last report', uk: 'Підсумки останнього звіту' },
    {
      en: 'Totals of the last X or Z report (transactions[] when it was detailed)',
      uk: 'Підсумки останнього X- чи Z-звіту (transactions[] для детального)',
    },
    { response: ['transactions', 'responseCode', ...REPORT_TOTAL_KEYS, 'isBatchEmpty', 'batchNumber'], readOnly: true },
  ),
  immediate(
    'GetMerchantList',
    'additional',
    { en: 'Merchant list', uk: 'Перелік мерчантів' },
    { en: 'Merchant ids configured on the terminal', uk: 'ID мерчантів, налаштовані на терміналі' },
    { response: ['merchantCount', 'merchantList'], readOnly: true },
  ),
  immediate(
    'GetLastReportReceipt',
    'additional',
    { en: 'Last report receipt', uk: 'Чек останнього звіту' },
    { en: 'Receipt of the last X or Z report', uk: 'Чек останнього X- чи Z-звіту' },
    { response: ['receipt'], readOnly: true },
  ),
  immediate(
    'PrintXml',
    'additional',
    { en: 'Print XML', uk: 'Друк XML' },
    { en: 'Prints an XML receipt of text lines and images (request ≤ 64 KiB)', uk: 'Друкує XML-чек з рядків тексту і зображень (запит ≤ 64 КБ)' },
    { params: { receipt: 'M', lrc: 'M', fontStyle: 'O' }, androidOnly: true, flow: ['print'] },
  ),
  immediate(
    'PrintPdfUrl',
    'additional',
    { en: 'Print PDF from URL', uk: 'Друк PDF за посиланням' },
    { en: 'Downloads and prints a PDF scaled to 57 mm paper', uk: 'Завантажує та друкує PDF під ширину паперу 57 мм' },
    { params: { url: 'M' }, androidOnly: true, flow: ['print'] },
  ),
  immediate(
    'GetResultByUid',
    'additional',
    { en: 'Result by id', uk: 'Результат за ідентифікатором' },
    {
      en: 'Outcome of the financial operation sent with this transactionUid, whatever ran after it (later firmware)',
      uk: 'Результат фінансової операції з цим transactionUid, хоч би що виконувалося після неї (новіші прошивки)',
    },
    { params: { transactionUid: 'M' }, response: [...RESULT_KEYS], since: '1.4', readOnly: true },
  ),
  immediate(
    'GetMerchantListDetailed',
    'additional',
    { en: 'Merchant list, detailed', uk: 'Перелік мерчантів, детально' },
    { en: 'Merchants with their terminal ids and names (later firmware)', uk: 'Мерчанти з їхніми terminalId та назвами (новіші прошивки)' },
    { response: ['merchantCount', 'merchantList'], since: '1.4', readOnly: true },
  ),
  immediate(
    'GetTerminalInfo',
    'additional',
    { en: 'Terminal info', uk: 'Інформація про термінал' },
    {
      en: 'Model, serial number and software versions (Android or Linux shape)',
      uk: 'Модель, серійний номер і версії ПЗ (формат Android або Linux)',
    },
    { response: ['terminalModel', 'terminalSerialNumber', 'currentApp', 'paymentApps', 'model', 'pos_sn', 'os_version'], readOnly: true },
  ),
];

type Entry = (typeof METHOD_LIST)[number];

/** The name of a method of the catalogue. */
export type MethodName = Entry['name'];

/** The catalogue's entry for method M, with its literal group, keys and response keys. */
export type SpecOf<M extends MethodName> = Extract<Entry, { name: M }>;

/** The methods of one group. */
export type MethodIn<G extends MethodGroup> = Extract<Entry, { group: G }>['name'];
export type FinancialMethod = MethodIn<'financial'>;
export type ReportMethod = MethodIn<'report'>;
export type ServiceMethod = MethodIn<'service'>;
export type AdditionalMethod = MethodIn<'additional'>;
/** What `Terminal.transact()` takes: financial and report methods, acknowledged and then polled to their outcome. */
export type TransactMethod = FinancialMethod | ReportMethod;
/** What `Terminal.request()` takes: service and additional methods, answered at once. */
export type RequestMethod = ServiceMethod | AdditionalMethod;

export const METHODS: Readonly<Record<string, MethodSpec>> = Object.freeze(
  Object.fromEntries(METHOD_LIST.map((m): [string, MethodSpec] => [m.name, Object.freeze(m)])),
);

export const METHOD_NAMES: readonly MethodName[] = Object.freeze(METHOD_LIST.map((m) => m.name));

export function methodsIn<G extends MethodGroup>(group: G): MethodIn<G>[] {
  return METHOD_LIST.filter((m) => m.group === group).map((m) => m.name as MethodIn<G>);
}

export function getMethod(name: string): MethodSpec | undefined {
  return Object.prototype.hasOwnProperty.call(METHODS, name) ? METHODS[name] : undefined;
}

/** Whether `name` is a method of the catalogue: a name from a flow or a command line, before it is typed as one. */
export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && getMethod(name) !== undefined;
}

/** Financial and report methods: acknowledged at once, then polled until the terminal is idle. */
export function isPolled(spec: MethodSpec): spec is TransactSpec {
  return spec.resultMethod !== undefined;
}

/** Answered at once, but the terminal stays busy afterwards (printing): done only when it is idle again. */
export function busyAfterAnswer(spec: MethodSpec): boolean {
  return !isPolled(spec) && (spec.flow?.length ?? 0) > 0;
}
