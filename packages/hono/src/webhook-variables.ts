import type { Authenticated, VerifiedWebhook } from '@hookguard/core';

/**
 * The context variables `verifyWebhook()` sets: `c.get('webhook')` is the verified delivery.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import type { WebhookVariables } from '@hookguard/hono';
 *
 * const app = new Hono<{ Variables: WebhookVariables<{ type: string }> }>();
 * ```
 */
export type WebhookVariables<Payload = unknown> = {
  webhook: VerifiedWebhook<Payload>;
  auth: Authenticated;
};
