import {
  type Admission,
  type Answer,
  type Authenticated,
  duplicate,
  type Guard,
  leavesBodyUnread,
  type ReplayClaim,
  readRawBody,
  redactQuery,
  refusal,
  type VerifiedWebhook,
  type WebhookScheme,
  WebhookVerificationError,
} from '@hookguard/core';
import { checkOptions, type WithWebhookOptions } from './with-webhook-options.js';

type Handler<Delivery> = (
  request: Request,
  delivery: Delivery,
  auth: Authenticated,
) => Response | Promise<Response>;

const respond = ({ status, headers, body }: Answer): Response =>
  new Response(JSON.stringify(body), { status, headers: { ...headers } });

// A copy, since the given Response's headers may be immutable (one from fetch(), say).
const closing = (response: Response): Response => {
  const copy = new Response(response.body, response);
  copy.headers.set('connection', 'close');
  return copy;
};

/**
 * Wraps a Fetch API handler (`Request` in, `Response` out) so it runs only for requests
 * `guard` accepts: a signed webhook (a scheme such as `standardWebhooks()`), an API key
 * (`apiKey()`), or any of several (`anyOf()`). Fits Next.js route handlers, SvelteKit
 * endpoints, `Bun.serve`, `Deno.serve` and Cloudflare Workers.
 *
 * A signed delivery's body is read once from the stream, bounded by `limit` and
 * `bodyTimeoutMs` whatever `Content-Length` says, and verified; the handler gets a new
 * `Request` (same method, headers and signal) carrying the verified bytes, so `request.json()`, `.text()` and
 * `.arrayBuffer()` work in it, the `VerifiedWebhook` and `auth`
 * (`{ method: delivery.scheme, principal: undefined, scopes: [] }`). A key request is
 * decided on its headers, its body left unread, and `delivery` is `undefined`. A key
 * taken from the query string is redacted from `request.url`. A refusal is answered with
 * `{"ok":false,"error":{"code","message"},"meta":{"requestId"}}` and the error's status
 * (or `onError`'s answer) and the handler never runs; other errors are rethrown. With
 * `replay`, each delivery is handled once, settled by the handler's status.
 *
 * @example
 * ```ts
 * import { standardWebhooks } from '@hookguard/core';
 * import { withWebhook } from '@hookguard/fetch';
 *
 * const scheme = standardWebhooks({ secret: process.env.WEBHOOK_SECRET });
 *
 * export const POST = withWebhook<{ type: string }>(scheme, async (request, delivery) => {
 *   const body = await request.json(); // the verified bytes, parsed
 *   return Response.json({ id: delivery.id, type: delivery.payload.type, body });
 * });
 * ```
 */
export function withWebhook<Payload = unknown>(
  scheme: WebhookScheme,
  handler: Handler<VerifiedWebhook<Payload>>,
  options?: WithWebhookOptions,
): (request: Request) => Promise<Response>;
/**
 * Wraps a Fetch API handler for a credential method or `anyOf()` of several: `delivery` is
 * the `VerifiedWebhook` for a signed delivery and `undefined` for a key request.
 *
 * @example
 * ```ts
 * import { anyOf, apiKey, standardWebhooks } from '@hookguard/core';
 * import { withWebhook } from '@hookguard/fetch';
 *
 * const trigger = anyOf(
 *   apiKey({ header: 'X-API-Key', query: 'api_key', prefix: 'ck_', keys: [process.env.INSTANCE_KEY ?? ''] }),
 *   standardWebhooks({ secret: process.env.WEBHOOK_SECRET }),
 * );
 * export default {
 *   fetch: withWebhook(trigger, (request, delivery, auth) =>
 *     Response.json({ by: auth.method, signed: delivery !== undefined, url: request.url }),
 *   ),
 * };
 * ```
 */
export function withWebhook<Payload = unknown>(
  guard: Guard,
  handler: Handler<VerifiedWebhook<Payload> | undefined>,
  options?: WithWebhookOptions,
): (request: Request) => Promise<Response>;
export function withWebhook<Payload = unknown>(
  guard: Guard,
  given: Handler<VerifiedWebhook<Payload>> | Handler<VerifiedWebhook<Payload> | undefined>,
  options: WithWebhookOptions = {},
): (request: Request) => Promise<Response> {
  // A lone scheme (the first overload) admits no key request, so it never gets `undefined`.
  const handler = given as Handler<VerifiedWebhook<Payload> | undefined>;
  const { limit, bodyTimeoutMs, onError, admit, redacted, requestId } = checkOptions(
    guard,
    given,
    options,
  );

  const refuse = async (error: unknown, request: Request, bodyUnread: boolean) => {
    if (!(error instanceof WebhookVerificationError)) throw error;
    const answer = onError
      ? await onError(error, request)
      : respond(refusal(error, requestId(request.headers)));
    return bodyUnread || leavesBodyUnread(error) ? closing(answer) : answer;
  };

  return async function webhookHandler(original: Request): Promise<Response> {
    const url = redactQuery(original.url, redacted);
    // A key in the query string must not reach the handler, onError or their loggers.
    const request = url === original.url ? original : new Request(url, original);
    let admission: Admission;
    try {
      // Decided on the headers alone: a key request or an unsigned upload is never read.
      admission = await admit({ headers: request.headers, url: original.url });
    } catch (error) {
      return refuse(error, request, request.body !== null && !request.bodyUsed);
    }
    if (admission.auth) return handler(request, undefined, admission.auth);
    let body: Uint8Array;
    let delivery: VerifiedWebhook;
    let claim: ReplayClaim | undefined;
    try {
      body = await readRawBody(request, { limit, timeoutMs: bodyTimeoutMs });
      delivery = await admission.scheme.verify({
        headers: request.headers,
        body,
        url: original.url,
      });
      claim = await admission.guard?.claim(delivery);
    } catch (error) {
      return refuse(error, request, false);
    }
    if (claim?.duplicate) return respond(duplicate);
    const { method, headers, signal } = request;
    const verified = new Request(url, {
      method,
      headers,
      signal,
      body: request.body === null ? null : (body as Uint8Array<ArrayBuffer>),
    });
    const auth: Authenticated = { method: delivery.scheme, principal: undefined, scopes: [] };
    const typed = delivery as VerifiedWebhook<Payload>;
    if (!claim) return handler(verified, typed, auth);
    if (signal.aborted) {
      // The client left while the store answered: release, and run no handler for nobody.
      await claim.settle(undefined);
      return new Response(null, { status: 499 });
    }
    // From here the handler's outcome settles the claim, even if the client hangs up
    // meanwhile: its re-send must not run the handler a second time concurrently.
    let status: number | undefined;
    try {
      const response = await handler(verified, typed, auth);
      status = response.status;
      return response;
    } finally {
      await claim.settle(status);
    }
  };
}
