/**
 * ssi-terminal: the configuration node. One Terminal per node, shared by every flow node that uses it.
 * Admin endpoints (editor only, behind Node-RED's permissions): test a connection, list serial ports, and the
 * method catalogue the editor builds its choices from.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  describeStatus,
  ERROR_CODES,
  errorJson,
  type FirmwareEvent,
  merchantIds,
  METHOD_NAMES,
  METHODS,
  redactForLog,
  REQUEST_KEYS,
  STATUS_CODES,
  Terminal,
  TERMINAL_DEFAULTS,
} from '../core';
import { loadSerialPort, valueText } from '../core/internal';
import { settleRequest } from './lib/by-hand';
import type { TerminalConfigNode } from './lib/flow-node';
import type { Node, NodeAPI, NodeDef } from './lib/red';
import { TerminalHub, type ProblemLevel } from './lib/terminal-hub';
import { optionsFromSettings, watchSettings, type TerminalSettings, type WatchSettings } from './lib/terminal-settings';
import { TerminalWatch } from './lib/terminal-watch';

const TEST_TIMEOUT = 5000;

type AdminResponse = { json(body: unknown): void; status(code: number): { json(body: unknown): void } };
/** With adminAuth, `user` is who made the request. */
type AdminRequest = { params?: Record<string, string>; body?: unknown; user?: { username?: unknown } };

interface SerialPortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

/** serialport's list, or on Linux without udev (minimal containers) the device nodes a USB terminal appears as. */
async function listSerialPorts(): Promise<SerialPortInfo[]> {
  try {
    const ports = await loadSerialPort().SerialPort.list();
    return ports.map((p) => ({
      path: p.path,
      manufacturer: p.manufacturer,
      serialNumber: p.serialNumber,
      vendorId: p.vendorId,
      productId: p.productId,
    }));
  } catch (err) {
    if (process.platform !== 'linux') throw err;
    const byId = await readdir('/dev/serial/by-id').then(
      (names) => names.map((n) => `/dev/serial/by-id/${n}`),
      () => [] as string[],
    );
    const dev = (await readdir('/dev')).filter((n) => /^tty(USB|ACM|AMA)\d+$/.test(n)).map((n) => `/dev/${n}`);
    return [...byId, ...dev].map((path) => ({ path }));
  }
}

async function testConnection(settings: TerminalSettings, shared?: TerminalHub): Promise<Record<string, unknown>> {
  // A deployed node with these settings already holds the connection (a serial port cannot be opened twice).
  const own = !shared;
  const terminal = shared
    ? shared.acquire('admin:test')
    : new Terminal({ ...optionsFromSettings(settings), requestTimeout: TEST_TIMEOUT, connectTimeout: TEST_TIMEOUT });
  const started = Date.now();
  try {
    const ping = await terminal.request('PingDevice');
    const status = await terminal.request('GetStatus');
    // GetTerminalInfo is answered only when idle: during a payment it would wait behind it.
    const idle = status.status !== undefined && describeStatus(status.status).idle;
    const info = idle
      ? await terminal.request('GetTerminalInfo').then(
          (r) => r.params,
          (err: Error) => ({ error: err.message }),
        )
      : { skipped: `the terminal is busy (${status.status ?? 'no status'})` };
    // Payments need a merchant id: the dialog offers the terminal's own.
    const merchants = idle
      ? await terminal.request('GetMerchantList').then(
          (r) => merchantIds(r.params.merchantList),
          () => undefined,
        )
      : undefined;
    // One harmless probe (unless the protocol is set or already known); a busy terminal is not made to wait for it.
    const firmware = idle ? await terminal.detectFirmware().catch(() => undefined) : terminal.firmware;
    return { ok: true, terminal: terminal.name, ms: Date.now() - started, ping: !ping.error, status: status.status, info, merchants, firmware };
  } catch (err) {
    return { ok: false, terminal: terminal.name, ms: Date.now() - started, error: errorJson(err) };
  } finally {
    if (own) await terminal.close();
    else await shared.release('admin:test');
  }
}

function sameSettings(node: Node & { settings?: TerminalSettings }, body: TerminalSettings): boolean {
  const s = node.settings;
  if (!s) return false;
  return (['transport', 'host', 'port', 'httpPort', 'httpPath', 'serialPort', 'baudRate'] as const).every(
    (k) => valueText(s[k]) === valueText(body[k]),
  );
}

/** One journal per terminal configuration, in the Node-RED user directory. */
function journalFile(RED: NodeAPI, id: string): string | undefined {
  const dir =
    typeof RED.settings.ssiEcrJournalDir === 'string'
      ? RED.settings.ssiEcrJournalDir
      : RED.settings.userDir
        ? join(RED.settings.userDir, 'ssi-ecr')
        : undefined;
  return dir ? join(dir, `journal-${id.replace(/[^\w.-]/g, '_')}.json`) : undefined;
}

export = function register(RED: NodeAPI): void {
  function SsiTerminalNode(this: TerminalConfigNode & { settings: TerminalSettings; watch?: TerminalWatch }, def: NodeDef) {
    RED.nodes.createNode(this, def);
    this.settings = def as TerminalSettings;
    this.defaults = {
      merchantId: typeof def.merchantId === 'string' && def.merchantId.trim() ? def.merchantId.trim() : undefined,
      transCurrency: TERMINAL_DEFAULTS.currency,
    };
    let watching: WatchSettings | undefined;
    try {
      const options = optionsFromSettings(this.settings);
      watching = watchSettings(this.settings);
      // The flow nodes fill transCurrency from here; the Terminal's own default covers ssi-command's requests.
      if (options.currency) this.defaults.transCurrency = options.currency;
      const journal = journalFile(RED, this.id);
      if (!journal) this.warn('no user directory: payments are not journaled, so an outcome lost in a crash cannot be recovered');
      this.hub = new TerminalHub({ ...options, journal, allowWhileUnresolved: def.allowWhileUnresolved === true });
    } catch (err) {
      // Flow nodes using a misconfigured terminal report this error on every message.
      this.error((err as Error).message);
      // A hub that cannot make its Terminal: the options are only its name among hubs, and no usable terminal has it.
      this.hub = new TerminalHub({ transport: 'tcp', host: '' }, () => {
        throw err;
      });
    }
    // A journal that cannot be used, an unreadable one kept aside, a stale lock taken over: said in the log.
    this.hub.on('problem', (message: string, level: ProblemLevel) => (level === 'error' ? this.error(message) : this.warn(message)));
    // Which protocol the terminal turned out to speak, for whoever reads the log when a payment behaves oddly.
    this.hub.on('firmware', (event: FirmwareEvent) =>
      this.log(`the terminal speaks ${event.generation === '1.4' ? 'later firmware (1.3/1.4)' : 'protocol v1.1.10'}: ${event.reason}`),
    );
    // Every node using the terminal shows, right after deploy and then as the watch finds it, whether it answers.
    if (watching) {
      this.watch = new TerminalWatch(this.hub, watching, {
        unreachable: (message) => this.warn(`the terminal does not answer: ${message}`),
        reachable: () => this.log('the terminal answers again'),
      });
    }
    this.on('close', (_removed: boolean, done: () => void) => {
      this.watch?.stop();
      this.hub.close().then(done, done);
    });
  }
  RED.nodes.registerType('ssi-terminal', SsiTerminalNode as unknown as (this: Node, def: NodeDef) => void);

  RED.httpAdmin.post(
    '/ssi-ecr/test-connection',
    RED.auth.needsPermission('ssi-terminal.write'),
    (req: { body?: unknown }, res: { json(b: unknown): void }) => {
      const body = (req.body ?? {}) as TerminalSettings & { id?: string };
      const deployed = body.id ? (RED.nodes.getNode(body.id) as (TerminalConfigNode & { settings?: TerminalSettings }) | null) : null;
      const shared = deployed && deployed.hub && sameSettings(deployed, body) ? deployed.hub : undefined;
      let settings: TerminalSettings;
      try {
        settings = body;
        if (!shared) optionsFromSettings(settings);
      } catch (err) {
        return res.json({ ok: false, error: errorJson(err) });
      }
      testConnection(settings, shared).then(
        (r) => res.json(r),
        (err: Error) => res.json({ ok: false, error: errorJson(err) }),
      );
    },
  );

  const deployed = (id: string) => {
    const node = RED.nodes.getNode(id) as TerminalConfigNode | null;
    return node && node.type === 'ssi-terminal' && node.hub ? node : null;
  };
  RED.httpAdmin.get(
    '/ssi-ecr/journal/:id',
    RED.auth.needsPermission('ssi-terminal.read'),
    (req: { params?: Record<string, string> }, res: AdminResponse) => {
      const node = deployed(req.params?.id ?? '');
      if (!node) return res.status(404).json({ error: 'no deployed ssi-terminal with this id' });
      res.json({ unresolved: node.hub.unresolved().map((r) => redactForLog(r)) });
    },
  );
  // Body { verdict: 'approved' | 'not-performed' }: the node that started a payment sends that as its outcome (by-hand.ts).
  RED.httpAdmin.post(
    '/ssi-ecr/journal/:id/resolve/:record',
    RED.auth.needsPermission('ssi-terminal.write'),
    (req: AdminRequest, res: AdminResponse) => {
      const node = deployed(req.params?.id ?? '');
      if (!node) return res.status(404).json({ error: 'no deployed ssi-terminal with this id' });
      void settleRequest(node, req.params?.record ?? '', req.body, req.user).then(({ status, body }) => res.status(status).json(body));
    },
  );

  RED.httpAdmin.get('/ssi-ecr/serial-ports', RED.auth.needsPermission('ssi-terminal.read'), (_req: unknown, res: { json(b: unknown): void }) => {
    listSerialPorts().then(
      (ports) => res.json(ports),
      () => res.json([]),
    );
  });

  RED.httpAdmin.get('/ssi-ecr/catalogue', RED.auth.needsPermission('ssi-terminal.read'), (_req: unknown, res: { json(b: unknown): void }) => {
    res.json({ methods: METHOD_NAMES.map((name) => METHODS[name]), keys: REQUEST_KEYS, errors: ERROR_CODES, statuses: STATUS_CODES });
  });
};
