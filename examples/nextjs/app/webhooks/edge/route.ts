import { withWebhook } from '@hookguard/fetch';
import { eventType, limit, scheme } from '../../../lib/config';

// The same handler on the edge runtime: core resolves to its Web Crypto build there.
export const runtime = 'edge';
export const dynamic = 'force-dynamic';

export const POST = withWebhook(
  scheme,
  async (request, delivery) => {
    const payload: unknown = await request.json();
    return Response.json({
      ok: true,
      id: delivery.id ?? null,
      type: eventType(delivery.payload),
      payload,
      runtime: process.env.NEXT_RUNTIME ?? null, // 'edge', set by Next.js
    });
  },
  limit === undefined ? {} : { limit },
);
