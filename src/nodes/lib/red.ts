/** The parts of the Node-RED runtime API these nodes use (Node-RED 3.1 and later). */
import type { EventEmitter } from 'node:events';

export type NodeMessage = Record<string, unknown> & { _msgid?: string; payload?: unknown };

export interface NodeStatus {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export type Send = (msg: NodeMessage | (NodeMessage | null)[] | null) => void;
export type Done = (err?: Error) => void;

export interface Node extends EventEmitter {
  id: string;
  type: string;
  name?: string;
  status(status: NodeStatus): void;
  error(err: unknown, msg?: NodeMessage): void;
  warn(message: unknown): void;
  log(message: unknown): void;
  debug(message: unknown): void;
  send: Send;
}

export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  [key: string]: unknown;
}

interface Handler {
  (
    req: { body?: unknown; params?: Record<string, string>; query?: Record<string, string> },
    res: { json(body: unknown): void; status(code: number): { json(body: unknown): void } },
  ): void;
}

export interface NodeAPI {
  nodes: {
    createNode(node: object, def: NodeDef): void;
    registerType(type: string, ctor: (this: Node, def: NodeDef) => void, options?: object): void;
    getNode(id: string): Node | null;
    /** Every node of the deployed flows, as defined (config nodes too). */
    eachNode?(cb: (def: NodeDef) => void): void;
  };
  /** Messages to every connected editor (RED.comms.subscribe there). */
  comms?: { publish(topic: string, data: unknown, retain?: boolean): void };
  /** A plugin's runtime part registers itself here (Node-RED 1.3 and later). */
  plugins?: { registerPlugin(id: string, definition: Record<string, unknown>): void };
  events?: EventEmitter;
  httpAdmin: {
    get(path: string, ...handlers: unknown[]): void;
    post(path: string, ...handlers: unknown[]): void;
  };
  auth: { needsPermission(permission: string): unknown };
  util: {
    evaluateNodeProperty(value: unknown, type: string, node: Node, msg: NodeMessage): unknown;
    /** A deep copy of a msg (msg.req and msg.res stay the same objects). */
    cloneMessage<T extends NodeMessage>(msg: T): T;
  };
  settings: { userDir?: string; [key: string]: unknown };
  _(key: string, substitutions?: Record<string, unknown>): string;
}

export type AdminHandler = Handler;
