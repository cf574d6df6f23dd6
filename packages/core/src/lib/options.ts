import { WebhookVerificationError } from '../errors.js';
import type { Secret } from '../types.js';

export const DEFAULT_TOLERANCE_SECONDS = 300;

export const toList = <T>(value: T | readonly T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? [...value] : [value as T];

export const checkOptions = (options: unknown, factory: string): void => {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${factory}() needs an options object.`);
  }
};

export const checkTolerance = (seconds: number | undefined): number => {
  const tolerance = seconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
    throw new TypeError('toleranceSeconds must be a finite number of seconds, 0 or more.');
  }
  return tolerance;
};

export const checkClock = (now: (() => number) | undefined): (() => number) => {
  if (now === undefined) return Date.now;
  if (typeof now !== 'function')
    throw new TypeError('now must be a function returning ms since the epoch.');
  return now;
};

export const isSecret = (value: unknown): value is Secret =>
  typeof value === 'string' || value instanceof Uint8Array;

/** Throws unless `timestampMs` lies within `toleranceSeconds` of `nowMs`, both ways. */
export const checkWindow = (timestampMs: number, nowMs: number, toleranceSeconds: number): void => {
  const drift = timestampMs - nowMs;
  if (Math.abs(drift) <= toleranceSeconds * 1000) return;
  const direction = drift < 0 ? 'old' : 'far in the future';
  throw new WebhookVerificationError(
    'timestamp_out_of_window',
    `The delivery's timestamp is too ${direction}: it is ${Math.round(Math.abs(drift) / 1000)} s away from this server's clock and at most ${toleranceSeconds} s is accepted. Check the receiver's clock, or the sender is replaying an old delivery.`,
  );
};

/** Signature entries considered per header; more is refused so a header cannot buy unbounded work. */
export const MAX_SIGNATURES = 32;
