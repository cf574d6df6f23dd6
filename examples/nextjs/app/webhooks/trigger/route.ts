import { anyOf } from '@hookguard/core';
import { withWebhook } from '@hookguard/fetch';
import { instanceKey, scheme } from '../../../lib/config';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// An instance key (X-API-Key header or ?api_key=) or a Standard Webhooks signature.
// A key in the query string is redacted from request.url before the handler sees it.
export const POST = withWebhook(anyOf(instanceKey, scheme), (request, delivery, auth) =>
  Response.json({
    ok: true,
    method: auth.method,
    via: auth.via ?? null,
    id: delivery?.id ?? null,
    url: request.url,
  }),
);
