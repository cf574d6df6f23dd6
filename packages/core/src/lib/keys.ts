import type { Secret } from '../types.js';
import { decodeBase64, utf8 } from './bytes.js';
import { ED25519_SPKI_PREFIX } from './der.js';

const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 75;

const decodePrefixed = (value: string, prefix: string, what: string): Uint8Array => {
  const body = value.startsWith(prefix) ? value.slice(prefix.length) : value;
  const bytes = decodeBase64(body);
  if (bytes === undefined) {
    throw new TypeError(`${what} must be '${prefix}' followed by standard base64; it is not.`);
  }
  return bytes;
};

/** A Standard Webhooks `whsec_` secret (or its raw bytes) as key bytes. */
export const standardWebhooksSecret = (secret: Secret): Uint8Array => {
  const bytes =
    typeof secret === 'string'
      ? decodePrefixed(secret, 'whsec_', 'A Standard Webhooks secret')
      : secret;
  if (bytes.byteLength < MIN_SECRET_BYTES || bytes.byteLength > MAX_SECRET_BYTES) {
    throw new TypeError(
      `A Standard Webhooks secret must be ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes; this one is ${bytes.byteLength}.`,
    );
  }
  return bytes;
};

/** A Codaiq secret: a string is used as its UTF-8 bytes. */
export const codaiqSecret = (secret: Secret): Uint8Array => {
  const bytes = typeof secret === 'string' ? utf8(secret) : secret;
  if (bytes.byteLength === 0) throw new TypeError('A Codaiq secret must not be empty.');
  return bytes;
};

const startsWith = (bytes: Uint8Array, prefix: Uint8Array): boolean =>
  prefix.every((byte, i) => bytes[i] === byte);

/** A `whpk_` key, raw (32 bytes) or DER SPKI (44 bytes), as the raw 32-byte key. */
export const ed25519PublicKey = (key: string): Uint8Array => {
  const bytes = decodePrefixed(key, 'whpk_', 'A Standard Webhooks public key');
  if (bytes.byteLength === 32) return bytes;
  if (bytes.byteLength === 44 && startsWith(bytes, ED25519_SPKI_PREFIX)) return bytes.subarray(12);
  throw new TypeError(
    'A whpk_ public key must hold a raw 32-byte Ed25519 key or a 44-byte DER SPKI Ed25519 key.',
  );
};

/** A `whsk_` key (64 bytes: seed then public key) split into its halves. */
export const ed25519PrivateKey = (key: string): { seed: Uint8Array; publicKey: Uint8Array } => {
  const bytes = decodePrefixed(key, 'whsk_', 'A Standard Webhooks private key');
  if (bytes.byteLength !== 64) {
    throw new TypeError(
      'A whsk_ private key must hold 64 bytes: the Ed25519 seed, then its public key.',
    );
  }
  return { seed: bytes.subarray(0, 32), publicKey: bytes.subarray(32) };
};
