import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { STANDARD_KEY } from './deliveries.js';

const key = createSecretKey(STANDARD_KEY);

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const header = (headers: Headers, name: string): string => {
  const value = headers[name];
  return typeof value === 'string' ? value : '';
};

/**
 * The floor every verifier is measured against: one HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.` + body with `node:crypto`, and one constant-time
 * compare with the `v1,` signature. Nothing else (no timestamp window, one signature only).
 */
export const baselineMatches = (headers: Headers, body: Uint8Array): boolean => {
  const expected = createHmac('sha256', key)
    .update(`${header(headers, 'webhook-id')}.${header(headers, 'webhook-timestamp')}.`)
    .update(body)
    .digest();
  const actual = Buffer.from(header(headers, 'webhook-signature').slice(3), 'base64');
  return actual.length === expected.length && timingSafeEqual(expected, actual);
};
