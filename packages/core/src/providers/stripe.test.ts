import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { replayKey } from '../replay-key.js';
import { expectRejection, flipByte, flipChar } from '../test-support.js';
import { stripe } from './stripe.js';

const NOW = 1_717_420_000_000;
const now = () => NOW;
const SECONDS = NOW / 1000;
const SECRET = 'whsec_test_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OLD_SECRET = 'whsec_test_old_C2FVsBQIhrscChlQIMV';
const body = JSON.stringify({ id: 'evt_1PXq2r', object: 'event', type: 'invoice.paid' });
const sdk = new Stripe('sk_test_hookguard').webhooks;
const enc = new TextEncoder();

const sdkHeader = (payload: string, secret = SECRET, timestamp = SECONDS) =>
  sdk.generateTestHeaderString({ payload, secret, timestamp });
const v1Of = (header: string) => header.split(',').find((entry) => entry.startsWith('v1=')) ?? '';

describe('stripe()', () => {
  const scheme = stripe({ secret: SECRET, now });

  it('round-trips, with Fetch Headers and a Node record', async () => {
    const headers = await scheme.sign({ body });
    for (const input of [headers, new Headers(headers)]) {
      const delivery = await scheme.verify({ headers: input, body });
      expect(delivery).toMatchObject({ scheme: 'stripe', payload: JSON.parse(body) });
      expect(delivery.timestamp?.getTime()).toBe(NOW);
      expect(delivery.id).toBeUndefined();
    }
  });

  it('keys replay protection on the signed time and body, as Stripe sends no delivery id', async () => {
    const delivery = await scheme.verify({ headers: await scheme.sign({ body }), body });
    const hash = createHash('sha256').update(body).digest('hex');
    expect(await replayKey(delivery)).toBe(`stripe:${NOW}:${hash}`);
  });

  it('keys the HMAC with the whole whsec_ string as UTF-8, not its base64 decoding', async () => {
    const hex = createHmac('sha256', SECRET).update(`${SECONDS}.${body}`).digest('hex');
    expect(await scheme.sign({ body })).toEqual({ 'stripe-signature': `t=${SECONDS},v1=${hex}` });
    const bytes = stripe({ secret: enc.encode(SECRET), now });
    await expect(
      bytes.verify({ headers: { 'stripe-signature': `t=${SECONDS},v1=${hex}` }, body }),
    ).resolves.toBeDefined();
  });

  it('accepts a +-300 s clock difference by default and refuses stale or future ones', async () => {
    for (const offset of [-300_000, 300_000]) {
      const headers = await scheme.sign({ body, timestamp: NOW + offset });
      await expect(scheme.verify({ headers, body })).resolves.toBeDefined();
    }
    for (const offset of [-301_000, 301_000]) {
      const headers = await scheme.sign({ body, timestamp: NOW + offset });
      await expectRejection(scheme.verify({ headers, body }), 'timestamp_out_of_window');
    }
    const strict = stripe({ secret: SECRET, toleranceSeconds: 10, now });
    const headers = await strict.sign({ body, timestamp: NOW - 11_000 });
    await expectRejection(strict.verify({ headers, body }), 'timestamp_out_of_window');
  });

  it('accepts any of several v1= entries in any position, and ignores v0=', async () => {
    const current = v1Of(sdkHeader(body));
    const old = v1Of(sdkHeader(body, OLD_SECRET));
    const v0 = `v0=${'0'.repeat(64)}`;
    for (const header of [
      `t=${SECONDS},${old},${current}`,
      `t=${SECONDS},${current},${old},${v0}`,
      `${old},${v0},t=${SECONDS},${current}`,
    ]) {
      await expect(
        scheme.verify({ headers: { 'stripe-signature': header }, body }),
      ).resolves.toBeDefined();
    }
  });

  it('accepts a delivery signed with any configured secret (rotation)', async () => {
    const rotating = stripe({ secret: [SECRET, OLD_SECRET], now });
    for (const secret of [SECRET, OLD_SECRET]) {
      const headers = { 'stripe-signature': sdkHeader(body, secret) };
      await expect(rotating.verify({ headers, body })).resolves.toBeDefined();
    }
    const headers = { 'stripe-signature': sdkHeader(body, 'whsec_someone_else') };
    await expectRejection(rotating.verify({ headers, body }), 'signature_mismatch');
  });

  it('signs with the first secret of a list', async () => {
    const rotating = stripe({ secret: [OLD_SECRET, SECRET], now });
    expect(await rotating.sign({ body })).toEqual({
      'stripe-signature': sdkHeader(body, OLD_SECRET),
    });
  });

  it('refuses a Stripe-Signature sent twice, even when each copy verifies', async () => {
    const valid = sdkHeader(body);
    for (const second of [valid, sdkHeader(body, SECRET, SECONDS - 1)]) {
      const fetchHeaders = new Headers({ 'stripe-signature': valid });
      fetchHeaders.append('stripe-signature', second);
      for (const headers of [fetchHeaders, { 'stripe-signature': `${valid}, ${second}` }]) {
        await expectRejection(scheme.verify({ headers, body }), 'malformed_header');
      }
    }
    await expectRejection(
      scheme.verify({ headers: { 'stripe-signature': [valid, valid] }, body }),
      'malformed_header',
    );
  });

  it.each([
    ['no header', {}, 'missing_header'],
    ['no t=', { 'stripe-signature': `v1=${'a'.repeat(64)}` }, 'malformed_header'],
    ['two t=', { 'stripe-signature': `t=${SECONDS},t=${SECONDS},v1=aa` }, 'malformed_header'],
    ['a t= in milliseconds', { 'stripe-signature': `t=${NOW},v1=aa` }, 'timestamp_out_of_window'],
    ['a t= with a fraction', { 'stripe-signature': `t=${SECONDS}.5,v1=aa` }, 'malformed_header'],
    ['a signed t=', { 'stripe-signature': `t=+${SECONDS},v1=aa` }, 'malformed_header'],
    ['an entry without =', { 'stripe-signature': `t=${SECONDS},v1` }, 'malformed_header'],
    [
      '34 entries',
      { 'stripe-signature': `t=${SECONDS}${',v1=aa'.repeat(33)}` },
      'malformed_header',
    ],
    ['only v0=', { 'stripe-signature': `t=${SECONDS},v0=${'a'.repeat(64)}` }, 'signature_mismatch'],
    ['a v1= that is not hex', { 'stripe-signature': `t=${SECONDS},v1=zz` }, 'signature_mismatch'],
  ] as const)('rejects %s', async (_label, headers, code) => {
    await expectRejection(scheme.verify({ headers, body }), code);
  });

  it('rejects non-canonical hex: upper case, or with whitespace', async () => {
    const v1 = v1Of(sdkHeader(body)).slice(3);
    for (const altered of [v1.toUpperCase(), ` ${v1}`, `${v1} `, `${v1}0`]) {
      const headers = { 'stripe-signature': `t=${SECONDS},v1=${altered}` };
      await expectRejection(scheme.verify({ headers, body }), 'signature_mismatch');
    }
  });

  it('verifies bytes exactly: a re-serialized body fails, a non-JSON body is invalid_payload', async () => {
    const pretty = JSON.stringify(JSON.parse(body), null, 2);
    const headers = { 'stripe-signature': sdkHeader(body) };
    await expectRejection(scheme.verify({ headers, body: pretty }), 'signature_mismatch');
    await expectRejection(
      scheme.verify({ headers: { 'stripe-signature': sdkHeader('not json') }, body: 'not json' }),
      'invalid_payload',
    );
    await expectRejection(
      scheme.verify({ headers, body: JSON.parse(body) as never }),
      'raw_body_unavailable',
    );
  });

  it.each([
    ['no options', undefined],
    ['no secret', {}],
    ['an empty secret', { secret: '' }],
    ['an empty list', { secret: [] }],
    ['a non-secret value', { secret: [SECRET, 7] }],
    ['a bad tolerance', { secret: SECRET, toleranceSeconds: -1 }],
    ['a clock that is not a function', { secret: SECRET, now: 5 }],
  ])('throws a TypeError at once for %s', (_label, options) => {
    expect(() => stripe(options as never)).toThrow(TypeError);
  });

  it('leaves frozen options untouched', async () => {
    const options = Object.freeze({ secret: Object.freeze([SECRET, OLD_SECRET]), now });
    const frozen = stripe(options);
    await expect(
      frozen.verify({ headers: await frozen.sign({ body }), body }),
    ).resolves.toBeDefined();
    expect(options.secret).toEqual([SECRET, OLD_SECRET]);
  });

  it('refuses a timestamp that is not whole milliseconds in sign()', async () => {
    await expect(scheme.sign({ body, timestamp: 1.5 })).rejects.toThrow(TypeError);
  });

  it('never puts the secret or the expected signature in a message', async () => {
    const expected = v1Of(sdkHeader(body)).slice(3);
    const error = await expectRejection(
      scheme.verify({ headers: { 'stripe-signature': `t=${SECONDS},v1=${'0'.repeat(64)}` }, body }),
      'signature_mismatch',
    );
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(expected);
  });
});

describe('Stripe "Verify webhook signatures" with the official stripe SDK', () => {
  const scheme = stripe({ secret: SECRET, now });

  it('verifies the header stripe.webhooks.generateTestHeaderString makes', async () => {
    for (const payload of [body, JSON.stringify({ id: 'evt_2', note: 'naïve – 日本' }), '{}']) {
      const headers = { 'Stripe-Signature': sdkHeader(payload) };
      const delivery = await scheme.verify({ headers, body: enc.encode(payload) });
      expect(delivery.payload).toEqual(JSON.parse(payload));
    }
  });

  it('signs a header that stripe.webhooks.constructEvent accepts', async () => {
    const headers = await scheme.sign({ body });
    const event = sdk.constructEvent(
      body,
      headers['stripe-signature'] as string,
      SECRET,
      300,
      undefined,
      NOW,
    );
    expect(event.id).toBe('evt_1PXq2r');
    expect(headers['stripe-signature']).toBe(sdkHeader(body));
  });

  it('agrees with constructEvent on which secrets and bodies match', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.jsonValue(),
        async (secretTail, value) => {
          const secret = `whsec_${secretTail}`;
          const payload = JSON.stringify(value);
          const headers = await stripe({ secret, now }).sign({ body: payload });
          const header = headers['stripe-signature'] as string;
          expect(() =>
            sdk.constructEvent(payload, header, secret, 300, undefined, NOW),
          ).not.toThrow();
          expect(header).toBe(sdkHeader(payload, secret));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('stripe() properties', () => {
  const scheme = stripe({ secret: SECRET, now });
  const jsonBody = fc.jsonValue().map((value) => enc.encode(JSON.stringify(value)));

  it('flipping any single bit of the body rejects', async () => {
    await fc.assert(
      fc.asyncProperty(jsonBody, fc.nat(), fc.integer({ min: 0, max: 7 }), async (raw, at, bit) => {
        const headers = await scheme.sign({ body: raw });
        const flipped = flipByte(raw, at % raw.length, bit);
        await expectRejection(scheme.verify({ headers, body: flipped }), 'signature_mismatch');
      }),
    );
  });

  it('flipping any single bit of Stripe-Signature rejects', async () => {
    await fc.assert(
      fc.asyncProperty(jsonBody, fc.nat(), fc.integer({ min: 0, max: 6 }), async (raw, at, bit) => {
        const header = (await scheme.sign({ body: raw }))['stripe-signature'] as string;
        const altered = { 'stripe-signature': flipChar(header, at % header.length, bit) };
        await expectRejection(
          scheme.verify({ headers: altered, body: raw }),
          'signature_mismatch',
          'malformed_header',
          'timestamp_out_of_window',
        );
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary header strings never throw anything but WebhookVerificationError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', ',', 't=', 'v1=')),
        async (value) => {
          await expectRejection(
            scheme.verify({ headers: { 'stripe-signature': value }, body }),
            'signature_mismatch',
            'malformed_header',
            'timestamp_out_of_window',
            'missing_header',
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
