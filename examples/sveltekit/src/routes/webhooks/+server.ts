import { withWebhook } from '@hookguard/fetch';
import { eventType, limit, scheme } from '$lib/server/config';
import type { RequestHandler } from './$types';

// withWebhook reads the raw body itself: nothing may call request.json() before it.
const handle = withWebhook(
  scheme,
  async (request, delivery) => {
    // The verified bytes, parsed again here to show the handler's request still has them.
    const payload: unknown = await request.json();
    return Response.json({
      ok: true,
      id: delivery.id ?? null,
      type: eventType(delivery.payload),
      payload,
    });
  },
  limit === undefined ? {} : { limit },
);

export const POST: RequestHandler = (event) => handle(event.request);
