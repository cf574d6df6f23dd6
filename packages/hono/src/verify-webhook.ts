import {
  type ReplayClaim,
  readRawBody,
  type VerifiedWebhook,
  type WebhookScheme,
  WebhookVerificationError,
} from '@hookguard/core';
import type { HonoRequest, MiddlewareHandler } from 'hono';
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

const errorResponse = (error: WebhookVerificationError): Response =>
  new Response(JSON.stringify({ ok: false, error: { code: error.code, message: error.message } }), {
    status: error.status,
    headers: {
      'content-type': 'application/json',
      // The rest of an oversized upload is never read; closing spares the server draining it.
      ...(error.code === 'payload_too_large' ? { connection: 'close' } : {}),
    },
  });

// A declared length within the limit bounds the read by itself: the HTTP framing delivers
// exactly that many bytes. Hono's cached c.req.arrayBuffer() then serves c.req.json() and
// c.req.text() in the handler without a second Request (which costs more than the HMAC).
const readBody = async (req: HonoRequest, limit: number): Promise<Uint8Array> => {
  const declared = req.header('content-length');
  const cached = Object.keys(req.bodyCache);
  // Anything but exact bytes in Hono's cache (parsed JSON, decoded text) has lost them.
  const exact =
    cached.every((key) => key === 'arrayBuffer') && (cached.length > 0 || !req.raw.bodyUsed);
  if (exact && declared !== undefined && /^\d+$/.test(declared) && Number(declared) <= limit) {
    return new Uint8Array(await req.arrayBuffer());
  }
  // Unknown length (chunked) or over the limit: read bounded, refusing as soon as it passes;
  // a body something else consumed is refused as raw_body_unavailable here.
  const body = await readRawBody(req.raw, { limit });
  // What Hono's own bodyLimit does: a fresh Request over the same bytes keeps c.req.json(),
  // c.req.text() and c.req.raw readable in the handler.
  if (req.raw.bodyUsed) req.raw = new Request(req.raw, { body: body as BufferSource });
  return body;
};

const duplicateResponse = (): Response =>
  new Response('{"ok":true,"duplicate":true}', { headers: { 'content-type': 'application/json' } });

/**
 * Hono middleware that verifies a signed webhook before the route handler runs.
 *
 * It reads the raw body once (refusing more than `limit` bytes without buffering them),
 * verifies it with `scheme`, sets the delivery as `c.get('webhook')` and calls `next()`.
 * The bytes are read through Hono's cached `c.req.arrayBuffer()` (or, for a body of unknown
 * length, a bounded read behind a fresh `c.req.raw`), so `c.req.json()`, `c.req.text()` and
 * `c.req.arrayBuffer()` still work in the handler; `c.get('webhook').rawBody` has the bytes.
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
  const { limit, onError, guard } = checkOptions(scheme, options);

  return async function verifyWebhookMiddleware(c, next) {
    // Captured before c.req.raw is replaced: it aborts when the client leaves early.
    const { signal } = c.req.raw;
    let delivery: VerifiedWebhook;
    let claim: ReplayClaim | undefined;
    try {
      const body = await readBody(c.req, limit);
      delivery = await scheme.verify({ headers: c.req.raw.headers, body });
      claim = await guard?.claim(delivery);
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      if (!onError) return errorResponse(error);
      // A 413 that onError builds with c.text() or c.json() closes the connection too.
      if (error.code === 'payload_too_large') c.header('connection', 'close');
      return onError(error, c);
    }
    if (claim?.duplicate) return duplicateResponse();
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
