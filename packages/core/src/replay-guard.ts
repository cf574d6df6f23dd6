import { WebhookVerificationError } from './errors.js';
import { replayKey } from './replay-key.js';
import type { ReplayStore } from './replay-store.js';
import type { VerifiedWebhook, WebhookScheme } from './types.js';

/**
 * Replay protection settings, as adapters take them in their `replay` option.
 *
 * @example
 * ```ts
 * import type { ReplayOptions } from '@hookguard/core';
 * const replay: ReplayOptions = { store: memoryReplayStore(), ttlSeconds: 600, storeTimeoutMs: 1000 };
 * ```
 */
export interface ReplayOptions {
  store: ReplayStore;
  /** How long a handled delivery is remembered. Default: twice the scheme's tolerance. */
  ttlSeconds?: number;
  /** How long a delivery stays claimed if its receiver dies mid-handling. Default 60. */
  claimTtlSeconds?: number;
  /** Longest wait for the store before answering 503. Default 2000. */
  storeTimeoutMs?: number;
}

/**
 * A delivery's place in the replay store: `duplicate` when it was already handled,
 * otherwise a claim to settle with the response status once it is known.
 *
 * @example
 * ```ts
 * import type { ReplayClaim } from '@hookguard/core';
 * const claim: ReplayClaim = await guard.claim(delivery);
 * // Settle with the handler's answer, not on the socket's close: a client hanging up
 * // mid-handler must not free the delivery for a concurrent re-send.
 * if (!claim.duplicate) await claim.settle(await handle(delivery)); // handle() resolves to a status
 * ```
 */
export type ReplayClaim =
  | { readonly duplicate: true }
  | {
      readonly duplicate: false;
      /** 2xx marks the delivery done; anything else (or `undefined`: no response) releases it. Never rejects. */
      settle(status: number | undefined): Promise<void>;
    };

/**
 * The exactly-once step adapters run after `verify`, shared so no adapter holds this logic.
 *
 * @example
 * ```ts
 * import { replayGuard } from '@hookguard/core';
 * const guard = replayGuard(scheme, { store });
 * const claim = await guard.claim(await scheme.verify(input)); // may reject 409 or 503
 * ```
 */
export interface ReplayGuard {
  /** Rejects with `delivery_in_progress` or `replay_store_unavailable`. */
  claim(delivery: VerifiedWebhook): Promise<ReplayClaim>;
}

const isStore = (store: unknown): store is ReplayStore =>
  typeof store === 'object' &&
  store !== null &&
  ['claim', 'complete', 'release'].every(
    (method) => typeof (store as Record<string, unknown>)[method] === 'function',
  );

const seconds = (value: number | undefined, fallback: number, name: string): number => {
  const result = value ?? fallback;
  if (typeof result !== 'number' || !Number.isFinite(result) || result <= 0) {
    throw new TypeError(`${name} must be a positive number.`);
  }
  return result;
};

/**
 * Builds the {@link ReplayGuard} for `scheme`: claims each verified delivery's
 * {@link replayKey}, answers duplicates, and fails closed (503, handler not run) when the
 * store errors or is slower than `storeTimeoutMs`, so the sender retries and nothing is lost.
 *
 * @example
 * ```ts
 * import { memoryReplayStore, replayGuard, standardWebhooks } from '@hookguard/core';
 * const scheme = standardWebhooks({ secret: process.env.WEBHOOK_SECRET });
 * const guard = replayGuard(scheme, { store: memoryReplayStore() });
 * ```
 */
export function replayGuard(scheme: WebhookScheme, options: ReplayOptions): ReplayGuard {
  if (typeof options !== 'object' || options === null || !isStore(options.store)) {
    throw new TypeError('replay.store must be a ReplayStore (claim, complete, release).');
  }
  const { store } = options;
  const ttlMs =
    seconds(options.ttlSeconds, 2 * scheme.toleranceSeconds, 'replay.ttlSeconds') * 1000;
  const claimTtlMs = seconds(options.claimTtlSeconds, 60, 'replay.claimTtlSeconds') * 1000;
  const timeoutMs = seconds(options.storeTimeoutMs, 2000, 'replay.storeTimeoutMs');

  const bounded = <T>(operation: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const fail = (cause?: unknown) =>
        reject(
          new WebhookVerificationError(
            'replay_store_unavailable',
            'The replay store did not answer in time or failed; the delivery was not handled, so the sender should retry.',
            { cause },
          ),
        );
      const timer = setTimeout(fail, timeoutMs);
      Promise.resolve()
        .then(operation)
        .then(resolve, fail)
        .finally(() => clearTimeout(timer));
    });

  return {
    async claim(delivery) {
      const key = await replayKey(delivery);
      const token = crypto.randomUUID();
      const answer = await bounded(() => store.claim(key, token, claimTtlMs));
      if (answer === 'done') return { duplicate: true };
      if (answer !== 'claimed') {
        throw new WebhookVerificationError(
          'delivery_in_progress',
          'This delivery is being handled by another request right now; retry later.',
        );
      }
      return {
        duplicate: false,
        // A failed settle leaves the claim to expire after claimTtlSeconds; the retry
        // after that is handled, so a store hiccup can delay a delivery but never lose it.
        settle: (status) =>
          bounded(() =>
            status !== undefined && status >= 200 && status < 300
              ? store.complete(key, token, ttlMs)
              : store.release(key, token),
          ).catch(() => {}),
      };
    },
  };
}
