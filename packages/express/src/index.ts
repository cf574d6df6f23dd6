/// <reference path="../types/express-request.d.ts" />
export { captureRawBody } from './capture-raw-body.js';
export { verifyWebhook } from './verify-webhook.js';
export type { VerifyWebhookOptions } from './verify-webhook-options.js';
