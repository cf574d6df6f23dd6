import { WebhookVerificationError } from '../errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

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

export const concat = (parts: readonly Uint8Array[]): Uint8Array => {
  if (parts.length === 1 && parts[0]) return parts[0];
  let size = 0;
  for (const part of parts) size += part.byteLength;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
};

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const SEXTETS = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) SEXTETS[BASE64_ALPHABET.charCodeAt(i)] = i;
const PAD = 0x3d;

/**
 * Strict, canonical base64: `undefined` for anything else. Lenient decoders drop
 * stray characters and ignore padding bits, which would let an altered signature
 * string decode to the same bytes. One pass, no intermediate strings: every character
 * in the alphabet, `=` only as end padding, and the unused bits of the last character zero.
 */
export const decodeBase64 = (text: string): Uint8Array | undefined => {
  const length = text.length;
  if (length % 4 !== 0) return undefined;
  const padding =
    length > 0 && text.charCodeAt(length - 1) === PAD
      ? text.charCodeAt(length - 2) === PAD
        ? 2
        : 1
      : 0;
  const bytes = new Uint8Array((length / 4) * 3 - padding);
  let bits = 0;
  let count = 0;
  let out = 0;
  for (let i = 0; i < length - padding; i++) {
    const code = text.charCodeAt(i);
    const sextet = code < 128 ? (SEXTETS[code] as number) : -1;
    if (sextet < 0) return undefined;
    bits = (bits << 6) | sextet;
    count += 6;
    if (count >= 8) {
      count -= 8;
      bytes[out++] = bits >> count;
      bits &= (1 << count) - 1;
    }
  }
  return bits === 0 ? bytes : undefined;
};

export const encodeBase64 = (bytes: Uint8Array): string => {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i] as number);
  return btoa(binary);
};

const nibble = (code: number): number =>
  code >= 0x30 && code <= 0x39 ? code - 0x30 : code >= 0x61 && code <= 0x66 ? code - 0x57 : -1;

/** Lower-case hex only, so no two header strings decode to the same signature. */
export const decodeHex = (text: string): Uint8Array | undefined => {
  if (text.length % 2 !== 0) return undefined;
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    const high = nibble(text.charCodeAt(2 * i));
    const low = nibble(text.charCodeAt(2 * i + 1));
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
    return JSON.parse(decoder.decode(raw));
  } catch (cause) {
    throw new WebhookVerificationError(
      'invalid_payload',
      'The signature is valid but the body is not JSON; webhook payloads must be JSON documents.',
      { cause },
    );
  }
};
