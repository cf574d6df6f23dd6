import { anyOf } from '@hookguard/core';
import { withWebhook } from '@hookguard/fetch';
import { instanceKey, scheme } from '$lib/server/config';
import type { RequestHandler } from './$types';

// An instance key (X-API-Key header or ?api_key=) or a Standard Webhooks signature.
// A key in the query string is redacted from request.url before the handler sees it.
const handle = withWebhook(anyOf(instanceKey, scheme), (request, delivery, auth) =>
  Response.json({
    ok: true,
    method: auth.method,
    via: auth.via ?? null,
    id: delivery?.id ?? null,
    url: request.url,
  }),
);

export const POST: RequestHandler = ({ request }) => handle(request);
