import { WebhookVerificationError } from '../errors.js';
import { encodeHex, parseJson, rawBytes, toBytes } from '../lib/bytes.js';
import { requireHeader } from '../lib/headers.js';
import { matchHmac } from '../lib/match.js';
import { checkClock, checkOptions, checkTolerance, checkWindow } from '../lib/options.js';
import { parseTimedSignatures, type TimedSignatureFormat } from '../lib/timed-signatures.js';
import { thenNow, verifyFrom } from '../lib/verify-now.js';
import type { Secret, VerifiedWebhook, WebhookScheme } from '../types.js';
import { hmacKeys } from './hmac-scheme.js';

/**
 * Options for {@link stripe}.
 *
 * @example
 * ```ts
 * import type { StripeOptions } from '@hookguard/core';
 * const options: StripeOptions = { secret: process.env.STRIPE_WEBHOOK_SECRET ?? '' };
 * ```
 */
export interface StripeOptions {
  /**
   * The endpoint's signing secret, `whsec_...`. Stripe keys the HMAC with the whole string
   * as UTF-8 bytes, prefix included; it is not base64. Several for rotation: while Stripe
   * rolls a secret it signs with the old and the new one.
   */
  secret: Secret | readonly Secret[];
  /** Accepted clock difference, past and future. Default 300, as Stripe's libraries. */
  toleranceSeconds?: number;
  /** Clock in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

const SIGNATURE = 'stripe-signature';

const malformed = (detail: string) =>
  new WebhookVerificationError('malformed_header', `The Stripe-Signature header ${detail}.`);

const FORMAT: TimedSignatureFormat = {
  time: 't',
  signature: 'v1',
  unit: 'seconds',
  shape: 'comma-separated key=value pairs, like t=<s>,v1=<hex>',
  separator: ',',
  malformed,
};

/**
 * Stripe's scheme: `Stripe-Signature: t=<seconds>,v1=<hex>[,v1=<hex>...]` where each hex is
 * HMAC-SHA256 of `${t}.${rawBody}` keyed by the endpoint's `whsec_...` string. Any `v1=`
 * entry may match; `t` must lie within `toleranceSeconds` of the clock, past or future.
 *
 * Stripe sends no delivery id header, so `id` is undefined and replay protection keys on
 * the signed time and the body's hash. The event's own `id` is in `payload`.
 *
 * @example
 * ```ts
 * import { stripe } from '@hookguard/core';
 *
 * const scheme = stripe({ secret: process.env.STRIPE_WEBHOOK_SECRET ?? '' });
 * const delivery = await scheme.verify({ headers: request.headers, body: await request.arrayBuffer() });
 * const event = delivery.payload as { id: string; type: string };
 * ```
 */
export function stripe(options: StripeOptions): WebhookScheme {
  checkOptions(options, 'stripe');
  const hmacs = hmacKeys(options.secret, 'stripe');
  const tolerance = checkTolerance(options.toleranceSeconds);
  const now = checkClock(options.now);

  return {
    name: 'stripe',
    toleranceSeconds: tolerance,
    requiredHeaders: [[SIGNATURE]],

    verify: verifyFrom(({ headers, body }) => {
      const {
        time: t,
        timeValue: seconds,
        signatures: v1,
      } = parseTimedSignatures(requireHeader(headers, SIGNATURE), FORMAT);
      checkWindow(seconds * 1000, now(), tolerance);
      if (v1.length === 0) {
        throw new WebhookVerificationError(
          'signature_mismatch',
          'The Stripe-Signature header has no v1= signature.',
        );
      }

      const rawBody = rawBytes(body);
      const delivery = (matched: boolean): VerifiedWebhook => {
        if (!matched) {
          throw new WebhookVerificationError(
            'signature_mismatch',
            "No v1= signature in Stripe-Signature matches this body with the configured secret. Check the secret (this endpoint's whole whsec_... string), and that the body reaches the verifier byte for byte as sent (no JSON parser before it).",
          );
        }
        return {
          scheme: 'stripe',
          timestamp: new Date(seconds * 1000),
          payload: parseJson(rawBody),
          rawBody,
        };
      };
      return thenNow(matchHmac(hmacs, [`${t}.`, rawBody], v1), delivery);
    }),

    async sign({ body, timestamp = now() }) {
      if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
        throw new TypeError('timestamp must be whole milliseconds since the epoch.');
      }
      const [hmac] = hmacs as [(typeof hmacs)[number]];
      const t = String(Math.floor(timestamp / 1000));
      const signature = encodeHex(await hmac([`${t}.`, toBytes(body)]));
      return { [SIGNATURE]: `t=${t},v1=${signature}` };
    },
  };
}
