import type { Authenticated, VerifiedWebhook } from '@hookguard/core';
import type { FastifyRequest } from 'fastify';

// Merged into Fastify's own interface; the type parameters are Fastify's (the same in 4 and 5).
declare module 'fastify' {
  interface FastifyRequest<
    RouteGeneric,
    RawServer,
    RawRequest,
    SchemaCompiler,
    TypeProvider,
    ContextConfig,
    Logger,
    RequestType,
  > {
    /**
     * The verified delivery, on routes of a scope that registered `verifyWebhook`; its payload
     * has the route's `Body` type (`app.post<{ Body: OrderPaid }>(...)`).
     */
    webhook: VerifiedWebhook<RequestType['body']>;
    /**
     * Who the request is, on routes of a scope that registered `verifyWebhook`: a credential
     * method's principal and scopes, or, for a signed delivery, the scheme's name as `method`.
     */
    auth: Authenticated;
  }
}

/**
 * The request a verified route's handler receives, with `Payload` as the type of both
 * `request.body` and `request.webhook.payload`; for handlers written apart from their route.
 *
 * @example
 * ```ts
 * import type { WebhookRequest } from '@hookguard/fastify';
 *
 * type OrderPaid = { type: 'order.paid'; data: { id: string } };
 * export async function onOrderPaid(request: WebhookRequest<OrderPaid>) {
 *   return { order: request.webhook.payload.data.id };
 * }
 * // scope.post('/webhooks', onOrderPaid);
 * ```
 */
export type WebhookRequest<Payload = unknown> = FastifyRequest<{ Body: Payload }>;
