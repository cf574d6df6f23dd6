import { decodeUtf8 } from '#crypto';
import type { HeadersLike } from '../types.js';
import { parseJson } from './bytes.js';
import { readHeader } from './headers.js';

/** A form's fields by name, each with every value in the order sent. */
export const formFields = (rawBody: Uint8Array): Map<string, string[]> => {
  const fields = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(decodeUtf8(rawBody))) {
    const values = fields.get(name);
    if (values) values.push(value);
    else fields.set(name, [value]);
  }
  return fields;
};

/** The payload record of a form: one value as a string, a repeated field as every value. */
export const formRecord = (fields: Map<string, string[]>): Record<string, string | string[]> => {
  const record: Record<string, string | string[]> = {};
  for (const [name, values] of fields) {
    const value = values.length === 1 ? (values[0] as string) : values;
    // Assigned, a field named __proto__ would set the prototype; defined, it stays a field.
    if (name === '__proto__') {
      Object.defineProperty(record, name, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else record[name] = value;
  }
  return record;
};

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
  return formRecord(formFields(rawBody));
};
