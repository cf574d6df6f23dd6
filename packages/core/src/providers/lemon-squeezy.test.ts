import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayKey } from '../replay-key.js';
import { expectRejection, flipByte, flipChar } from '../test-support.js';
import { lemonSqueezy } from './lemon-squeezy.js';

const SECRET = 'lemon-signing-secret-1';
const body = JSON.stringify({
  meta: { event_name: 'order_created', custom_data: { user_id: 7 } },
  data: { type: 'orders', id: '1', attributes: { status: 'paid' } },
});
const jsonBody = fc
  .jsonValue()
  .map((value) => new TextEncoder().encode(JSON.stringify(value)))
  .filter((bytes) => bytes.length > 0);

// The recipe from Lemon Squeezy's docs: an HMAC-SHA256 hex digest of the raw body.
const reference = (secret: string, payload: string | Uint8Array) =>
  createHmac('sha256', secret).update(payload).digest('hex');

describe('lemonSqueezy()', () => {
  it('round-trips, with Fetch Headers, a Node record and any letter case', async () => {
    const scheme = lemonSqueezy({ secret: SECRET });
    expect(scheme).toMatchObject({ name: 'lemon-squeezy', requiredHeaders: [['x-signature']] });
    const signed = await scheme.sign({ body });
    expect(signed).toEqual({ 'x-signature': reference(SECRET, body) });
    for (const headers of [
      signed,
      new Headers(signed),
      { 'X-Signature': reference(SECRET, body) },
    ]) {
      const delivery = await scheme.verify({ headers, body });
      expect(delivery).toMatchObject({ scheme: 'lemon-squeezy', payload: JSON.parse(body) });
      expect(delivery.id).toBeUndefined();
      expect(delivery.timestamp).toBeUndefined();
    }
  });

  it("accepts the docs' recipe over any bytes, and keys replays on the body's hash", async () => {
    const scheme = lemonSqueezy({ secret: SECRET });
    await fc.assert(
      fc.asyncProperty(jsonBody, async (raw) => {
        const headers = { 'x-signature': reference(SECRET, raw) };
        const delivery = await scheme.verify({ headers, body: raw });
        expect(delivery.rawBody).toEqual(raw);
      }),
      { numRuns: 50 },
    );
    const delivery = await scheme.verify({ headers: await scheme.sign({ body }), body });
    expect(await replayKey(delivery)).toMatch(/^lemon-squeezy:[0-9a-f]{64}$/);
    expect(scheme.toleranceSeconds).toBe(300);
    expect(lemonSqueezy({ secret: SECRET, toleranceSeconds: 3600 }).toleranceSeconds).toBe(3600);
  });

  it('accepts any configured secret (rotation), a string as its UTF-8 bytes', async () => {
    const headers = { 'x-signature': reference(SECRET, body) };
    const rotated = lemonSqueezy({ secret: ['lemon-new', new TextEncoder().encode(SECRET)] });
    await expect(rotated.verify({ headers, body })).resolves.toBeDefined();
    await expectRejection(
      lemonSqueezy({ secret: 'lemon-old' }).verify({ headers, body }),
      'signature_mismatch',
    );
  });

  it('rejects any single flipped bit of the body or the signature', async () => {
    const scheme = lemonSqueezy({ secret: SECRET });
    await fc.assert(
      fc.asyncProperty(jsonBody, fc.nat(), fc.integer({ min: 0, max: 7 }), async (raw, at, bit) => {
        const headers = await scheme.sign({ body: raw });
        const flipped = flipByte(raw, at % raw.length, bit);
        await expectRejection(scheme.verify({ headers, body: flipped }), 'signature_mismatch');
      }),
    );
    await fc.assert(
      fc.asyncProperty(jsonBody, fc.nat(), fc.integer({ min: 0, max: 6 }), async (raw, at, bit) => {
        const value = (await scheme.sign({ body: raw }))['x-signature'] as string;
        const headers = { 'x-signature': flipChar(value, at % value.length, bit) };
        await expectRejection(scheme.verify({ headers, body: raw }), 'signature_mismatch');
      }),
    );
  });

  it('refuses X-Signature sent twice, even when one copy verifies', async () => {
    const scheme = lemonSqueezy({ secret: SECRET });
    const valid = reference(SECRET, body);
    const fetchHeaders = new Headers({ 'x-signature': valid });
    fetchHeaders.append('x-signature', valid);
    for (const headers of [
      fetchHeaders,
      { 'x-signature': `${valid}, ${valid}` },
      { 'x-signature': [valid, valid] },
    ]) {
      await expectRejection(scheme.verify({ headers, body }), 'malformed_header');
    }
  });

  it.each([
    ['no header', {}, 'missing_header'],
    [
      'upper-case hex',
      { 'x-signature': reference(SECRET, body).toUpperCase() },
      'signature_mismatch',
    ],
    [
      'a sha256= prefix',
      { 'x-signature': `sha256=${reference(SECRET, body)}` },
      'signature_mismatch',
    ],
    [
      'base64',
      { 'x-signature': Buffer.from(reference(SECRET, body), 'hex').toString('base64') },
      'signature_mismatch',
    ],
  ] as const)('rejects %s', async (_label, headers, code) => {
    await expectRejection(lemonSqueezy({ secret: SECRET }).verify({ headers, body }), code);
  });

  it('rejects a signed body that is not JSON as invalid_payload', async () => {
    const scheme = lemonSqueezy({ secret: SECRET });
    const headers = await scheme.sign({ body: 'not json' });
    await expectRejection(scheme.verify({ headers, body: 'not json' }), 'invalid_payload');
  });

  it.each([
    ['no options', undefined],
    ['no secret', {}],
    ['an empty secret', { secret: '' }],
    ['an empty list', { secret: [] }],
    ['a non-secret value', { secret: [SECRET, 7] }],
    ['a bad tolerance', { secret: SECRET, toleranceSeconds: Number.NaN }],
  ])('throws a TypeError at once for %s', (_label, options) => {
    expect(() => lemonSqueezy(options as never)).toThrow(TypeError);
  });

  it("leaves the caller's options alone and never puts the secret or signature in a message", async () => {
    const options = Object.freeze({ secret: Object.freeze([SECRET]) });
    const error = await expectRejection(
      lemonSqueezy(options).verify({ headers: { 'x-signature': '0'.repeat(64) }, body }),
      'signature_mismatch',
    );
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(reference(SECRET, body));
    expect(options).toEqual({ secret: [SECRET] });
  });
});
