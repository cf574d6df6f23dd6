import type { WebhookScheme } from '@hookguard/core';
import type { Arbitrary } from 'fast-check';
import type { Delivery, DeliveryOptions } from './delivery.js';
import { deliver, printable, settingsOf, settled } from './settings.js';

/**
 * Deliveries signed by `scheme.sign()` at `now()`, each of which the receiver must accept.
 *
 * Each value is a promise (signing is asynchronous): await it inside `fc.asyncProperty`.
 * Signing happens when fast-check generates the value, just before your property runs, so
 * the timestamp is fresh. Ids come from `scheme.sign()`, fresh for every value (shrunk ones
 * too), so a receiver with replay protection handles each; a scheme without a signed id
 * (Codaiq, GitHub, ...) keys replays on the body, so two equal payloads are a re-send to it.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { codaiq } from '@hookguard/core';
 * import { signedDelivery } from '@hookguard/testing';
 *
 * const scheme = codaiq({ secret: 'cdaq_whsec_local_dev_only' });
 * await fc.assert(
 *   fc.asyncProperty(signedDelivery(scheme), async (pending) => {
 *     const delivery = await pending;
 *     await scheme.verify({ headers: delivery.headers, body: delivery.body });
 *   }),
 * );
 * ```
 */
export function signedDelivery<Payload = Record<string, unknown>>(
  scheme: WebhookScheme,
  options?: DeliveryOptions<Payload>,
): Arbitrary<Promise<Delivery<Payload>>> {
  const settings = settingsOf('signedDelivery', scheme, options);
  return settings.payload.map((payload) =>
    settled(deliver(scheme, settings, payload, settings.now()).then(printable)),
  );
}
