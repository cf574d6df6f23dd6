import { WebhookVerificationError } from '@hookguard/core';

/** The refusal when another content-type parser turned the body into something else first. */
export const rawBodyUnavailable = () =>
  new WebhookVerificationError(
    'raw_body_unavailable',
    'Another content-type parser read the body first. Add no parser where verifyWebhook runs.',
  );
