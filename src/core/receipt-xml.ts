/**
 * PrintXml receipts (§5.5.7): a <receipt> of <text> and <image> elements. Checked before sending (client) and
 * on arrival (simulator), so a typo in an attribute is reported instead of printed wrong.
 */
import { lrc } from './frame';

const TEXT_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  align: ['left', 'center', 'right'],
  size: ['small', 'normal', 'large'],
  weight: ['normal', 'bold'],
  darkness: ['normal'],
};

const ENTITY = /^&(?:amp|lt|gt|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/;
const BASE64 = /^[A-Za-z0-9+/=\s]*$/;

/** Returns what is wrong with the receipt XML, or undefined when it is a valid receipt. */
export function checkReceiptXml(xml: string): string | undefined {
  let rest = xml.replace(/^\uFEFF/, '').trimStart();
  const prolog = /^<\?xml[^?]*\?>\s*/.exec(rest);
  if (prolog) rest = rest.slice(prolog[0].length);
  if (!rest.startsWith('<receipt>')) return 'must start with <receipt>';
  rest = rest.slice('<receipt>'.length);
  let elements = 0;
  for (;;) {
    rest = rest.trimStart();
    if (rest.startsWith('</receipt>')) {
      if (rest.slice('</receipt>'.length).trim() !== '') return 'has content after </receipt>';
      return elements === 0 ? 'has no <text> or <image> element' : undefined;
    }
    if (rest === '') return 'is missing </receipt>';
    const open = /^<(text|image)((?:\s+[A-Za-z_][\w.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*>/.exec(rest);
    if (!open) return `has an unexpected element or text near "${rest.slice(0, 30)}" (only <text> and <image> are allowed)`;
    const [whole, name, attrs] = open;
    const attrError = name === 'text' ? checkTextAttributes(attrs) : attrs.trim() ? '<image> takes no attributes' : undefined;
    if (attrError) return attrError;
    rest = rest.slice(whole.length);
    const close = rest.indexOf(`</${name}>`);
    if (close < 0) return `<${name}> is not closed`;
    const content = rest.slice(0, close);
    const contentError = name === 'text' ? checkTextContent(content) : BASE64.test(content) ? undefined : '<image> must hold base64 data';
    if (contentError) return contentError;
    rest = rest.slice(close + name.length + 3);
    elements++;
  }
}

function checkTextAttributes(attrs: string): string | undefined {
  const seen = new Set<string>();
  for (const m of attrs.matchAll(/([A-Za-z_][\w.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    const [, key, dq, sq] = m;
    const value = dq ?? sq;
    const allowed = TEXT_ATTRIBUTES[key];
    if (!allowed) return `<text> has unknown attribute "${key}" (allowed: ${Object.keys(TEXT_ATTRIBUTES).join(', ')})`;
    if (!allowed.includes(value)) return `<text ${key}="${value}"> must be one of ${allowed.join(', ')}`;
    if (seen.has(key)) return `<text> repeats attribute "${key}"`;
    seen.add(key);
  }
  return undefined;
}

function checkTextContent(content: string): string | undefined {
  if (content.includes('<')) return '<text> must not contain elements or a bare "<"';
  for (let i = content.indexOf('&'); i >= 0; i = content.indexOf('&', i + 1)) {
    if (!ENTITY.test(content.slice(i))) return '<text> has a bare "&" (write &amp;)';
  }
  return undefined;
}

/** The LRC of a PrintXml receipt: XOR of its UTF-8 bytes. */
export function receiptLrc(receipt: string): number {
  return lrc(Buffer.from(receipt, 'utf8'));
}

/** The same byte as the signed value the vendor's Kotlin reference returns (§6.1). */
export function signedByte(value: number): number {
  return value > 127 ? value - 256 : value;
}

/** Whether an `lrc` value, unsigned or signed decimal, is the receipt's checksum. */
export function lrcMatches(value: string, receipt: string): boolean {
  const expected = receiptLrc(receipt);
  const n = Number(value);
  return n === expected || n === signedByte(expected);
}

export function escapeXmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
