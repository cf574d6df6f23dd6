import type { Arbitrary } from 'fast-check';

/**
 * One webhook delivery, ready to send: the exact body bytes and the headers a sender sets.
 *
 * @example
 * ```ts
 * import { signedDelivery, type Delivery } from '@hookguard/testing';
 *
 * const send = (delivery: Delivery) =>
 *   fetch('http://127.0.0.1:3000/webhooks', {
 *     method: 'POST',
 *     headers: delivery.headers,
 *     body: delivery.body,
 *   });
 * ```
 */
export interface Delivery<Payload = unknown> {
  /** `content-type` and every header `scheme.sign()` returned (lower-case names). */
  headers: Record<string, string>;
  /**
   * The body, byte for byte as signed (or as tampered with). Send these bytes, not a
   * re-encoding: `fetch(url, { body })`, or `Buffer.from(body)` for supertest.
   */
  body: Uint8Array<ArrayBuffer>;
  /** The value `encode` turned into the body. */
  payload: Payload;
  /** The delivery id header's value, when the scheme sends one (signed or not). */
  id?: string;
  /** The signing time passed to `sign()`, in milliseconds since the epoch. */
  timestamp: number;
  /** The URL from the options, for schemes that sign it: pass it on as `verify({ url })`. */
  url?: string;
}

/**
 * What the arbitraries build deliveries from. Every field is optional.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import type { DeliveryOptions } from '@hookguard/testing';
 *
 * // Linear puts its signing time in the body, as webhookTimestamp.
 * const linearBodies: DeliveryOptions<{ action: string }> = {
 *   payload: fc.record({ action: fc.constantFrom('create', 'update', 'remove') }),
 *   encode: (payload, { timestamp }) => JSON.stringify({ ...payload, webhookTimestamp: timestamp }),
 * };
 * ```
 */
export interface DeliveryOptions<Payload = Record<string, unknown>> {
  /** The payloads to send. Default: `jsonObject()`, JSON objects whose values survive a round trip. */
  payload?: Arbitrary<Payload>;
  /**
   * Turns a payload into the body that is signed: a string (sent as UTF-8) or bytes. Default
   * `JSON.stringify`. Gets the signing time for senders that put it in the body.
   */
  encode?: (payload: Payload, signing: { timestamp: number }) => string | Uint8Array;
  /** The `content-type` header. Default `'application/json'`. */
  contentType?: string;
  /** The clock the deliveries are signed by, in ms: the receiver's. Default `Date.now`. */
  now?: () => number;
  /** The URL deliveries are sent to, for schemes that sign it (Twilio); copied to `delivery.url`. */
  url?: string;
}
