import { ed25519Signer, ed25519Verifier, hmacSha256 } from '#crypto';
import type { Ed25519Verify, MaybePromise, Part } from './crypto/provider.js';
import { WebhookVerificationError } from './errors.js';
import {
  decodeBase64,
  EMPTY,
  encodeBase64,
  encodeHex,
  parseJson,
  rawBytes,
  toBytes,
} from './lib/bytes.js';
import { digitsValue, type Joined, readHeader, requireHeader } from './lib/headers.js';
import { ed25519PrivateKey, ed25519PublicKey, standardWebhooksSecret } from './lib/keys.js';
import { matchHmac } from './lib/match.js';
import {
  checkClock,
  checkOptions,
  checkTolerance,
  checkWindow,
  isSecret,
  MAX_SIGNATURES,
  toList,
} from './lib/options.js';
import { thenNow, verifyFrom } from './lib/verify-now.js';
import type { HeadersLike, Secret, VerifiedWebhook, WebhookScheme } from './types.js';

/**
 * Options for {@link standardWebhooks}.
 *
 * @example
 * ```ts
 * import type { StandardWebhooksOptions } from '@hookguard/core';
 * const options: StandardWebhooksOptions = { secret: ['whsec_new...', 'whsec_old...'], toleranceSeconds: 300 };
 * ```
 */
export interface StandardWebhooksOptions {
  /** `whsec_<base64>` or raw key bytes (24 to 75 bytes); several for rotation, any may match. */
  secret?: Secret | readonly Secret[];
  /** `whpk_<base64>` Ed25519 public key(s), raw 32-byte or DER SPKI, for `v1a`. */
  publicKey?: string | readonly string[];
  /** `whsk_<base64>` Ed25519 private key (seed then public key), to sign `v1a`. */
  privateKey?: string;
  /** Accepted clock difference, past and future. Default 300. */
  toleranceSeconds?: number;
  /** Clock in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

const HEADER_SETS = [
  { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' },
  { id: 'svix-id', timestamp: 'svix-timestamp', signature: 'svix-signature' },
] as const;

// Svix, Clerk and Resend send `svix-*`; that set is used only when `webhook-id` is absent,
// and never mixed with the standard one.
const readId = (headers: HeadersLike) => {
  const id = readHeader(headers, 'webhook-id');
  if (id !== undefined) return { names: HEADER_SETS[0], id };
  const svixId = readHeader(headers, 'svix-id');
  if (svixId !== undefined) return { names: HEADER_SETS[1], id: svixId };
  throw new WebhookVerificationError('missing_header', 'The webhook-id header is missing.');
};

// A signature list is space-separated `v1,<base64>` entries, so ", " is legal right after a
// version with an empty signature ("v1, v1,abc="). Two joined copies put ", " after a
// signature instead: a comma that is not the first in its entry.
const joinedLists: Joined = (value) => value.includes(', ') && /,[^ ]*, /.test(value);

const parseSignatures = (header: string, name: string) => {
  const v1: Uint8Array[] = [];
  const v1a: Uint8Array[] = [];
  let entries = 0;
  // Entries are found with indexOf, not split: no array of substrings per delivery.
  for (let start = 0; start < header.length; ) {
    const space = header.indexOf(' ', start);
    const end = space === -1 ? header.length : space;
    if (end > start && ++entries > MAX_SIGNATURES) {
      throw new WebhookVerificationError(
        'malformed_header',
        `The ${name} header lists more than ${MAX_SIGNATURES} signatures.`,
      );
    }
    // An undecodable signature stays in the list as empty bytes: it costs the same
    // comparison as any other and can never match.
    if (header.startsWith('v1,', start)) v1.push(decodeSignature(header, start + 3, end));
    else if (header.startsWith('v1a,', start)) v1a.push(decodeSignature(header, start + 4, end));
    start = end + 1;
  }
  if (entries === 0) {
    throw new WebhookVerificationError('malformed_header', `The ${name} header is empty.`);
  }
  return { v1, v1a };
};

const decodeSignature = (header: string, start: number, end: number): Uint8Array =>
  decodeBase64(header, start, end) ?? EMPTY;

// Every key is tried against every candidate before deciding, as matchHmac does for v1.
const matchEd25519 = async (
  verifiers: readonly Ed25519Verify[],
  signed: readonly Part[],
  candidates: readonly Uint8Array[],
  hmacFound: MaybePromise<boolean>,
): Promise<boolean> => {
  let matched = await hmacFound;
  for (const verify of verifiers) {
    for (const candidate of candidates) {
      matched = (candidate.byteLength === 64 && (await verify(signed, candidate))) || matched;
    }
  }
  return matched;
};

/**
 * A Standard Webhooks scheme (spec 1.0.0): `webhook-id`, `webhook-timestamp` and
 * `webhook-signature` headers (or the `svix-*` set), `v1` HMAC-SHA256 and `v1a` Ed25519
 * signatures, key rotation, and a timestamp window.
 *
 * Throws a `TypeError` at once for unusable options; `verify` only ever rejects with a
 * `WebhookVerificationError`.
 *
 * @example
 * ```ts
 * import { standardWebhooks } from '@hookguard/core';
 *
 * const scheme = standardWebhooks({ secret: process.env.WEBHOOK_SECRET });
 * const delivery = await scheme.verify({ headers: request.headers, body: await request.arrayBuffer() });
 * console.log(delivery.id, delivery.payload);
 * ```
 */
export function standardWebhooks(options: StandardWebhooksOptions): WebhookScheme {
  checkOptions(options, 'standardWebhooks');
  const secrets = toList(options.secret);
  if (!secrets.every(isSecret)) throw new TypeError('secret must be a string or a Uint8Array.');
  const hmacs = secrets.map((secret) => hmacSha256(standardWebhooksSecret(secret)));
  const privateKey =
    options.privateKey === undefined ? undefined : ed25519PrivateKey(options.privateKey);
  const publicKeys = toList(options.publicKey).map(ed25519PublicKey);
  if (privateKey) publicKeys.push(privateKey.publicKey);
  if (hmacs.length === 0 && publicKeys.length === 0) {
    throw new TypeError(
      'standardWebhooks() needs a secret (whsec_...) or a public key (whpk_...) to verify with.',
    );
  }
  const verifiers = publicKeys.map(ed25519Verifier);
  const signer = privateKey && ed25519Signer(privateKey.seed);
  const tolerance = checkTolerance(options.toleranceSeconds);
  const now = checkClock(options.now);

  return {
    name: 'standard-webhooks',
    toleranceSeconds: tolerance,
    requiredHeaders: HEADER_SETS.map(({ id, timestamp, signature }) => [id, timestamp, signature]),

    verify: verifyFrom(({ headers, body }) => {
      const { names, id } = readId(headers);
      const timestamp = requireHeader(headers, names.timestamp);
      const signature = requireHeader(headers, names.signature, joinedLists);
      if (id === '') {
        throw new WebhookVerificationError('malformed_header', `The ${names.id} header is empty.`);
      }
      const seconds = digitsValue(timestamp);
      if (seconds < 0) {
        throw new WebhookVerificationError(
          'malformed_header',
          `The ${names.timestamp} header must be whole seconds since the epoch, digits only.`,
        );
      }
      checkWindow(seconds * 1000, now(), tolerance);
      const candidates = parseSignatures(signature, names.signature);
      if (candidates.v1.length + candidates.v1a.length === 0) {
        throw new WebhookVerificationError(
          'signature_mismatch',
          `The ${names.signature} header has no v1 or v1a signature that this receiver can check.`,
        );
      }

      const rawBody = rawBytes(body);
      const signed = [`${id}.${timestamp}.`, rawBody];
      const delivery = (matched: boolean): VerifiedWebhook => {
        if (!matched) {
          throw new WebhookVerificationError(
            'signature_mismatch',
            `No signature in ${names.signature} matches this body with the configured keys. Check the secret, and that the body reaches the verifier byte for byte as sent (no JSON parser before it).`,
          );
        }
        return {
          scheme: 'standard-webhooks',
          id,
          timestamp: new Date(seconds * 1000),
          payload: parseJson(rawBody),
          rawBody,
        };
      };
      const found = matchHmac(hmacs, signed, candidates.v1);
      if (verifiers.length > 0 && candidates.v1a.length > 0) {
        return matchEd25519(verifiers, signed, candidates.v1a, found).then(delivery);
      }
      return thenNow(found, delivery);
    }),

    async sign({ body, id = newMessageId(), timestamp = now() }) {
      if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
        throw new TypeError('timestamp must be whole milliseconds since the epoch.');
      }
      const [hmac] = hmacs;
      if (!hmac && !signer) {
        throw new TypeError('sign() needs a secret (whsec_...) or a private key (whsk_...).');
      }
      const seconds = String(Math.floor(timestamp / 1000));
      const signed = [`${id}.${seconds}.`, toBytes(body)];
      const signatures: string[] = [];
      if (hmac) signatures.push(`v1,${encodeBase64(await hmac(signed))}`);
      if (signer) signatures.push(`v1a,${encodeBase64(await signer(signed))}`);
      return {
        'webhook-id': id,
        'webhook-timestamp': seconds,
        'webhook-signature': signatures.join(' '),
      };
    },
  };
}

const newMessageId = (): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `msg_${encodeHex(bytes)}`;
};
