/** One request on the wire and its answer, normalised: the one place a message to the terminal is put together. */
import { getMethod } from './catalogue';
import { EcrError, LIB_CODES } from './errors';
import { normaliseResponse, type EcrResponse } from './normalise';
import type { Transport } from './transports/transport';
import type { Params } from './validate';

export interface ExchangeSettings {
  /** Later firmware's two-step Purchase: "1" or "2". */
  step?: string;
  timeout: number;
  /** ms between the end of the previous exchange and this request. */
  gap: number;
}

/**
 * Sends one request and returns the normalised response, whatever its `error`. A request that only reads may
 * share a connection that has answered before; anything else goes on one that has not (see ExchangeOptions).
 */
export async function exchangeOnce(
  transport: Transport,
  method: string,
  params: Params | undefined,
  settings: ExchangeSettings,
): Promise<EcrResponse> {
  const message: Record<string, unknown> = { method };
  if (settings.step !== undefined) message.step = settings.step;
  if (params) message.params = params;
  const readOnly = getMethod(method)?.readOnly === true;
  const raw = await transport.exchange(method, message, { timeout: settings.timeout, fresh: !readOnly, harmless: readOnly, gap: settings.gap });
  const response = normaliseResponse(raw);
  // An answer without "method" (some later firmware) is the answer to the one request in flight.
  if (raw.method === undefined) response.method = method;
  if (response.method !== method && response.method !== 'Unknown') {
    throw new EcrError(LIB_CODES.BAD_RESPONSE, `${method}: the terminal answered ${response.method}`, { method, response, sent: true });
  }
  return response;
}
