/**
 * ssi-purchase: a card payment. Output 1: approved. Output 2: declined, cancelled or failed. With "price by card"
 * (later firmware), output 3: the card step 1 read, to be answered back into this node (see lib/price-by-card.ts).
 */
import { METHODS } from '../core';
import { busyPolicy, refuseWhenBusy } from './lib/busy-policy';
import { invalid } from '../core/internal';
import { flag } from './lib/choice';
import { attachTerminal } from './lib/flow-node';
import { buildParams, payloadObject, typedValues, type AmountUnits } from './lib/inputs';
import { attachReceipt, financialOutcome } from './lib/payment-message';
import { CARD_READ_WAIT, CardReadDesk, cardReadPayload, SECOND_STEP_KEY } from './lib/price-by-card';
import type { Node, NodeAPI, NodeDef, NodeMessage } from './lib/red';
import { STATUS_NS } from './lib/status';

const TYPED = { merchantId: 'merchantId', currency: 'transCurrency', discountedAmount: 'discountedAmount' } as const;

/** The wait for the flow's answer in seconds, as set (blank: the default); anything else is refused, naming it. */
function cardReadWait(value: unknown): number {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return CARD_READ_WAIT.fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (Number.isInteger(n) && n >= CARD_READ_WAIT.min && n <= CARD_READ_WAIT.max) return n;
  throw invalid('ssi-purchase', 'cardReadTimeout', `must be a whole number of seconds from ${CARD_READ_WAIT.min} to ${CARD_READ_WAIT.max}`, {
    value,
    method: 'Purchase',
  });
}

export = function register(RED: NodeAPI): void {
  function SsiPurchaseNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const units: AmountUnits = def.units === 'major' ? 'major' : 'minor';
    const desk = new CardReadDesk(units);
    const wires = Array.isArray(def.wires) ? (def.wires as unknown[]) : [];
    // Nobody could answer a card read sent to an output that leads nowhere: the payments go at the price asked.
    const priceByCard = flag(def.priceByCard) && Array.isArray(wires[2]) && wires[2].length > 0;
    if (flag(def.priceByCard) && !priceByCard)
      this.warn('price by card is on, but nothing is wired to output 3 (card read): payments are charged the amount asked');
    // A wait that is set wrong refuses every payment (nothing sent) rather than guess how long to wait.
    let waitSeconds: number | Error;
    try {
      waitSeconds = cardReadWait(def.cardReadTimeout);
    } catch (err) {
      waitSeconds = err as Error;
    }
    let toldOldFirmware = false;
    const busy = busyPolicy(def.busy);
    const receipt = flag(def.receipt);

    attachTerminal(
      RED,
      this,
      def,
      async (msg, ctx) => {
        const fromNode = typedValues((v, t) => RED.util.evaluateNodeProperty(v, t, this, msg), def, TYPED);
        const params = buildParams(
          'Purchase',
          Object.keys(METHODS.Purchase.params),
          { payload: payloadObject(msg.payload), node: fromNode, defaults: ctx.config.defaults },
          units,
        );
        if (priceByCard && waitSeconds instanceof Error) throw waitSeconds;
        refuseWhenBusy(busy, 'Purchase', ctx);
        const card = priceByCard
          ? desk.forPurchase({
              transAmount: params.transAmount,
              // The Terminal calls the outcome unknown after overallTimeout without a status change: the wait stays well within it.
              waitMs: Math.min((waitSeconds as number) * 1000, Math.floor(ctx.terminal.overallTimeout / 2)),
              waiting: () => ctx.say({ fill: 'blue', shape: 'ring', text: `${STATUS_NS}priceByCard` }),
              cardRead: (first, id) => {
                const out = RED.util.cloneMessage(msg);
                out.payload = cardReadPayload(first);
                out[SECOND_STEP_KEY] = id;
                this.send([null, null, out]);
              },
            })
          : undefined;
        const result = await ctx.transact('Purchase', params, card ? { onFirstStep: card.onFirstStep } : undefined);
        if (priceByCard && !toldOldFirmware && ctx.terminal.firmware === '1.1') {
          toldOldFirmware = true;
          this.warn(
            'price by card: the terminal speaks protocol v1.1.10, which reads the card and charges it in one step; payments are charged the amount asked and output 3 (card read) sends nothing',
          );
        }
        const out = financialOutcome(msg, 'Purchase', result, ctx);
        const report = card?.report();
        if (report) (msg.payload as Record<string, unknown>).priceByCard = report;
        if (receipt) await attachReceipt(msg, ctx);
        return out;
      },
      financialOutcome,
      { intercept: (msg: NodeMessage, done) => desk.answer(msg, done) },
    );

    // Closing (a redeploy): nobody can answer a card read any more, so it is aborted and nothing is charged. The
    // Terminal then lets the payment end (CANCELLED) before the connection goes.
    this.on('close', () => desk.stop('the flow was stopped while the card read waited for its answer'));
  }
  RED.nodes.registerType('ssi-purchase', SsiPurchaseNode);
};
