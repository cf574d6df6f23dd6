import { WebhookVerificationError } from '@hookguard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signedDelivery, staleDelivery, tamperedDelivery, tamperings } from './index.js';
import { schemeCases } from './test-schemes.js';

const RUNS = 25;

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, 'the delivery was accepted').toBeInstanceOf(WebhookVerificationError);
  return error as WebhookVerificationError;
};

describe.each(schemeCases)('$name', ({ make, options, signsTime, signsId }) => {
  const scheme = make();

  it('signs deliveries that verify, with the exact bytes and fresh ids', async () => {
    const ids = new Set<string>();
    await fc.assert(
      fc.asyncProperty(signedDelivery(scheme, options), async (pending) => {
        const delivery = await pending;
        const verified = await scheme.verify(delivery);
        expect(verified.rawBody).toEqual(delivery.body);
        expect(Math.abs(delivery.timestamp - Date.now())).toBeLessThan(60_000);
        if (options?.encode === undefined) {
          expect(verified.payload).toEqual(delivery.payload);
          expect(JSON.parse(new TextDecoder().decode(delivery.body))).toEqual(delivery.payload);
        }
        if (signsId) {
          expect(verified.id).toBe(delivery.id);
          expect(ids.has(delivery.id ?? '')).toBe(false);
          ids.add(delivery.id ?? '');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it.each(tamperings)(
    'makes %s deliveries that are refused with the code they declare',
    async (tampering) => {
      const applies = tampering !== 'changed-id' || signsId;
      const arbitrary = tamperedDelivery(scheme, { ...options, tamperings: [tampering] });
      if (!applies) {
        const [pending] = fc.sample(arbitrary, 1);
        await expect(pending).rejects.toThrow(TypeError);
        return;
      }
      await fc.assert(
        fc.asyncProperty(arbitrary, async (pending) => {
          const delivery = await pending;
          expect(delivery.tampering).toBe(tampering);
          expect(delivery.expected).toEqual({ status: 401, code: 'signature_mismatch' });
          const error = await refusal(scheme.verify(delivery));
          expect(error.code).toBe(delivery.expected.code);
          expect(error.status).toBe(delivery.expected.status);
        }),
        { numRuns: RUNS },
      );
    },
  );

  it('mixes every tampering that applies, and refuses each', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(tamperedDelivery(scheme, options), async (pending) => {
        const delivery = await pending;
        seen.add(delivery.tampering);
        expect((await refusal(scheme.verify(delivery))).code).toBe(delivery.expected.code);
      }),
      { numRuns: 200 },
    );
    expect(seen.has('changed-id')).toBe(signsId);
    expect(seen.size).toBe(signsId ? tamperings.length : tamperings.length - 1);
  });

  it('forges with an impostor scheme when given one', async () => {
    const impostor = make();
    await fc.assert(
      fc.asyncProperty(
        tamperedDelivery(scheme, {
          ...options,
          impostor,
          tamperings: ['signature-from-another-key'],
        }),
        async (pending) => {
          const delivery = await pending;
          expect(delivery.change).toBe('signed by the impostor');
          await impostor.verify(delivery);
          expect((await refusal(scheme.verify(delivery))).code).toBe('signature_mismatch');
        },
      ),
      { numRuns: 10 },
    );
  });

  if (signsTime) {
    it('signs stale deliveries out of the window, which are refused as such', async () => {
      const directions = new Set<string>();
      await fc.assert(
        fc.asyncProperty(staleDelivery(scheme, options), async (pending) => {
          const delivery = await pending;
          directions.add(delivery.stale);
          const drift = delivery.timestamp - Date.now();
          expect(Math.abs(drift)).toBeGreaterThan(scheme.toleranceSeconds * 1000);
          expect(drift < 0).toBe(delivery.stale === 'past');
          const error = await refusal(scheme.verify(delivery));
          expect(error.code).toBe('timestamp_out_of_window');
          expect(delivery.expected).toEqual({ status: error.status, code: error.code });
          // The same delivery signed now is accepted: only the time is wrong.
          const fresh = { ...delivery, timestamp: Date.now() };
          const body = options?.encode?.(delivery.payload as never, fresh) ?? delivery.body;
          await scheme.verify({
            ...delivery,
            headers: await scheme.sign({ ...fresh, body }),
            body,
          });
        }),
        { numRuns: RUNS },
      );
      expect(directions).toEqual(new Set(['past', 'future']));
    });
  } else {
    it('cannot make a stale delivery, and says why', async () => {
      const [pending] = fc.sample(staleDelivery(scheme, options), 1);
      await expect(pending).rejects.toThrow(/signs no time, so no delivery of it can be stale/);
    });
  }
});
