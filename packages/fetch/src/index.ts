export { withWebhook } from './with-webhook.js';
export type { WithWebhookOptions } from './with-webhook-options.js';
