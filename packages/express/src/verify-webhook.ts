import {
  duplicate,
  leavesBodyUnread,
  type ReplayClaim,
  type VerifiedWebhook,
  type WebhookScheme,
  WebhookVerificationError,
} from '@hookguard/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rawBodyOf } from './capture-raw-body.js';
import { checkOptions, type VerifyWebhookOptions } from './verify-webhook-options.js';

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
 * other errors go to `next(error)`. With `replay`, each delivery is handled once.
 * Throws a `TypeError` at once for unusable arguments.
 *
 * @example
 * ```ts
 * import { memoryReplayStore, standardWebhooks } from '@hookguard/core';
 * import { verifyWebhook } from '@hookguard/express';
 * import express from 'express';
 *
 * const scheme = standardWebhooks({ secret: process.env.WEBHOOK_SECRET });
 * const replay = { store: memoryReplayStore() };
 * const app = express();
 * app.post('/webhooks', verifyWebhook<{ type: string }>(scheme, { replay }), (req, res) => {
 *   res.json({ id: req.webhook.id, type: req.body.type });
 * });
 * ```
 */
export function verifyWebhook<Payload = unknown>(
  scheme: WebhookScheme,
  options: VerifyWebhookOptions = {},
): RequestHandler<Request['params'], unknown, Payload> {
  const { limit, bodyTimeoutMs, onError, guard, precheck } = checkOptions(scheme, options);

  const refuse = async (
    error: unknown,
    req: Request,
    res: Response,
    next: NextFunction,
    unread = error instanceof WebhookVerificationError && leavesBodyUnread(error),
  ) => {
    if (!(error instanceof WebhookVerificationError)) return next(error);
    // The rest of the body was never read; closing spares the server draining it.
    if (unread) res.setHeader('connection', 'close');
    try {
      await onError(error, req, res, next);
    } catch (failure) {
      next(failure);
    }
  };

  const handle = async (req: Request, res: Response, next: NextFunction) => {
    let delivery: VerifiedWebhook;
    let claim: ReplayClaim | undefined;
    try {
      // An unsigned upload is refused before its body is read.
      const unsigned = await precheck(req.headers);
      if (unsigned) return refuse(unsigned, req, res, next, !req.readableEnded);
      delivery = await scheme.verify({
        headers: req.headers,
        body: await rawBodyOf(req, limit, bodyTimeoutMs),
        // For schemes that sign the URL (Twilio); `req.protocol` honours `trust proxy`.
        url: `${req.protocol}://${req.get('host')}${req.originalUrl}`,
      });
      claim = await guard?.claim(delivery);
    } catch (error) {
      return refuse(error, req, res, next);
    }
    if (claim?.duplicate) return void res.status(duplicate.status).json(duplicate.body);
    if (claim) {
      const { settle } = claim;
      // The client left while the store answered: nobody to answer, so release and stop.
      if (res.closed) return void settle(undefined);
      // Once the handler runs, its answer settles the claim, not the client's socket: a
      // client hanging up mid-handler must not free the delivery for a concurrent re-send.
      // A handler that never answers leaves the claim to expire (claimTtlSeconds).
      const end = res.end;
      res.end = function settleOnEnd(this: Response, ...args: Parameters<Response['end']>) {
        res.end = end;
        void settle(res.statusCode);
        return end.apply(this, args);
      } as Response['end'];
    }
    req.body = delivery.payload;
    req.webhook = delivery;
    next();
  };

  return function verifyWebhookMiddleware(req, res, next): void {
    void handle(req, res, next);
  };
}
