import { allocBytes, decodeUtf8 } from '#crypto';
import type { Part } from '../crypto/provider.js';
import { WebhookVerificationError } from '../errors.js';

const encoder = new TextEncoder();

export const EMPTY = new Uint8Array(0);

export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/**
 * Bytes of a header-derived string. HTTP header values are byte strings, which Node
 * and Fetch hand over as Latin-1; re-encoding them as Latin-1 gives back the exact
 * bytes the sender signed. A string that cannot be Latin-1 never came off the wire,
 * so it is taken as UTF-8.
 */
export const headerBytes = (text: string): Uint8Array => {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) return utf8(text);
    bytes[i] = code;
  }
  return bytes;
};

export const toBytes = (body: string | Uint8Array | ArrayBuffer): Uint8Array => {
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (typeof body === 'string') return utf8(body);
  throw new TypeError('body must be a string, a Uint8Array or an ArrayBuffer of the raw request');
};

/**
 * The bytes `verify` checks. Anything but raw bytes means a body parser ran first, which
 * is a receiver bug to report as such, not a `TypeError` from deep inside.
 */
export const rawBytes = (body: unknown): Uint8Array => {
  if (body instanceof Uint8Array || body instanceof ArrayBuffer || typeof body === 'string') {
    return toBytes(body);
  }
  const got = body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body;
  throw new WebhookVerificationError(
    'raw_body_unavailable',
    `verify() needs the raw request body (a string, Uint8Array or ArrayBuffer) but got ${got}. Pass the bytes as received, before any body parser runs.`,
  );
};

export const concat = (parts: readonly Part[]): Uint8Array => {
  const bytes = parts.map((part) => (typeof part === 'string' ? headerBytes(part) : part));
  if (bytes.length === 1 && bytes[0]) return bytes[0];
  let size = 0;
  for (const part of bytes) size += part.byteLength;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of bytes) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
};

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const SEXTETS = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) SEXTETS[BASE64_ALPHABET.charCodeAt(i)] = i;
const PAD = 0x3d;
const sextet = (code: number): number => (code < 128 ? (SEXTETS[code] as number) : -1);

/**
 * Strict, canonical base64 of `text` from `start` to `end`: `undefined` for anything else.
 * Lenient decoders drop stray characters and ignore padding bits, which would let an
 * altered signature string decode to the same bytes. One pass, no intermediate strings:
 * every character in the alphabet, `=` only as end padding, and the unused bits of the
 * last character zero. Callers pass a range rather than a slice: reading characters out
 * of a sliced string costs V8 about twice as much as out of the header string itself.
 */
export const decodeBase64 = (
  text: string,
  start = 0,
  end = text.length,
): Uint8Array | undefined => {
  const length = end - start;
  if (length % 4 !== 0 || length < 0) return undefined;
  const padding =
    length > 0 && text.charCodeAt(end - 1) === PAD ? (text.charCodeAt(end - 2) === PAD ? 2 : 1) : 0;
  const bytes = allocBytes((length / 4) * 3 - padding);
  const whole = padding === 0 ? end : end - 4;
  let out = 0;
  // Four characters, three bytes at a time; any character outside the alphabet makes
  // the OR of the sextets negative.
  for (let i = start; i < whole; i += 4) {
    const a = sextet(text.charCodeAt(i));
    const b = sextet(text.charCodeAt(i + 1));
    const c = sextet(text.charCodeAt(i + 2));
    const d = sextet(text.charCodeAt(i + 3));
    if ((a | b | c | d) < 0) return undefined;
    const group = (a << 18) | (b << 12) | (c << 6) | d;
    bytes[out++] = group >> 16;
    bytes[out++] = (group >> 8) & 0xff;
    bytes[out++] = group & 0xff;
  }
  if (padding === 0) return bytes;
  const a = sextet(text.charCodeAt(whole));
  const b = sextet(text.charCodeAt(whole + 1));
  const c = padding === 1 ? sextet(text.charCodeAt(whole + 2)) : 0;
  // Canonical only: the bits past the last whole byte must be zero.
  const spare = padding === 1 ? c & 0b11 : b & 0b1111;
  if ((a | b | c) < 0 || spare !== 0) return undefined;
  const group = (a << 18) | (b << 12) | (c << 6);
  bytes[out++] = group >> 16;
  if (padding === 1) bytes[out] = (group >> 8) & 0xff;
  return bytes;
};

export const encodeBase64 = (bytes: Uint8Array): string => {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i] as number);
  return btoa(binary);
};

const nibble = (code: number): number =>
  code >= 0x30 && code <= 0x39 ? code - 0x30 : code >= 0x61 && code <= 0x66 ? code - 0x57 : -1;

/** Lower-case hex of `text` from `start` to `end` only, so no two header strings decode to the same signature. */
export const decodeHex = (text: string, start = 0, end = text.length): Uint8Array | undefined => {
  const length = end - start;
  if (length % 2 !== 0 || length < 0) return undefined;
  const bytes = allocBytes(length / 2);
  for (let i = 0; i < bytes.length; i++) {
    const high = nibble(text.charCodeAt(start + 2 * i));
    const low = nibble(text.charCodeAt(start + 2 * i + 1));
    if ((high | low) < 0) return undefined;
    bytes[i] = (high << 4) | low;
  }
  return bytes;
};

const HEX_PAIRS = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

export const encodeHex = (bytes: Uint8Array): string => {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += HEX_PAIRS[bytes[i] as number];
  return hex;
};

export const parseJson = (raw: Uint8Array): unknown => {
  try {
    return JSON.parse(decodeUtf8(raw));
  } catch (cause) {
    throw new WebhookVerificationError(
      'invalid_payload',
      'The signature is valid but the body is not JSON; webhook payloads must be JSON documents.',
      { cause },
    );
  }
};
