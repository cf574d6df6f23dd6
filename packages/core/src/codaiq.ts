import { hmacSha256 } from '#crypto';
import { WebhookVerificationError } from './errors.js';
import { encodeHex, parseJson, rawBytes, toBytes } from './lib/bytes.js';
import { readHeader, requireHeader } from './lib/headers.js';
import { codaiqSecret } from './lib/keys.js';
import { matchHmac } from './lib/match.js';
import {
  checkClock,
  checkOptions,
  checkTolerance,
  checkWindow,
  isSecret,
  toList,
} from './lib/options.js';
import { parseTimedSignatures, type TimedSignatureFormat } from './lib/timed-signatures.js';
import { thenNow, verifyFrom } from './lib/verify-now.js';
import type { Secret, VerifiedWebhook, WebhookScheme } from './types.js';

/**
 * Options for {@link codaiq}.
 *
 * @example
 * ```ts
 * import type { CodaiqOptions } from '@hookguard/core';
 * const options: CodaiqOptions = { secret: process.env.CODAIQ_WEBHOOK_SECRET ?? '' };
 * ```
 */
export interface CodaiqOptions {
  /** Codaiq's `webhookSecret`; a string is used as its UTF-8 bytes. Several for rotation. */
  secret: Secret | readonly Secret[];
  /** Accepted clock difference, past and future. Default 300. */
  toleranceSeconds?: number;
  /** Clock in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

const SIGNATURE = 'x-codaiq-signature';
const TIMESTAMP = 'x-codaiq-timestamp';

const malformed = (detail: string) =>
  new WebhookVerificationError('malformed_header', `The X-Codaiq-Signature header ${detail}.`);

const FORMAT: TimedSignatureFormat = {
  time: 't',
  signature: 'v1',
  unit: 'milliseconds',
  shape: 'comma-separated key=value pairs, like t=<ms>,v1=<hex>',
  separator: ',',
  malformed,
};

/**
 * The Codaiq scheme: `X-Codaiq-Signature: t=<ms>,v1=<hex>` where the hex is
 * HMAC-SHA256 of `${t}.${rawBody}` keyed by the webhook secret. Timestamps are
 * milliseconds. Several `v1=` entries may appear; any match passes.
 *
 * @example
 * ```ts
 * import { codaiq } from '@hookguard/core';
 *
 * const scheme = codaiq({ secret: process.env.CODAIQ_WEBHOOK_SECRET ?? '' });
 * const delivery = await scheme.verify({ headers: req.headers, body: rawBytes });
 * ```
 */
export function codaiq(options: CodaiqOptions): WebhookScheme {
  checkOptions(options, 'codaiq');
  const secrets = toList(options.secret);
  if (secrets.length === 0) throw new TypeError("codaiq() needs the webhook's secret.");
  if (!secrets.every(isSecret)) throw new TypeError('secret must be a string or a Uint8Array.');
  const hmacs = secrets.map((secret) => hmacSha256(codaiqSecret(secret)));
  const tolerance = checkTolerance(options.toleranceSeconds);
  const now = checkClock(options.now);

  return {
    name: 'codaiq',
    toleranceSeconds: tolerance,
    requiredHeaders: [[SIGNATURE]],

    verify: verifyFrom(({ headers, body }) => {
      const {
        time: t,
        timeValue: milliseconds,
        signatures: v1,
      } = parseTimedSignatures(requireHeader(headers, SIGNATURE), FORMAT);
      const timestampHeader = readHeader(headers, TIMESTAMP);
      if (timestampHeader !== undefined && timestampHeader !== t) {
        throw new WebhookVerificationError(
          'malformed_header',
          'The X-Codaiq-Timestamp header does not equal the t= value of X-Codaiq-Signature.',
        );
      }
      checkWindow(milliseconds, now(), tolerance);
      if (v1.length === 0) {
        throw new WebhookVerificationError(
          'signature_mismatch',
          'The X-Codaiq-Signature header has no v1= signature.',
        );
      }

      const rawBody = rawBytes(body);
      const delivery = (matched: boolean): VerifiedWebhook => {
        if (!matched) {
          throw new WebhookVerificationError(
            'signature_mismatch',
            'No v1= signature in X-Codaiq-Signature matches this body with the configured secret. Check the secret, and that the body reaches the verifier byte for byte as sent (no JSON parser before it).',
          );
        }
        return {
          scheme: 'codaiq',
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
      const [hmac] = hmacs as [(typeof hmacs)[number]];
      const t = String(timestamp);
      const signature = encodeHex(await hmac([`${t}.`, toBytes(body)]));
      return { [TIMESTAMP]: t, [SIGNATURE]: `t=${t},v1=${signature}` };
    },
  };
}
