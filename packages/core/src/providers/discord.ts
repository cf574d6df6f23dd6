import { ed25519Signer, ed25519Verifier } from '#crypto';
import type { Ed25519Verify, MaybePromise, Part } from '../crypto/provider.js';
import { WebhookVerificationError } from '../errors.js';
import { decodeHex, EMPTY, encodeHex, parseJson, rawBytes, toBytes } from '../lib/bytes.js';
import { digitsValue, requireHeader } from '../lib/headers.js';
import { checkClock, checkOptions, checkTolerance, checkWindow, toList } from '../lib/options.js';
import { thenNow, verifyFrom } from '../lib/verify-now.js';
import type { VerifiedWebhook, WebhookScheme } from '../types.js';

/**
 * Options for {@link discord}.
 *
 * @example
 * ```ts
 * import type { DiscordOptions } from '@hookguard/core';
 * const options: DiscordOptions = { publicKey: process.env.DISCORD_PUBLIC_KEY ?? '' };
 * ```
 */
export interface DiscordOptions {
  /** The application's public key from the Developer Portal: 64 hex digits. Several for rotation. */
  publicKey: string | readonly string[];
  /** An Ed25519 private key as 64 hex digits (the 32-byte seed), only to `sign` in tests or relays. */
  privateKey?: string;
  /** Accepted clock difference, past and future. Default 300. */
  toleranceSeconds?: number;
  /** Clock in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

const SIGNATURE = 'x-signature-ed25519';
const TIMESTAMP = 'x-signature-timestamp';

// Keys come from configuration, not from the wire, so either hex case is taken.
const hexKey = (key: unknown, what: string): Uint8Array => {
  const bytes = typeof key === 'string' ? decodeHex(key.toLowerCase()) : undefined;
  if (bytes?.byteLength !== 32) throw new TypeError(`${what} must be 64 hex digits (32 bytes).`);
  return bytes;
};

// Every key is tried, even after one matched: the time taken does not tell which key signed.
const verifyEach = (
  verifiers: readonly Ed25519Verify[],
  signed: readonly Part[],
  signature: Uint8Array,
  index = 0,
  matched = false,
): MaybePromise<boolean> => {
  const verify = verifiers[index];
  if (verify === undefined) return matched;
  return thenNow(verify(signed, signature), (valid) =>
    verifyEach(verifiers, signed, signature, index + 1, valid || matched),
  );
};

/**
 * Discord's scheme for interactions and webhook events: `X-Signature-Ed25519: <hex>`, an
 * Ed25519 signature by the application's key over `${X-Signature-Timestamp}${rawBody}`, with
 * the timestamp in seconds, which must lie within `toleranceSeconds` of the clock.
 *
 * Discord sends no delivery id header, so replay protection keys on the signed time and the
 * body's hash; the interaction's own `id` is in `payload`. Answer a `PING` (type 1) yourself.
 *
 * @example
 * ```ts
 * import { discord } from '@hookguard/core';
 *
 * const scheme = discord({ publicKey: process.env.DISCORD_PUBLIC_KEY ?? '' });
 * const delivery = await scheme.verify({ headers: request.headers, body: await request.arrayBuffer() });
 * if ((delivery.payload as { type: number }).type === 1) return Response.json({ type: 1 });
 * ```
 */
export function discord(options: DiscordOptions): WebhookScheme {
  checkOptions(options, 'discord');
  const publicKeys = toList(options.publicKey).map((key) => hexKey(key, 'publicKey'));
  if (publicKeys.length === 0) {
    throw new TypeError("discord() needs the application's public key (64 hex digits).");
  }
  const verifiers = publicKeys.map(ed25519Verifier);
  const signer =
    options.privateKey === undefined
      ? undefined
      : ed25519Signer(hexKey(options.privateKey, 'privateKey'));
  const tolerance = checkTolerance(options.toleranceSeconds);
  const now = checkClock(options.now);

  return {
    name: 'discord',
    toleranceSeconds: tolerance,
    requiredHeaders: [[SIGNATURE, TIMESTAMP]],

    verify: verifyFrom(({ headers, body }) => {
      const signature = requireHeader(headers, SIGNATURE);
      const timestamp = requireHeader(headers, TIMESTAMP);
      const seconds = digitsValue(timestamp);
      if (seconds < 0) {
        throw new WebhookVerificationError(
          'malformed_header',
          'The X-Signature-Timestamp header must be whole seconds since the epoch, digits only.',
        );
      }
      checkWindow(seconds * 1000, now(), tolerance);
      // Undecodable hex stays as empty bytes and is never checked, so it can never match.
      const candidate = decodeHex(signature) ?? EMPTY;

      const rawBody = rawBytes(body);
      const delivery = (matched: boolean): VerifiedWebhook => {
        if (!matched) {
          throw new WebhookVerificationError(
            'signature_mismatch',
            "X-Signature-Ed25519 does not verify over this timestamp and body with the configured public key. Check the application's public key, and that the body reaches the verifier byte for byte as sent (no JSON parser before it).",
          );
        }
        return {
          scheme: 'discord',
          timestamp: new Date(seconds * 1000),
          payload: parseJson(rawBody),
          rawBody,
        };
      };
      if (candidate.byteLength !== 64) return delivery(false);
      return thenNow(verifyEach(verifiers, [timestamp, rawBody], candidate), delivery);
    }),

    async sign({ body, timestamp = now() }) {
      if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
        throw new TypeError('timestamp must be whole milliseconds since the epoch.');
      }
      if (!signer) throw new TypeError('sign() needs a privateKey (64 hex digits).');
      const seconds = String(Math.floor(timestamp / 1000));
      const signature = encodeHex(await signer([seconds, toBytes(body)]));
      return { [TIMESTAMP]: seconds, [SIGNATURE]: signature };
    },
  };
}
