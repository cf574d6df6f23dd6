import { WebhookVerificationError } from '../errors.js';
import type { HeadersLike } from '../types.js';

const isFetchHeaders = (headers: HeadersLike): headers is { get(name: string): string | null } =>
  typeof (headers as { get?: unknown }).get === 'function';

/** The single value of header `name` (lower-case), or `undefined` when it is absent. */
export const readHeader = (headers: HeadersLike, name: string): string | undefined => {
  if (isFetchHeaders(headers)) return headers.get(name) ?? undefined;
  let value = headers[name];
  if (value === undefined) {
    for (const key of Object.keys(headers)) {
      if (key.length === name.length && key.toLowerCase() === name) {
        value = headers[key];
        break;
      }
    }
  }
  if (value === undefined || typeof value === 'string') return value;
  if (Array.isArray(value)) {
    if (value.length === 0) return undefined;
    if (value.length === 1 && typeof value[0] === 'string') return value[0];
  }
  throw new WebhookVerificationError(
    'malformed_header',
    `The ${name} header was sent more than once or is not a string; send it exactly once.`,
  );
};

export const requireHeader = (headers: HeadersLike, name: string): string => {
  const value = readHeader(headers, name);
  if (value === undefined) {
    throw new WebhookVerificationError('missing_header', `The ${name} header is missing.`);
  }
  return value;
};
