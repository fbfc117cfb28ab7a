/**
 * Which generation of the protocol a terminal speaks, how to tell, and what follows from it. v1.1.10 is the
 * documented one; later firmware (1.3.x/1.4.x, the SSI apps of most Ukrainian banks) adds the S08 status, the
 * two-step Purchase, transactionUid with GetResultByUid, and asks for 15 s per request and 0.25 s between two.
 */
import { randomUUID } from 'node:crypto';
import { REQUEST_KEYS, type Generation } from './catalogue';
import type { EcrResponse } from './normalise';

export type { Generation } from './catalogue';

/** 'auto' finds out (a harmless probe before the first operation, or the first S08); '1.1' and '1.4' say so. */
export type Protocol = 'auto' | Generation;

export const PROTOCOLS: readonly Protocol[] = ['auto', '1.1', '1.4'];

export interface GenerationDefaults {
  /** ms to wait for each answer. */
  requestTimeout: number;
  /** ms between the end of one exchange and the start of the next. */
  minRequestGap: number;
}

/** Later firmware allows a request up to 15 s and asks for at least 0.25 s between two requests. */
export const GENERATION_DEFAULTS: Readonly<Record<Generation, GenerationDefaults>> = Object.freeze({
  '1.1': { requestTimeout: 10_000, minRequestGap: 0 },
  '1.4': { requestTimeout: 15_000, minRequestGap: 250 },
});

/** The probe asks GetResultByUid for an id no operation can have: it reads, so it changes nothing. */
export function probeRequest(): { method: 'GetResultByUid'; params: { transactionUid: string } } {
  return { method: 'GetResultByUid', params: { transactionUid: `ssi-ecr-probe-${randomUUID()}` } };
}

/**
 * What the probe's answer says: v1.1.10 does not know the method (E05, or "method": "Unknown" §5.1); later firmware
 * answers it (E20 for an unknown id, or a result). A busy terminal's E06 says nothing either way.
 */
export function generationFromProbe(response: EcrResponse): Generation | undefined {
  if (response.errorCode === 'E05' || response.method === 'Unknown') return '1.1';
  if (response.errorCode === 'E06') return undefined;
  return '1.4';
}

const UID = /^[A-Za-z0-9._-]+$/;

/** A value that may be sent as a transactionUid. */
export function isUid(value: unknown): value is string {
  return typeof value === 'string' && value.length <= (REQUEST_KEYS.transactionUid.maxLength ?? 64) && UID.test(value);
}

export function newUid(): string {
  return randomUUID();
}

/** The generation becoming known: which, and what told. */
export interface FirmwareEvent {
  generation: Generation;
  reason: string;
}

/**
 * What a Terminal knows of its terminal's generation: the one given, or with 'auto' the one found out (by the
 * probe, or by what the terminal does: an S08, an E05 to GetResultByUid). `onFound` hears each change.
 */
export class GenerationWatch {
  private detected: Generation | undefined;

  constructor(
    private readonly protocol: Protocol,
    private readonly onFound: (event: FirmwareEvent) => void,
  ) {}

  /** The generation, given or found out; undefined until then. */
  get current(): Generation | undefined {
    return this.protocol === 'auto' ? this.detected : this.protocol;
  }

  note(generation: Generation, reason: string): void {
    if (this.protocol !== 'auto' || this.detected === generation) return;
    this.detected = generation;
    this.onFound({ generation, reason });
  }

  /** The generation, found out by a harmless probe when not known yet; a probe that fails is tried again next time. */
  async ensure(exchange: (method: string, params?: Record<string, unknown>) => Promise<EcrResponse>): Promise<Generation | undefined> {
    if (this.current) return this.current;
    const probe = probeRequest();
    try {
      const answer = await exchange(probe.method, probe.params);
      const generation = generationFromProbe(answer);
      if (generation)
        this.note(
          generation,
          `GetResultByUid, asked as a probe, was answered ${answer.error ? `${answer.errorCode || 'with an error'}` : 'with a result'}`,
        );
    } catch {
      // Not known yet: an S08 will still be recognised, and the probe is tried again before the next operation.
    }
    return this.current;
  }
}
