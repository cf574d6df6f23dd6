import type { Hmac } from '../crypto/provider.js';
import { WebhookVerificationError } from '../errors.js';
import { decodeHex, EMPTY, encodeHex, parseJson, rawBytes, toBytes } from '../lib/bytes.js';
import { requireHeader } from '../lib/headers.js';
import { matchHmac } from '../lib/match.js';
import { checkClock, checkOptions, checkTolerance, checkWindow } from '../lib/options.js';
import { thenNow, verifyFrom } from '../lib/verify-now.js';
import type { Secret, VerifiedWebhook, WebhookScheme } from '../types.js';
import { hmacKeys, ownField } from './hmac-scheme.js';

/**
 * Options for {@link linear}.
 *
 * @example
 * ```ts
 * import type { LinearOptions } from '@hookguard/core';
 * const options: LinearOptions = { secret: process.env.LINEAR_WEBHOOK_SECRET ?? '' };
 * ```
 */
export interface LinearOptions {
  /** The webhook's signing secret, used as its UTF-8 bytes. Several for rotation. */
  secret: Secret | readonly Secret[];
  /** Accepted clock difference, past and future. Default 60, as Linear's docs and SDK. */
  toleranceSeconds?: number;
  /** Clock in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

const SIGNATURE = 'linear-signature';

/**
 * Linear's scheme: `Linear-Signature: <hex>`, HMAC-SHA256 of the raw body keyed by the
 * webhook's signing secret. The signed time is the body's own `webhookTimestamp` (ms since
 * the epoch), which must lie within `toleranceSeconds` (default 60) of the clock, past or
 * future; a signed body without it is `invalid_payload`.
 *
 * `id` is undefined: the `Linear-Delivery` header is not signed, so a re-send could change it
 * and slip past replay protection. Replays are keyed on `webhookTimestamp` and the body's
 * hash instead, which covers the whole window. Read `Linear-Delivery` yourself for logging.
 *
 * @example
 * ```ts
 * import { linear } from '@hookguard/core';
 *
 * const scheme = linear({ secret: process.env.LINEAR_WEBHOOK_SECRET ?? '' });
 * const delivery = await scheme.verify({ headers: request.headers, body: await request.arrayBuffer() });
 * const event = delivery.payload as { type: string; action: string; webhookTimestamp: number };
 * ```
 */
export function linear(options: LinearOptions): WebhookScheme {
  checkOptions(options, 'linear');
  const hmacs = hmacKeys(options.secret, 'linear');
  const tolerance = checkTolerance(options.toleranceSeconds ?? 60);
  const now = checkClock(options.now);

  return {
    name: 'linear',
    toleranceSeconds: tolerance,
    requiredHeaders: [[SIGNATURE]],

    verify: verifyFrom(({ headers, body }) => {
      // Undecodable hex stays as empty bytes: same comparison cost, never a match.
      const candidate = decodeHex(requireHeader(headers, SIGNATURE)) ?? EMPTY;
      const rawBody = rawBytes(body);
      const delivery = (matched: boolean): VerifiedWebhook => {
        if (!matched) {
          throw new WebhookVerificationError(
            'signature_mismatch',
            'Linear-Signature does not match this body with the configured secret. Check the secret, and that the body reaches the verifier byte for byte as sent (no JSON parser before it).',
          );
        }
        // The time is inside the body, so it can only be trusted, and read, once the body is.
        const payload = parseJson(rawBody);
        const milliseconds = ownField(payload, 'webhookTimestamp');
        if (typeof milliseconds !== 'number' || !Number.isSafeInteger(milliseconds)) {
          throw new WebhookVerificationError(
            'invalid_payload',
            'The signature is valid but the body has no webhookTimestamp in whole milliseconds, so its age cannot be checked.',
          );
        }
        checkWindow(milliseconds, now(), tolerance);
        return { scheme: 'linear', timestamp: new Date(milliseconds), payload, rawBody };
      };
      return thenNow(matchHmac(hmacs, [rawBody], [candidate]), delivery);
    }),

    // Linear's time lives in the body, so sign() signs the body as given: put the
    // `webhookTimestamp` in it for verify() to accept it.
    async sign({ body }) {
      const [hmac] = hmacs as [Hmac];
      return { [SIGNATURE]: encodeHex(await hmac([toBytes(body)])) };
    },
  };
}
