/**
 * What the editor's SSI ECR sidebar shows of each deployed ssi-terminal: whether the terminal is reachable and what
 * it is doing, the protocol it speaks, the operations whose outcome nobody knows (with what is known of each, and
 * what a person may do about it), and its last outcomes. Card data: the masked number of an outcome only.
 */
import { readFileSync } from 'node:fs';
import { JOURNAL_UNAVAILABLE, type JournalRecord, redactForLog, UNREADABLE_JOURNAL } from '../../core';
import { settleMode, type SettleMode } from './by-hand';
import type { TerminalConfigNode } from './flow-node';
import type { OutcomeEntry } from './last-outcomes';
import type { NodeAPI } from './red';
import type { Reachability } from './terminal-hub';
import { optionsFromSettings, type TerminalSettings } from './terminal-settings';

export interface UnresolvedView {
  id: string;
  method: string;
  /** Minor units, as asked. */
  amount?: number;
  currency?: string;
  merchantId?: string;
  invoiceNum?: string;
  rrn?: string;
  transactionUid?: string;
  /** The caller's msg.correlationId. */
  ref?: string;
  /** The node that started it. */
  node?: string;
  startedAt: string;
  /** When the request went out; whether the terminal acknowledged it (step 2's, on later firmware, when one went out). */
  sentAt?: string;
  acknowledged: boolean;
  secondStep?: { sentAt: string; acknowledged: boolean };
  /** sending, acknowledged, second-step: running or not checked yet; unknown: nobody could establish it. */
  step: string;
  /** The terminal's last status seen while it ran. */
  lastStatus?: string;
  /** Why its outcome is not known (the library's words). */
  reason?: string;
  /** Later payments ran while it was open: the terminal's last result can no longer tell. */
  superseded?: boolean;
  settle: SettleMode;
}

export interface TerminalView {
  id: string;
  name: string;
  /** tcp, http or serial, and where. */
  transport?: string;
  where?: string;
  /** Why the settings cannot make a terminal (nothing runs). */
  configError?: string;
  reachability: Reachability;
  /** The terminal's last status (S00 …); why it is unreachable: in words (ssi-terminal.status.unreachable.<reason>), and the failure's message. */
  status?: string;
  reason?: string;
  error?: string;
  /** Why the journal cannot be used (every payment is refused). */
  journal?: string;
  /** 1.1: protocol v1.1.10; 1.4: later firmware (1.3/1.4); none: not found out yet. */
  firmware?: string;
  unresolved: UnresolvedView[];
  /** The newest first. */
  outcomes: OutcomeEntry[];
}

type ConfigNode = TerminalConfigNode & { settings?: TerminalSettings };

/** The records of a journal file, read only (its Terminal is closed): none without a file. */
function journalFileRecords(path: string): readonly JournalRecord[] {
  try {
    const records = (JSON.parse(readFileSync(path, 'utf8')) as { records?: unknown }).records;
    if (!Array.isArray(records)) throw new Error('it has no records array');
    return (records as unknown[]).filter((r): r is JournalRecord => {
      const record = r as Partial<Record<keyof JournalRecord, unknown>> | null;
      return typeof record?.id === 'string' && typeof record.method === 'string';
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    // What the Terminal will replace it with when it opens it.
    const now = new Date().toISOString();
    return [
      {
        id: UNREADABLE_JOURNAL,
        method: 'Unknown',
        params: {},
        startedAt: now,
        updatedAt: now,
        step: 'unknown',
        snapshot: null,
        reason: `the journal could not be read (${(err as Error).message}); it is kept aside when the terminal is next used`,
      },
    ];
  }
}

/**
 * The open records without opening a Terminal for it: opening one takes the journal's lock, logs a journal that
 * cannot be used again, and changes the state the nodes show, on every look.
 */
function openRecords(node: ConfigNode): readonly JournalRecord[] {
  const hub = node.hub;
  if (hub.open) return hub.unresolved();
  return hub.options.journal ? journalFileRecords(hub.options.journal) : [];
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined);

function unresolvedView(record: JournalRecord): UnresolvedView {
  const r = redactForLog(record);
  const p = r.params ?? {};
  const view: UnresolvedView = {
    id: r.id,
    method: r.method,
    startedAt: r.startedAt,
    step: r.step ?? 'sending',
    acknowledged: r.acknowledged === true,
    settle: settleMode(record),
  };
  const amount = text(p.transAmount);
  if (amount !== undefined && /^\d{1,15}$/.test(amount)) view.amount = Number(amount);
  for (const key of ['currency', 'merchantId', 'invoiceNum', 'rrn', 'transactionUid'] as const) {
    const value = text(p[key === 'currency' ? 'transCurrency' : key]);
    if (value !== undefined) view[key] = value;
  }
  if (r.ref !== undefined) view.ref = r.ref;
  if (r.tag !== undefined) view.node = r.tag;
  if (r.sentAt !== undefined) view.sentAt = r.sentAt;
  if (r.secondStep) view.secondStep = { sentAt: r.secondStep.sentAt, acknowledged: r.secondStep.acknowledged === true };
  if (r.lastStatus !== undefined) view.lastStatus = r.lastStatus;
  if (r.reason !== undefined) view.reason = r.reason;
  if (r.superseded) view.superseded = true;
  return view;
}

function place(settings: TerminalSettings | undefined): { transport?: string; where?: string; configError?: string } {
  try {
    const o = optionsFromSettings(settings ?? {});
    if (o.transport === 'serial') return { transport: 'serial', where: o.path };
    return { transport: o.transport as string, where: `${o.host}:${o.port}${o.transport === 'http' ? (o.httpPath ?? '') : ''}` };
  } catch (err) {
    return { configError: (err as Error).message };
  }
}

export function terminalView(node: ConfigNode): TerminalView {
  const hub = node.hub;
  const state = hub.state;
  const view: TerminalView = {
    id: node.id,
    name: node.name ?? '',
    ...place(node.settings),
    reachability: state.reachability,
    unresolved: [],
    outcomes: hub.lastOutcomes(),
  };
  if (state.status) view.status = state.status.status;
  if (state.error !== undefined) view.error = state.error;
  if (state.reason !== undefined) view.reason = state.reason;
  const firmware = hub.firmware;
  if (firmware) view.firmware = firmware;
  if (view.configError) return view;
  const records = openRecords(node);
  const unusable = records.find((r) => r.id === JOURNAL_UNAVAILABLE);
  if (state.journal !== undefined || unusable) view.journal = state.journal ?? unusable?.reason ?? 'the journal cannot be used';
  view.unresolved = records.map(unresolvedView);
  return view;
}

/** The deployed ssi-terminal nodes (a disabled one is not deployed), in the order of the flows. */
export function deployedTerminals(RED: NodeAPI): ConfigNode[] {
  const out: ConfigNode[] = [];
  RED.nodes.eachNode?.((def) => {
    if (def.type !== 'ssi-terminal') return;
    const node = RED.nodes.getNode(def.id) as ConfigNode | null;
    if (node && node.hub) out.push(node);
  });
  return out;
}

/** Topics the sidebar subscribes to: one terminal changed, or which terminals are deployed. */
export const TOPIC = 'ssi-ecr/terminal';

/** ms a terminal's notices are gathered in: a payment's statuses come in bursts. */
const GATHER_MS = 150;

const watching = new WeakMap<object, WeakSet<object>>();

/**
 * Tells the editors (RED.comms) when what the sidebar shows may have changed: `ssi-ecr/terminal/<id>` for a terminal
 * (gathered over GATHER_MS), `ssi-ecr/terminal` once flows have started (terminals came or went). The notice says
 * nothing but the id: the sidebar reads the rest through the admin API, behind its permission.
 */
export function tellEditors(RED: NodeAPI): void {
  const events = RED.events;
  const comms = RED.comms;
  if (!events || !comms || watching.has(events)) return;
  const hubs = new WeakSet<object>();
  watching.set(events, hubs);
  events.on('flows:started', () => {
    for (const node of deployedTerminals(RED)) {
      if (hubs.has(node.hub)) continue;
      hubs.add(node.hub);
      let timer: NodeJS.Timeout | undefined;
      const notice = () => {
        if (timer) return;
        timer = setTimeout(() => {
          timer = undefined;
          comms.publish(`${TOPIC}/${node.id}`, { id: node.id });
        }, GATHER_MS);
        timer.unref?.();
      };
      for (const event of ['state', 'journal', 'outcome', 'firmware']) node.hub.on(event, notice);
    }
    comms.publish(TOPIC, {});
  });
}
