/**
 * What a {@link ReplayStore} answers to a claim.
 *
 * @example
 * ```ts
 * import type { ClaimResult } from '@hookguard/core';
 * const answer: ClaimResult = await store.claim('standard-webhooks:msg_1', token, 60_000);
 * ```
 */
export type ClaimResult = 'claimed' | 'in_progress' | 'done';

/**
 * Shared memory of which deliveries are being handled or were handled, so each one is
 * handled once across every receiver instance that shares the store.
 *
 * A key moves from absent to *in progress* (held by one claim's `token`) to *done*.
 * Implementations must make `claim` atomic: of any number of concurrent claims on an
 * absent key, exactly one gets `'claimed'`. Both states expire after their TTL, so a
 * crashed receiver cannot block a delivery forever.
 *
 * @example
 * ```ts
 * import type { ReplayStore } from '@hookguard/core';
 *
 * // A store over any key-value service with an atomic "set if absent":
 * const store: ReplayStore = {
 *   async claim(key, token, ttlMs) {
 *     if (await kv.setIfAbsent(key, `claim:${token}`, ttlMs)) return 'claimed';
 *     return (await kv.get(key)) === 'done' ? 'done' : 'in_progress';
 *   },
 *   async complete(key, _token, ttlMs) {
 *     await kv.set(key, 'done', ttlMs);
 *   },
 *   async release(key, token) {
 *     await kv.deleteIfEquals(key, `claim:${token}`);
 *   },
 * };
 * ```
 */
export interface ReplayStore {
  /** Marks `key` in progress for `ttlMs` under `token`, unless it is already in progress or done. */
  claim(key: string, token: string, ttlMs: number): Promise<ClaimResult>;
  /** Marks `key` done for `ttlMs`: the delivery was answered with a 2xx. */
  complete(key: string, token: string, ttlMs: number): Promise<void>;
  /**
   * Forgets `key` so the sender's retry is handled, but only while it is still the claim
   * made with `token`: a late release must not delete someone else's newer claim.
   */
  release(key: string, token: string): Promise<void>;
}
