import { standardWebhooks, type WebhookScheme, WebhookVerificationError } from '@hookguard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DeliveryOptions,
  signedDelivery,
  staleDelivery,
  type TamperedDelivery,
  type Tampering,
  tamperedDelivery,
  tamperings,
} from './index.js';
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

const differences = (a: Uint8Array, b: Uint8Array) =>
  Array.from({ length: Math.max(a.length, b.length) }, (_, i) => i).filter((i) => a[i] !== b[i]);

/** Rebuilds the delivery before it was tampered with and checks exactly the named change was made. */
const expectOneChange = async (
  scheme: WebhookScheme,
  options: DeliveryOptions<unknown> | undefined,
  delivery: TamperedDelivery<unknown>,
) => {
  const encode = options?.encode ?? ((payload: unknown) => JSON.stringify(payload));
  const encoded = encode(delivery.payload, { timestamp: delivery.timestamp });
  const body = typeof encoded === 'string' ? new TextEncoder().encode(encoded) : encoded;
  const { body: sent, tampering } = delivery;
  if (tampering === 'flipped-body-byte') {
    expect(sent.length).toBe(body.length);
    expect(differences(sent, body)).toHaveLength(1);
  } else if (tampering === 'appended-body-byte') {
    expect(sent.subarray(0, body.length)).toEqual(body);
    expect(sent.length).toBe(body.length + 1);
  } else if (tampering === 'removed-body-byte') {
    const at = differences(sent, body)[0] ?? 0;
    expect(sent.length).toBe(body.length - 1);
    expect(new Uint8Array([...sent.subarray(0, at), body[at] ?? -1, ...sent.subarray(at)])).toEqual(
      body,
    );
  } else {
    expect(sent).toEqual(body);
  }
  if (tampering === 'changed-id') return;
  // Everything but the signature is as the sender signed it; for body tamperings, all of it.
  const signed = await scheme.sign({
    body,
    timestamp: delivery.timestamp,
    ...(delivery.id !== undefined && { id: delivery.id }),
  });
  const changed = Object.keys(signed).filter((name) => signed[name] !== delivery.headers[name]);
  if (tampering.endsWith('body-byte')) expect(changed).toEqual([]);
  else expect(changed.length).toBeGreaterThan(0);
  for (const name of changed) {
    expect(name).toMatch(/signature|hmac/);
    // Same shape: only signature characters differ, one per signature listed when changed.
    const [was, is] = [signed[name] ?? '', delivery.headers[name] ?? ''];
    expect(is.length).toBe(was.length);
    const differing = [...is].filter((char, i) => char !== was[i]).length;
    const signatures = name === 'webhook-signature' ? was.split(' ').length : 1;
    if (tampering === 'changed-signature-character') expect(differing).toBe(signatures);
  }
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
          await expectOneChange(scheme, options, delivery);
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

describe('the properties can fail', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const sender = standardWebhooks({ secret });

  it('when the receiver has another secret', async () => {
    const receiver = standardWebhooks({ secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' });
    const result = await fc.check(
      fc.asyncProperty(signedDelivery(sender), async (pending) => {
        await receiver.verify(await pending);
      }),
      { numRuns: 5 },
    );
    expect(result.failed).toBe(true);
  });

  it('when the receiver does not check the signature, and the report names the tampering', async () => {
    const lax: WebhookScheme = {
      ...sender,
      verify: async () => ({ scheme: 'lax', payload: null, rawBody: new Uint8Array(0) }),
    };
    const result = await fc.check(
      fc.asyncProperty(tamperedDelivery(sender), async (pending) => {
        const delivery = await pending;
        expect((await refusal(lax.verify(delivery))).code).toBe(delivery.expected.code);
      }),
      { numRuns: 5 },
    );
    expect(result.failed).toBe(true);
    const report = (await fc.asyncDefaultReportMessage(result)) ?? '';
    expect(report).toContain('Promise.resolve({"tampering":"flipped-body-byte"');
    expect(report).toContain('"change":"byte 0: 0x7b -> ');
    // Shrunk to the empty object with its first byte flipped by the smallest mask, shown as text.
    expect(report).toContain('"body":"z}"');
  });

  it('when the receiver accepts any time', async () => {
    const receiver = standardWebhooks({ secret, toleranceSeconds: 20 * 365 * 86_400 });
    const result = await fc.check(
      fc.asyncProperty(staleDelivery(sender), async (pending) => {
        await refusal(receiver.verify(await pending));
      }),
      { numRuns: 20 },
    );
    expect(result.failed).toBe(true);
  });
});

describe('the arbitraries', () => {
  it('learn a scheme from sign() alone, never from verify()', async () => {
    const signOnly: WebhookScheme = {
      ...standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
      verify: () => Promise.reject(new Error('verify() was called')),
    };
    const arbitraries = [signedDelivery, tamperedDelivery, staleDelivery] as const;
    for (const arbitrary of arbitraries) {
      for (const pending of fc.sample(arbitrary(signOnly), 10)) {
        await expect(pending).resolves.toHaveProperty('headers.webhook-signature');
      }
    }
  });

  it('refuse to build from something that is not a scheme, or from unknown tamperings', () => {
    const scheme = standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    expect(() => signedDelivery({} as WebhookScheme)).toThrow(TypeError);
    expect(() =>
      tamperedDelivery(scheme, { tamperings: ['swapped-everything' as Tampering] }),
    ).toThrow(/tamperings must be a non-empty list of: flipped-body-byte/);
    expect(() => tamperedDelivery(scheme, { tamperings: [] })).toThrow(TypeError);
  });

  it('pass on sign() errors, such as a scheme that cannot sign', async () => {
    const verifyOnly = standardWebhooks({
      publicKey: `whpk_${Buffer.alloc(32, 1).toString('base64')}`,
    });
    const [pending] = fc.sample(signedDelivery(verifyOnly), 1);
    await expect(pending).rejects.toThrow(/sign\(\) needs a secret/);
  });

  it('refuse a scheme whose sign() ignores the id it is given, or the body', async () => {
    const scheme = standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    const freshIds: WebhookScheme = {
      ...scheme,
      sign: ({ body, timestamp }) => scheme.sign({ body, timestamp }),
    };
    const [ignoresId] = fc.sample(tamperedDelivery(freshIds), 1);
    await expect(ignoresId).rejects.toThrow(/sign\(\) returns different headers for the same body/);
    const constant: WebhookScheme = { ...scheme, sign: async () => ({ 'x-signature': 'abc' }) };
    const [ignoresBody] = fc.sample(signedDelivery(constant), 1);
    await expect(ignoresBody).rejects.toThrow(/signs no body/);
  });

  it('sign at the clock they are given', async () => {
    const scheme = standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
    const now = () => 1_700_000_000_000;
    for (const pending of fc.sample(signedDelivery(scheme, { now }), 5)) {
      const delivery = await pending;
      expect(delivery.timestamp).toBe(now());
      expect(delivery.headers['webhook-timestamp']).toBe('1700000000');
    }
  });
});
