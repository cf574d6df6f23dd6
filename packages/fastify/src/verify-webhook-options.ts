import {
  DEFAULT_BODY_LIMIT,
  DEFAULT_BODY_TIMEOUT_MS,
  type ReplayOptions,
  replayGuard,
  type WebhookScheme,
  type WebhookVerificationError,
} from '@hookguard/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Options for the `verifyWebhook` plugin.
 *
 * @example
 * ```ts
 * import { codaiq } from '@hookguard/core';
 * import type { VerifyWebhookOptions } from '@hookguard/fastify';
 * const options: VerifyWebhookOptions = { scheme: codaiq({ secret }), limit: 64 * 1024 };
 * ```
 */
export interface VerifyWebhookOptions {
  /** The configured scheme, e.g. `standardWebhooks({ secret })` or `codaiq({ secret })`. */
  scheme: WebhookScheme;
  /** Most body bytes to accept (default 1 MiB); Fastify's `bodyLimit` also holds. */
  limit?: number;
  /**
   * Longest time, in ms, for the whole body to arrive (default 30 000); a body still
   * arriving then is refused with 408 `body_timeout`, the connection closed, nothing handled.
   */
  bodyTimeoutMs?: number;
  /** Answers a refusal instead of the default JSON error, which goes out if it sends nothing. */
  onError?: (
    error: WebhookVerificationError,
    request: FastifyRequest,
    reply: FastifyReply,
  ) => unknown;
  /**
   * Handles each delivery once (opt-in). A repeat of one answered 2xx gets 200
   * `{"ok":true,"duplicate":true}` without the handler; one still being handled, 409
   * `delivery_in_progress`; a failing or slow store, 503 `replay_store_unavailable`. The
   * handler's own answer settles it, even if the client hung up meanwhile: 2xx marks it
   * done; an error or a non-2xx releases it for the sender's retry, as does a client gone
   * before the handler started. A handler that never answers holds it for `claimTtlSeconds`.
   * `ttlSeconds` defaults to twice the scheme's tolerance, `storeTimeoutMs` to 2000.
   *
   * @example
   * ```ts
   * import { memoryReplayStore } from '@hookguard/core';
   * await scope.register(verifyWebhook, { scheme, replay: { store: memoryReplayStore() } });
   * ```
   */
  replay?: ReplayOptions;
}

/** The plugin's options, checked at registration (TypeError), with their defaults. */
export const checkOptions = (options: VerifyWebhookOptions | undefined) => {
  const {
    scheme,
    limit = DEFAULT_BODY_LIMIT,
    bodyTimeoutMs = DEFAULT_BODY_TIMEOUT_MS,
    onError,
    replay,
  } = options ?? {};
  if (typeof scheme?.verify !== 'function') {
    throw new TypeError('scheme must be a WebhookScheme, e.g. standardWebhooks({ secret }).');
  }
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new TypeError('limit must be a whole number of bytes, 0 or more.');
  }
  if (!Number.isSafeInteger(bodyTimeoutMs) || bodyTimeoutMs <= 0) {
    throw new TypeError('bodyTimeoutMs must be a whole number of milliseconds, more than 0.');
  }
  if (onError !== undefined && typeof onError !== 'function') {
    throw new TypeError('onError must be a function.');
  }
  const guard = replay === undefined ? undefined : replayGuard(scheme, replay);
  return { scheme, limit, bodyTimeoutMs, onError, guard };
};
