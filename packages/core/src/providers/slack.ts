import { WebhookVerificationError } from '../errors.js';
import { decodeHex, EMPTY, encodeHex, rawBytes, toBytes } from '../lib/bytes.js';
import { digitsValue, requireHeader } from '../lib/headers.js';
import { matchHmac } from '../lib/match.js';
import { checkClock, checkOptions, checkTolerance, checkWindow } from '../lib/options.js';
import { parsePayload } from '../lib/payload.js';
import { thenNow, verifyFrom } from '../lib/verify-now.js';
import type { Secret, VerifiedWebhook, WebhookScheme } from '../types.js';
import { hmacKeys } from './hmac-scheme.js';

/**
 * Options for {@link slack}.
 *
 * @example
 * ```ts
 * import type { SlackOptions } from '@hookguard/core';
 * const options: SlackOptions = { secret: process.env.SLACK_SIGNING_SECRET ?? '' };
 * ```
 */
export interface SlackOptions {
  /** The app's signing secret, used as its UTF-8 bytes. Several for rotation, any may match. */
  secret: Secret | readonly Secret[];
  /** Accepted clock difference, past and future. Default 300, as Slack recommends. */
  toleranceSeconds?: number;
  /** Clock in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

const SIGNATURE = 'x-slack-signature';
const TIMESTAMP = 'x-slack-request-timestamp';

/**
 * Slack's scheme: `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 of `v0:${timestamp}:${rawBody}`
 * keyed by the app's signing secret, with the time in `X-Slack-Request-Timestamp` (seconds),
 * which must lie within `toleranceSeconds` of the clock, past or future.
 *
 * Slash commands and interactivity send `application/x-www-form-urlencoded` bodies: `payload`
 * is then a record of the form's fields (interactivity's JSON stays a string in its `payload`
 * field); the Events API's JSON is parsed as JSON. Slack sends no delivery id, so replay
 * protection keys on the signed time and the body's hash.
 *
 * @example
 * ```ts
 * import { slack } from '@hookguard/core';
 *
 * const scheme = slack({ secret: process.env.SLACK_SIGNING_SECRET ?? '' });
 * const delivery = await scheme.verify({ headers: request.headers, body: await request.arrayBuffer() });
 * const { command, text } = delivery.payload as { command: string; text: string };
 * ```
 */
export function slack(options: SlackOptions): WebhookScheme {
  checkOptions(options, 'slack');
  const hmacs = hmacKeys(options.secret, 'slack');
  const tolerance = checkTolerance(options.toleranceSeconds);
  const now = checkClock(options.now);

  return {
    name: 'slack',
    toleranceSeconds: tolerance,
    requiredHeaders: [[SIGNATURE, TIMESTAMP]],

    verify: verifyFrom(({ headers, body }) => {
      const signature = requireHeader(headers, SIGNATURE);
      const timestamp = requireHeader(headers, TIMESTAMP);
      const seconds = digitsValue(timestamp);
      if (seconds < 0) {
        throw new WebhookVerificationError(
          'malformed_header',
          'The X-Slack-Request-Timestamp header must be whole seconds since the epoch, digits only.',
        );
      }
      const equals = signature.indexOf('=');
      if (equals < 1) {
        throw new WebhookVerificationError(
          'malformed_header',
          'The X-Slack-Signature header must be <version>=<hex>, like v0=<hex>.',
        );
      }
      checkWindow(seconds * 1000, now(), tolerance);
      if (signature.slice(0, equals) !== 'v0') {
        throw new WebhookVerificationError(
          'signature_mismatch',
          'The X-Slack-Signature header has no v0= signature, the only version this receiver can check.',
        );
      }
      // Undecodable hex stays as empty bytes: same comparison cost, never a match.
      const candidate = decodeHex(signature, equals + 1) ?? EMPTY;

      const rawBody = rawBytes(body);
      const delivery = (matched: boolean): VerifiedWebhook => {
        if (!matched) {
          throw new WebhookVerificationError(
            'signature_mismatch',
            "X-Slack-Signature does not match this body with the configured signing secret. Check the app's signing secret, and that the body reaches the verifier byte for byte as sent (no form or JSON parser before it).",
          );
        }
        return {
          scheme: 'slack',
          timestamp: new Date(seconds * 1000),
          payload: parsePayload(headers, rawBody),
          rawBody,
        };
      };
      return thenNow(matchHmac(hmacs, [`v0:${timestamp}:`, rawBody], [candidate]), delivery);
    }),

    async sign({ body, timestamp = now() }) {
      if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
        throw new TypeError('timestamp must be whole milliseconds since the epoch.');
      }
      const [hmac] = hmacs as [(typeof hmacs)[number]];
      const seconds = String(Math.floor(timestamp / 1000));
      const signature = encodeHex(await hmac([`v0:${seconds}:`, toBytes(body)]));
      return { [TIMESTAMP]: seconds, [SIGNATURE]: `v0=${signature}` };
    },
  };
}
