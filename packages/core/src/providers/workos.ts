import type { Hmac } from '../crypto/provider.js';
import { WebhookVerificationError } from '../errors.js';
import { encodeHex, parseJson, rawBytes, toBytes } from '../lib/bytes.js';
import { type Joined, requireHeader } from '../lib/headers.js';
import { matchHmac } from '../lib/match.js';
import { checkClock, checkOptions, checkTolerance, checkWindow } from '../lib/options.js';
import { parseTimedSignatures, type TimedSignatureFormat } from '../lib/timed-signatures.js';
import { thenNow, verifyFrom } from '../lib/verify-now.js';
import type { Secret, VerifiedWebhook, WebhookScheme } from '../types.js';
import { hmacKeys } from './hmac-scheme.js';

/**
 * Options for {@link workos}.
 *
 * @example
 * ```ts
 * import type { WorkOSOptions } from '@hookguard/core';
 * const options: WorkOSOptions = { secret: process.env.WORKOS_WEBHOOK_SECRET ?? '' };
 * ```
 */
export interface WorkOSOptions {
  /** The webhook endpoint's secret from the WorkOS dashboard, used as its UTF-8 bytes. Several for rotation. */
  secret: Secret | readonly Secret[];
  /** Accepted clock difference, past and future. Default 180, as WorkOS's SDKs. */
  toleranceSeconds?: number;
  /** Clock in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

const SIGNATURE = 'workos-signature';

const malformed = (detail: string) =>
  new WebhookVerificationError('malformed_header', `The WorkOS-Signature header ${detail}.`);

// WorkOS separates its own entries with ", ", the very joint Node and Fetch put between two
// copies of a header; a second copy shows instead as a second t= entry (an entry starts the
// header or follows a comma and at most one space).
const TWO_TIMES = /(?:^|,) ?t=.*, ?t=/s;
const joinedCopies: Joined = (value) => TWO_TIMES.test(value);

const FORMAT: TimedSignatureFormat = {
  time: 't',
  signature: 'v1',
  unit: 'milliseconds',
  shape: 'key=value pairs, like t=<ms>, v1=<hex>',
  separator: ',',
  spaced: true,
  malformed,
};

/**
 * WorkOS's scheme: `WorkOS-Signature: t=<ms>, v1=<hex>` (a comma and a space between
 * entries, and the time in milliseconds) where the hex is HMAC-SHA256 of `${t}.${rawBody}`
 * keyed by the endpoint's secret. Any of several `v1=` entries may match.
 *
 * WorkOS sends no delivery id header, so `id` is undefined and replay protection keys on the
 * signed time and the body's hash. The event's own `id` is in `payload`.
 *
 * @example
 * ```ts
 * import { workos } from '@hookguard/core';
 *
 * const scheme = workos({ secret: process.env.WORKOS_WEBHOOK_SECRET ?? '' });
 * const delivery = await scheme.verify({ headers: request.headers, body: await request.arrayBuffer() });
 * const event = delivery.payload as { id: string; event: string; data: unknown };
 * ```
 */
export function workos(options: WorkOSOptions): WebhookScheme {
  checkOptions(options, 'workos');
  const hmacs = hmacKeys(options.secret, 'workos');
  const tolerance = checkTolerance(options.toleranceSeconds ?? 180);
  const now = checkClock(options.now);

  return {
    name: 'workos',
    toleranceSeconds: tolerance,
    requiredHeaders: [[SIGNATURE]],

    verify: verifyFrom(({ headers, body }) => {
      const {
        time: t,
        timeValue: milliseconds,
        signatures: v1,
      } = parseTimedSignatures(requireHeader(headers, SIGNATURE, joinedCopies), FORMAT);
      checkWindow(milliseconds, now(), tolerance);
      if (v1.length === 0) {
        throw new WebhookVerificationError(
          'signature_mismatch',
          'The WorkOS-Signature header has no v1= signature.',
        );
      }

      const rawBody = rawBytes(body);
      const delivery = (matched: boolean): VerifiedWebhook => {
        if (!matched) {
          throw new WebhookVerificationError(
            'signature_mismatch',
            'No v1= signature in WorkOS-Signature matches this body with the configured secret. Check the secret, and that the body reaches the verifier byte for byte as sent (no JSON parser before it).',
          );
        }
        return {
          scheme: 'workos',
          timestamp: new Date(milliseconds),
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
      const [hmac] = hmacs as [Hmac];
      const t = String(timestamp);
      const signature = encodeHex(await hmac([`${t}.`, toBytes(body)]));
      return { [SIGNATURE]: `t=${t}, v1=${signature}` };
    },
  };
}
