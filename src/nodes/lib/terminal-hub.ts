/**
 * What an ssi-terminal config node holds: one Terminal shared by every flow node that uses it, opened when the
 * first one needs it and closed when the last one goes, and the state they all show.
 */
import { EventEmitter } from 'node:events';
import { Terminal, type TerminalOptions } from '../../core/terminal';
import type { StatusEvent } from '../../core/codes';
import type { ConnectionEvent } from '../../core/transports/transport';

export type Reachability = 'unknown' | 'connecting' | 'connected' | 'disconnected';

export interface HubState {
  reachability: Reachability;
  /** The last status the terminal reported. */
  status?: StatusEvent;
  /** Why the terminal is unreachable. */
  error?: string;
}

export class TerminalHub extends EventEmitter {
  private terminal: Terminal | null = null;
  private readonly users = new Set<string>();
  private current: HubState = { reachability: 'unknown' };
  private closed = false;

  /** ms a closing hub waits for running operations. */
  drainTimeout = 10_000;

  constructor(readonly options: TerminalOptions, private readonly create: (options: TerminalOptions) => Terminal = (o) => new Terminal(o)) {
    super();
    this.setMaxListeners(0);
  }

  get state(): HubState {
    return this.current;
  }

  get userCount(): number {
    return this.users.size;
  }

  get open(): boolean {
    return this.terminal !== null;
  }

  /** The shared Terminal, created on first use; `user` is released with release(). */
  acquire(user: string): Terminal {
    if (this.closed) throw new Error('the terminal configuration was closed');
    this.users.add(user);
    if (!this.terminal) {
      const terminal = this.create(this.options);
      terminal.on('connection', (event: ConnectionEvent) => this.onConnection(event));
      terminal.on('status', (status: StatusEvent) => this.update({ status, reachability: 'connected', error: undefined }));
      this.terminal = terminal;
    }
    return this.terminal;
  }

  /** Resolves once the Terminal is closed if `user` was the last one. */
  async release(user: string): Promise<void> {
    this.users.delete(user);
    if (this.users.size === 0) await this.shutdown();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.users.clear();
    await this.shutdown();
    this.removeAllListeners();
  }

  private async shutdown(): Promise<void> {
    const terminal = this.terminal;
    if (!terminal) return;
    this.terminal = null;
    // A payment still running gets time to end (Node-RED allows a node 15 s to close) before it is cut off.
    await terminal.whenIdle(this.drainTimeout);
    terminal.removeAllListeners();
    await terminal.close();
    this.update({ reachability: 'unknown', status: undefined, error: undefined });
  }

  private onConnection(event: ConnectionEvent): void {
    // Some terminals close the socket after every answer: a close without an error is not "unreachable".
    if (event.state === 'connected') this.update({ reachability: 'connected', error: undefined });
    else if (event.state === 'connecting' && this.current.reachability !== 'connected') this.update({ reachability: 'connecting' });
    else if (event.state === 'disconnected' && event.error) this.update({ reachability: 'disconnected', error: event.error.message });
  }

  private update(change: Partial<HubState>): void {
    const next = { ...this.current, ...change };
    if (next.reachability === this.current.reachability && next.status?.status === this.current.status?.status && next.error === this.current.error) return;
    this.current = next;
    this.emit('state', next);
  }
}
