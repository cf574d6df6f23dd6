import { withWebhook } from '@hookguard/fetch';
import { eventType, limit, scheme } from '../../lib/config';

// node:crypto and a Node stream reader; the edge runtime would need the Web Crypto build.
export const runtime = 'nodejs';
// A webhook is never prerendered or cached.
export const dynamic = 'force-dynamic';

// withWebhook reads the raw body itself: nothing may call request.json() before it.
export const POST = withWebhook(
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
