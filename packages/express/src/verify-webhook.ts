import {
  DEFAULT_BODY_LIMIT,
  type VerifiedWebhook,
  type WebhookScheme,
  WebhookVerificationError,
} from '@hookguard/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rawBodyOf } from './capture-raw-body.js';

declare global {
  namespace Express {
    interface Request {
      /**
       * The verified delivery, set by `verifyWebhook()` before the route handler runs. Typed
       * as present so handlers behind the middleware read `req.webhook.id` directly; it is
       * `undefined` on routes without it. Its payload has the route's body type.
       */
      webhook: VerifiedWebhook<this extends { body: infer Body } ? Body : unknown>;
    }
  }
}

/**
 * Options for {@link verifyWebhook}.
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
   * Answers a refused delivery instead of the default JSON error
   * (`{"ok":false,"error":{"code","message"}}` with `error.status`). On a 413 the
   * `connection: close` header is already set.
   */
  onError?: (
    error: WebhookVerificationError,
    req: Request,
    res: Response,
    next: NextFunction,
  ) => void;
}

const respond: NonNullable<VerifyWebhookOptions['onError']> = (error, _req, res) => {
  res.status(error.status).json({ ok: false, error: { code: error.code, message: error.message } });
};

/**
 * Express middleware that verifies a signed webhook over its exact raw bytes before the
 * route handler runs.
 *
 * Mounted with no body parser before it, it reads the body itself, up to `limit`. After
 * `express.json({ verify: captureRawBody })` or `express.raw()` it uses the bytes those
 * kept; after a parser that kept none it answers 500 `raw_body_unavailable`.
 *
 * On success `req.body` is the parsed JSON payload and `req.webhook` the
 * `VerifiedWebhook`. A refused delivery gets `error.status` with
 * `{"ok":false,"error":{"code","message"}}` (or `onError`), and the handler never runs;
 * other errors go to `next(error)`. Throws a `TypeError` at once for unusable arguments.
 *
 * @example
 * ```ts
 * import { standardWebhooks } from '@hookguard/core';
 * import { verifyWebhook } from '@hookguard/express';
 * import express from 'express';
 *
 * const scheme = standardWebhooks({ secret: process.env.WEBHOOK_SECRET });
 * const app = express();
 * app.post('/webhooks', verifyWebhook<{ type: string }>(scheme), (req, res) => {
 *   res.json({ id: req.webhook.id, type: req.body.type });
 * });
 * ```
 */
export function verifyWebhook<Payload = unknown>(
  scheme: WebhookScheme,
  options: VerifyWebhookOptions = {},
): RequestHandler<Request['params'], unknown, Payload> {
  if (typeof scheme !== 'object' || scheme === null || typeof scheme.verify !== 'function') {
    throw new TypeError(
      'verifyWebhook() needs a scheme, such as standardWebhooks({ secret }) or codaiq({ secret }).',
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('verifyWebhook() options must be an object.');
  }
  const { limit = DEFAULT_BODY_LIMIT, onError = respond } = options;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new TypeError('limit must be a whole number of bytes, 0 or more.');
  }
  if (typeof onError !== 'function') {
    throw new TypeError('onError must be a function (error, req, res, next).');
  }

  const refuse = async (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!(error instanceof WebhookVerificationError)) return next(error);
    // The rest of the body was never read; closing spares the server draining it.
    if (error.code === 'payload_too_large') res.setHeader('connection', 'close');
    try {
      await onError(error, req, res, next);
    } catch (failure) {
      next(failure);
    }
  };

  const handle = async (req: Request, res: Response, next: NextFunction) => {
    let delivery: VerifiedWebhook;
    try {
      delivery = await scheme.verify({ headers: req.headers, body: await rawBodyOf(req, limit) });
    } catch (error) {
      return refuse(error, req, res, next);
    }
    req.body = delivery.payload;
    req.webhook = delivery;
    next();
  };

  return function verifyWebhookMiddleware(req, res, next): void {
    void handle(req, res, next);
  };
}
