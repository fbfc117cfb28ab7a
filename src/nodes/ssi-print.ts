/**
 * ssi-print: prints on the terminal (Android). xml: a receipt from msg.payload (XML, lines or { lines, fontStyle });
 * pdf: the PDF at the node's url, else msg.payload.url or a string msg.payload. msg.payload: the terminal's answer.
 */
import { oneOf } from './lib/choice';
import { attachTerminal } from './lib/flow-node';
import { typedValues } from './lib/inputs';
import { unchecked } from '../core';
import { printXmlInput } from './lib/receipt-builder';
import type { Node, NodeAPI, NodeDef } from './lib/red';

const MODES = ['xml', 'pdf'] as const;

function payloadUrl(payload: unknown): unknown {
  if (typeof payload === 'string') return payload;
  return payload && typeof payload === 'object' ? (payload as Record<string, unknown>).url : undefined;
}

export = function register(RED: NodeAPI): void {
  function SsiPrintNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    attachTerminal(RED, node, def, async (msg, ctx) => {
      const mode = oneOf('ssi-print', 'mode', def.mode || 'xml', MODES);
      let method: 'PrintPdfUrl' | 'PrintXml';
      let params: Record<string, unknown>;
      if (mode === 'pdf') {
        const { url } = typedValues((v, t) => RED.util.evaluateNodeProperty(v, t, node, msg), def, { url: 'url' });
        method = 'PrintPdfUrl';
        params = { url: url ?? payloadUrl(msg.payload) };
      } else {
        const input = printXmlInput(msg.payload);
        const fontStyle = input.fontStyle ?? (typeof def.fontStyle === 'string' && def.fontStyle.trim() ? def.fontStyle.trim() : undefined);
        method = 'PrintXml';
        params = fontStyle === undefined ? { receipt: input.receipt } : { receipt: input.receipt, fontStyle };
      }
      // Values from the msg: checked by request() when it runs (a URL, a receipt's XML), as a JavaScript caller's.
      const response = await ctx.terminal.request(method, unchecked(params));
      // What was printed beside the terminal's answer: the receipt XML (built from the lines) or the PDF's url.
      msg.payload = { ...response.params, ...(method === 'PrintPdfUrl' ? { url: params.url } : { receipt: params.receipt }) };
      msg.ecr = { method, response };
      ctx.badge({ fill: 'green', shape: 'dot', text: `✔ ${ctx.t('status.printed')}` });
      return msg;
    });
  }
  RED.nodes.registerType('ssi-print', SsiPrintNode);
};
