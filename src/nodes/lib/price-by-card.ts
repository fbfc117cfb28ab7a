/**
 * Price by card (later firmware's two-step Purchase in a flow): when step 1 has read the card, ssi-purchase sends
 * what the terminal read on its "card read" output, marked msg._ssiSecondStep, and waits for that msg to come back
 * into its input (Node-RED's link-back pattern, as with http in / http response) with the price: a discountedAmount,
 * or abort. No answer in time, an answer that cannot be used, or a flow stopped meanwhile: the payment is aborted
 * (the terminal is told to Interrupt), so nothing is charged. Step 2 may change discountedAmount only.
 */
import { randomUUID } from 'node:crypto';
import { EcrError, type EcrResponse, errorJson, type FirstStepDecision, LIB_CODES } from '../../core';
import { invalid, shownValue } from '../../core/internal';
import { amountNumber, toMinorUnits, type AmountUnits } from './inputs';
import type { Done, NodeMessage } from './red';

/** The msg property that ties an answer to the card read it answers. */
export const SECOND_STEP_KEY = '_ssiSecondStep';

/** Seconds a purchase waits for the flow's answer: the setting's default and bounds. */
export const CARD_READ_WAIT = Object.freeze({ fallback: 30, min: 1, max: 120 });

/** What became of a card read, on the outcome's msg.payload.priceByCard. */
export type CardReadDecision = 'discounted' | 'unchanged' | 'aborted' | 'timed-out' | 'invalid' | 'stopped';

export interface CardReadReport {
  decision: CardReadDecision;
  /** Charged instead of the amount asked (minor units), when the flow answered one. */
  discountedAmount?: number;
  /** Why nothing was charged (decisions other than discounted and unchanged). */
  reason?: string;
}

interface Answer {
  decision: CardReadDecision;
  discountedAmount?: string;
  reason?: string;
}

interface Waiting {
  /** The amount asked in step 1 (minor units): a discounted amount may not exceed it. */
  transAmount: bigint;
  settle(answer: Answer): void;
}

/** An answer nobody waits for (it came too late, twice, or to another node): refused, nothing sent. */
export function strayAnswer(where: string, msg: NodeMessage): EcrError {
  const id = msg[SECOND_STEP_KEY];
  return new EcrError(
    LIB_CODES.VALIDATION,
    `${where}: msg.${SECOND_STEP_KEY} ${shownValue(id)} answers a card read this node is not waiting for (it was answered already, its wait ran out, or it came from another node); nothing was sent. Send the answer back into the purchase node that read the card, once, in time`,
    { field: `msg.${SECOND_STEP_KEY}`, rule: 'the answer to a card read this node waits for', sent: false },
  );
}

/** An answer that cannot be used: the payment is aborted. */
function unusable(field: string, rule: string, value: unknown): EcrError {
  return invalid('ssi-purchase', field, rule, { value, method: 'Purchase', consequence: 'The payment was aborted: nothing is charged' });
}

function minorAmount(value: unknown): bigint | undefined {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : typeof value === 'string' ? value.trim() : '';
  return /^\d{1,15}$/.test(text) ? BigInt(text) : undefined;
}

/** The payload sent on the card read output: what step 1 read, without any discountedAmount (the answer's alone). */
export function cardReadPayload(first: EcrResponse): Record<string, unknown> {
  const params = { ...first.params };
  delete params.discountedAmount;
  return { ...params, amount: amountNumber(params.transAmount) };
}

/** An answer's payload as the decision it asks for; throws (VALIDATION) when it cannot be used. */
export function readAnswer(payload: unknown, units: AmountUnits, transAmount: bigint): Answer {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    throw unusable('msg.payload', 'must be an object with discountedAmount or abort: true (or nothing to change)', payload);
  }
  const p = payload as Record<string, unknown>;
  if (p.abort === true || p.abort === 'true') return { decision: 'aborted', reason: 'the flow answered abort' };
  if (p.abort !== undefined && p.abort !== null && p.abort !== false && p.abort !== 'false')
    throw unusable('msg.payload.abort', 'must be true or false', p.abort);
  const raw = p.discountedAmount;
  if (raw === undefined || raw === null || raw === '') return { decision: 'unchanged' };
  const minor = toMinorUnits(raw, units, 'Purchase', 'msg.payload.discountedAmount');
  const text = typeof minor === 'number' && Number.isSafeInteger(minor) ? String(minor) : typeof minor === 'string' ? minor.trim() : '';
  const unitsRule = units === 'major' ? 'an amount in hryvnias with at most two decimals' : 'a whole number of kopecks';
  if (!/^\d{1,12}$/.test(text) || BigInt(text) < 1n) throw unusable('msg.payload.discountedAmount', `must be ${unitsRule}, at least 1 kopeck`, raw);
  if (BigInt(text) > transAmount) {
    throw unusable('msg.payload.discountedAmount', `must not exceed the amount asked (${transAmount} kopecks): a discount lowers the price`, raw);
  }
  return { decision: 'discounted', discountedAmount: String(BigInt(text)) };
}

/**
 * The card reads of one ssi-purchase node that wait for the flow's answer. `answer` takes the msgs that come back;
 * `stop` aborts every wait (the node is closing: nobody can answer any more).
 */
export class CardReadDesk {
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly units: AmountUnits) {}

  get size(): number {
    return this.waiting.size;
  }

  /**
   * onFirstStep for one purchase: sends the card read (by `emit`) and waits up to `waitMs` for its answer. Asked
   * again for the same purchase (a step 2 that could not be sent is tried again), it gives the same decision.
   */
  forPurchase(options: { transAmount: unknown; waitMs: number; cardRead(first: EcrResponse, id: string): void; waiting(): void }): {
    onFirstStep: (first: EcrResponse) => Promise<FirstStepDecision | undefined>;
    report: () => CardReadReport | undefined;
  } {
    let decided: Promise<Answer> | undefined;
    let answer: Answer | undefined;
    const onFirstStep = async (first: EcrResponse): Promise<FirstStepDecision | undefined> => {
      // The amount asked (the Terminal has checked it by now), else the one the terminal says it was asked.
      const transAmount = minorAmount(options.transAmount) ?? minorAmount(first.params.transAmount) ?? 0n;
      decided ??= new Promise<Answer>((resolve) => {
        const id = randomUUID();
        const timer = setTimeout(
          () => settle({ decision: 'timed-out', reason: `no answer to the card read within ${options.waitMs / 1000} s` }),
          options.waitMs,
        );
        const settle = (a: Answer) => {
          clearTimeout(timer);
          this.waiting.delete(id);
          resolve(a);
        };
        this.waiting.set(id, { transAmount, settle });
        options.waiting();
        options.cardRead(first, id);
      });
      answer = await decided;
      if (answer.decision === 'discounted') return { params: { discountedAmount: answer.discountedAmount } };
      if (answer.decision === 'unchanged') return undefined;
      return { abort: true };
    };
    const report = (): CardReadReport | undefined => {
      if (!answer) return undefined;
      const out: CardReadReport = { decision: answer.decision };
      if (answer.discountedAmount !== undefined) out.discountedAmount = Number(answer.discountedAmount);
      if (answer.reason !== undefined) out.reason = answer.reason;
      return out;
    };
    return { onFirstStep, report };
  }

  /** Takes a msg that answers a card read this node waits for (and calls done); false for any other msg. */
  answer(msg: NodeMessage, done: Done): boolean {
    const id = msg[SECOND_STEP_KEY];
    const wait = typeof id === 'string' ? this.waiting.get(id) : undefined;
    if (!wait) return false;
    let answer: Answer;
    try {
      answer = readAnswer(msg.payload, this.units, wait.transAmount);
    } catch (err) {
      wait.settle({ decision: 'invalid', reason: (err as Error).message });
      msg.ecrError = errorJson(err);
      done(err as Error);
      return true;
    }
    wait.settle(answer);
    done();
    return true;
  }

  /** Aborts every wait: nothing is charged for a card read nobody can answer any more. */
  stop(reason: string): void {
    for (const wait of [...this.waiting.values()]) wait.settle({ decision: 'stopped', reason });
  }
}
