/**
 * ssi-report: an X report (interim totals) or a Z report (settlement), fixed in the node or, with 'msg', from
 * msg.payload.report. Output 1: the report's totals. Output 2: the settlement failed (the terminal says error).
 */
import { type EcrResponse, METHODS } from '../core';
import { flag, oneOf, settingOrMsg } from './lib/choice';
import { attachTerminal, type OperationContext } from './lib/flow-node';
import { buildParams, payloadObject, typedValues } from './lib/inputs';
import { reportBadge, reportPayload } from './lib/report';
import type { Node, NodeAPI, NodeDef, NodeMessage } from './lib/red';

const REPORTS = ['XReport', 'ZReport'] as const;
const TYPED = { merchantId: 'merchantId' } as const;

/** The report has happened: a receipt that cannot be fetched must not hide its outcome. */
async function reportReceipt(ctx: OperationContext): Promise<Record<string, unknown>> {
  try {
    return { receipt: (await ctx.terminal.request('GetLastReportReceipt')).params.receipt };
  } catch (err) {
    return { receipt: null, receiptError: (err as Error).message };
  }
}

function shape(
  msg: NodeMessage,
  report: string,
  result: EcrResponse,
  ctx: OperationContext,
  receipt?: Record<string, unknown>,
): (NodeMessage | null)[] {
  const out = { ...reportPayload(report, result), ...receipt };
  msg.ecr = { method: report, response: result };
  msg.payload = out;
  ctx.badge(reportBadge(out, ctx.t));
  return out.ok ? [msg, null] : [null, msg];
}

export = function register(RED: NodeAPI): void {
  function SsiReportNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    attachTerminal(
      RED,
      this,
      def,
      async (msg, ctx) => {
        const payload = payloadObject(msg.payload);
        const report = oneOf(
          'ssi-report',
          'report',
          settingOrMsg(def.report ?? 'XReport', () => payload.report),
          REPORTS,
        );
        const detailed = typeof payload.detailed === 'boolean' ? payload.detailed : flag(def.detailed);
        const fromNode = typedValues((v, t) => RED.util.evaluateNodeProperty(v, t, this, msg), def, TYPED);
        const sources = { payload: { merchantId: payload.merchantId, isDetailReport: detailed }, node: fromNode, defaults: ctx.config.defaults };
        const params = buildParams(report, Object.keys(METHODS[report].params), sources, 'minor');
        const result = await ctx.transact(report, params);
        const receipt = flag(def.receipt) ? await reportReceipt(ctx) : undefined;
        return shape(msg, report, result, ctx, receipt);
      },
      shape,
    );
  }
  RED.nodes.registerType('ssi-report', SsiReportNode);
};
