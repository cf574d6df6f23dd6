import { timingSafeEqual } from '#crypto';
import type { Hmac, MaybePromise, Part } from '../crypto/provider.js';

/**
 * Whether some candidate equals the HMAC of `signed` under some key. Every candidate is
 * compared against every key before deciding, so the time taken does not depend on
 * which one matched, or how much of it did.
 */
export const matchHmac = (
  hmacs: readonly Hmac[],
  signed: readonly Part[],
  candidates: readonly Uint8Array[],
): MaybePromise<boolean> => {
  if (candidates.length === 0) return false;
  let matched = false;
  let pending: Promise<Uint8Array>[] | undefined;
  for (const hmac of hmacs) {
    const digest = hmac(signed);
    // The Node backend answers synchronously: then no promise and no extra microtask turn.
    if (digest instanceof Uint8Array) matched = matchAny(digest, candidates) || matched;
    else {
      pending ??= [];
      pending.push(digest);
    }
  }
  if (!pending) return matched;
  return Promise.all(pending).then((digests) =>
    digests.reduce((found, digest) => matchAny(digest, candidates) || found, matched),
  );
};

const matchAny = (expected: Uint8Array, candidates: readonly Uint8Array[]): boolean => {
  let matched = false;
  for (const candidate of candidates) matched = timingSafeEqual(expected, candidate) || matched;
  return matched;
};
