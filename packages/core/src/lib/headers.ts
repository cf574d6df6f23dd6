import { WebhookVerificationError } from '../errors.js';
import type { HeadersLike } from '../types.js';

const isFetchHeaders = (headers: HeadersLike): headers is { get(name: string): string | null } =>
  typeof (headers as { get?: unknown }).get === 'function';

const sentTwice = (name: string) =>
  new WebhookVerificationError(
    'malformed_header',
    `The ${name} header was sent more than once or is not a string; send it exactly once.`,
  );

/**
 * The value of `text` when it is one or more ASCII digits, else -1. A loop, not
 * `/^\d+$/` and `Number()`: those cost more than the rest of the timestamp check on every
 * delivery (`Number()` of a header string goes through V8's array-index path).
 */
export const digitsValue = (text: string): number => {
  if (text.length === 0) return -1;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
};

/** Whether `text` is one or more ASCII digits. */
export const isDigits = (text: string): boolean => digitsValue(text) >= 0;

/** Whether `value` is several copies of a header joined into one. */
export type Joined = (value: string) => boolean;

// Node's `req.headers` and Fetch's `Headers.get` both join a repeated header with ", ",
// which no id, timestamp or Codaiq signature contains. Refusing it keeps a second copy
// from overriding or smuggling in a timestamp or signature.
const commaSpace: Joined = (value) => value.includes(', ');

// Module-level, not a closure per call: it runs on every header of every delivery.
const single = (name: string, value: string | null | undefined, joined: Joined) => {
  if (value == null) return undefined;
  if (joined(value)) throw sentTwice(name);
  return value;
};

/**
 * The single value of header `name` (lower-case) from a Fetch `Headers` or a Node header
 * record, or `undefined` when it is absent. A header sent more than once (an array, or
 * copies joined with `", "` as Node and Fetch join them) is refused as `malformed_header`,
 * so a second copy can never override the first. For schemes written outside hookguard.
 *
 * @example
 * ```ts
 * import { readHeader } from '@hookguard/core';
 * const signature = readHeader(request.headers, 'x-acme-signature');
 * ```
 */
export const readHeader = (
  headers: HeadersLike,
  name: string,
  joined: Joined = commaSpace,
): string | undefined => {
  if (typeof headers !== 'object' || headers === null) return undefined;
  if (isFetchHeaders(headers)) return single(name, headers.get(name), joined);
  let value = headers[name];
  if (value === undefined) {
    for (const key of Object.keys(headers)) {
      if (key.length === name.length && key.toLowerCase() === name) {
        value = headers[key];
        break;
      }
    }
  }
  if (value === undefined || typeof value === 'string') return single(name, value, joined);
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    if (value.length === 1 && typeof value[0] === 'string') return single(name, value[0], joined);
  }
  throw sentTwice(name);
};

export const requireHeader = (
  headers: HeadersLike,
  name: string,
  joined: Joined = commaSpace,
): string => {
  const value = readHeader(headers, name, joined);
  if (value === undefined) {
    throw new WebhookVerificationError('missing_header', `The ${name} header is missing.`);
  }
  return value;
};
