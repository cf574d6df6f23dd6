import {
  DEFAULT_BODY_LIMIT,
  readRawBody,
  type VerifiedWebhook,
  type WebhookScheme,
  WebhookVerificationError,
} from '@hookguard/core';
import type { Context, MiddlewareHandler } from 'hono';

/**
 * The context variables {@link verifyWebhook} sets: `c.get('webhook')` is the verified delivery.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import type { WebhookVariables } from '@hookguard/hono';
 *
 * const app = new Hono<{ Variables: WebhookVariables<{ type: string }> }>();
 * ```
 */
export type WebhookVariables<Payload = unknown> = { webhook: VerifiedWebhook<Payload> };

/**
 * Options for {@link verifyWebhook}.
 *
 * @example
 * ```ts
 * import type { VerifyWebhookOptions } from '@hookguard/hono';
 *
 * const options: VerifyWebhookOptions = {
 *   limit: 256 * 1024,
 *   onError: (error, c) => c.text(error.code, 400),
 * };
 * ```
 */
export interface VerifyWebhookOptions {
  /** Most body bytes to accept; a larger body is refused with 413. Default 1 MiB. */
  limit?: number;
  /**
   * Answers a refused delivery instead of the default JSON error response. On a 413,
   * `connection: close` is already set on `c` for responses built with `c.text()`/`c.json()`.
   */
  onError?: (error: WebhookVerificationError, c: Context) => Response | Promise<Response>;
}

const errorResponse = (error: WebhookVerificationError): Response =>
  new Response(JSON.stringify({ ok: false, error: { code: error.code, message: error.message } }), {
    status: error.status,
    headers: {
      'content-type': 'application/json',
      // The rest of an oversized upload is never read; closing spares the server draining it.
      ...(error.code === 'payload_too_large' ? { connection: 'close' } : {}),
    },
  });

/**
 * Hono middleware that verifies a signed webhook before the route handler runs.
 *
 * It reads the raw body once (refusing more than `limit` bytes without buffering them),
 * verifies it with `scheme`, sets the delivery as `c.get('webhook')` and calls `next()`.
 * Like Hono's own `bodyLimit`, it then sets `c.req.raw` to a Request over the same bytes,
 * so `c.req.json()`, `c.req.text()`, `c.req.arrayBuffer()` and `c.req.raw` stay readable.
 * A refused delivery gets `{"ok":false,"error":{"code","message"}}` with the error's
 * status (or whatever `onError` returns); any other error goes to `app.onError`.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { standardWebhooks } from '@hookguard/core';
 * import { verifyWebhook } from '@hookguard/hono';
 *
 * const scheme = standardWebhooks({ secret: process.env.WEBHOOK_SECRET });
 * const app = new Hono();
 * app.post('/webhooks', verifyWebhook<{ type: string }>(scheme), (c) =>
 *   c.json({ id: c.get('webhook').id, type: c.get('webhook').payload.type }),
 * );
 * ```
 */
export function verifyWebhook<Payload = unknown>(
  scheme: WebhookScheme,
  options: VerifyWebhookOptions = {},
): MiddlewareHandler<{ Variables: WebhookVariables<Payload> }> {
  if (typeof scheme?.verify !== 'function') {
    throw new TypeError('verifyWebhook() needs a scheme such as standardWebhooks({ secret }).');
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('verifyWebhook() options must be an object.');
  }
  const { limit = DEFAULT_BODY_LIMIT, onError } = options;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new TypeError('limit must be a whole number of bytes, 0 or more.');
  }
  if (onError !== undefined && typeof onError !== 'function') {
    throw new TypeError('onError must be a function (error, c) => Response.');
  }

  return async function verifyWebhookMiddleware(c, next) {
    let delivery: VerifiedWebhook;
    try {
      const body = await readRawBody(c.req.raw, { limit });
      // What Hono's own bodyLimit does: a fresh Request over the same bytes keeps
      // c.req.json(), c.req.text() and c.req.raw readable in the handler, on every Hono 4.
      if (c.req.raw.bodyUsed) c.req.raw = new Request(c.req.raw, { body: body as BufferSource });
      delivery = await scheme.verify({ headers: c.req.raw.headers, body });
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      if (!onError) return errorResponse(error);
      // A 413 that onError builds with c.text() or c.json() closes the connection too.
      if (error.code === 'payload_too_large') c.header('connection', 'close');
      return onError(error, c);
    }
    c.set('webhook', delivery as VerifiedWebhook<Payload>);
    await next();
  };
}
