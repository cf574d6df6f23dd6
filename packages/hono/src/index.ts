export type { WebhookVariables } from './verify-webhook.js';
export { verifyWebhook } from './verify-webhook.js';
export type { VerifyWebhookOptions } from './verify-webhook-options.js';
