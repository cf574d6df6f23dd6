import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayKey } from '../replay-key.js';
import { expectRejection, flipByte, flipChar } from '../test-support.js';
import { shopify } from './shopify.js';

const SECRET = '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';
const OLD_SECRET = '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';
const WEBHOOK_ID = 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043';
const body = JSON.stringify({
  id: 820982911946154500,
  email: 'jon@example.com',
  total_price: '49.00',
});
const enc = new TextEncoder();
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

// An independent signer, so the scheme is checked against a hand computation, not itself.
const handHmac = (payload: string | Uint8Array, secret = SECRET) =>
  createHmac('sha256', secret).update(payload).digest('base64');
const handSign = (payload: string | Uint8Array, secret = SECRET) => ({
  'x-shopify-hmac-sha256': handHmac(payload, secret),
  'x-shopify-webhook-id': WEBHOOK_ID,
});

describe('Shopify "Verify webhooks": base64 HMAC-SHA256 of the raw body, by hand with node:crypto', () => {
  const scheme = shopify({ secret: SECRET });

  it('signs exactly what the hand computation gives', async () => {
    expect(await scheme.sign({ body, id: WEBHOOK_ID })).toEqual(handSign(body));
  });

  it('verifies the hand-signed header as Shopify spells it, and bytes that are not UTF-8', async () => {
    const headers = {
      'X-Shopify-Hmac-SHA256': handHmac(body),
      'X-Shopify-Webhook-Id': WEBHOOK_ID,
      'X-Shopify-Topic': 'orders/create',
    };
    await expect(scheme.verify({ headers, body })).resolves.toMatchObject({
      payload: JSON.parse(body),
    });
    const raw = Uint8Array.of(0x7b, 0xff, 0x7d);
    await expectRejection(scheme.verify({ headers: handSign(raw), body: raw }), 'invalid_payload');
  });

  it('agrees with the hand computation for any secret and body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), fc.jsonValue(), async (secret, value) => {
        const payload = JSON.stringify(value);
        const ours = shopify({ secret });
        const signed = await ours.sign({ body: payload, id: WEBHOOK_ID });
        expect(signed['x-shopify-hmac-sha256']).toBe(handHmac(payload, secret));
        await expect(
          ours.verify({ headers: handSign(payload, secret), body: payload }),
        ).resolves.toBeDefined();
      }),
      { numRuns: 100 },
    );
  });
});

describe('shopify()', () => {
  const scheme = shopify({ secret: SECRET });

  it('round-trips, with Fetch Headers and a Node record', async () => {
    const headers = await scheme.sign({ body, id: WEBHOOK_ID });
    for (const input of [headers, new Headers(headers)]) {
      const delivery = await scheme.verify({ headers: input, body });
      expect(delivery).toMatchObject({ scheme: 'shopify', payload: JSON.parse(body) });
      expect([delivery.id, delivery.timestamp]).toEqual([undefined, undefined]);
    }
  });

  it('keys replay protection on the body, never on the unsigned X-Shopify-Webhook-Id', async () => {
    const hash = createHash('sha256').update(body).digest('hex');
    const withId = await scheme.verify({ headers: handSign(body), body });
    const withoutId = await scheme.verify({
      headers: { 'x-shopify-hmac-sha256': handHmac(body) },
      body,
    });
    expect([await replayKey(withId), await replayKey(withoutId)]).toEqual([
      `shopify:${hash}`,
      `shopify:${hash}`,
    ]);
    expect(scheme.toleranceSeconds).toBe(300);
  });

  it('gives each signed delivery a fresh id unless told one', async () => {
    const [a, b] = [await scheme.sign({ body }), await scheme.sign({ body })];
    expect(a['x-shopify-webhook-id']).not.toBe(b['x-shopify-webhook-id']);
  });

  it('accepts a delivery signed with any configured secret (rotation)', async () => {
    const rotating = shopify({ secret: [SECRET, OLD_SECRET] });
    for (const secret of [SECRET, OLD_SECRET]) {
      await expect(
        rotating.verify({ headers: handSign(body, secret), body }),
      ).resolves.toBeDefined();
    }
    await expectRejection(
      rotating.verify({ headers: handSign(body, 'shpss_other'), body }),
      'signature_mismatch',
    );
    const bytes = shopify({ secret: enc.encode(SECRET) });
    await expect(bytes.verify({ headers: handSign(body), body })).resolves.toBeDefined();
  });

  it('refuses the signature header sent twice, even when each copy verifies', async () => {
    const valid = handSign(body);
    for (const name of ['x-shopify-hmac-sha256'] as const) {
      const fetchHeaders = new Headers(valid);
      fetchHeaders.append(name, valid[name]);
      const nodeRecord = { ...valid, [name]: `${valid[name]}, ${valid[name]}` };
      for (const headers of [fetchHeaders, nodeRecord]) {
        await expectRejection(scheme.verify({ headers, body }), 'malformed_header');
      }
    }
  });

  it.each([
    ['no headers', {}, 'missing_header'],
    ['only X-Shopify-Webhook-Id', { 'x-shopify-webhook-id': WEBHOOK_ID }, 'missing_header'],
    ['an empty signature', { 'x-shopify-hmac-sha256': '' }, 'signature_mismatch'],
    ['a hex signature', { 'x-shopify-hmac-sha256': 'a'.repeat(64) }, 'signature_mismatch'],
    ['a signature that is not base64', { 'x-shopify-hmac-sha256': '!!!!' }, 'signature_mismatch'],
  ] as const)('rejects %s', async (_label, headers, code) => {
    await expectRejection(scheme.verify({ headers, body }), code);
  });

  it('rejects non-canonical base64 that a lenient decoder reads as the right bytes', async () => {
    const valid = handHmac(body);
    const last = valid.charAt(42);
    const spare = ALPHABET.charAt(ALPHABET.indexOf(last) | 1);
    const altered = [
      valid.replace(/=$/, ''),
      ` ${valid}`,
      `${valid}\n`,
      `${valid.slice(0, 20)} ${valid.slice(20)}`,
      `${valid.slice(0, 42)}${spare}=`,
    ];
    for (const signature of altered) {
      expect(Buffer.from(signature, 'base64')).toEqual(Buffer.from(valid, 'base64'));
      const headers = { 'x-shopify-hmac-sha256': signature };
      await expectRejection(scheme.verify({ headers, body }), 'signature_mismatch');
    }
  });

  it('rejects the URL-safe alphabet', async () => {
    let payload = body;
    while (!/[+/]/.test(handHmac(payload))) payload += ' ';
    const urlSafe = handHmac(payload).replaceAll('+', '-').replaceAll('/', '_');
    expect(Buffer.from(urlSafe, 'base64url')).toEqual(Buffer.from(handHmac(payload), 'base64'));
    await expectRejection(
      scheme.verify({ headers: { 'x-shopify-hmac-sha256': urlSafe }, body: payload }),
      'signature_mismatch',
    );
  });

  it.each([
    ['no options', undefined],
    ['no secret', {}],
    ['an empty secret', { secret: '' }],
    ['an empty list', { secret: [] }],
    ['a non-secret value', { secret: [SECRET, 1] }],
    ['a bad tolerance', { secret: SECRET, toleranceSeconds: -5 }],
  ])('throws a TypeError at once for %s', (_label, options) => {
    expect(() => shopify(options as never)).toThrow(TypeError);
  });

  it('leaves frozen options untouched', async () => {
    const options = Object.freeze({ secret: Object.freeze([OLD_SECRET, SECRET]) });
    await expect(shopify(options).verify({ headers: handSign(body), body })).resolves.toBeDefined();
    expect(options.secret).toEqual([OLD_SECRET, SECRET]);
  });

  it('never puts the secret or the expected signature in a message', async () => {
    const error = await expectRejection(
      scheme.verify({ headers: { 'x-shopify-hmac-sha256': `${'A'.repeat(43)}=` }, body }),
      'signature_mismatch',
    );
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(handHmac(body));
  });
});

describe('shopify() properties', () => {
  const scheme = shopify({ secret: SECRET });
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

  it('flipping any single bit of X-Shopify-Hmac-Sha256 rejects', async () => {
    await fc.assert(
      fc.asyncProperty(jsonBody, fc.nat(), fc.integer({ min: 0, max: 6 }), async (raw, at, bit) => {
        const headers = await scheme.sign({ body: raw, id: WEBHOOK_ID });
        const value = headers['x-shopify-hmac-sha256'] as string;
        const altered = {
          ...headers,
          'x-shopify-hmac-sha256': flipChar(value, at % value.length, bit),
        };
        await expectRejection(scheme.verify({ headers: altered, body: raw }), 'signature_mismatch');
      }),
      { numRuns: 300 },
    );
  });
});
