import {
  duplicate,
  leavesBodyUnread,
  readRawBody,
  refusal,
  type VerifiedWebhook,
  WebhookVerificationError,
} from '@hookguard/core';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { fastifyPlugin } from 'fastify-plugin';
import type {} from './fastify-request.js'; // request.webhook's type
import { checkOptions, type VerifyWebhookOptions } from './verify-webhook-options.js';

const EMPTY = new Uint8Array(0);

const unavailable = () =>
  new WebhookVerificationError(
    'raw_body_unavailable',
    'Another content-type parser read the body first. Add no parser where verifyWebhook runs.',
  );

async function verifyWebhookPlugin(fastify: FastifyInstance, options: VerifyWebhookOptions) {
  const { scheme, limit, bodyTimeoutMs, onError, guard, precheck } = checkOptions(options);
  const unread = new WeakMap<FastifyRequest, unknown>();

  const refuse = async (
    error: unknown,
    request: FastifyRequest,
    reply: FastifyReply,
    bodyUnread = error instanceof WebhookVerificationError && leavesBodyUnread(error),
  ) => {
    if (!(error instanceof WebhookVerificationError)) throw error;
    // The rest of the body was never read; closing spares the server draining it.
    if (bodyUnread) reply.header('connection', 'close');
    await onError?.(error, request, reply);
    if (!reply.sent) {
      const { status, headers, body } = refusal(error);
      reply.code(status).headers(headers).send(body);
    }
    return reply;
  };

  if (!fastify.hasRequestDecorator('webhook')) {
    // Set only on verified routes; the type speaks for those, where it is never null.
    fastify.decorateRequest('webhook', null as unknown as VerifiedWebhook);
  }

  // fastify-plugin skips encapsulation: this parser belongs to the scope that registered us.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request: FastifyRequest, payload: FastifyRequest['raw']) =>
    readRawBody(payload, {
      limit: Math.min(limit, request.routeOptions.bodyLimit),
      timeoutMs: bodyTimeoutMs,
    }).catch((error: unknown) => {
      // Thrown here it would reach Fastify's error handler; preValidation answers it instead.
      unread.set(request, error);
    }),
  );

  // An unsigned upload is refused before its body is read.
  fastify.addHook('onRequest', async function requireSignatureHeaders(request, reply) {
    const unsigned = await precheck(request.headers);
    if (unsigned) return refuse(unsigned, request, reply, true);
  });

  fastify.addHook('preValidation', async function verifyDelivery(request, reply) {
    try {
      if (unread.has(request)) throw unread.get(request);
      const body = request.body ?? EMPTY;
      if (!(body instanceof Uint8Array)) throw unavailable();
      // The URL is for schemes that sign it (Twilio); `protocol` honours `trustProxy`.
      const url = `${request.protocol}://${request.headers.host}${request.url}`;
      const delivery = await scheme.verify({ headers: request.headers, body, url });
      const claim = await guard?.claim(delivery);
      if (claim?.duplicate) return reply.code(duplicate.status).send(duplicate.body);
      if (claim) {
        const { raw } = reply;
        // The client left while the store answered: nobody to answer, so release and stop.
        if (raw.closed) {
          void claim.settle(undefined);
          return reply.hijack();
        }
        // Once the handler runs, its answer settles the claim, not the client's socket: a
        // client hanging up mid-handler must not free the delivery for a concurrent re-send.
        // A handler that never answers leaves the claim to expire (claimTtlSeconds).
        const end = raw.end;
        raw.end = function settleOnEnd(this: typeof raw, ...args: Parameters<typeof end>) {
          raw.end = end;
          void claim.settle(raw.statusCode);
          return end.apply(this, args);
        } as typeof end;
      }
      request.webhook = delivery;
      request.body = delivery.payload;
    } catch (error) {
      return refuse(error, request, reply);
    }
  });
}

/**
 * Fastify plugin (Fastify 4 and 5) verifying every route of the scope it is registered in,
 * which reads raw bodies through its own content-type parser (other scopes keep Fastify's).
 * Handlers see the payload as `request.body` and the delivery as `request.webhook`; a
 * refusal answers `{"ok":false,"error":{"code","message"}}` with `error.status` (or
 * `onError`'s answer) and the handler never runs. Other errors go to Fastify's error handler.
 * With `replay`, each delivery is handled once.
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
