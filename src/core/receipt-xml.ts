/**
 * PrintXml receipts (§5.5.7): a <receipt> of <text> and <image> elements. Checked before sending (client) and
 * on arrival (simulator). What cannot print as meant is an error: text that is not XML, no <receipt>, an
 * unclosed element, a value a known attribute does not take, image data that is not base64. What the protocol
 * does not describe (an attribute or element of later firmware, a typo in a name) is a finding: the receipt goes
 * to the terminal as it is and the finding is reported, since the terminal may well know what we do not.
 */
import { lrc } from './frame';

const TEXT_ATTRIBUTES: ReadonlyMap<string, readonly string[]> = new Map([
  ['align', ['left', 'center', 'right']],
  ['size', ['small', 'normal', 'large']],
  ['weight', ['normal', 'bold']],
  ['darkness', ['normal']],
]);
const KNOWN_TEXT_ATTRIBUTES = [...TEXT_ATTRIBUTES.keys()].join(', ');

/** Findings beyond this many distinct ones are counted, not listed: a generated receipt must not flood a log. */
const MAX_ISSUES = 10;

const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/y;
const NAME = /[A-Za-z_:\u00C0-\uFFFF][\w.:\u00B7\u00C0-\uFFFF-]*/y;
const SPACE = /[ \t\r\n]*/y;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export interface ReceiptInspection {
  /** Why the receipt cannot be printed as meant; absent when it can. */
  error?: string;
  /** What the protocol does not describe, passed through as it is: unknown attributes and elements, stray text. */
  issues: string[];
}

/** What the checker knows an element to be: its rules apply inside it. */
type Role = 'receipt' | 'text' | 'image' | 'other';

interface Open {
  name: string;
  role: Role;
  /** <image>: the base64 data so far. */
  data: string;
  /** <receipt>: how many elements it holds; <text>: how many characters and elements. */
  content: number;
}

class Findings {
  private readonly counts = new Map<string, number>();

  add(finding: string): void {
    this.counts.set(finding, (this.counts.get(finding) ?? 0) + 1);
  }

  list(): string[] {
    const out = [...this.counts].slice(0, MAX_ISSUES).map(([finding, n]) => (n > 1 ? `${finding} (${n} times)` : finding));
    const more = this.counts.size - MAX_ISSUES;
    if (more > 0) out.push(`and ${more} more findings`);
    return out;
  }
}

class Malformed extends Error {}

function snippet(text: string, at: number): string {
  const part = text.slice(at, at + 30);
  return JSON.stringify(at + 30 < text.length ? `${part}…` : part);
}

function skipSpace(text: string, at: number): number {
  SPACE.lastIndex = at;
  SPACE.exec(text);
  return SPACE.lastIndex;
}

function nameAt(text: string, at: number): string | undefined {
  NAME.lastIndex = at;
  return NAME.exec(text)?.[0];
}

/** Throws on a "&" that starts no entity XML knows without a DTD. */
function checkAmpersands(text: string, where: string): void {
  for (let i = text.indexOf('&'); i >= 0; i = text.indexOf('&', i + 1)) {
    ENTITY.lastIndex = i;
    if (!ENTITY.test(text)) throw new Malformed(`${where}has a bare "&" (write &amp;)`);
  }
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (_all, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(Math.min(parseInt(ref.slice(2), 16), 0x10ffff));
    if (ref.startsWith('#')) return String.fromCodePoint(Math.min(Number(ref.slice(1)), 0x10ffff));
    return PREDEFINED[ref];
  });
}

interface Tag {
  name: string;
  attributes: Map<string, string>;
  selfClosing: boolean;
  end: number;
}

/**
 * The start tag at `at` (a "<"). Attributes need not be separated by a space: the vendor's own example writes
 * weight="normal"darkness="normal" (§5.5.7), and the terminal prints it.
 */
function readTag(text: string, at: number): Tag {
  const name = nameAt(text, at + 1);
  if (!name) throw new Malformed(`has a "<" that starts no element near ${snippet(text, at)} (write &lt;)`);
  const attributes = new Map<string, string>();
  let i = at + 1 + name.length;
  for (;;) {
    i = skipSpace(text, i);
    if (i >= text.length) throw new Malformed(`ends inside the <${name}> tag`);
    if (text[i] === '>') return { name, attributes, selfClosing: false, end: i + 1 };
    if (text.startsWith('/>', i)) return { name, attributes, selfClosing: true, end: i + 2 };
    const key = nameAt(text, i);
    if (!key) throw new Malformed(`is not XML: <${name}> has ${snippet(text, i)} where an attribute or ">" belongs`);
    i = skipSpace(text, i + key.length);
    if (text[i] !== '=') throw new Malformed(`is not XML: <${name}> attribute ${key} has no value (write ${key}="…")`);
    i = skipSpace(text, i + 1);
    const quote = text[i];
    if (quote !== '"' && quote !== "'")
      throw new Malformed(`is not XML: <${name}> attribute ${key} needs its value in quotes near ${snippet(text, i)}`);
    const close = text.indexOf(quote, i + 1);
    if (close < 0) throw new Malformed(`ends inside the <${name}> tag`);
    const raw = text.slice(i + 1, close);
    if (raw.includes('<')) throw new Malformed(`is not XML: <${name} ${key}="…"> has a "<" in its value (write &lt;)`);
    checkAmpersands(raw, `<${name} ${key}="…"> `);
    if (attributes.has(key)) throw new Malformed(`<${name}> repeats attribute "${key}"`);
    attributes.set(key, decodeEntities(raw));
    i = close + 1;
  }
}

/** Skips a comment, CDATA section or processing instruction at `at`; returns where it ends, or -1 when none starts there. */
function skipMarkup(text: string, at: number, cdata?: (data: string) => void): number {
  const kinds: [string, string, string][] = [
    ['<!--', '-->', 'comment'],
    ['<![CDATA[', ']]>', 'CDATA section'],
    ['<?', '?>', 'processing instruction'],
  ];
  for (const [open, close, what] of kinds) {
    if (!text.startsWith(open, at)) continue;
    const end = text.indexOf(close, at + open.length);
    if (end < 0) throw new Malformed(`has an unclosed ${what} (${open} without ${close})`);
    if (open === '<![CDATA[') {
      if (!cdata) throw new Malformed(`has a CDATA section outside <receipt>`);
      cdata(text.slice(at + open.length, end));
    }
    return end + close.length;
  }
  if (text.startsWith('<!', at)) throw new Malformed(`has ${snippet(text, at)}, which receipts do not take (only elements, text and comments)`);
  return -1;
}

/** Skips white space, comments and processing instructions (the XML declaration among them). */
function skipMisc(text: string, at: number): number {
  for (let i = at; ;) {
    i = skipSpace(text, i);
    const next = skipMarkup(text, i);
    if (next < 0) return i;
    i = next;
  }
}

function textAttributes(tag: Tag, findings: Findings): void {
  for (const [key, value] of tag.attributes) {
    const allowed = TEXT_ATTRIBUTES.get(key);
    if (!allowed) findings.add(`<text> has unknown attribute "${key}" (known: ${KNOWN_TEXT_ATTRIBUTES})`);
    else if (!allowed.includes(value)) throw new Malformed(`<text ${key}="${value}"> must be one of ${allowed.join(', ')}`);
  }
}

function checkImage(data: string): void {
  const b64 = data.replace(/[ \t\r\n]+/g, '');
  if (b64 === '') throw new Malformed('<image> must hold base64 data; it is empty');
  const padded = b64.endsWith('=');
  if (!BASE64.test(b64) || (padded ? b64.length % 4 !== 0 : b64.length % 4 === 1)) {
    throw new Malformed('<image> must hold base64 data (A–Z, a–z, 0–9, +, / and = padding at the end)');
  }
}

/** Opens the element of `tag` inside `parent`, applying what the protocol says of it. */
function open(parent: Open, tag: Tag, findings: Findings): Open {
  const { name } = tag;
  let role: Role = 'other';
  if (parent.role === 'receipt') {
    parent.content++;
    if (name === 'text') {
      role = 'text';
      textAttributes(tag, findings);
    } else if (name === 'image') {
      role = 'image';
      for (const key of tag.attributes.keys()) findings.add(`<image> has unknown attribute "${key}" (it takes none)`);
    } else {
      findings.add(`has unknown element <${name}> (known: <text>, <image>)`);
    }
  } else if (parent.role === 'text') {
    parent.content++;
    findings.add(`<text> holds element <${name}>, which the protocol does not describe (only text)`);
  } else if (parent.role === 'image') {
    throw new Malformed('<image> must hold base64 data, not elements');
  }
  return { name, role, data: '', content: 0 };
}

function close(element: Open, findings: Findings): void {
  if (element.role === 'image') checkImage(element.data);
  if (element.role === 'text' && element.content === 0) findings.add('has an empty <text>: an empty line is a <text> holding one space (§5.5.7)');
  if (element.role === 'receipt' && element.content === 0) throw new Malformed('has no <text> or <image> element');
}

function characters(element: Open, chars: string, findings: Findings): void {
  switch (element.role) {
    case 'text':
      element.content += chars.length;
      break;
    case 'image':
      element.data += chars;
      break;
    case 'receipt':
      if (chars.trim() !== '') findings.add(`has text outside <text>, which is not printed: ${snippet(chars.trim(), 0)}`);
      break;
  }
}

function inspect(xml: string, findings: Findings): void {
  let i = skipMisc(xml, xml.charCodeAt(0) === 0xfeff ? 1 : 0);
  if (xml[i] !== '<' || nameAt(xml, i + 1) !== 'receipt') throw new Malformed('must start with <receipt>');
  const root = readTag(xml, i);
  for (const key of root.attributes.keys()) findings.add(`<receipt> has unknown attribute "${key}" (it takes none)`);
  const receipt: Open = { name: 'receipt', role: 'receipt', data: '', content: 0 };
  // Open elements, innermost last: a loop, not recursion, so that no nesting depth overflows the stack.
  const stack: Open[] = root.selfClosing ? [] : [receipt];
  i = root.end;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (i >= xml.length) throw new Malformed(top.role === 'receipt' ? 'is missing </receipt>' : `<${top.name}> is not closed`);
    if (xml[i] !== '<') {
      const next = xml.indexOf('<', i);
      const chars = xml.slice(i, next < 0 ? xml.length : next);
      checkAmpersands(chars, top.role === 'text' ? '<text> ' : '');
      characters(top, decodeEntities(chars), findings);
      i += chars.length;
      continue;
    }
    const skipped = skipMarkup(xml, i, (data) => characters(top, data, findings));
    if (skipped >= 0) {
      i = skipped;
      continue;
    }
    if (xml.startsWith('</', i)) {
      const name = nameAt(xml, i + 2);
      const end = name ? skipSpace(xml, i + 2 + name.length) : i;
      if (!name || xml[end] !== '>') throw new Malformed(`is not XML: a broken end tag near ${snippet(xml, i)}`);
      if (name !== top.name) {
        throw new Malformed(top.role === 'receipt' ? `has </${name}> without its <${name}>` : `<${top.name}> is not closed (found </${name}>)`);
      }
      close(top, findings);
      stack.pop();
      i = end + 1;
      continue;
    }
    const tag = readTag(xml, i);
    const element = open(top, tag, findings);
    if (tag.selfClosing) close(element, findings);
    else stack.push(element);
    i = tag.end;
  }
  if (root.selfClosing) close(receipt, findings);
  if (skipMisc(xml, i) < xml.length) throw new Malformed('has content after </receipt>');
}

/** The receipt's error, if it cannot be printed as meant, and what the protocol does not describe in it. */
export function inspectReceiptXml(xml: string): ReceiptInspection {
  const findings = new Findings();
  try {
    inspect(xml, findings);
  } catch (err) {
    if (!(err instanceof Malformed)) throw err;
    return { error: err.message, issues: findings.list() };
  }
  return { issues: findings.list() };
}

/** Returns what makes the receipt XML unprintable, or undefined when it can be printed (findings aside). */
export function checkReceiptXml(xml: string): string | undefined {
  return inspectReceiptXml(xml).error;
}

/** The LRC of a PrintXml receipt: XOR of its UTF-8 bytes. */
export function receiptLrc(receipt: string): number {
  return lrc(Buffer.from(receipt, 'utf8'));
}

/** The same byte as the signed value the vendor's Kotlin reference returns (§6.1). */
export function signedByte(value: number): number {
  return value > 127 ? value - 256 : value;
}

/** How PrintXml's `lrc` is written: decimal ("31", the default) or hex ("1F"); terminals differ (§5.5.7). */
export type LrcEncoding = 'decimal' | 'hex';
export const LRC_ENCODINGS: readonly LrcEncoding[] = ['decimal', 'hex'];

/** A byte (0–255) as `lrc` is sent: decimal "31", or two upper-case hex digits "1F". */
export function formatLrc(value: number, encoding: LrcEncoding = 'decimal'): string {
  return encoding === 'hex' ? value.toString(16).toUpperCase().padStart(2, '0') : String(value);
}

/**
 * The byte (0–255) an `lrc` string stands for in the encoding, or undefined when it is not written in it.
 * Decimal takes 0–255 and the signed byte -128–127 (§6.1); hex takes one or two hex digits, either case.
 */
export function parseLrc(value: string, encoding: LrcEncoding = 'decimal'): number | undefined {
  if (encoding === 'hex') return /^[0-9A-Fa-f]{1,2}$/.test(value) ? parseInt(value, 16) : undefined;
  if (!/^-?\d{1,3}$/.test(value)) return undefined;
  const n = Number(value);
  if (n < -128 || n > 255) return undefined;
  return n < 0 ? n + 256 : n;
}

/** Whether an `lrc` value, written in the encoding, is the receipt's checksum. */
export function lrcMatches(value: string, receipt: string, encoding: LrcEncoding = 'decimal'): boolean {
  const byte = parseLrc(value, encoding);
  return byte !== undefined && byte === receiptLrc(receipt);
}

export function escapeXmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
