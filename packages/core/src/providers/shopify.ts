import { WebhookVerificationError } from '../errors.js';
import { decodeBase64, EMPTY, encodeBase64, parseJson, rawBytes, toBytes } from '../lib/bytes.js';
import { requireHeader } from '../lib/headers.js';
import { matchHmac } from '../lib/match.js';
import { checkOptions, checkTolerance } from '../lib/options.js';
import { thenNow, verifyFrom } from '../lib/verify-now.js';
import type { Secret, VerifiedWebhook, WebhookScheme } from '../types.js';
import { hmacKeys } from './hmac-scheme.js';

/**
 * Options for {@link shopify}.
 *
 * @example
 * ```ts
 * import type { ShopifyOptions } from '@hookguard/core';
 * const options: ShopifyOptions = { secret: process.env.SHOPIFY_API_SECRET ?? '' };
 * ```
 */
export interface ShopifyOptions {
  /**
   * The app's client secret (or the store's webhook signing secret for webhooks made in the
   * admin), used as its UTF-8 bytes. Several for rotation, any may match.
   */
  secret: Secret | readonly Secret[];
  /**
   * Shopify signs no time, so nothing is checked against this: it only sets how long replay
   * protection remembers a delivery by default (twice this). Default 300.
   */
  toleranceSeconds?: number;
}

const SIGNATURE = 'x-shopify-hmac-sha256';
const WEBHOOK_ID = 'x-shopify-webhook-id';

/**
 * Shopify's scheme: `X-Shopify-Hmac-Sha256: <base64>`, HMAC-SHA256 of the raw body keyed by
 * the app's secret, in canonical base64.
 *
 * A Shopify delivery signs no time: `timestamp` is undefined and no clock window applies, so
 * replay protection lasts `replay.ttlSeconds`: set it to cover Shopify's retries, which go on
 * for hours. `X-Shopify-Webhook-Id` is not covered by the signature, so it is not `id`
 * (anyone could rewrite it to dodge replay protection): deliveries are keyed by the body's
 * hash instead.
 *
 * @example
 * ```ts
 * import { shopify } from '@hookguard/core';
 *
 * const scheme = shopify({ secret: process.env.SHOPIFY_API_SECRET ?? '' });
 * const delivery = await scheme.verify({ headers: request.headers, body: await request.arrayBuffer() });
 * const topic = request.headers.get('x-shopify-topic');
 * ```
 */
export function shopify(options: ShopifyOptions): WebhookScheme {
  checkOptions(options, 'shopify');
  const hmacs = hmacKeys(options.secret, 'shopify');
  const tolerance = checkTolerance(options.toleranceSeconds);

  return {
    name: 'shopify',
    toleranceSeconds: tolerance,
    requiredHeaders: [[SIGNATURE]],

    verify: verifyFrom(({ headers, body }) => {
      const signature = requireHeader(headers, SIGNATURE);
      // Undecodable or non-canonical base64 stays as empty bytes: same cost, never a match.
      const candidate = decodeBase64(signature) ?? EMPTY;

      const rawBody = rawBytes(body);
      const delivery = (matched: boolean): VerifiedWebhook => {
        if (!matched) {
          throw new WebhookVerificationError(
            'signature_mismatch',
            "X-Shopify-Hmac-Sha256 does not match this body with the configured secret. Check the app's client secret, and that the body reaches the verifier byte for byte as sent (no JSON parser before it).",
          );
        }
        // No id: X-Shopify-Webhook-Id is not signed, so a captured delivery re-sent with a new
        // one would dodge replay protection keyed on it. The body's hash keys it instead.
        return { scheme: 'shopify', payload: parseJson(rawBody), rawBody };
      };
      return thenNow(matchHmac(hmacs, [rawBody], [candidate]), delivery);
    }),

    async sign({ body, id = crypto.randomUUID() }) {
      const [hmac] = hmacs as [(typeof hmacs)[number]];
      return {
        [WEBHOOK_ID]: id,
        [SIGNATURE]: encodeBase64(await hmac([toBytes(body)])),
      };
    },
  };
}
