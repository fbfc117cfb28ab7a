/** ssi-purchase: a card payment. Output 1: approved. Output 2: declined, cancelled or failed. */
import { METHODS } from '../core/catalogue';
import { attachTerminal } from './lib/flow-node';
import { buildParams, payloadObject, type AmountUnits } from './lib/inputs';
import { financialOutcome, typedValues } from './lib/outcome';
import type { Node, NodeAPI, NodeDef } from './lib/red';

const TYPED = { merchantId: 'merchantId', currency: 'transCurrency', discountedAmount: 'discountedAmount' } as const;

export = function register(RED: NodeAPI): void {
  function SsiPurchaseNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const units: AmountUnits = def.units === 'major' ? 'major' : 'minor';
    attachTerminal(RED, node, def, async (msg, ctx) => {
      const fromNode = typedValues((v, t) => RED.util.evaluateNodeProperty(v, t, node, msg), def, TYPED);
      const params = buildParams('Purchase', Object.keys(METHODS.Purchase.params), { payload: payloadObject(msg.payload), node: fromNode, defaults: ctx.config.defaults }, units);
      return financialOutcome(msg, 'Purchase', await ctx.transact('Purchase', params), ctx);
    }, financialOutcome);
  }
  RED.nodes.registerType('ssi-purchase', SsiPurchaseNode);
};
