/**
 * PrintXml receipts from plain data: lines of text, left/right pairs and images become the <receipt> XML of
 * §5.5.7. Each line is checked on its own with the core's receipt checker, so an error names the line.
 */
import { checkReceiptXml, escapeXmlText } from '../../core';
import { invalid, valueText } from '../../core/internal';

export type ReceiptLine =
  | string
  | { text: string; align?: string; size?: string; weight?: string }
  | { left: string; right: string; size?: string; weight?: string }
  | { image: string };

const SHAPES: readonly (readonly string[])[] = [['text', 'align', 'size', 'weight'], ['left', 'right', 'size', 'weight'], ['image']];
const SHAPE_RULE = 'must be a string, { text, align?, size?, weight? }, { left, right, size?, weight? } or { image }';

function attribute(value: string): string {
  return escapeXmlText(value).replace(/"/g, '&quot;');
}

function textElement(text: string, attrs: { align?: unknown; size?: unknown; weight?: unknown }): string {
  const a = (v: unknown, fallback: string) => attribute(v === undefined ? fallback : valueText(v));
  // An empty line is a <text> holding a single space (§5.5.7).
  const content = text === '' ? ' ' : escapeXmlText(text);
  return `<text align="${a(attrs.align, 'left')}" size="${a(attrs.size, 'normal')}" weight="${a(attrs.weight, 'normal')}" darkness="normal">${content}</text>`;
}

function plain(value: unknown): value is string | number {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** One line as an XML element; `field` names it in errors (lines[3]). */
export function lineElement(line: unknown, field: string, where = 'PrintXml'): string {
  let element: string | undefined;
  if (typeof line === 'string') element = textElement(line, {});
  else if (line && typeof line === 'object' && !Array.isArray(line)) {
    const l = line as Record<string, unknown>;
    const keys = Object.keys(l);
    const shape = SHAPES.find((s) => s[0] in l && (s[0] !== 'left' || 'right' in l));
    const unknown = shape && keys.find((k) => !shape.includes(k));
    if (unknown) throw invalid(where, field, `has unknown key "${unknown}" (allowed: ${shape.join(', ')})`, { value: line });
    if (shape?.[0] === 'image' && typeof l.image === 'string' && l.image.trim() !== '') element = `<image>${l.image}</image>`;
    else if (shape?.[0] === 'text' && plain(l.text)) element = textElement(String(l.text), l);
    else if (shape?.[0] === 'left' && plain(l.left) && plain(l.right)) element = textElement(`${String(l.left)}||${String(l.right)}`, l);
  }
  if (element === undefined) throw invalid(where, field, SHAPE_RULE, { value: line });
  const problem = checkReceiptXml(`<receipt>${element}</receipt>`);
  if (problem) throw invalid(where, field, `makes invalid receipt XML: ${problem}`, { value: line });
  return element;
}

/** The <receipt> XML of a list of lines. */
export function receiptXml(lines: unknown, where = 'PrintXml'): string {
  if (!Array.isArray(lines) || lines.length === 0) throw invalid(where, 'lines', 'must be a non-empty array of lines', { value: lines });
  return `<receipt>${lines.map((line, i) => lineElement(line, `lines[${i}]`, where)).join('')}</receipt>`;
}

/**
 * msg.payload of a PrintXml: receipt XML (sent as it is), an array of lines, or { lines, fontStyle? }.
 */
export function printXmlInput(payload: unknown, where = 'PrintXml'): { receipt: string; fontStyle?: unknown } {
  if (typeof payload === 'string') return { receipt: payload };
  if (Array.isArray(payload)) return { receipt: receiptXml(payload, where) };
  if (payload && typeof payload === 'object' && 'lines' in payload) {
    const p = payload as { lines: unknown; fontStyle?: unknown };
    return { receipt: receiptXml(p.lines, where), fontStyle: p.fontStyle };
  }
  throw invalid(where, 'payload', 'must be receipt XML, an array of lines or { lines: [...], fontStyle? }', { value: payload });
}
