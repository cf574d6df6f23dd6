export type { VerifyWebhookOptions, WebhookVariables } from './verify-webhook.js';
export { verifyWebhook } from './verify-webhook.js';
