import * as fc from 'fast-check';

// -0 becomes 0 and `__proto__` an own key once sent: keep the value the receiver will parse.
const roundTrip = (value: Record<string, unknown>): Record<string, unknown> =>
  JSON.parse(JSON.stringify(value));

/**
 * JSON objects as a webhook payload, each exactly the value the receiver parses back from its
 * `JSON.stringify` (no `-0`, no `undefined`). The arbitraries' default payload.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { jsonObject, signedDelivery } from '@hookguard/testing';
 * import { standardWebhooks } from '@hookguard/core';
 *
 * const scheme = standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
 * const events = jsonObject().map((data) => ({ type: 'order.paid', data }));
 * const deliveries = signedDelivery(scheme, { payload: events });
 * ```
 */
export const jsonObject = (): fc.Arbitrary<Record<string, unknown>> =>
  fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }).map(roundTrip);
