/**
 * Texts for people, in the runtime's language. A status is sent as text, not as a message key: the editor would
 * translate a key, but a core Status node (and whatever it feeds: a dashboard, an alert) receives it as it is.
 * RED._ answers with the key itself when it has no catalogue for it (a test harness, a catalogue that failed to
 * load): then the English catalogue the pack ships is used, so nobody ever reads a key.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { valueText } from '../../core/internal';
import type { NodeAPI, NodeStatus } from './red';

type Catalogue = Record<string, unknown>;
const english = new Map<string, Catalogue | null>();

function catalogue(namespace: string): Catalogue | null {
  if (!english.has(namespace)) {
    const file = path.join(__dirname, '..', 'locales', 'en-US', `${namespace}.json`);
    let parsed: Catalogue | null = null;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Catalogue;
    } catch {
      parsed = null;
    }
    english.set(namespace, parsed);
  }
  return english.get(namespace)!;
}

function fromEnglish(key: string, values?: Record<string, unknown>): string | undefined {
  const m = /^@ssi-ecr\/node-red\/([a-z-]+):(.+)$/.exec(key);
  if (!m) return undefined;
  let at: unknown = catalogue(m[1]);
  for (const part of m[2].split('.')) at = at && typeof at === 'object' ? (at as Catalogue)[part] : undefined;
  if (typeof at !== 'string') return undefined;
  return at.replace(/__(\w+)__/g, (whole, name: string) => (values && values[name] !== undefined ? valueText(values[name]) : whole));
}

export type Translate = (key: string, values?: Record<string, unknown>) => string;

/** RED._ for a full key (namespace:path) of this pack, falling back to the English catalogue. */
export function translator(RED: NodeAPI): Translate {
  return (key, values) => {
    let text: unknown;
    try {
      text = RED._(key, values);
    } catch {
      text = undefined;
    }
    if (typeof text === 'string' && text !== '' && text !== key) return text;
    return fromEnglish(key, values) ?? key;
  };
}

/** A status whose text is a key of this pack, with the text translated. */
export function readable(t: Translate, status: NodeStatus): NodeStatus {
  return typeof status.text === 'string' && status.text.startsWith('@ssi-ecr/node-red/') ? { ...status, text: t(status.text) } : status;
}

/** The wall-clock time of the runtime as HH:MM, for "✔ 24.50 at 10:17". */
export function clock(at: Date = new Date()): string {
  return `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
}
