import { errorStatus, type WebhookScheme } from '@hookguard/core';
import * as fc from 'fast-check';
import { anatomyOf } from './anatomy.js';
import type { Delivery, DeliveryOptions } from './delivery.js';
import type { ExpectedRefusal } from './expected-refusal.js';
import { deliver, printable, type Settings, settingsOf, settled } from './settings.js';

/**
 * A delivery correctly signed at a time outside the receiver's window.
 *
 * @example
 * ```ts
 * import type { StaleDelivery } from '@hookguard/testing';
 * const describe = (delivery: StaleDelivery) =>
 *   `${delivery.beyondToleranceMs} ms too far in the ${delivery.stale}`;
 * ```
 */
export interface StaleDelivery<Payload = unknown> extends Delivery<Payload> {
  /** Signed before the window (`'past'`, a replay) or after it (`'future'`, a skewed clock). */
  stale: 'past' | 'future';
  /** How far outside `scheme.toleranceSeconds` the signing time is, in ms. */
  beyondToleranceMs: number;
  /** Always 401 `timestamp_out_of_window`. */
  expected: ExpectedRefusal;
}

const DAY = 86_400_000;
// At least 5 s beyond: whole-second timestamps lose up to 1 s, and the delivery must still be
// out of the window however long the receiver takes to check it.
const beyond = fc.oneof(
  fc.integer({ min: 5_000, max: 60_000 }),
  fc.integer({ min: 3_600_000, max: 3_650 * DAY }),
);

const expected: ExpectedRefusal = {
  status: errorStatus.timestamp_out_of_window,
  code: 'timestamp_out_of_window',
};

const signsTime = async <Payload>(
  scheme: WebhookScheme,
  settings: Settings<Payload>,
  payload: Payload,
) => {
  if ((await anatomyOf(scheme)).timeInHeaders) return true;
  // Linear-style senders put the time in the body.
  const a = settings.encode(payload, { timestamp: 1_700_000_000_000 });
  const b = settings.encode(payload, { timestamp: 1_700_000_000_000 + DAY });
  return a.length !== b.length || a.some((byte, i) => byte !== b[i]);
};

/**
 * Deliveries signed correctly but too long ago or too far ahead: just beyond
 * `scheme.toleranceSeconds` (5 to 60 s) or far beyond (an hour to ten years), in the past and
 * in the future. Each carries `expected`: 401 `timestamp_out_of_window`.
 *
 * Only for schemes that sign a time (in a header, or in the body through `encode`, as Linear
 * does). For one that signs none (GitHub, Shopify, Twilio, ...) no delivery can be stale: each
 * value rejects with a `TypeError` saying so, so the property fails at its first run.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { standardWebhooks, WebhookVerificationError } from '@hookguard/core';
 * import { staleDelivery } from '@hookguard/testing';
 *
 * const scheme = standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
 * await fc.assert(
 *   fc.asyncProperty(staleDelivery(scheme), async (pending) => {
 *     const delivery = await pending;
 *     const error = await scheme.verify(delivery).catch((e: unknown) => e);
 *     if (!(error instanceof WebhookVerificationError) || error.code !== delivery.expected.code) {
 *       throw new Error(`accepted a delivery ${delivery.beyondToleranceMs} ms out of the window`);
 *     }
 *   }),
 * );
 * ```
 */
export function staleDelivery<Payload = Record<string, unknown>>(
  scheme: WebhookScheme,
  options?: DeliveryOptions<Payload>,
): fc.Arbitrary<Promise<StaleDelivery<Payload>>> {
  const settings = settingsOf('staleDelivery', scheme, options);
  const tolerance = scheme.toleranceSeconds * 1000;
  return fc
    .tuple(settings.payload, fc.constantFrom('past' as const, 'future' as const), beyond)
    .map(([payload, direction, beyondToleranceMs]) =>
      settled(
        (async (): Promise<StaleDelivery<Payload>> => {
          if (!(await signsTime(scheme, settings, payload))) {
            throw new TypeError(
              `staleDelivery(): the ${scheme.name} scheme signs no time, so no delivery of it can be stale. Replay protection is what refuses its re-sends.`,
            );
          }
          const now = settings.now();
          const skew = tolerance + beyondToleranceMs;
          // A window wider than the clock reaches back: only the future is outside it.
          const stale: StaleDelivery['stale'] =
            direction === 'past' && now - skew >= 0 ? 'past' : 'future';
          const timestamp = stale === 'past' ? now - skew : now + skew;
          const delivery = await deliver(scheme, settings, payload, timestamp);
          return printable({ ...delivery, stale, beyondToleranceMs, expected });
        })(),
      ),
    );
}
