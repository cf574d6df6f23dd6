import { concat, encodeHex } from '../lib/bytes.js';
import { ED25519_PKCS8_PREFIX } from '../lib/der.js';
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

// Keys are imported on first use and the promise is cached for the scheme's
// lifetime, so a receiver pays for `importKey` once, not per delivery.
const lazy = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let value: Promise<T> | undefined;
  return () => {
    value ??= make();
    return value;
  };
};

// `BufferSource` typing differs between lib.dom versions; the bytes are always plain.
type Source = Uint8Array<ArrayBuffer>;

const hmacWith =
  (hash: 'SHA-1' | 'SHA-256') =>
  (key: Uint8Array): Hmac => {
    const cryptoKey = lazy(() =>
      crypto.subtle.importKey('raw', key as Source, { name: 'HMAC', hash }, false, ['sign']),
    );
    return async (parts) =>
      new Uint8Array(await crypto.subtle.sign('HMAC', await cryptoKey(), concat(parts) as Source));
  };

export const hmacSha256: HmacSha256 = hmacWith('SHA-256');

export const hmacSha1: HmacSha1 = hmacWith('SHA-1');

export const sha256: Sha256 = async (parts) =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', concat(parts) as Source));

export const sha256Hex: Sha256Hex = async (part) => encodeHex(await sha256([part]));

export const ed25519Verifier: Ed25519Verifier = (publicKey) => {
  const cryptoKey = lazy(() =>
    crypto.subtle.importKey('raw', publicKey as Source, { name: 'Ed25519' }, false, ['verify']),
  );
  return async (parts, signature) =>
    crypto.subtle.verify(
      { name: 'Ed25519' },
      await cryptoKey(),
      signature as Source,
      concat(parts) as Source,
    );
};

export const ed25519Signer: Ed25519Signer = (seed) => {
  const cryptoKey = lazy(() =>
    crypto.subtle.importKey(
      'pkcs8',
      concat([ED25519_PKCS8_PREFIX, seed]) as Source,
      { name: 'Ed25519' },
      false,
      ['sign'],
    ),
  );
  return async (parts) =>
    new Uint8Array(
      await crypto.subtle.sign({ name: 'Ed25519' }, await cryptoKey(), concat(parts) as Source),
    );
};

export const timingSafeEqual: TimingSafeEqual = (expected, actual) => {
  // Loop length depends only on `expected` (our own digest), never on the input;
  // the length difference is folded into the result instead of returning early.
  let diff = expected.length ^ actual.length;
  for (let i = 0; i < expected.length; i++) diff |= (expected[i] ?? 0) ^ (actual[i] ?? 0);
  return diff === 0;
};

const decoder = new TextDecoder();

export const decodeUtf8: DecodeUtf8 = (bytes) => decoder.decode(bytes);

export const allocBytes: AllocBytes = (size) => new Uint8Array(size);
