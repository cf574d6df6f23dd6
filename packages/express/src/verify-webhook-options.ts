import {
  DEFAULT_BODY_LIMIT,
  DEFAULT_BODY_TIMEOUT_MS,
  type ReplayOptions,
  replayGuard,
  type WebhookScheme,
  type WebhookVerificationError,
} from '@hookguard/core';
import type { NextFunction, Request, Response } from 'express';

/**
 * Options for `verifyWebhook()`.
 *
 * @example
 * ```ts
 * import type { VerifyWebhookOptions } from '@hookguard/express';
 * const options: VerifyWebhookOptions = {
 *   limit: 256 * 1024,
 *   onError: (error, _req, res) => res.status(error.status).send(error.code),
 * };
 * ```
 */
export interface VerifyWebhookOptions {
  /** Most body bytes to accept; a larger body gets 413 `payload_too_large`. Default 1 MiB. */
  limit?: number;
  /**
   * Longest time, in ms, for the whole body to arrive (default 30 000); a body still
   * arriving then is refused with 408 `body_timeout`, the connection closed, nothing handled.
   */
  bodyTimeoutMs?: number;
  /**
   * Answers a refused delivery instead of the default JSON error
   * (`{"ok":false,"error":{"code","message"}}` with `error.status`). On a 413 or 408 the
   * `connection: close` header is already set.
   */
  onError?: (
    error: WebhookVerificationError,
    req: Request,
    res: Response,
    next: NextFunction,
  ) => void;
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
   * app.post('/webhooks', verifyWebhook(scheme, { replay: { store: memoryReplayStore() } }), handler);
   * ```
   */
  replay?: ReplayOptions;
}

const respond: NonNullable<VerifyWebhookOptions['onError']> = (error, _req, res) => {
  res.status(error.status).json({ ok: false, error: { code: error.code, message: error.message } });
};

/** `verifyWebhook()`'s arguments, checked at once (TypeError), with their defaults. */
export const checkOptions = (scheme: WebhookScheme, options: VerifyWebhookOptions) => {
  if (typeof scheme !== 'object' || scheme === null || typeof scheme.verify !== 'function') {
    throw new TypeError(
      'verifyWebhook() needs a scheme, such as standardWebhooks({ secret }) or codaiq({ secret }).',
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('verifyWebhook() options must be an object.');
  }
  const {
    limit = DEFAULT_BODY_LIMIT,
    bodyTimeoutMs = DEFAULT_BODY_TIMEOUT_MS,
    onError = respond,
    replay,
  } = options;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new TypeError('limit must be a whole number of bytes, 0 or more.');
  }
  if (!Number.isSafeInteger(bodyTimeoutMs) || bodyTimeoutMs <= 0) {
    throw new TypeError('bodyTimeoutMs must be a whole number of milliseconds, more than 0.');
  }
  if (typeof onError !== 'function') {
    throw new TypeError('onError must be a function (error, req, res, next).');
  }
  const guard = replay === undefined ? undefined : replayGuard(scheme, replay);
  return { limit, bodyTimeoutMs, onError, guard };
};
