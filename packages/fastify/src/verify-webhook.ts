import {
  type Admission,
  duplicate,
  leavesBodyUnread,
  lingerOnClose,
  parsePayload,
  Refused,
  redactParams,
  redactQuery,
  refusal,
  settleOnEnd,
  verifyDelivery,
  WebhookVerificationError,
} from '@hookguard/core';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { fastifyPlugin } from 'fastify-plugin';
import type {} from './fastify-request.js'; // request.webhook's and request.auth's types
import { addRawBodyParser } from './raw-body-parser.js';
import { rawBodyUnavailable } from './raw-body-unavailable.js';
import { checkOptions, type VerifyWebhookOptions } from './verify-webhook-options.js';

const EMPTY = new Uint8Array(0);
type Admitted = { admission: Admission; url: string };
const slots = (request: FastifyRequest) => request as unknown as Record<symbol, unknown>;

async function verifyWebhookPlugin(fastify: FastifyInstance, options: VerifyWebhookOptions) {
  const { limit, bodyTimeoutMs, onError, admit, readsBody, redacted, requestId } =
    checkOptions(options);
  // Per-request state in decorated slots, a pair per registration (guarded scopes may nest),
  // rather than WeakMaps: an entry per request is work for every garbage collection.
  const ADMITTED = Symbol('hookguard.admitted');
  const UNREAD = Symbol('hookguard.unread');

  const refuse = async (error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (!(error instanceof WebhookVerificationError)) throw error;
    // Body bytes still to come were never read; closing spares the server draining them.
    if (leavesBodyUnread(error) || !request.raw.complete) {
      reply.header('connection', 'close');
      lingerOnClose(request.raw);
    }
    if (onError) await onError(error, request, reply);
    if (!reply.sent) {
      const { status, headers, body } = refusal(error, requestId(request.headers));
      reply.code(status).headers(headers).send(body);
    }
    return reply;
  };

  for (const name of ['webhook', 'auth'] as const) {
    // Set only on guarded routes; the types speak for those, where it is never null.
    if (!fastify.hasRequestDecorator(name)) fastify.decorateRequest(name, null as never);
  }
  for (const slot of [ADMITTED, UNREAD]) fastify.decorateRequest(slot, null);

  if (readsBody) {
    addRawBodyParser(fastify, limit, bodyTimeoutMs, (request, error) => {
      slots(request)[UNREAD] = error;
    });
  }

  // Decided on the headers alone, so a key request or an unsigned upload is never read.
  fastify.addHook('onRequest', async function admitRequest(request, reply) {
    const url = request.raw.url ?? '/';
    if (redacted.length > 0) {
      // A key in the query string must not reach later hooks, handlers and loggers.
      request.raw.url = redactQuery(url, redacted);
      redactParams(request.query, redacted);
    }
    try {
      const admission = await admit({ headers: request.headers, url });
      if (admission.auth) request.auth = admission.auth;
      else slots(request)[ADMITTED] = { admission, url };
    } catch (error) {
      return refuse(error, request, reply);
    }
  });

  fastify.addHook('preValidation', async function checkDelivery(request, reply) {
    try {
      const { [ADMITTED]: admitted, [UNREAD]: unread } = slots(request);
      if (unread !== null) throw unread;
      const body = request.body ?? EMPTY;
      const { admission, url } = (admitted as Admitted | null) ?? {};
      if (!admission?.scheme) {
        // A key request where raw bodies are read: its body is parsed as a payload would be.
        if (readsBody && body instanceof Uint8Array)
          request.body = body.length > 0 ? parsePayload(request.headers, body) : undefined;
        return;
      }
      if (!(body instanceof Uint8Array)) throw rawBodyUnavailable();
      // Only schemes that sign the URL (Twilio) ask for it; `protocol` honours `trustProxy`.
      let delivery = verifyDelivery(
        admission.scheme,
        request.headers,
        body,
        () => `${request.protocol}://${request.headers.host}${url}`,
      );
      // Answered at once when the scheme can: an `await` would cost a microtask turn.
      if (delivery instanceof Promise) delivery = await delivery;
      if (delivery instanceof Refused) return refuse(delivery.error, request, reply);
      // No `await` without a guard: it would cost a turn of the microtask queue for nothing.
      const claim = admission.guard ? await admission.guard.claim(delivery) : undefined;
      if (claim?.duplicate) return reply.code(duplicate.status).send(duplicate.body);
      if (claim && reply.raw.closed) {
        // The client left while the store answered: nobody to answer, so release and stop.
        void claim.settle(undefined);
        return reply.hijack();
      }
      if (claim) settleOnEnd(reply.raw, claim);
      request.webhook = delivery;
      request.auth = { method: delivery.scheme, principal: undefined, scopes: [] };
      request.body = delivery.payload;
    } catch (error) {
      return refuse(error, request, reply);
    }
  });
}

/**
 * Fastify plugin (Fastify 4 and 5) guarding every route of the scope it is registered in
 * with `scheme`: a signature scheme, an API key (`apiKey()`), or any of several (`anyOf()`).
 * Each request is admitted or refused on its headers first, before any body is read. With
 * a signature scheme among them, the scope reads raw bodies through its own content-type
 * parser (other scopes keep Fastify's): a signed delivery's handler sees the payload as
 * `request.body` and the delivery as `request.webhook`, a key request's body is parsed as
 * JSON (or form fields). `request.auth` holds `{ method, principal, scopes }`, and a key
 * taken from the query string is redacted from `request.url` (Fastify logs the URL before
 * any hook runs: see the README for its serializer). A refusal answers
 * `{"ok":false,"error":{"code","message"},"meta":{"requestId"}}` with `error.status` (or
 * `onError`'s answer) and the handler never runs; other errors go to Fastify's error
 * handler. With `replay`, each delivery is handled once.
 *
 * @example
 * ```ts
 * const scheme = standardWebhooks({ secret: process.env.WEBHOOK_SECRET });
 * const replay = { store: memoryReplayStore() };
 * await app.register(async (scope) => {
 *   await scope.register(verifyWebhook, { scheme, limit: 256 * 1024, replay });
 *   scope.post<{ Body: OrderPaid }>('/webhooks', async (req) => ({ id: req.webhook.id }));
 * });
 * ```
 */
export const verifyWebhook: FastifyPluginAsync<VerifyWebhookOptions> = fastifyPlugin(
  verifyWebhookPlugin,
  { fastify: '4.x || 5.x', name: '@hookguard/fastify' },
);
