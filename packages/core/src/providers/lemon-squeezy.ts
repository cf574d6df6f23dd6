import { checkOptions } from '../lib/options.js';
import type { Secret, WebhookScheme } from '../types.js';
import { buildHmacScheme } from './hmac-scheme.js';

/**
 * Options for {@link lemonSqueezy}.
 *
 * @example
 * ```ts
 * import type { LemonSqueezyOptions } from '@hookguard/core';
 * const options: LemonSqueezyOptions = { secret: process.env.LEMON_SQUEEZY_WEBHOOK_SECRET ?? '' };
 * ```
 */
export interface LemonSqueezyOptions {
  /** The signing secret you chose for the webhook, used as its UTF-8 bytes. Several for rotation. */
  secret: Secret | readonly Secret[];
  /**
   * Lemon Squeezy signs no time, so no window applies; this only sets how long replay
   * protection remembers a delivery (twice this). Default 300.
   */
  toleranceSeconds?: number;
}

/**
 * Lemon Squeezy's scheme: `X-Signature: <hex>`, the HMAC-SHA256 of the raw body keyed by the
 * webhook's signing secret.
 *
 * Lemon Squeezy signs no time and sends no delivery id, so any captured delivery verifies
 * again later: replay protection keys on the body's hash, and remembers it for twice
 * `toleranceSeconds`. The event name is in `payload.meta.event_name`.
 *
 * @example
 * ```ts
 * import { lemonSqueezy } from '@hookguard/core';
 *
 * const scheme = lemonSqueezy({ secret: process.env.LEMON_SQUEEZY_WEBHOOK_SECRET ?? '' });
 * const delivery = await scheme.verify({ headers: request.headers, body: await request.arrayBuffer() });
 * const event = delivery.payload as { meta: { event_name: string } };
 * ```
 */
export function lemonSqueezy(options: LemonSqueezyOptions): WebhookScheme {
  checkOptions(options, 'lemonSqueezy');
  return buildHmacScheme(
    {
      name: 'lemon-squeezy',
      secret: options.secret,
      signatureHeader: 'x-signature',
      encoding: 'hex',
      ...(options.toleranceSeconds !== undefined && { toleranceSeconds: options.toleranceSeconds }),
    },
    'lemonSqueezy',
  );
}
