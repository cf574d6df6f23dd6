export type { WebhookRequest } from './fastify-request.js';
export { verifyWebhook } from './verify-webhook.js';
export type { VerifyWebhookOptions } from './verify-webhook-options.js';
