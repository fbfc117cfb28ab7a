/**
 * ssi-terminal-info: what the terminal is. info: GetTerminalInfo plus platform (android | linux); merchants:
 * GetMerchantList; both: { info, merchants }.
 */
import type { Terminal } from '../core';
import { oneOf } from './lib/choice';
import { attachTerminal } from './lib/flow-node';
import type { Node, NodeAPI, NodeDef } from './lib/red';

const WHAT = ['info', 'merchants', 'both'] as const;

/** The two shapes of §5.5.9: Android names terminalModel/currentApp, Linux model/pos_sn; null when neither. */
function platformOf(info: Record<string, unknown>): 'android' | 'linux' | null {
  if (info.terminalModel !== undefined || info.currentApp !== undefined) return 'android';
  if (info.model !== undefined || info.pos_sn !== undefined) return 'linux';
  return null;
}

async function terminalInfo(terminal: Terminal) {
  const response = await terminal.request('GetTerminalInfo');
  const payload: Record<string, unknown> = { ...response.params, platform: platformOf(response.params) };
  return { payload, ecr: { method: 'GetTerminalInfo', response } };
}

async function merchants(terminal: Terminal) {
  const response = await terminal.request('GetMerchantList');
  const list = Array.isArray(response.params.merchantList) ? response.params.merchantList : [];
  const count = typeof response.params.merchantCount === 'number' ? response.params.merchantCount : list.length;
  return { payload: { merchantCount: count, merchantList: list }, ecr: { method: 'GetMerchantList', response } };
}

export = function register(RED: NodeAPI): void {
  function SsiTerminalInfoNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    attachTerminal(RED, this, def, async (msg, ctx) => {
      const what = oneOf('ssi-terminal-info', 'what', def.what || 'info', WHAT);
      const info = what === 'merchants' ? undefined : await terminalInfo(ctx.terminal);
      const list = what === 'info' ? undefined : await merchants(ctx.terminal);
      if (info && list) {
        msg.payload = { info: info.payload, merchants: list.payload };
        msg.ecr = { info: info.ecr, merchants: list.ecr };
      } else {
        const one = (info ?? list)!;
        msg.payload = one.payload;
        msg.ecr = one.ecr;
      }
      const model = info ? String(info.payload.terminalModel ?? info.payload.model ?? ctx.t('status.answers')) : undefined;
      const count = list ? ctx.t('status.merchants', { count: list.payload.merchantCount }) : undefined;
      ctx.badge({ fill: 'green', shape: 'dot', text: `✔ ${[model, count].filter(Boolean).join(', ')}` });
      return msg;
    });
  }
  RED.nodes.registerType('ssi-terminal-info', SsiTerminalInfoNode);
};
