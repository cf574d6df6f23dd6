import type { Guard, WebhookVerificationError } from '@hookguard/core';
import { type AdapterOptions, adapterPolicy } from '@hookguard/core';
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
export interface VerifyWebhookOptions extends AdapterOptions {
  /**
   * Answers a refused delivery instead of the default JSON error response. When the body
   * was left unread (413, 408, a request without signature headers), `connection: close` is
   * already set on `c` for responses built with `c.text()`/`c.json()`.
   */
  onError?: (error: WebhookVerificationError, c: Context) => Response | Promise<Response>;
}

/** `verifyWebhook()`'s arguments, checked at once (TypeError), with their defaults. */
export const checkOptions = (guard: Guard, options: VerifyWebhookOptions) => {
  const policy = adapterPolicy(guard, options, 'verifyWebhook()');
  const { onError } = options;
  if (onError !== undefined && typeof onError !== 'function') {
    throw new TypeError('onError must be a function (error, c) => Response.');
  }
  return { ...policy, onError };
};
