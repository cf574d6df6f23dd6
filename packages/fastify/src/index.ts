export type { WebhookRequest } from './fastify-request.js';
export type { VerifyWebhookOptions } from './verify-webhook.js';
export { verifyWebhook } from './verify-webhook.js';
