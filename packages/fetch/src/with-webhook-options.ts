import type { AdapterOptions, Guard, WebhookVerificationError } from '@hookguard/core';
import { adapterPolicy } from '@hookguard/core';

/**
 * Options for `withWebhook()`: `limit`, `bodyTimeoutMs` and `replay` as every adapter takes
 * them, and `onError` to build the answer to a refused request yourself.
 *
 * @example
 * ```ts
 * import { memoryReplayStore } from '@hookguard/core';
 * import type { WithWebhookOptions } from '@hookguard/fetch';
 *
 * const options: WithWebhookOptions = {
 *   limit: 256 * 1024,
 *   onError: (error) => new Response(error.code, { status: error.status }),
 *   replay: { store: memoryReplayStore(), ttlSeconds: 600 },
 * };
 * ```
 */
export interface WithWebhookOptions extends AdapterOptions {
  /**
   * Answers a refused request instead of the default JSON envelope. `request` has any query
   * key redacted from its URL. When the body was left unread (413, 408, a refusal decided on
   * the headers), the answer is sent with `connection: close`.
   */
  onError?: (error: WebhookVerificationError, request: Request) => Response | Promise<Response>;
}

/** `withWebhook()`'s arguments, checked at once (TypeError), with their defaults. */
export const checkOptions = (guard: Guard, handler: unknown, options: WithWebhookOptions) => {
  const policy = adapterPolicy(guard, options, 'withWebhook()');
  if (typeof handler !== 'function') {
    throw new TypeError('withWebhook() needs a handler (request, delivery, auth) => Response.');
  }
  const { onError } = options;
  if (onError !== undefined && typeof onError !== 'function') {
    throw new TypeError('onError must be a function (error, request) => Response.');
  }
  return { ...policy, onError };
};
