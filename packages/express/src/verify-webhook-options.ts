import type { WebhookScheme, WebhookVerificationError } from '@hookguard/core';
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
   * Answers a refused delivery instead of the default JSON error
   * (`{"ok":false,"error":{"code","message"}}` with `error.status`). When the body was left
   * unread (413, 408, a request without signature headers) `connection: close` is already set.
   */
  onError?: (
    error: WebhookVerificationError,
    req: Request,
    res: Response,
    next: NextFunction,
  ) => void;
}

const respond: NonNullable<VerifyWebhookOptions['onError']> = (error, _req, res) => {
  const { status, body } = refusal(error);
  res.status(status).json(body);
};

/** `verifyWebhook()`'s arguments, checked at once (TypeError), with their defaults. */
export const checkOptions = (scheme: WebhookScheme, options: VerifyWebhookOptions) => {
  const policy = adapterPolicy(scheme, options, 'verifyWebhook()');
  const { onError = respond } = options;
  if (typeof onError !== 'function') {
    throw new TypeError('onError must be a function (error, req, res, next).');
  }
  return { ...policy, onError };
};
