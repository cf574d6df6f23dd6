import {
  duplicate,
  type Guard,
  leavesBodyUnread,
  lingerOnClose,
  Refused,
  type ReplayClaim,
  redactParams,
  redactQuery,
  settleOnEnd,
  type VerifiedWebhook,
  verifyDelivery,
  WebhookVerificationError,
} from '@hookguard/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rawBodyOf } from './capture-raw-body.js';
import { pass } from './request-slots.js';
import { checkOptions, type VerifyWebhookOptions } from './verify-webhook-options.js';

/**
 * Express middleware that lets a request through only when `guard` accepts it: a signed
 * webhook verified over its exact raw bytes, an API key (`apiKey()`), or any of several
 * (`anyOf()`).
 *
 * A signed delivery's body is read here, up to `limit`, unless `express.raw()` or
 * `express.json({ verify: captureRawBody })` kept its bytes (after a parser that kept none:
 * 500 `raw_body_unavailable`); then `req.body` is the payload and `req.webhook` the delivery.
 * A key request is decided on its headers, its body left to the parsers after this;
 * `req.auth` holds `{ method, principal, scopes }` either way, and a key taken from the
 * query string is redacted from `req.url` and `req.originalUrl`. A refusal gets
 * `error.status` and `{"ok":false,"error":{"code","message"},"meta":{"requestId"}}` (or
 * `onError`), and the handler never runs; other errors go to `next(error)`. With `replay`,
 * each delivery is handled once. Throws a `TypeError` at once for unusable arguments.
 *
 * @example
 * ```ts
 * import { anyOf, apiKey, memoryReplayStore, standardWebhooks } from '@hookguard/core';
 * import { verifyWebhook } from '@hookguard/express';
 * import express from 'express';
 *
 * const scheme = standardWebhooks({ secret: process.env.WEBHOOK_SECRET });
 * const replay = { store: memoryReplayStore() };
 * const app = express();
 * app.post('/webhooks', verifyWebhook<{ type: string }>(scheme, { replay }), (req, res) => {
 *   res.json({ id: req.webhook.id, type: req.body.type });
 * });
 * const instanceKey = apiKey({ header: 'X-API-Key', prefix: 'ck_', keys: [process.env.INSTANCE_KEY ?? ''] });
 * app.get('/runs', verifyWebhook(instanceKey), (req, res) => res.json({ by: req.auth.method }));
 * app.post('/trigger', verifyWebhook(anyOf(instanceKey, scheme), { replay }), express.json(), (req, res) => {
 *   res.json({ by: req.auth.method });
 * });
 * ```
 */
export function verifyWebhook<Payload = unknown>(
  guard: Guard,
  options: VerifyWebhookOptions = {},
): RequestHandler<Request['params'], unknown, Payload> {
  const { limit, bodyTimeoutMs, onError, admit, redacted } = checkOptions(guard, options);

  const refuse = async (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!(error instanceof WebhookVerificationError)) return next(error);
    // Body bytes still to come were never read; closing spares the server draining them.
    if (leavesBodyUnread(error) || !req.complete) {
      res.setHeader('connection', 'close');
      lingerOnClose(req);
    }
    try {
      const answered = onError(error, req, res, next) as unknown;
      // The default answer is synchronous: awaiting it would cost a microtask turn.
      if (answered instanceof Promise) await answered;
    } catch (failure) {
      next(failure);
    }
  };

  const handle = async (req: Request, res: Response, next: NextFunction) => {
    const { originalUrl } = req;
    if (redacted.length > 0) {
      // A key in the query string must not reach later middleware and loggers.
      req.url = redactQuery(req.url, redacted);
      req.originalUrl = redactQuery(originalUrl, redacted);
      redactParams(req.query, redacted); // Express 4 parsed it up front; 5 re-parses req.url
    }
    let delivery: VerifiedWebhook;
    let claim: ReplayClaim | undefined;
    try {
      // Decided on the headers alone: a key request or an unsigned upload is never read.
      let admission = admit({ headers: req.headers, url: originalUrl });
      // Admitted at once when the headers decide: an `await` would cost a microtask turn.
      if (admission instanceof Promise) admission = await admission;
      const { auth, scheme, guard: replay } = admission;
      if (auth) {
        pass(req, { auth });
        return next();
      }
      let body = rawBodyOf(req, limit, bodyTimeoutMs);
      if (body instanceof Promise) body = await body;
      // Only schemes that sign the URL (Twilio) ask for it; `req.protocol` honours `trust
      // proxy` and asks the socket for its peer, so it is not worked out for the others.
      let verified = verifyDelivery(
        scheme,
        req.headers,
        body,
        () => `${req.protocol}://${req.get('host')}${originalUrl}`,
      );
      // Answered at once when the scheme can: an `await` would cost a microtask turn.
      if (verified instanceof Promise) verified = await verified;
      if (verified instanceof Refused) return refuse(verified.error, req, res, next);
      delivery = verified;
      // No `await` without a guard: it would cost a turn of the microtask queue for nothing.
      if (replay) claim = await replay.claim(delivery);
    } catch (error) {
      return refuse(error, req, res, next);
    }
    if (claim?.duplicate) return void res.status(duplicate.status).json(duplicate.body);
    // The client left while the store answered: nobody to answer, so release and stop.
    if (claim && res.closed) return void claim.settle(undefined);
    if (claim) settleOnEnd(res, claim);
    req.body = delivery.payload;
    // Marked read, so a body parser mounted after this skips it.
    pass(req, {
      auth: { method: delivery.scheme, principal: undefined, scopes: [] },
      webhook: delivery,
      bodyRead: true,
    });
    next();
  };

  return function verifyWebhookMiddleware(req, res, next): void {
    void handle(req, res, next);
  };
}
