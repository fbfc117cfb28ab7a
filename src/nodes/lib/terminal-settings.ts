/** The ssi-terminal node's settings as Terminal options, checked with a clear message per field. */
import { LRC_ENCODINGS, type LrcEncoding, type Polling, POLLING_MODES, type Protocol, PROTOCOLS, type TerminalOptions } from '../../core';
import { invalid, valueText } from '../../core/internal';

export interface TerminalSettings {
  transport?: unknown;
  host?: unknown;
  port?: unknown;
  httpPort?: unknown;
  httpPath?: unknown;
  serialPort?: unknown;
  baudRate?: unknown;
  pollInterval?: unknown;
  polling?: unknown;
  requestTimeout?: unknown;
  overallTimeout?: unknown;
  connectTimeout?: unknown;
  unackedGrace?: unknown;
  lrcEncoding?: unknown;
  protocol?: unknown;
  minRequestGap?: unknown;
  soleEcr?: unknown;
  currency?: unknown;
  probeAtDeploy?: unknown;
  watchInterval?: unknown;
}

const NODE = 'ssi-terminal';
/** How the ssi-terminal node keeps an eye on its terminal between operations (see TerminalWatch). */
export interface WatchSettings {
  /** One check right after deploy (when the first node opens the connection). */
  probeAtDeploy: boolean;
  /** ms between two checks while the connection is open; 0: none. */
  every: number;
}

/** A configuration without the settings (saved before they existed, or written by hand) probes and watches. */
export const WATCH_DEFAULTS = { probeAtDeploy: true, watchInterval: 60 } as const;

function whole(field: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(valueText(value).trim());
  if (!Number.isInteger(n) || n < min || n > max) throw invalid(NODE, field, `must be a whole number from ${min} to ${max}`, { value });
  return n;
}

function polling(value: unknown): Polling | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (!POLLING_MODES.includes(value as Polling)) throw invalid(NODE, 'polling', `must be ${POLLING_MODES.join(' or ')}`, { value });
  return value as Polling;
}

function lrcEncoding(value: unknown): LrcEncoding | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (!LRC_ENCODINGS.includes(value as LrcEncoding)) throw invalid(NODE, 'lrcEncoding', `must be ${LRC_ENCODINGS.join(' or ')}`, { value });
  return value as LrcEncoding;
}

/** Which protocol the terminal speaks; blank (a flow saved before the setting existed) is auto. */
function protocol(value: unknown): Protocol | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (!PROTOCOLS.includes(value as Protocol)) throw invalid(NODE, 'protocol', `must be ${PROTOCOLS.join(', ')}`, { value });
  return value as Protocol;
}

/** A checkbox: the editor saves a boolean; "true"/"false" from a hand-written flow are read as such. */
function checkbox(field: string, value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw invalid(NODE, field, 'must be true or false', { value });
}

/** The currency a request without one is sent in: three digits (ISO 4217 numeric); blank is the library's (980). */
function currency(value: unknown): string | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : value;
  if (text === undefined || text === null || text === '') return undefined;
  if (typeof text !== 'string' || !/^\d{3}$/.test(text))
    throw invalid(NODE, 'currency', 'must be a 3-digit ISO 4217 numeric code such as 980', { value });
  return text;
}

export function optionsFromSettings(s: TerminalSettings): TerminalOptions {
  const transport = (s.transport || 'tcp') as string;
  if (transport !== 'tcp' && transport !== 'http' && transport !== 'serial')
    throw invalid(NODE, 'transport', 'must be tcp, http or serial', { value: s.transport });
  const common = {
    pollInterval: whole('pollInterval', s.pollInterval, 10, 60_000),
    polling: polling(s.polling),
    requestTimeout: whole('requestTimeout', s.requestTimeout, 100, 600_000),
    overallTimeout: whole('overallTimeout', s.overallTimeout, 1000, 3_600_000),
    connectTimeout: whole('connectTimeout', s.connectTimeout, 100, 60_000),
    unackedGrace: whole('unackedGrace', s.unackedGrace, 0, 600_000),
    lrcEncoding: lrcEncoding(s.lrcEncoding),
    protocol: protocol(s.protocol),
    minRequestGap: whole('minRequestGap', s.minRequestGap, 0, 10_000),
    soleEcr: checkbox('soleEcr', s.soleEcr),
    currency: currency(s.currency),
  };
  if (transport === 'serial') {
    const path = typeof s.serialPort === 'string' ? s.serialPort.trim() : '';
    if (!path) throw invalid(NODE, 'serialPort', 'is required for the serial transport (e.g. /dev/ttyACM0 or COM3)', { value: s.serialPort });
    return { transport, path, baudRate: whole('baudRate', s.baudRate, 300, 4_000_000), ...common };
  }
  const host = typeof s.host === 'string' ? s.host.trim() : '';
  if (!host) throw invalid(NODE, 'host', "is required (the terminal's IP address or name)", { value: s.host });
  const tcpPort = whole('port', s.port, 1, 65534) ?? 3000;
  // The port setting is the terminal's TCP port; HTTP listens on the next one (§1.1) unless set apart.
  const port = transport === 'http' ? (whole('httpPort', s.httpPort, 1, 65535) ?? tcpPort + 1) : tcpPort;
  const httpPath = typeof s.httpPath === 'string' && s.httpPath.trim() ? s.httpPath.trim() : undefined;
  return transport === 'http' ? { transport, host, port, httpPath, ...common } : { transport, host, port, ...common };
}

/** The watch settings: probe at deploy (a checkbox) and watch every whole number of seconds, 0 for never. */
export function watchSettings(s: TerminalSettings): WatchSettings {
  return {
    probeAtDeploy: checkbox('probeAtDeploy', s.probeAtDeploy) ?? WATCH_DEFAULTS.probeAtDeploy,
    every: (whole('watchInterval', s.watchInterval, 0, 86_400) ?? WATCH_DEFAULTS.watchInterval) * 1000,
  };
}
