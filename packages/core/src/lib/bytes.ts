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

/**
 * Strict, canonical base64: `undefined` for anything else. Lenient decoders drop
 * stray characters and ignore padding bits, which would let an altered signature
 * string decode to the same bytes; re-encoding and comparing rules all of that out.
 */
export const decodeBase64 = (text: string): Uint8Array | undefined => {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return encodeBase64(bytes) === text ? bytes : undefined;
};

export const encodeBase64 = (bytes: Uint8Array): string => {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i] as number);
  return btoa(binary);
};

const HEX = /^(?:[0-9a-f]{2})*$/;

/** Lower-case hex only, so no two header strings decode to the same signature. */
export const decodeHex = (text: string): Uint8Array | undefined => {
  if (!HEX.test(text)) return undefined;
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return bytes;
};

export const encodeHex = (bytes: Uint8Array): string => {
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += (bytes[i] as number).toString(16).padStart(2, '0');
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
