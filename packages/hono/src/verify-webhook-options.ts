import {
  DEFAULT_BODY_LIMIT,
  DEFAULT_BODY_TIMEOUT_MS,
  type ReplayOptions,
  replayGuard,
  type WebhookScheme,
  type WebhookVerificationError,
} from '@hookguard/core';
import type { Context } from 'hono';

/**
 * Options for `verifyWebhook()`.
 *
 * @example
 * ```ts
 * import { memoryReplayStore } from '@hookguard/core';
 * import type { VerifyWebhookOptions } from '@hookguard/hono';
 *
 * const options: VerifyWebhookOptions = {
 *   limit: 256 * 1024,
 *   onError: (error, c) => c.text(error.code, 400),
 *   replay: { store: memoryReplayStore(), ttlSeconds: 600 },
 * };
 * ```
 */
export interface VerifyWebhookOptions {
  /** Most body bytes to accept; a larger body is refused with 413. Default 1 MiB. */
  limit?: number;
  /**
   * Longest time, in ms, for the whole body to arrive (default 30 000); a body still
   * arriving then is refused with 408 `body_timeout`, the connection closed, nothing handled.
   */
  bodyTimeoutMs?: number;
  /**
   * Answers a refused delivery instead of the default JSON error response. On a 413 or 408,
   * `connection: close` is already set on `c` for responses built with `c.text()`/`c.json()`.
   */
  onError?: (error: WebhookVerificationError, c: Context) => Response | Promise<Response>;
  /**
   * Handles each delivery once (opt-in). A re-send of one answered 2xx gets 200
   * `{"ok":true,"duplicate":true}` without the handler; one still being handled, 409
   * `delivery_in_progress`; a failing or slow store, 503 `replay_store_unavailable` (both
   * through `onError` when given). The handler's own outcome settles it, even if the client
   * hung up meanwhile: a 2xx marks it done; an error or a non-2xx releases it for the sender's
   * retry, as does a client gone before the handler started. `ttlSeconds` defaults to twice
   * the scheme's tolerance, `storeTimeoutMs` to 2000; `@hookguard/redis` shares the store
   * across instances.
   *
   * @example
   * ```ts
   * import { memoryReplayStore } from '@hookguard/core';
   * app.post('/webhooks', verifyWebhook(scheme, { replay: { store: memoryReplayStore() } }), handler);
   * ```
   */
  replay?: ReplayOptions;
}

/** `verifyWebhook()`'s arguments, checked at once (TypeError), with their defaults. */
export const checkOptions = (scheme: WebhookScheme, options: VerifyWebhookOptions) => {
  if (typeof scheme?.verify !== 'function') {
    throw new TypeError('verifyWebhook() needs a scheme such as standardWebhooks({ secret }).');
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('verifyWebhook() options must be an object.');
  }
  const {
    limit = DEFAULT_BODY_LIMIT,
    bodyTimeoutMs = DEFAULT_BODY_TIMEOUT_MS,
    onError,
    replay,
  } = options;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new TypeError('limit must be a whole number of bytes, 0 or more.');
  }
  if (!Number.isSafeInteger(bodyTimeoutMs) || bodyTimeoutMs <= 0) {
    throw new TypeError('bodyTimeoutMs must be a whole number of milliseconds, more than 0.');
  }
  if (onError !== undefined && typeof onError !== 'function') {
    throw new TypeError('onError must be a function (error, c) => Response.');
  }
  const guard = replay === undefined ? undefined : replayGuard(scheme, replay);
  return { limit, bodyTimeoutMs, onError, guard };
};
