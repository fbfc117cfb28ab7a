/**
 * What a financial request may leave out: transCurrency (the Terminal's `currency` option) and merchantId where
 * the terminal has one merchant (asked once, with GetMerchantList).
 */
import { getMethod } from './catalogue';
import { EcrError, LIB_CODES } from './errors';
import type { EcrResponse } from './normalise';
import { refused } from './refusal';
import { validateRequest, type Params, type ValidRequest } from './validate';

/** transCurrency filled in, where the method takes one and the request left it out (or empty). */
export function withCurrency(method: string, params: unknown, currency: string): unknown {
  const spec = getMethod(method);
  if (!spec?.params.transCurrency || !params || typeof params !== 'object' || Array.isArray(params)) return params;
  const given = (params as Params).transCurrency;
  return given === undefined || given === null || given === '' ? { ...params, transCurrency: currency } : params;
}

/** The merchant ids of GetMerchantList's merchantList: ids (v1.1.10) or { merchantId } rows (detailed lists). */
export function merchantIds(list: unknown): string[] {
  const rows = Array.isArray(list) ? list : [];
  const ids = rows.map((m: unknown) =>
    typeof m === 'string' ? m : m && typeof m === 'object' ? (m as { merchantId?: unknown }).merchantId : undefined,
  );
  return [...new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''))];
}

/** The terminal's only merchant, asked once and remembered, for requests that leave merchantId out. */
export class OnlyMerchant {
  private id: string | undefined;

  constructor(private readonly exchange: (method: string) => Promise<EcrResponse>) {}

  /** merchantId left out: the terminal's only merchant; with several, the request is refused, unsent. */
  async fill(valid: ValidRequest): Promise<ValidRequest> {
    if (valid.spec.params.merchantId !== 'M' || valid.params.merchantId !== undefined) return valid;
    const method = valid.method;
    if (this.id === undefined) {
      let ids: string[];
      try {
        const answer = await this.exchange('GetMerchantList');
        if (answer.error) throw refused('GetMerchantList', answer);
        ids = merchantIds(answer.params.merchantList);
      } catch (err) {
        throw new EcrError(
          (err as EcrError).code ?? LIB_CODES.CONNECTION_FAILED,
          `${method} not sent: merchantId was left out and the terminal's merchant list could not be read: ${(err as Error).message}`,
          { method, sent: false, cause: err },
        );
      }
      if (ids.length !== 1) {
        throw new EcrError(
          LIB_CODES.VALIDATION,
          `${method}: merchantId is required: the terminal has ${ids.length} merchants${ids.length ? ` (${ids.join(', ')})` : ''}; name one`,
          { method, field: 'merchantId', rule: 'required unless the terminal has exactly one merchant', sent: false },
        );
      }
      this.id = ids[0];
    }
    return validateRequest(method, { ...valid.params, merchantId: this.id });
  }
}
