import {
  type Answer,
  duplicate,
  leavesBodyUnread,
  type ReplayClaim,
  readRawBody,
  refusal,
  type VerifiedWebhook,
  type WebhookScheme,
  WebhookVerificationError,
} from '@hookguard/core';
import type { Context, HonoRequest, MiddlewareHandler } from 'hono';
import { checkOptions, type VerifyWebhookOptions } from './verify-webhook-options.js';

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

// A fresh headers object: @hono/node-server adds content-length to the one it is given.
const respond = ({ status, headers, body }: Answer): Response =>
  new Response(JSON.stringify(body), { status, headers: { ...headers } });

const exactBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer);

// Always a bounded read from the stream: a Request can carry more bytes than its
// Content-Length declares. The bytes then go into Hono's body cache, so c.req.json(),
// c.req.text() and c.req.arrayBuffer() serve the handler without reading twice.
const readBody = async (req: HonoRequest, limit: number, timeoutMs: number) => {
  const { bodyCache } = req;
  const cached = Object.keys(bodyCache);
  // An earlier c.req.arrayBuffer() kept exact bytes; any other cached form (parsed JSON,
  // decoded text) has lost them, and readRawBody refuses the used body below.
  if (cached.length === 1 && bodyCache.arrayBuffer) {
    const bytes = new Uint8Array(await bodyCache.arrayBuffer);
    if (bytes.byteLength > limit) {
      throw new WebhookVerificationError(
        'payload_too_large',
        `The request body is larger than the ${limit}-byte limit.`,
      );
    }
    return bytes;
  }
  const body = await readRawBody(req.raw, { limit, timeoutMs });
  // Hono keeps promises in the cache, though its type names the resolved values.
  Object.assign(bodyCache, { arrayBuffer: Promise.resolve(exactBuffer(body)) });
  return body;
};

/**
 * Hono middleware that verifies a signed webhook before the route handler runs.
 *
 * It reads the raw body once (refusing more than `limit` bytes without buffering them, and
 * a body slower than `bodyTimeoutMs`), verifies it with `scheme`, sets the delivery as
 * `c.get('webhook')` and calls `next()`. The bytes go into Hono's body cache, so
 * `c.req.json()`, `c.req.text()` and `c.req.arrayBuffer()` work in the handler;
 * `c.get('webhook').rawBody` has them too. `c.req.raw`'s own body is consumed, as after any
 * `c.req` body reader.
 * A refused delivery gets `{"ok":false,"error":{"code","message"}}` with the error's
 * status (or whatever `onError` returns); any other error goes to `app.onError`. With
 * `replay`, each delivery is handled once: see {@link VerifyWebhookOptions.replay}.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { memoryReplayStore, standardWebhooks } from '@hookguard/core';
 * import { verifyWebhook } from '@hookguard/hono';
 *
 * const scheme = standardWebhooks({ secret: process.env.WEBHOOK_SECRET });
 * const replay = { store: memoryReplayStore() };
 * const app = new Hono();
 * app.post('/webhooks', verifyWebhook<{ type: string }>(scheme, { replay }), (c) =>
 *   c.json({ id: c.get('webhook').id, type: c.get('webhook').payload.type }),
 * );
 * ```
 */
export function verifyWebhook<Payload = unknown>(
  scheme: WebhookScheme,
  options: VerifyWebhookOptions = {},
): MiddlewareHandler<{ Variables: WebhookVariables<Payload> }> {
  const { limit, bodyTimeoutMs, onError, guard, precheck } = checkOptions(scheme, options);

  const refuse = (error: WebhookVerificationError, c: Context, bodyUnread: boolean) => {
    const answer = refusal(error);
    if (!onError) {
      return respond(
        bodyUnread ? { ...answer, headers: { ...answer.headers, connection: 'close' } } : answer,
      );
    }
    // A refusal onError builds with c.text() or c.json() closes the connection too.
    if (bodyUnread) c.header('connection', 'close');
    return onError(error, c);
  };

  return async function verifyWebhookMiddleware(c, next) {
    // Aborts when the client leaves early.
    const { signal } = c.req.raw;
    let delivery: VerifiedWebhook;
    let claim: ReplayClaim | undefined;
    try {
      // An unsigned upload is refused before its body is read.
      const unsigned = await precheck(c.req.raw.headers);
      if (unsigned) return refuse(unsigned, c, !c.req.raw.bodyUsed);
      const body = await readBody(c.req, limit, bodyTimeoutMs);
      delivery = await scheme.verify({ headers: c.req.raw.headers, body, url: c.req.url });
      claim = await guard?.claim(delivery);
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      return refuse(error, c, leavesBodyUnread(error));
    }
    if (claim?.duplicate) return respond(duplicate);
    c.set('webhook', delivery as VerifiedWebhook<Payload>);
    if (!claim) return next();
    if (signal.aborted) {
      // The client left while the store answered: release, and run no handler for nobody.
      await claim.settle(undefined);
      return new Response(null, { status: 499 });
    }
    // From here the handler's outcome settles the claim, even if the client hangs up
    // meanwhile: its re-send must not run the handler a second time concurrently.
    let status: number | undefined;
    try {
      await next();
      // Hono turns a handler's error into c.error and app.onError's answer, whatever its status.
      if (!c.error && c.finalized) status = c.res.status;
    } finally {
      await claim.settle(status);
    }
  };
}
