import type { Hmac } from '../crypto/provider.js';
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
 * Options for {@link paddle}.
 *
 * @example
 * ```ts
 * import type { PaddleOptions } from '@hookguard/core';
 * const options: PaddleOptions = { secret: process.env.PADDLE_WEBHOOK_SECRET ?? '' };
 * ```
 */
export interface PaddleOptions {
  /**
   * The notification destination's secret key (`pdl_ntfset_...`), used whole as its UTF-8
   * bytes. Several for rotation.
   */
  secret: Secret | readonly Secret[];
  /**
   * Accepted clock difference, past and future. Default 300. Paddle's own SDKs accept 5 s,
   * and only into the past; pass 5 to match them when the receiver's clock is kept tight.
   */
  toleranceSeconds?: number;
  /** Clock in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

const SIGNATURE = 'paddle-signature';

const malformed = (detail: string) =>
  new WebhookVerificationError('malformed_header', `The Paddle-Signature header ${detail}.`);

const FORMAT: TimedSignatureFormat = {
  time: 'ts',
  signature: 'h1',
  unit: 'seconds',
  shape: 'semicolon-separated key=value pairs, like ts=<s>;h1=<hex>',
  separator: ';',
  malformed,
};

/**
 * Paddle Billing's scheme: `Paddle-Signature: ts=<seconds>;h1=<hex>` where the hex is
 * HMAC-SHA256 of `${ts}:${rawBody}` keyed by the notification destination's secret key.
 * Several `h1=` entries may appear while Paddle rotates a secret; any match passes. Unknown
 * keys are ignored. Paddle Classic (`p_signature` in a form body) is a different scheme.
 *
 * Paddle sends no delivery id header, so `id` is undefined and replay protection keys on the
 * signed time and the body's hash. The event's `event_id` and `notification_id` are in
 * `payload`.
 *
 * @example
 * ```ts
 * import { paddle } from '@hookguard/core';
 *
 * const scheme = paddle({ secret: process.env.PADDLE_WEBHOOK_SECRET ?? '' });
 * const delivery = await scheme.verify({ headers: request.headers, body: await request.arrayBuffer() });
 * const event = delivery.payload as { event_type: string; notification_id: string };
 * ```
 */
export function paddle(options: PaddleOptions): WebhookScheme {
  checkOptions(options, 'paddle');
  const hmacs = hmacKeys(options.secret, 'paddle');
  const tolerance = checkTolerance(options.toleranceSeconds);
  const now = checkClock(options.now);

  return {
    name: 'paddle',
    toleranceSeconds: tolerance,
    requiredHeaders: [[SIGNATURE]],

    verify: verifyFrom(({ headers, body }) => {
      const {
        time: ts,
        timeValue: seconds,
        signatures: h1,
      } = parseTimedSignatures(requireHeader(headers, SIGNATURE), FORMAT);
      checkWindow(seconds * 1000, now(), tolerance);
      if (h1.length === 0) {
        throw new WebhookVerificationError(
          'signature_mismatch',
          'The Paddle-Signature header has no h1= signature.',
        );
      }

      const rawBody = rawBytes(body);
      const delivery = (matched: boolean): VerifiedWebhook => {
        if (!matched) {
          throw new WebhookVerificationError(
            'signature_mismatch',
            "No h1= signature in Paddle-Signature matches this body with the configured secret. Check the secret (this notification destination's whole pdl_ntfset_... key), and that the body reaches the verifier byte for byte as sent (no JSON parser before it).",
          );
        }
        return {
          scheme: 'paddle',
          timestamp: new Date(seconds * 1000),
          payload: parseJson(rawBody),
          rawBody,
        };
      };
      return thenNow(matchHmac(hmacs, [`${ts}:`, rawBody], h1), delivery);
    }),

    async sign({ body, timestamp = now() }) {
      if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
        throw new TypeError('timestamp must be whole milliseconds since the epoch.');
      }
      const [hmac] = hmacs as [Hmac];
      const ts = String(Math.floor(timestamp / 1000));
      const signature = encodeHex(await hmac([`${ts}:`, toBytes(body)]));
      return { [SIGNATURE]: `ts=${ts};h1=${signature}` };
    },
  };
}
