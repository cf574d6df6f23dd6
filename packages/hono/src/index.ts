export { verifyWebhook } from './verify-webhook.js';
export type { VerifyWebhookOptions } from './verify-webhook-options.js';
export type { WebhookVariables } from './webhook-variables.js';
