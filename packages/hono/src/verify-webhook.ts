import {
  type Admission,
  type Answer,
  duplicate,
  type Guard,
  type HeadersLike,
  leavesBodyUnread,
  lingerOnClose,
  Refused,
  type ReplayClaim,
  redactQuery,
  refusal,
  type VerifiedWebhook,
  verifyDelivery,
  WebhookVerificationError,
} from '@hookguard/core';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyUnread, nodeIncoming, nodeRequest, readBody } from './read-body.js';
import { checkOptions, type VerifyWebhookOptions } from './verify-webhook-options.js';
import type { WebhookVariables } from './webhook-variables.js';

const CLOSE = { connection: 'close' };

// A fresh headers object, since @hono/node-server adds content-length to it. Not a spread
// copy: adding to one builds a new hidden class (V8 map) for every response.
const respond = ({ status, headers, body }: Answer, more?: typeof CLOSE): Response =>
  new Response(JSON.stringify(body), { status, headers: Object.assign({}, headers, more) });

/**
 * Hono middleware that lets a request through only when `guard` accepts it: a signed
 * webhook, an API key (`apiKey()`), or any of several (`anyOf()`).
 *
 * A signed delivery's body is read once, bounded by `limit` and `bodyTimeoutMs`, verified,
 * and set as `c.get('webhook')`; the bytes go into Hono's body cache, so `c.req.json()` and
 * the like still work (`c.req.raw`'s own body is consumed). A key request is decided on
 * its headers and its body left unread. `c.get('auth')` holds `{ method, principal, scopes }`
 * either way; a key taken from the query string is redacted from `c.req.url`. A refusal gets
 * `{"ok":false,"error":{"code","message"},"meta":{"requestId"}}` with the error's status (or
 * `onError`'s answer); other errors go to `app.onError`. With `replay`, each delivery is
 * handled once: see {@link VerifyWebhookOptions.replay}.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { apiKey, memoryReplayStore, standardWebhooks } from '@hookguard/core';
 * import { verifyWebhook } from '@hookguard/hono';
 *
 * const scheme = standardWebhooks({ secret: process.env.WEBHOOK_SECRET });
 * const replay = { store: memoryReplayStore() };
 * const app = new Hono();
 * app.post('/webhooks', verifyWebhook<{ type: string }>(scheme, { replay }), (c) =>
 *   c.json({ id: c.get('webhook').id, type: c.get('webhook').payload.type }),
 * );
 * const instanceKey = apiKey({ header: 'X-API-Key', prefix: 'ck_', keys: [process.env.INSTANCE_KEY ?? ''] });
 * app.get('/runs', verifyWebhook(instanceKey), (c) => c.json({ by: c.get('auth').method }));
 * ```
 */
export function verifyWebhook<Payload = unknown>(
  guard: Guard,
  options: VerifyWebhookOptions = {},
): MiddlewareHandler<{ Variables: WebhookVariables<Payload> }> {
  const { limit, bodyTimeoutMs, onError, admit, redacted, requestId } = checkOptions(
    guard,
    options,
  );

  const refuse = (error: unknown, c: Context, headers: HeadersLike, bodyUnread: boolean) => {
    if (!(error instanceof WebhookVerificationError)) throw error;
    if (bodyUnread || leavesBodyUnread(error)) {
      // A refusal onError builds with c.text() or c.json() closes the connection too.
      c.header('connection', 'close');
      // Or a client still sending would get a reset (EPIPE) before it reads the answer.
      const incoming = nodeRequest(c);
      if (incoming) lingerOnClose(incoming);
    }
    if (onError) return onError(error, c);
    return respond(refusal(error, requestId(headers)), bodyUnread ? CLOSE : undefined);
  };

  return async function verifyWebhookMiddleware(c, next) {
    const { raw } = c.req;
    const url = redactQuery(raw.url, redacted);
    // A key in the query string must not reach later middleware, handlers and loggers.
    if (url !== raw.url) c.req.raw = new Request(url, raw);
    const incoming = nodeIncoming(c);
    const headers = incoming?.headers ?? raw.headers;
    let admission: Admission;
    try {
      // Decided on the headers alone: a key request or an unsigned upload is never read.
      const admitted = admit({ headers, url: raw.url });
      // Admitted at once when the headers decide: an `await` would cost a microtask turn.
      admission = admitted instanceof Promise ? await admitted : admitted;
    } catch (error) {
      return refuse(error, c, headers, bodyUnread(c, incoming));
    }
    if (admission.auth) {
      c.set('auth', admission.auth);
      return next();
    }
    const { scheme, guard } = admission;
    let delivery: VerifiedWebhook;
    let claim: ReplayClaim | undefined;
    let signal: AbortSignal | undefined;
    try {
      const body = await readBody(c.req, incoming, limit, bodyTimeoutMs);
      let verified = verifyDelivery(scheme, headers, body, () => raw.url);
      // Answered at once when the scheme can: an `await` would cost a microtask turn.
      if (verified instanceof Promise) verified = await verified;
      if (verified instanceof Refused) return refuse(verified.error, c, headers, false);
      delivery = verified;
      if (guard) {
        // Taken before the store answers, so it aborts if the client leaves meanwhile; on
        // @hono/node-server only now, after the body is read, since it builds c.req.raw.
        signal = raw.signal;
        claim = await guard.claim(delivery);
      }
    } catch (error) {
      return refuse(error, c, headers, false);
    }
    if (claim?.duplicate) return respond(duplicate);
    c.set('webhook', delivery as VerifiedWebhook<Payload>);
    c.set('auth', { method: delivery.scheme, principal: undefined, scopes: [] });
    if (!claim) return next();
    if (signal?.aborted) {
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
