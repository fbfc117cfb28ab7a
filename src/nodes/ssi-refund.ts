/**
 * ssi-refund: money back. Refund (rrn + amount), Void (invoiceNum) or PartialVoid (invoiceNum + the amount taken
 * off), fixed in the node or, with 'msg', from msg.payload.operation. Output 1: approved. Output 2: not approved.
 */
import { METHODS } from '../core';
import { busyPolicy, refuseWhenBusy } from './lib/busy-policy';
import { flag, oneOf, settingOrMsg } from './lib/choice';
import { attachTerminal } from './lib/flow-node';
import { buildParams, payloadObject, typedValues, type AmountUnits } from './lib/inputs';
import { attachReceipt, financialOutcome } from './lib/payment-message';
import type { Node, NodeAPI, NodeDef } from './lib/red';

const OPERATIONS = ['Refund', 'Void', 'PartialVoid'] as const;
const TYPED = { merchantId: 'merchantId', currency: 'transCurrency' } as const;

export = function register(RED: NodeAPI): void {
  function SsiRefundNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const units: AmountUnits = def.units === 'major' ? 'major' : 'minor';
    const busy = busyPolicy(def.busy);
    const receipt = flag(def.receipt);
    attachTerminal(
      RED,
      this,
      def,
      async (msg, ctx) => {
        const payload = payloadObject(msg.payload);
        const operation = oneOf(
          'ssi-refund',
          'operation',
          settingOrMsg(def.operation, () => payload.operation, 'Refund'),
          OPERATIONS,
        );
        const fromNode = typedValues((v, t) => RED.util.evaluateNodeProperty(v, t, this, msg), def, TYPED);
        const params = buildParams(
          operation,
          Object.keys(METHODS[operation].params),
          { payload, node: fromNode, defaults: ctx.config.defaults },
          units,
        );
        refuseWhenBusy(busy, operation, ctx);
        const out = financialOutcome(msg, operation, await ctx.transact(operation, params), ctx);
        if (receipt) await attachReceipt(msg, ctx);
        return out;
      },
      financialOutcome,
    );
  }
  RED.nodes.registerType('ssi-refund', SsiRefundNode);
};
