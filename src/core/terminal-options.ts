/**
 * What a Terminal is made with: where the terminal is (one shape per transport, so that a serial terminal cannot be
 * given a host, nor a network one a device path), and how operations run. Checked again when the Terminal is made,
 * for JavaScript callers: a missing or wrong value is refused with VALIDATION naming the option.
 */
import type { Protocol } from './firmware';
import type { Polling } from './poll-schedule';
import type { LrcEncoding } from './receipt-xml';
import type { Transport } from './transports/transport';

/** How operations run, whatever the transport. */
export interface OperationOptions {
  /**
   * ms to wait for a connection before a request fails unsent.
   * @defaultValue 5000
   */
  connectTimeout?: number;
  /**
   * ms between GetStatus polls while an operation runs: every time (fixed), or the base the adaptive schedule scales.
   * @defaultValue 500
   */
  pollInterval?: number;
  /**
   * 'adaptive': slow while the cardholder acts, fast when the outcome is near. 'fixed': every pollInterval.
   * @defaultValue 'adaptive'
   */
  polling?: Polling;
  /**
   * ms to wait for each response.
   * @defaultValue 10000 on v1.1.10, 15000 on later firmware and until the generation is known
   */
  requestTimeout?: number;
  /**
   * ms an operation may go without a status change before its outcome is declared unknown.
   * @defaultValue 180000
   */
  overallTimeout?: number;
  /**
   * ms an operation may take at most, however often its status changes (a terminal flapping between two statuses
   * would otherwise keep it going for ever); then OUTCOME_UNKNOWN.
   * @defaultValue 10 × overallTimeout
   */
  operationCeiling?: number;
  /**
   * Which protocol the terminal speaks: 'auto' finds out before the first operation with a harmless probe
   * (GetResultByUid for an id that cannot exist: v1.1.10 answers E05) and from the first S08; '1.1' or '1.4' says so.
   * @defaultValue 'auto'
   */
  protocol?: Protocol;
  /**
   * ms between the end of one exchange and the next request.
   * @defaultValue 0 on v1.1.10, 250 on later firmware and until the generation is known
   */
  minRequestGap?: number;
  /**
   * transCurrency when a request leaves it out: an ISO 4217 numeric code.
   * @defaultValue '980' (the hryvnia)
   */
  currency?: string;
  /**
   * No other ECR sends to this terminal. Then a matching result that appears after a request that was never
   * acknowledged is taken as its outcome; otherwise, unless a transactionUid ties it (later firmware), that ends
   * OUTCOME_UNKNOWN, as another ECR's identical sale cannot be told from it.
   * @defaultValue false
   */
  soleEcr?: boolean;
  /**
   * ms to keep polling when the terminal is idle but its last result has not changed yet.
   * @defaultValue 3000
   */
  settleGrace?: number;
  /**
   * ms after sending a request that was never acknowledged before it may be called not performed: until then it
   * may still reach the terminal (held in a network buffer, or read late by a busy payment app).
   * @defaultValue 15000
   */
  unackedGrace?: number;
  /**
   * Operations allowed to wait behind the running one.
   * @defaultValue 32
   */
  maxQueue?: number;
  /**
   * A file where financial and report operations are written down before they are sent and crossed out when
   * their outcome is delivered: after a crash, reconcile() establishes what became of them.
   * @defaultValue none: nothing is written down
   */
  journal?: string;
  /**
   * Let new financial operations run while an earlier one's outcome is unresolved.
   * @defaultValue false: they are refused with UNRESOLVED
   */
  allowWhileUnresolved?: boolean;
  /**
   * How PrintXml's `lrc` is written: 'decimal' (e.g. "31") or 'hex' (two upper-case digits, e.g. "1F").
   * @defaultValue 'decimal'
   */
  lrcEncoding?: LrcEncoding;
}

/** Keys of the network transports, which a serial terminal does not take. */
interface NoNetwork {
  host?: never;
  port?: never;
  httpPath?: never;
}

/** Keys of the serial transport, which a network terminal does not take. */
interface NoSerial {
  path?: never;
  baudRate?: never;
}

/** A terminal on the network, spoken to over TCP (§1.1). */
export interface TcpTerminalOptions extends OperationOptions, NoSerial {
  /** @defaultValue 'tcp' */
  transport?: 'tcp';
  /** The terminal's IP address or host name. */
  host: string;
  /**
   * The terminal's TCP port.
   * @defaultValue 3000
   */
  port?: number;
  /** HTTP only: set `transport: 'http'` to POST to a path. */
  httpPath?: never;
}

/** A terminal on the network, spoken to over HTTP: JSON POSTed to it (§1.1). */
export interface HttpTerminalOptions extends OperationOptions, NoSerial {
  transport: 'http';
  /** The terminal's IP address or host name. */
  host: string;
  /**
   * The terminal's HTTP port.
   * @defaultValue 3001 (its TCP port + 1)
   */
  port?: number;
  /**
   * HTTP path the JSON is POSTed to.
   * @defaultValue '/'
   */
  httpPath?: string;
}

/** A terminal on a USB serial port (§1.1). */
export interface SerialTerminalOptions extends OperationOptions, NoNetwork {
  transport: 'serial';
  /** Serial device, e.g. /dev/ttyACM0 or COM3. */
  path: string;
  /**
   * Serial baud rate.
   * @defaultValue 115200
   */
  baudRate?: number;
}

/** A Transport of the caller's own, which knows where the terminal is. */
export interface OwnTransportOptions extends OperationOptions, NoNetwork, NoSerial {
  transport: Transport;
}

/** What a Terminal is made with: one shape per transport, told apart by `transport`. */
export type TerminalOptions = TcpTerminalOptions | HttpTerminalOptions | SerialTerminalOptions | OwnTransportOptions;
