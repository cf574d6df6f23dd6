import { timingSafeEqual } from '#crypto';
import type { Hmac, MaybePromise } from '../crypto/provider.js';

/**
 * Whether some candidate equals the HMAC of `signed` under some key. Every candidate is
 * compared against every key before deciding, so the time taken does not depend on
 * which one matched, or how much of it did.
 */
export const matchHmac = (
  hmacs: readonly Hmac[],
  signed: readonly Uint8Array[],
  candidates: readonly Uint8Array[],
): MaybePromise<boolean> => {
  if (candidates.length === 0) return false;
  const digests = hmacs.map((hmac) => hmac(signed));
  // The Node backend answers synchronously: then no promise and no extra microtask turn.
  return digests.every((digest) => digest instanceof Uint8Array)
    ? compareAll(digests, candidates)
    : Promise.all(digests).then((expected) => compareAll(expected, candidates));
};

const compareAll = (digests: readonly Uint8Array[], candidates: readonly Uint8Array[]): boolean => {
  let matched = false;
  for (const expected of digests) {
    for (const candidate of candidates) {
      matched = timingSafeEqual(expected, candidate) || matched;
    }
  }
  return matched;
};
