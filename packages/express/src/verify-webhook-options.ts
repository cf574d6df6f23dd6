import type { Guard, WebhookVerificationError } from '@hookguard/core';
import { type AdapterOptions, adapterPolicy, refusal } from '@hookguard/core';
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
export interface VerifyWebhookOptions extends AdapterOptions {
  /**
   * Answers a refused request instead of the default JSON error (`error.status`,
   * `{"ok":false,"error":{"code","message"},"meta":{"requestId"}}`). When the body was left
   * unread (413, 408, a request refused on its headers) `connection: close` is already set.
   */
  onError?: (
    error: WebhookVerificationError,
    req: Request,
    res: Response,
    next: NextFunction,
  ) => void;
}

/** `verifyWebhook()`'s arguments, checked at once (TypeError), with their defaults. */
export const checkOptions = (guard: Guard, options: VerifyWebhookOptions) => {
  const policy = adapterPolicy(guard, options, 'verifyWebhook()');
  const respond: NonNullable<VerifyWebhookOptions['onError']> = (error, req, res) => {
    const { status, headers, body } = refusal(error, policy.requestId(req.headers));
    res.status(status).set(headers).json(body);
  };
  const { onError = respond } = options;
  if (typeof onError !== 'function') {
    throw new TypeError('onError must be a function (error, req, res, next).');
  }
  return { ...policy, onError };
};
