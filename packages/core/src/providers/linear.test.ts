import { createHmac } from 'node:crypto';
import { LinearWebhookClient } from '@linear/sdk/webhooks';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayKey } from '../replay-key.js';
import { expectRejection, flipByte, flipChar } from '../test-support.js';
import { linear } from './linear.js';

const NOW = 1_700_000_000_000;
const now = () => NOW;
const SECRET = 'lin_wh_9f3c2a7d5e1b4c8a0f6e2d9b7c5a3e1f';
const event = (webhookTimestamp: unknown, extra: object = {}) =>
  JSON.stringify({
    action: 'create',
    type: 'Issue',
    data: { id: '2174add1-f7c8-44e3-bbf3-2d60b5ea8bc9', title: 'Ship it' },
    webhookId: '000042e3-d123-4980-b49f-8e140eef9329',
    webhookTimestamp,
    ...extra,
  });
const body = event(NOW);
const withTime = fc
  .tuple(
    fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 4 }),
    fc.integer({ min: -60_000, max: 60_000 }),
  )
  .map(([fields, offset]) =>
    new TextEncoder().encode(JSON.stringify({ ...fields, webhookTimestamp: NOW + offset })),
  );

// The recipe from Linear's docs and SDK: an HMAC-SHA256 hex digest of the raw body.
const reference = (secret: string, payload: string | Uint8Array) =>
  createHmac('sha256', secret).update(payload).digest('hex');

describe('linear()', () => {
  it('round-trips, with Fetch Headers, a Node record and any letter case', async () => {
    const scheme = linear({ secret: SECRET, now });
    expect(scheme).toMatchObject({ name: 'linear', toleranceSeconds: 60 });
    const signed = await scheme.sign({ body });
    expect(signed).toEqual({ 'linear-signature': reference(SECRET, body) });
    for (const headers of [
      signed,
      new Headers(signed),
      { 'Linear-Signature': reference(SECRET, body) },
    ]) {
      const delivery = await scheme.verify({ headers, body });
      expect(delivery).toMatchObject({ scheme: 'linear', payload: JSON.parse(body) });
      expect(delivery.timestamp?.getTime()).toBe(NOW);
      expect(delivery.id).toBeUndefined();
    }
  });

  it("signs what Linear's SDK accepts, and accepts what its recipe signs", async () => {
    const live = event(Date.now());
    const headers = await linear({ secret: SECRET }).sign({ body: live });
    const client = new LinearWebhookClient(SECRET);
    expect(client.verify(Buffer.from(live), headers['linear-signature'] as string)).toBe(true);
    expect(() =>
      new LinearWebhookClient('other').verify(
        Buffer.from(live),
        headers['linear-signature'] as string,
      ),
    ).toThrow();
    const delivery = await linear({ secret: SECRET }).verify({
      headers: { 'linear-signature': reference(SECRET, live) },
      body: live,
    });
    expect(delivery.payload).toEqual(client.parseData(Buffer.from(live), reference(SECRET, live)));
  });

  it('keeps the +-60 s window on the signed webhookTimestamp, as Linear does', async () => {
    const scheme = linear({ secret: SECRET, now });
    for (const offset of [-60_000, 60_000]) {
      const payload = event(NOW + offset);
      await expect(
        scheme.verify({ headers: await scheme.sign({ body: payload }), body: payload }),
      ).resolves.toBeDefined();
    }
    for (const offset of [-60_001, 60_001]) {
      const payload = event(NOW + offset);
      await expectRejection(
        scheme.verify({ headers: await scheme.sign({ body: payload }), body: payload }),
        'timestamp_out_of_window',
      );
    }
    const wide = linear({ secret: SECRET, now, toleranceSeconds: 300 });
    const late = event(NOW - 299_000);
    await expect(
      wide.verify({ headers: await wide.sign({ body: late }), body: late }),
    ).resolves.toBeDefined();
  });

  it('refuses a signed body without a usable webhookTimestamp', async () => {
    const scheme = linear({ secret: SECRET, now });
    for (const payload of [
      JSON.stringify({ type: 'Issue' }),
      event(String(NOW)),
      event(NOW + 0.5),
      event(null),
      JSON.stringify([NOW]),
      `{"__proto__":{"webhookTimestamp":${NOW}}}`,
    ]) {
      const headers = await scheme.sign({ body: payload });
      await expectRejection(scheme.verify({ headers, body: payload }), 'invalid_payload');
    }
    const headers = await scheme.sign({ body: 'not json' });
    await expectRejection(scheme.verify({ headers, body: 'not json' }), 'invalid_payload');
  });

  it('keys replays on the signed time and body, never on the unsigned Linear-Delivery', async () => {
    const scheme = linear({ secret: SECRET, now });
    const signed = await scheme.sign({ body });
    const keys = new Set<string>();
    for (const delivery of ['a1b2', 'c3d4']) {
      const headers = { ...signed, 'linear-delivery': delivery };
      keys.add(await replayKey(await scheme.verify({ headers, body })));
    }
    expect([...keys]).toEqual([expect.stringMatching(/^linear:1700000000000:[0-9a-f]{64}$/)]);
  });

  it('accepts any configured secret (rotation), a string as its UTF-8 bytes', async () => {
    const headers = { 'linear-signature': reference(SECRET, body) };
    const rotated = linear({ secret: ['lin_wh_new', new TextEncoder().encode(SECRET)], now });
    await expect(rotated.verify({ headers, body })).resolves.toBeDefined();
    await expectRejection(
      linear({ secret: 'lin_wh_old', now }).verify({ headers, body }),
      'signature_mismatch',
    );
  });

  it('rejects any single flipped bit of the body or the signature', async () => {
    const scheme = linear({ secret: SECRET, now });
    await fc.assert(
      fc.asyncProperty(withTime, fc.nat(), fc.integer({ min: 0, max: 7 }), async (raw, at, bit) => {
        const headers = await scheme.sign({ body: raw });
        await expect(scheme.verify({ headers, body: raw })).resolves.toBeDefined();
        const flipped = flipByte(raw, at % raw.length, bit);
        await expectRejection(scheme.verify({ headers, body: flipped }), 'signature_mismatch');
      }),
    );
    await fc.assert(
      fc.asyncProperty(withTime, fc.nat(), fc.integer({ min: 0, max: 6 }), async (raw, at, bit) => {
        const value = (await scheme.sign({ body: raw }))['linear-signature'] as string;
        const headers = { 'linear-signature': flipChar(value, at % value.length, bit) };
        await expectRejection(scheme.verify({ headers, body: raw }), 'signature_mismatch');
      }),
    );
  });

  it('refuses Linear-Signature sent twice, even when one copy verifies', async () => {
    const scheme = linear({ secret: SECRET, now });
    const valid = reference(SECRET, body);
    const fetchHeaders = new Headers({ 'linear-signature': valid });
    fetchHeaders.append('linear-signature', valid);
    for (const headers of [
      fetchHeaders,
      { 'linear-signature': `${valid}, ${valid}` },
      { 'linear-signature': [valid, valid] },
    ]) {
      await expectRejection(scheme.verify({ headers, body }), 'malformed_header');
    }
  });

  it.each([
    ['no header', {}, 'missing_header'],
    [
      'upper-case hex',
      { 'linear-signature': reference(SECRET, body).toUpperCase() },
      'signature_mismatch',
    ],
    [
      'a sha256= prefix',
      { 'linear-signature': `sha256=${reference(SECRET, body)}` },
      'signature_mismatch',
    ],
    ['an empty header', { 'linear-signature': '' }, 'signature_mismatch'],
  ] as const)('rejects %s', async (_label, headers, code) => {
    await expectRejection(linear({ secret: SECRET, now }).verify({ headers, body }), code);
  });

  it.each([
    ['no options', undefined],
    ['no secret', {}],
    ['an empty secret', { secret: '' }],
    ['a non-secret value', { secret: [SECRET, 7] }],
    ['a bad tolerance', { secret: SECRET, toleranceSeconds: -5 }],
    ['a clock that is not a function', { secret: SECRET, now: NOW }],
  ])('throws a TypeError at once for %s', (_label, options) => {
    expect(() => linear(options as never)).toThrow(TypeError);
  });

  it("leaves the caller's options alone and never puts the secret or signature in a message", async () => {
    const options = Object.freeze({ secret: Object.freeze([SECRET]), now });
    const error = await expectRejection(
      linear(options).verify({ headers: { 'linear-signature': '0'.repeat(64) }, body }),
      'signature_mismatch',
    );
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(reference(SECRET, body));
    expect(options).toEqual({ secret: [SECRET], now });
  });
});
