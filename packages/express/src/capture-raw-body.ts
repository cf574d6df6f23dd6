import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRawBody, WebhookVerificationError } from '@hookguard/core';
import type { Request } from 'express';

// A registered symbol, so the ESM and CJS builds of this package (two module
// instances in one app) still find each other's saved bytes.
const RAW_BODY = Symbol.for('hookguard.rawBody');

/**
 * A `verify` hook for Express's body parsers that keeps the exact request bytes, so
 * `verifyWebhook()` can still check the signature after a global `express.json()` (or
 * `express.text()`, `express.urlencoded()`) has parsed the body.
 *
 * It has body-parser's `verify(req, res, buf, encoding)` signature and stores `buf`,
 * unchanged, on the request under the non-enumerable property
 * `Symbol.for('hookguard.rawBody')`. After verification the same bytes are on
 * `req.webhook.rawBody`; read them there.
 *
 * Mounting `verifyWebhook()` before any body parser needs no hook at all; use this
 * only when a global parser must stay in front of the webhook route.
 *
 * @example
 * ```ts
 * import { standardWebhooks } from '@hookguard/core';
 * import { captureRawBody, verifyWebhook } from '@hookguard/express';
 * import express from 'express';
 *
 * const scheme = standardWebhooks({ secret: process.env.WEBHOOK_SECRET });
 * const app = express();
 * app.use(express.json({ verify: captureRawBody }));
 * app.post('/webhooks', verifyWebhook(scheme), (req, res) => {
 *   res.json({ id: req.webhook.id });
 * });
 * ```
 */
export function captureRawBody(
  req: IncomingMessage,
  _res: ServerResponse,
  buf: Buffer,
  _encoding: string,
): void {
  if (!(buf instanceof Uint8Array)) {
    throw new TypeError('captureRawBody() expects the raw body as a Buffer, as body-parser gives.');
  }
  Object.defineProperty(req, RAW_BODY, {
    value: buf,
    enumerable: false,
    writable: false,
    configurable: true,
  });
}

const capturedRawBody = (req: object): Uint8Array | undefined => {
  const saved: unknown = (req as { [RAW_BODY]?: unknown })[RAW_BODY];
  return saved instanceof Uint8Array ? saved : undefined;
};

const unavailable = () =>
  new WebhookVerificationError(
    'raw_body_unavailable',
    'A body parser (such as express.json()) read the request body before verifyWebhook() and did not keep its raw bytes, so the signature cannot be checked. Mount verifyWebhook() on the route before any body parser, or keep the parser and let it save the bytes: app.use(express.json({ verify: captureRawBody })).',
  );

const tooLarge = (limit: number) =>
  new WebhookVerificationError(
    'payload_too_large',
    `The request body is larger than the ${limit}-byte limit.`,
  );

// body-parser marks a request it read with `_body`; a stream someone else read has lost bytes.
const consumed = (req: Request): boolean =>
  req.readableEnded || req.readableDidRead || (req as { _body?: unknown })._body === true;

/**
 * The exact body bytes: those a body parser kept (`captureRawBody`, `express.raw()`), at
 * once, else read from the stream up to `limit` bytes and `timeoutMs`. Throws a refusal.
 */
export const rawBodyOf = (
  req: Request,
  limit: number,
  timeoutMs: number,
): Uint8Array | Promise<Uint8Array> => {
  const body: unknown = req.body;
  const saved = capturedRawBody(req) ?? (body instanceof Uint8Array ? body : undefined);
  if (saved) {
    if (saved.byteLength > limit) throw tooLarge(limit);
    return saved;
  }
  if (consumed(req)) throw unavailable();
  return readRawBody(req, { limit, timeoutMs });
};
