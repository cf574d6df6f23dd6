export { captureRawBody } from './capture-raw-body.js';
export type { VerifyWebhookOptions } from './verify-webhook.js';
export { verifyWebhook } from './verify-webhook.js';
