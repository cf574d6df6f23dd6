import { createHmac } from 'node:crypto';
import { NodeRuntime, Webhooks } from '@paddle/paddle-node-sdk';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectRejection, flipByte, flipChar } from '../test-support.js';
import { paddle } from './paddle.js';

const NOW = 1_700_000_000_000;
const now = () => NOW;
const SECRET = 'pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI';
const body = JSON.stringify({
  event_id: 'evt_01h8bzakzx3hm2fmen703n5q45',
  event_type: 'transaction.completed',
  notification_id: 'ntf_01h8bzam1z32agrxjwhjgqk8w6',
  data: { id: 'txn_01h8bxpvx398a7zbawb77y0kp5' },
});
const jsonBody = fc
  .jsonValue()
  .map((value) => new TextEncoder().encode(JSON.stringify(value)))
  .filter((bytes) => bytes.length > 0);

// Paddle's published recipe: HMAC-SHA256 of `${ts}:${body}`, hex, keyed by the secret key.
const reference = (secret: string, ts: number, payload: string) =>
  `ts=${ts};h1=${createHmac('sha256', secret).update(`${ts}:${payload}`).digest('hex')}`;

describe('paddle()', () => {
  beforeAll(() => NodeRuntime.initialize());

  it('round-trips, with Fetch Headers, a Node record and any letter case', async () => {
    const scheme = paddle({ secret: SECRET, now });
    const signed = await scheme.sign({ body });
    expect(signed).toEqual({ 'paddle-signature': reference(SECRET, NOW / 1000, body) });
    const value = signed['paddle-signature'] as string;
    for (const headers of [signed, new Headers(signed), { 'Paddle-Signature': value }]) {
      const delivery = await scheme.verify({ headers, body });
      expect(delivery).toMatchObject({ scheme: 'paddle', payload: JSON.parse(body) });
      expect(delivery.id).toBeUndefined();
      expect(delivery.timestamp?.getTime()).toBe(NOW);
    }
  });

  it("verifies the vectors from Paddle's Node SDK tests, extra h1= and unknown h2= included", async () => {
    const scheme = paddle({ secret: 'VALID_SECRET', now: () => 1_698_796_800_000 });
    const vectors = [
      [
        '{"data": ["1", "2"]}',
        'ts=1698796800;h1=a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9',
      ],
      [
        '{"data": "value"}',
        'ts=1698796800;h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;h2=RANDOM_HASH',
      ],
    ] as const;
    for (const [payload, header] of vectors) {
      const headers = { 'paddle-signature': header };
      await expect(scheme.verify({ headers, body: payload })).resolves.toBeDefined();
      await expectRejection(
        scheme.verify({ headers, body: payload.replace('{', '{ ') }),
        'signature_mismatch',
      );
    }
    const wrong = paddle({ secret: 'INVALID_VALID_SECRET', now: () => 1_698_796_800_000 });
    await expectRejection(
      wrong.verify({ headers: { 'paddle-signature': vectors[0][1] }, body: vectors[0][0] }),
      'signature_mismatch',
    );
  });

  it("signs what Paddle's SDK accepts, and accepts what its recipe signs", async () => {
    const scheme = paddle({ secret: SECRET });
    const headers = await scheme.sign({ body });
    const sdk = new Webhooks();
    expect(await sdk.isSignatureValid(body, SECRET, headers['paddle-signature'] as string)).toBe(
      true,
    );
    expect(
      await sdk.isSignatureValid(body, `${SECRET}x`, headers['paddle-signature'] as string),
    ).toBe(false);
    const ts = Math.floor(Date.now() / 1000);
    await expect(
      scheme.verify({ headers: { 'paddle-signature': reference(SECRET, ts, body) }, body }),
    ).resolves.toBeDefined();
  });

  it('uses second timestamps and a +-300 s window by default, or the one given', async () => {
    for (const [tolerance, edge] of [
      [undefined, 300_000],
      [5, 5_000],
    ] as const) {
      const scheme = paddle({ secret: SECRET, now, toleranceSeconds: tolerance });
      for (const offset of [-edge, edge]) {
        const headers = await scheme.sign({ body, timestamp: NOW + offset });
        await expect(scheme.verify({ headers, body })).resolves.toBeDefined();
      }
      for (const offset of [-edge - 1000, edge + 1000]) {
        const headers = await scheme.sign({ body, timestamp: NOW + offset });
        await expectRejection(scheme.verify({ headers, body }), 'timestamp_out_of_window');
      }
    }
  });

  it('accepts any of several h1= entries (rotation), and any configured secret', async () => {
    const current = reference(SECRET, NOW / 1000, body);
    const old = reference('pdl_ntfset_old', NOW / 1000, body);
    const [ts, h1] = current.split(';') as [string, string];
    const oldH1 = old.split(';')[1] as string;
    const scheme = paddle({ secret: SECRET, now });
    for (const header of [`${ts};${oldH1};${h1}`, `${ts};${h1};${oldH1}`, `${oldH1};${ts};${h1}`]) {
      await expect(
        scheme.verify({ headers: { 'paddle-signature': header }, body }),
      ).resolves.toBeDefined();
    }
    const rotated = paddle({ secret: ['pdl_ntfset_new', SECRET], now });
    await expect(
      rotated.verify({ headers: { 'paddle-signature': current }, body }),
    ).resolves.toBeDefined();
    const bytes = paddle({ secret: new TextEncoder().encode(SECRET), now });
    await expect(
      bytes.verify({ headers: { 'paddle-signature': current }, body }),
    ).resolves.toBeDefined();
  });

  it('rejects any single flipped bit of the body or the signature header', async () => {
    const scheme = paddle({ secret: SECRET, now });
    await fc.assert(
      fc.asyncProperty(jsonBody, fc.nat(), fc.integer({ min: 0, max: 7 }), async (raw, at, bit) => {
        const headers = await scheme.sign({ body: raw });
        const flipped = flipByte(raw, at % raw.length, bit);
        await expectRejection(scheme.verify({ headers, body: flipped }), 'signature_mismatch');
      }),
    );
    await fc.assert(
      fc.asyncProperty(jsonBody, fc.nat(), fc.integer({ min: 0, max: 6 }), async (raw, at, bit) => {
        const value = (await scheme.sign({ body: raw }))['paddle-signature'] as string;
        const headers = { 'paddle-signature': flipChar(value, at % value.length, bit) };
        await expectRejection(
          scheme.verify({ headers, body: raw }),
          'signature_mismatch',
          'malformed_header',
          'timestamp_out_of_window',
        );
      }),
      { numRuns: 300 },
    );
  });

  it('refuses Paddle-Signature sent twice, even when one copy verifies', async () => {
    const scheme = paddle({ secret: SECRET, now });
    const valid = (await scheme.sign({ body }))['paddle-signature'] as string;
    const fetchHeaders = new Headers({ 'paddle-signature': valid });
    fetchHeaders.append('paddle-signature', valid);
    for (const headers of [
      fetchHeaders,
      { 'paddle-signature': `${valid}, ${valid}` },
      { 'paddle-signature': [valid, valid] },
    ]) {
      const error = await expectRejection(scheme.verify({ headers, body }), 'malformed_header');
      expect(error.message).toContain('sent more than once');
    }
  });

  it.each([
    ['no header', {}, 'missing_header'],
    ['no ts=', { 'paddle-signature': `h1=${'a'.repeat(64)}` }, 'malformed_header'],
    ['two ts=', { 'paddle-signature': `ts=1700000000;ts=1700000000;h1=aa` }, 'malformed_header'],
    ['a ts= in milliseconds', { 'paddle-signature': `ts=${NOW};h1=aa` }, 'timestamp_out_of_window'],
    ['a ts= with a fraction', { 'paddle-signature': 'ts=1700000000.5;h1=aa' }, 'malformed_header'],
    ['comma separators', { 'paddle-signature': 'ts=1700000000,h1=aa' }, 'malformed_header'],
    ['an entry without =', { 'paddle-signature': 'ts=1700000000;h1' }, 'malformed_header'],
    [
      '34 entries',
      { 'paddle-signature': `ts=1700000000${';h1=aa'.repeat(33)}` },
      'malformed_header',
    ],
    ['no h1=', { 'paddle-signature': 'ts=1700000000' }, 'signature_mismatch'],
    ['an h1= that is not hex', { 'paddle-signature': 'ts=1700000000;h1=zz' }, 'signature_mismatch'],
  ] as const)('rejects %s', async (_label, headers, code) => {
    await expectRejection(paddle({ secret: SECRET, now }).verify({ headers, body }), code);
  });

  it('rejects upper-case hex (one header, one meaning) and a body that is not JSON', async () => {
    const scheme = paddle({ secret: SECRET, now });
    const value = reference(SECRET, NOW / 1000, body);
    const upper = value.replace(/h1=(\w+)/, (_m, hex: string) => `h1=${hex.toUpperCase()}`);
    await expectRejection(
      scheme.verify({ headers: { 'paddle-signature': upper }, body }),
      'signature_mismatch',
    );
    const headers = await scheme.sign({ body: 'not json' });
    await expectRejection(scheme.verify({ headers, body: 'not json' }), 'invalid_payload');
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
    expect(() => paddle(options as never)).toThrow(TypeError);
  });

  it("leaves the caller's options alone and never puts the secret or signature in a message", async () => {
    const secrets = Object.freeze([SECRET]);
    const options = Object.freeze({ secret: secrets, now });
    const scheme = paddle(options);
    const expected = reference(SECRET, NOW / 1000, body).split('h1=')[1] as string;
    const error = await expectRejection(
      scheme.verify({
        headers: { 'paddle-signature': `ts=${NOW / 1000};h1=${'0'.repeat(64)}` },
        body,
      }),
      'signature_mismatch',
    );
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(expected);
    expect(options).toEqual({ secret: [SECRET], now });
  });
});
