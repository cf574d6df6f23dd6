import type { Guard, WebhookVerificationError } from '@hookguard/core';
import { type AdapterOptions, adapterPolicy } from '@hookguard/core';
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
export interface VerifyWebhookOptions extends AdapterOptions {
  /**
   * What lets a request in: a scheme such as `standardWebhooks({ secret })`, a credential
   * method such as `apiKey({ ... })`, or `anyOf(...)` of them.
   */
  scheme: Guard;
  /** Answers a refusal instead of the default JSON error, which goes out if it sends nothing. */
  onError?: (
    error: WebhookVerificationError,
    request: FastifyRequest,
    reply: FastifyReply,
  ) => unknown;
}

/** The plugin's options, checked at registration (TypeError), with their defaults. */
export const checkOptions = (options: VerifyWebhookOptions | undefined) => {
  const { scheme, onError } = options ?? ({} as Partial<VerifyWebhookOptions>);
  const policy = adapterPolicy(scheme as Guard, options ?? {}, 'the verifyWebhook plugin');
  if (onError !== undefined && typeof onError !== 'function') {
    throw new TypeError('onError must be a function.');
  }
  return { ...policy, onError };
};
