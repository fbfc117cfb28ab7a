/**
 * ssi-transaction: any financial method of the catalogue, fixed in the node or, with 'msg', named by msg.method.
 * msg.payload holds the method's keys (a bare number is transAmount). Output 1: approved. Output 2: not approved.
 */
import { METHODS, methodsIn } from '../core';
import { busyPolicy, refuseWhenBusy } from './lib/busy-policy';
import { flag, oneOf, settingOrMsg } from './lib/choice';
import { attachTerminal } from './lib/flow-node';
import { buildParams, payloadObject, typedValues, type AmountUnits } from './lib/inputs';
import { attachReceipt, financialOutcome } from './lib/payment-message';
import type { Node, NodeAPI, NodeDef } from './lib/red';

const FINANCIAL = Object.freeze(methodsIn('financial'));
const TYPED = { merchantId: 'merchantId', currency: 'transCurrency' } as const;

export = function register(RED: NodeAPI): void {
  function SsiTransactionNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const units: AmountUnits = def.units === 'major' ? 'major' : 'minor';
    const busy = busyPolicy(def.busy);
    const receipt = flag(def.receipt);
    attachTerminal(
      RED,
      this,
      def,
      async (msg, ctx) => {
        const method = oneOf(
          'ssi-transaction',
          'method',
          settingOrMsg(def.method ?? 'Purchase', () => msg.method),
          FINANCIAL,
        );
        const fromNode = typedValues((v, t) => RED.util.evaluateNodeProperty(v, t, this, msg), def, TYPED);
        const params = buildParams(
          method,
          Object.keys(METHODS[method].params),
          { payload: payloadObject(msg.payload), node: fromNode, defaults: ctx.config.defaults },
          units,
        );
        refuseWhenBusy(busy, method, ctx);
        const out = financialOutcome(msg, method, await ctx.transact(method, params), ctx);
        if (receipt) await attachReceipt(msg, ctx);
        return out;
      },
      financialOutcome,
    );
  }
  RED.nodes.registerType('ssi-transaction', SsiTransactionNode);
};
