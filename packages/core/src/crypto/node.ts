import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  timingSafeEqual as nodeTimingSafeEqual,
  sign,
  verify,
} from 'node:crypto';
import { concat } from '../lib/bytes.js';
import { ED25519_PKCS8_PREFIX, ED25519_SPKI_PREFIX } from '../lib/der.js';
import type {
  AllocBytes,
  DecodeUtf8,
  Ed25519Signer,
  Ed25519Verifier,
  Hmac,
  HmacSha1,
  HmacSha256,
  Sha256,
  Sha256Hex,
  TimingSafeEqual,
} from './provider.js';

// Header text is its own bytes when every code point fits in one (see `Part`).
const WIDE = /[^\0-\xff]/;

const hmacWith =
  (algorithm: 'sha1' | 'sha256') =>
  (key: Uint8Array): Hmac => {
    const secret = createSecretKey(key);
    return (parts) => {
      const hmac = createHmac(algorithm, secret);
      for (const part of parts) {
        if (typeof part !== 'string') hmac.update(part);
        else hmac.update(part, WIDE.test(part) ? 'utf8' : 'latin1');
      }
      return hmac.digest();
    };
  };

export const hmacSha256: HmacSha256 = hmacWith('sha256');

export const hmacSha1: HmacSha1 = hmacWith('sha1');

export const sha256: Sha256 = (parts) => createHash('sha256').update(concat(parts)).digest();

// Hex straight from the digest: API keys are looked up by it on every request.
export const sha256Hex: Sha256Hex = (part) => {
  const hash = createHash('sha256');
  if (typeof part !== 'string') hash.update(part);
  else hash.update(part, WIDE.test(part) ? 'utf8' : 'latin1');
  return hash.digest('hex');
};

export const ed25519Verifier: Ed25519Verifier = (publicKey) => {
  const key = createPublicKey({
    key: Buffer.from(concat([ED25519_SPKI_PREFIX, publicKey])),
    format: 'der',
    type: 'spki',
  });
  return (parts, signature) => verify(null, concat(parts), key, signature);
};

export const ed25519Signer: Ed25519Signer = (seed) => {
  const key = createPrivateKey({
    key: Buffer.from(concat([ED25519_PKCS8_PREFIX, seed])),
    format: 'der',
    type: 'pkcs8',
  });
  return (parts) => sign(null, concat(parts), key);
};

export const timingSafeEqual: TimingSafeEqual = (expected, actual) => {
  const sameLength = expected.byteLength === actual.byteLength;
  // Unequal lengths still run a full comparison so timing does not reveal the length.
  const equal = nodeTimingSafeEqual(expected, sameLength ? actual : expected);
  return equal && sameLength;
};

// Buffer's decoder is native, where TextDecoder costs a few hundred ns per payload on
// Node 20; the BOM check keeps the result identical to TextDecoder's.
export const decodeUtf8: DecodeUtf8 = (bytes) => {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bom = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  return bom ? buffer.subarray(3).toString() : buffer.toString();
};

// Uninitialised, but only for decoders that write every byte before anything reads one.
export const allocBytes: AllocBytes = (size) => Buffer.allocUnsafe(size);
