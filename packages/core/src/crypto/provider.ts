// The small surface each crypto backend implements. `node.ts` and `web.ts` export
// exactly these names with exactly these types; the build binds `#crypto` to one.

export type MaybePromise<T> = T | Promise<T>;

/**
 * A piece of signed content: bytes, or header text, whose bytes are its code points when
 * every one fits in a byte (how Node and Fetch hand over header values) and its UTF-8
 * otherwise. Text stays a string so the Node backend encodes it natively, without an
 * intermediate Uint8Array per delivery.
 */
export type Part = Uint8Array | string;

/** An HMAC over the concatenation of `parts`, keyed once up front. */
export type Hmac = (parts: readonly Part[]) => MaybePromise<Uint8Array>;

/** Ed25519 check of `signature` over the concatenation of `parts`. */
export type Ed25519Verify = (
  parts: readonly Part[],
  signature: Uint8Array,
) => MaybePromise<boolean>;

/** Ed25519 signature over the concatenation of `parts`. */
export type Ed25519Sign = (parts: readonly Part[]) => MaybePromise<Uint8Array>;

/** SHA-256 of the concatenation of `parts`. */
export type Sha256 = (parts: readonly Part[]) => MaybePromise<Uint8Array>;

/** Lower-case hex SHA-256 of `bytes`: the form keys are stored and looked up in. */
export type Sha256Hex = (part: Part) => MaybePromise<string>;

export type HmacSha256 = (key: Uint8Array) => Hmac;
/** HMAC-SHA1, only for senders that still sign with it (Twilio). */
export type HmacSha1 = (key: Uint8Array) => Hmac;
/** `publicKey` is the raw 32-byte key. */
export type Ed25519Verifier = (publicKey: Uint8Array) => Ed25519Verify;
/** `seed` is the raw 32-byte private key. */
export type Ed25519Signer = (seed: Uint8Array) => Ed25519Sign;
/** Constant-time in the length of `expected`; never returns early. */
export type TimingSafeEqual = (expected: Uint8Array, actual: Uint8Array) => boolean;

/** The text of UTF-8 bytes, a leading byte-order mark dropped, bad sequences as U+FFFD. */
export type DecodeUtf8 = (bytes: Uint8Array) => string;

/**
 * Room for `size` decoded bytes (a signature), every one of which the caller writes. It is
 * handed to the backend's `timingSafeEqual`, so on Node it is a pooled Buffer: a small
 * Uint8Array lives on V8's heap, and native code first moves it off (about 0.5 µs per call).
 */
export type AllocBytes = (size: number) => Uint8Array;
