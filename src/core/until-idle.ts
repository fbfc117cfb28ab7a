/** Waiting for the terminal to be idle again: after an accepted print (S05), and before reconciling. */
import { describeStatus } from './codes';
import { EcrError, LIB_CODES } from './errors';
import type { EcrResponse } from './normalise';
import { nextPollDelay, type Polling } from './poll-schedule';
import { sleep } from './transports/transport';

export interface IdleWaitHost {
  readonly settings: { polling: Polling; pollInterval: number; overallTimeout: number; operationCeiling: number };
  readonly closing: AbortSignal;
  exchange(method: string): Promise<EcrResponse>;
}

/**
 * Polls GetStatus until the terminal is idle. `onStatus` sees every busy status on the way. Ends TIMEOUT after
 * overallTimeout without a change, or operationCeiling in all.
 */
export async function untilIdle(host: IdleWaitHost, method: string, onStatus?: (status: string) => Promise<void>): Promise<void> {
  const { settings } = host;
  const ceiling = Date.now() + settings.operationCeiling;
  let deadline = Date.now() + settings.overallTimeout;
  let last: string | undefined;
  let since = Date.now();
  for (;;) {
    const response = await host.exchange('GetStatus');
    const status = response.error ? undefined : response.status;
    if (status !== undefined && describeStatus(status).idle) return;
    if (status !== last) {
      last = status;
      since = Date.now();
      deadline = since + settings.overallTimeout;
    }
    if (status !== undefined) await onStatus?.(status);
    if (Date.now() >= Math.min(deadline, ceiling)) {
      throw new EcrError(
        LIB_CODES.TIMEOUT,
        `${method}: the terminal stayed in ${last ?? 'an unknown status'} (not idle) for ${Date.now() - since} ms`,
        { method, sent: true, response },
      );
    }
    await sleep(nextPollDelay(settings.polling, settings.pollInterval, last ?? 'S01', Date.now() - since), host.closing);
  }
}
