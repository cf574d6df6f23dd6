import { createHmac } from 'node:crypto';
import { WorkOS } from '@workos-inc/node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayKey } from '../replay-key.js';
import { expectRejection, flipByte, flipChar } from '../test-support.js';
import { workos } from './workos.js';

const NOW = 1_700_000_000_123;
const now = () => NOW;
const SECRET = 'wk_whsec_Zq3vQ7mB1xR9tN4pL6sD8fH2';
const event = {
  id: 'event_01H2GNQD5B3CJKZ3HKVBE6E6P7',
  event: 'dsync.user.created',
  data: { id: 'directory_user_01FAEAJCR3ZBZ30D8BD1924TVG', state: 'active' },
  created_at: '2023-11-14T22:13:20.123Z',
};
// WorkOS sends compact JSON; its SDK re-serializes the parsed event to check it.
const body = JSON.stringify(event);
const jsonBody = fc
  .jsonValue()
  .map((value) => new TextEncoder().encode(JSON.stringify(value)))
  .filter((bytes) => bytes.length > 0);

// The recipe from WorkOS's docs and SDKs: HMAC-SHA256 of `${t}.${body}`, hex, t in ms.
const reference = (secret: string, t: number, payload: string) =>
  `t=${t}, v1=${createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex')}`;

const sdk = new WorkOS('sk_test_hookguard').webhooks;

describe('workos()', () => {
  it('round-trips, with Fetch Headers, a Node record and any letter case', async () => {
    const scheme = workos({ secret: SECRET, now });
    expect(scheme).toMatchObject({ name: 'workos', toleranceSeconds: 180 });
    const signed = await scheme.sign({ body });
    expect(signed).toEqual({ 'workos-signature': reference(SECRET, NOW, body) });
    const value = signed['workos-signature'] as string;
    for (const headers of [signed, new Headers(signed), { 'WorkOS-Signature': value }]) {
      const delivery = await scheme.verify({ headers, body });
      expect(delivery).toMatchObject({ scheme: 'workos', payload: event });
      expect(delivery.timestamp?.getTime()).toBe(NOW);
      expect(delivery.id).toBeUndefined();
      expect(await replayKey(delivery)).toMatch(/^workos:1700000000123:[0-9a-f]{64}$/);
    }
  });

  it("signs what WorkOS's SDK accepts, and accepts what the SDK computes", async () => {
    const scheme = workos({ secret: SECRET });
    const headers = await scheme.sign({ body });
    const sigHeader = headers['workos-signature'] as string;
    await expect(sdk.verifyHeader({ payload: event, sigHeader, secret: SECRET })).resolves.toBe(
      true,
    );
    await expect(
      sdk.verifyHeader({ payload: event, sigHeader, secret: `${SECRET}x` }),
    ).rejects.toThrow();
    const t = String(Date.now());
    const v1 = await sdk.computeSignature(t, event, SECRET);
    await expect(
      scheme.verify({ headers: { 'workos-signature': `t=${t}, v1=${v1}` }, body }),
    ).resolves.toMatchObject({ payload: event });
  });

  it('takes entries with or without the space, in any order', async () => {
    const scheme = workos({ secret: SECRET, now });
    const [t, v1] = reference(SECRET, NOW, body).split(', ') as [string, string];
    for (const header of [`${t},${v1}`, `${v1}, ${t}`, `${t}, v0=abc, ${v1}`]) {
      await expect(
        scheme.verify({ headers: { 'workos-signature': header }, body }),
      ).resolves.toBeDefined();
    }
  });

  it('uses millisecond timestamps and a +-180 s window by default, or the one given', async () => {
    for (const [tolerance, edge] of [
      [undefined, 180_000],
      [30, 30_000],
    ] as const) {
      const scheme = workos({ secret: SECRET, now, toleranceSeconds: tolerance });
      for (const offset of [-edge, edge]) {
        const headers = await scheme.sign({ body, timestamp: NOW + offset });
        await expect(scheme.verify({ headers, body })).resolves.toBeDefined();
      }
      for (const offset of [-edge - 1, edge + 1]) {
        const headers = await scheme.sign({ body, timestamp: NOW + offset });
        await expectRejection(scheme.verify({ headers, body }), 'timestamp_out_of_window');
      }
    }
    // Seconds where milliseconds belong read as 1970: far outside any window.
    const seconds = reference(SECRET, Math.floor(NOW / 1000), body);
    await expectRejection(
      workos({ secret: SECRET, now }).verify({ headers: { 'workos-signature': seconds }, body }),
      'timestamp_out_of_window',
    );
  });

  it('accepts any of several v1= entries, and any configured secret (rotation)', async () => {
    const [t, v1] = reference(SECRET, NOW, body).split(', ') as [string, string];
    const old = reference('wk_whsec_old', NOW, body).split(', ')[1] as string;
    const scheme = workos({ secret: SECRET, now });
    for (const header of [`${t}, ${old}, ${v1}`, `${t}, ${v1}, ${old}`]) {
      await expect(
        scheme.verify({ headers: { 'workos-signature': header }, body }),
      ).resolves.toBeDefined();
    }
    const rotated = workos({ secret: ['wk_whsec_new', new TextEncoder().encode(SECRET)], now });
    await expect(
      rotated.verify({ headers: { 'workos-signature': `${t}, ${v1}` }, body }),
    ).resolves.toBeDefined();
  });

  it('rejects any single flipped bit of the body or the signature header', async () => {
    const scheme = workos({ secret: SECRET, now });
    await fc.assert(
      fc.asyncProperty(jsonBody, fc.nat(), fc.integer({ min: 0, max: 7 }), async (raw, at, bit) => {
        const headers = await scheme.sign({ body: raw });
        const flipped = flipByte(raw, at % raw.length, bit);
        await expectRejection(scheme.verify({ headers, body: flipped }), 'signature_mismatch');
      }),
    );
    await fc.assert(
      fc.asyncProperty(jsonBody, fc.nat(), fc.integer({ min: 0, max: 6 }), async (raw, at, bit) => {
        const value = (await scheme.sign({ body: raw }))['workos-signature'] as string;
        const headers = { 'workos-signature': flipChar(value, at % value.length, bit) };
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

  it('refuses WorkOS-Signature sent twice, even when one copy verifies', async () => {
    const scheme = workos({ secret: SECRET, now });
    const valid = reference(SECRET, NOW, body);
    const other = reference(SECRET, NOW - 1000, body);
    for (const second of [valid, other]) {
      const fetchHeaders = new Headers({ 'workos-signature': valid });
      fetchHeaders.append('workos-signature', second);
      for (const headers of [
        fetchHeaders,
        { 'workos-signature': `${valid}, ${second}` },
        { 'workos-signature': [valid, second] },
      ]) {
        const error = await expectRejection(scheme.verify({ headers, body }), 'malformed_header');
        expect(error.message).toContain('sent more than once');
      }
    }
  });

  it.each([
    ['no header', {}, 'missing_header'],
    ['no t=', { 'workos-signature': `v1=${'a'.repeat(64)}` }, 'malformed_header'],
    ['a t= with a fraction', { 'workos-signature': `t=${NOW}.5, v1=aa` }, 'malformed_header'],
    ['semicolon separators', { 'workos-signature': `t=${NOW}; v1=aa` }, 'malformed_header'],
    ['an entry without =', { 'workos-signature': `t=${NOW}, v1` }, 'malformed_header'],
    ['34 entries', { 'workos-signature': `t=${NOW}${', v1=aa'.repeat(33)}` }, 'malformed_header'],
    ['no v1=', { 'workos-signature': `t=${NOW}` }, 'signature_mismatch'],
    ['a v1= that is not hex', { 'workos-signature': `t=${NOW}, v1=zz` }, 'signature_mismatch'],
  ] as const)('rejects %s', async (_label, headers, code) => {
    await expectRejection(workos({ secret: SECRET, now }).verify({ headers, body }), code);
  });

  it('rejects upper-case hex (one header, one meaning) and a body that is not JSON', async () => {
    const scheme = workos({ secret: SECRET, now });
    const value = reference(SECRET, NOW, body);
    const upper = value.replace(/v1=(\w+)/, (_m, hex: string) => `v1=${hex.toUpperCase()}`);
    await expectRejection(
      scheme.verify({ headers: { 'workos-signature': upper }, body }),
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
    ['a bad tolerance', { secret: SECRET, toleranceSeconds: Number.NaN }],
  ])('throws a TypeError at once for %s', (_label, options) => {
    expect(() => workos(options as never)).toThrow(TypeError);
  });

  it("leaves the caller's options alone and never puts the secret or signature in a message", async () => {
    const options = Object.freeze({ secret: Object.freeze([SECRET]), now });
    const expected = reference(SECRET, NOW, body).split('v1=')[1] as string;
    const error = await expectRejection(
      workos(options).verify({
        headers: { 'workos-signature': `t=${NOW}, v1=${'0'.repeat(64)}` },
        body,
      }),
      'signature_mismatch',
    );
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(expected);
    expect(options).toEqual({ secret: [SECRET], now });
  });
});
