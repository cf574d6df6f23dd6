import type { HeadersLike } from '../types.js';
import { parseJson } from './bytes.js';
import { readHeader } from './headers.js';

const decoder = new TextDecoder();

/**
 * The payload as its content type says: an `application/x-www-form-urlencoded` body becomes a
 * record of its fields (a repeated field keeps every value, in order), anything else is
 * parsed as JSON (`invalid_payload` when it is not). What `verify` hands over as `payload`;
 * adapters parse other bodies on a route that reads raw bytes the same way.
 *
 * @example
 * ```ts
 * import { parsePayload } from '@hookguard/core';
 * parsePayload({ 'content-type': 'application/x-www-form-urlencoded' }, new TextEncoder().encode('a=1&a=2')); // { a: ['1', '2'] }
 * ```
 */
export const parsePayload = (headers: HeadersLike, rawBody: Uint8Array): unknown => {
  const type = readHeader(headers, 'content-type', () => false)?.toLowerCase() ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) return parseJson(rawBody);
  const fields = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(decoder.decode(rawBody))) {
    fields.set(name, [...(fields.get(name) ?? []), value]);
  }
  // fromEntries defines own properties, so a field named __proto__ stays a plain field.
  return Object.fromEntries(
    Array.from(fields, ([name, values]) => [name, values.length === 1 ? values[0] : values]),
  );
};
