import { timingSafeEqual } from '#crypto';
import type { Hmac } from '../crypto/provider.js';

/**
 * True when any candidate equals the HMAC of `signed` under any key. Every candidate
 * is compared against every key before deciding, so the time taken does not depend
 * on which one matched, or how much of it did.
 */
export const matchesHmac = async (
  hmacs: readonly Hmac[],
  signed: readonly Uint8Array[],
  candidates: readonly Uint8Array[],
): Promise<boolean> => {
  let matched = false;
  if (candidates.length === 0) return matched;
  for (const hmac of hmacs) {
    const expected = await hmac(signed);
    for (const candidate of candidates) matched = timingSafeEqual(expected, candidate) || matched;
  }
  return matched;
};
