import { sha256 } from '#crypto';
import { encodeHex } from './lib/bytes.js';
import type { VerifiedWebhook } from './types.js';

/**
 * What identifies `delivery` for replay protection: `<scheme>:<id>` when the sender gives
 * each delivery an id (Standard Webhooks' `webhook-id`), otherwise
 * `<scheme>:<timestamp ms>:<SHA-256 of the raw body, hex>` (Codaiq sends no id), and
 * `<scheme>:<SHA-256 of the raw body, hex>` for a scheme that signs neither.
 *
 * The key depends only on what was signed, never on which signature entry or rotated
 * secret matched, so every header that verifies the same delivery claims the same key.
 * {@link replayGuard} calls it; export it to inspect or pre-seed a replay store.
 *
 * @example
 * ```ts
 * import { replayKey } from '@hookguard/core';
 * const key = await replayKey(await scheme.verify({ headers, body }));
 * // 'standard-webhooks:msg_2KWPBgLlAfxdpx2AI54pPJ85f4W'
 * ```
 */
export async function replayKey(delivery: VerifiedWebhook): Promise<string> {
  if (delivery.id !== undefined) return `${delivery.scheme}:${delivery.id}`;
  const digest = encodeHex(await sha256([delivery.rawBody]));
  const { scheme, timestamp } = delivery;
  return timestamp ? `${scheme}:${timestamp.getTime()}:${digest}` : `${scheme}:${digest}`;
}
