/**
 * How long to wait before the next GetStatus while an operation runs. Fixed polling waits `base` every time.
 * Adaptive polling reads the terminal's status: while the cardholder acts (card, PIN) the outcome is seconds away,
 * so it polls slowly; once the terminal prints or asks for the card back the outcome is near, so it polls fast,
 * easing off if that status lasts (a receipt printer out of paper, a card left in). Only one request is ever in
 * flight: the next poll is scheduled after the previous answer.
 */
export type Polling = 'adaptive' | 'fixed';

export const POLLING_MODES: readonly Polling[] = ['adaptive', 'fixed'];

/** Multiples of the base interval per status; a status not listed (S01, S04, S08 of later firmware…) waits `base`. */
const FACTOR: Readonly<Record<string, number>> = {
  S02: 2,
  S03: 2,
  S05: 0.2,
  S07: 0.2,
};

/** Before the first status after a request is sent: the terminal usually moves on within a fraction of a second. */
const FIRST_FACTOR = 0.5;

/** A fast status lasting longer than this many base intervals is not ending soon after all… */
const EASE_AFTER = 2;
/** …so each further second spent in it adds this fraction of a second to the wait, up to `base`. */
const EASE_OFF = 0.25;

/**
 * @param status the last status seen, or undefined before the first one (or after an exchange failed)
 * @param inStatusMs how long the terminal has been in `status`, as far as polling can tell
 */
export function nextPollDelay(polling: Polling, base: number, status: string | undefined, inStatusMs = 0): number {
  if (polling === 'fixed') return base;
  if (status === undefined) return base * FIRST_FACTOR;
  const factor = FACTOR[status] ?? 1;
  if (factor >= 1) return base * factor;
  return Math.min(base, base * factor + Math.max(0, inStatusMs - base * EASE_AFTER) * EASE_OFF);
}
