import { timingSafeEqual } from '#crypto';
import type { Hmac } from '../crypto/provider.js';

/**
 * The candidate that equals the HMAC of `signed` under some key, if any. Every
 * candidate is compared against every key before deciding, so the time taken does
 * not depend on which one matched, or how much of it did.
 */
export const matchHmac = async (
  hmacs: readonly Hmac[],
  signed: readonly Uint8Array[],
  candidates: readonly Uint8Array[],
): Promise<Uint8Array | undefined> => {
  let matched: Uint8Array | undefined;
  if (candidates.length === 0) return matched;
  for (const hmac of hmacs) {
    const expected = await hmac(signed);
    for (const candidate of candidates) {
      if (timingSafeEqual(expected, candidate)) matched = candidate;
    }
  }
  return matched;
};
