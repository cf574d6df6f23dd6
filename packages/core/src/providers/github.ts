import { WebhookVerificationError } from '../errors.js';
import { decodeHex, EMPTY, encodeHex, parseJson, rawBytes, toBytes, utf8 } from '../lib/bytes.js';
import { readHeader, requireHeader } from '../lib/headers.js';
import { matchHmac } from '../lib/match.js';
import { checkOptions, checkTolerance } from '../lib/options.js';
import { parsePayload } from '../lib/payload.js';
import { thenNow, verifyFrom } from '../lib/verify-now.js';
import type { HeadersLike, Secret, VerifiedWebhook, WebhookScheme } from '../types.js';
import { hmacKeys } from './hmac-scheme.js';

/**
 * Options for {@link github}.
 *
 * @example
 * ```ts
 * import type { GitHubOptions } from '@hookguard/core';
 * const options: GitHubOptions = { secret: process.env.GITHUB_WEBHOOK_SECRET ?? '' };
 * ```
 */
export interface GitHubOptions {
  /** The webhook's secret, used as its UTF-8 bytes. Several for rotation, any may match. */
  secret: Secret | readonly Secret[];
  /**
   * GitHub signs no time, so nothing is checked against this: it only sets how long replay
   * protection remembers a delivery by default (twice this). Default 300.
   */
  toleranceSeconds?: number;
}

const SIGNATURE = 'x-hub-signature-256';
const DELIVERY = 'x-github-delivery';
const PREFIX = 'sha256=';

// A webhook set to content type application/x-www-form-urlencoded sends the same JSON
// document as the form field `payload`; either way the payload is that document.
const parseDelivery = (headers: HeadersLike, rawBody: Uint8Array): unknown => {
  const parsed = parsePayload(headers, rawBody);
  const type = readHeader(headers, 'content-type', () => false)?.toLowerCase() ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) return parsed;
  const { payload } = parsed as { payload?: unknown };
  if (typeof payload !== 'string') {
    throw new WebhookVerificationError(
      'invalid_payload',
      'The signature is valid but this form-encoded GitHub delivery has no single payload field.',
    );
  }
  return parseJson(utf8(payload));
};

/**
 * GitHub's scheme: `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the raw body keyed by
 * the webhook secret. The legacy SHA-1 `X-Hub-Signature` is ignored. JSON and form-encoded
 * deliveries both give the JSON document as `payload`.
 *
 * A GitHub delivery signs no time: `timestamp` is undefined and no clock window applies, so a
 * captured delivery stays valid for as long as the secret does. Replay protection is the
 * only defence and lasts `replay.ttlSeconds`: set it long (GitHub redelivers deliveries up
 * to three days old). `X-GitHub-Delivery` is not covered by the signature, so it is not
 * `id` (anyone could rewrite it to dodge replay protection): deliveries are keyed by the
 * body's hash, which catches GitHub's redeliveries and an attacker's re-sends alike. Read the
 * header yourself for logging.
 *
 * @example
 * ```ts
 * import { github, memoryReplayStore, replayGuard } from '@hookguard/core';
 *
 * const scheme = github({ secret: process.env.GITHUB_WEBHOOK_SECRET ?? '' });
 * // No signed time: remember deliveries for longer than GitHub redelivers them.
 * const guard = replayGuard(scheme, { store: memoryReplayStore(), ttlSeconds: 4 * 24 * 3600 });
 * const delivery = await scheme.verify({ headers: request.headers, body: await request.arrayBuffer() });
 * ```
 */
export function github(options: GitHubOptions): WebhookScheme {
  checkOptions(options, 'github');
  const hmacs = hmacKeys(options.secret, 'github');
  const tolerance = checkTolerance(options.toleranceSeconds);

  return {
    name: 'github',
    toleranceSeconds: tolerance,
    requiredHeaders: [[SIGNATURE]],

    verify: verifyFrom(({ headers, body }) => {
      const signature = requireHeader(headers, SIGNATURE);
      if (!signature.startsWith(PREFIX)) {
        throw new WebhookVerificationError(
          'malformed_header',
          'The X-Hub-Signature-256 header must be sha256=<hex>.',
        );
      }
      // Undecodable hex stays as empty bytes: same comparison cost, never a match.
      const candidate = decodeHex(signature, PREFIX.length) ?? EMPTY;

      const rawBody = rawBytes(body);
      const delivery = (matched: boolean): VerifiedWebhook => {
        if (!matched) {
          throw new WebhookVerificationError(
            'signature_mismatch',
            "X-Hub-Signature-256 does not match this body with the configured secret. Check the webhook's secret, and that the body reaches the verifier byte for byte as sent (no JSON parser before it).",
          );
        }
        // No id: X-GitHub-Delivery is not signed, so a captured delivery re-sent with a new
        // one would dodge replay protection keyed on it. The body's hash keys it instead.
        return { scheme: 'github', payload: parseDelivery(headers, rawBody), rawBody };
      };
      return thenNow(matchHmac(hmacs, [rawBody], [candidate]), delivery);
    }),

    async sign({ body, id = crypto.randomUUID() }) {
      const [hmac] = hmacs as [(typeof hmacs)[number]];
      const signature = encodeHex(await hmac([toBytes(body)]));
      return { [DELIVERY]: id, [SIGNATURE]: `${PREFIX}${signature}` };
    },
  };
}
