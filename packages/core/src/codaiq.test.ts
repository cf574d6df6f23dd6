import { describe, expect, it } from 'vitest';
import { codaiq } from './codaiq.js';
import { expectRejection } from './test-support.js';

const NOW = 1_717_420_000_000;
const now = () => NOW;
const SECRET = 'cdaq_whsec_test_secret';
const body = JSON.stringify({ event: 'lead.created', data: { email: 'ada@example.com' } });

const signature = async (secret: string, timestamp = NOW) =>
  (await codaiq({ secret }).sign({ body, timestamp }))['x-codaiq-signature'] as string;

describe('codaiq()', () => {
  it('round-trips, with Fetch Headers and a Node record', async () => {
    const scheme = codaiq({ secret: SECRET, now });
    const headers = await scheme.sign({ body });
    for (const input of [headers, new Headers(headers)]) {
      const delivery = await scheme.verify({ headers: input, body });
      expect(delivery.timestamp?.getTime()).toBe(NOW);
      expect(delivery.payload).toEqual(JSON.parse(body));
    }
  });

  it('uses millisecond timestamps and a +-5 minute window by default', async () => {
    const scheme = codaiq({ secret: SECRET, now });
    for (const offset of [-300_000, 300_000]) {
      const headers = await scheme.sign({ body, timestamp: NOW + offset });
      await expect(scheme.verify({ headers, body })).resolves.toBeDefined();
    }
    for (const offset of [-300_001, 300_001]) {
      const headers = await scheme.sign({ body, timestamp: NOW + offset });
      await expectRejection(scheme.verify({ headers, body }), 'timestamp_out_of_window');
    }
  });

  it('accepts any of several v1= entries (rotation), in any position', async () => {
    const current = await signature(SECRET);
    const old = await signature('cdaq_whsec_old_secret');
    const [t, v1Current] = current.split(',') as [string, string];
    const v1Old = old.split(',')[1] as string;
    const scheme = codaiq({ secret: SECRET, now });
    for (const header of [
      `${t},${v1Old},${v1Current}`,
      `${t},${v1Current},${v1Old}`,
      `${v1Old},${t},${v1Current}`,
    ]) {
      await expect(
        scheme.verify({ headers: { 'x-codaiq-signature': header }, body }),
      ).resolves.toBeDefined();
    }
  });

  it('accepts a delivery signed with any configured secret', async () => {
    const scheme = codaiq({ secret: ['cdaq_whsec_new', SECRET], now });
    const headers = { 'x-codaiq-signature': await signature(SECRET) };
    await expect(scheme.verify({ headers, body })).resolves.toBeDefined();
  });

  it('uses a string secret as its UTF-8 bytes', async () => {
    const secret = 'cdaq_whsec_ünïcödé';
    const headers = { 'x-codaiq-signature': await signature(secret) };
    const bytes = codaiq({ secret: new TextEncoder().encode(secret), now });
    await expect(bytes.verify({ headers, body })).resolves.toBeDefined();
  });

  it('ignores unknown keys such as v0=', async () => {
    const scheme = codaiq({ secret: SECRET, now });
    const header = `${await signature(SECRET)},v0=${'0'.repeat(64)}`;
    await expect(
      scheme.verify({ headers: { 'x-codaiq-signature': header }, body }),
    ).resolves.toBeDefined();
  });

  it('refuses an X-Codaiq-Signature sent twice, even when one copy verifies', async () => {
    const scheme = codaiq({ secret: SECRET, now: () => NOW });
    const signed = await scheme.sign({ body });
    const valid = signed['x-codaiq-signature'] as string;
    const conflicting = `t=${NOW - 1000},v1=${'0'.repeat(64)}`;
    for (const second of [conflicting, valid]) {
      const fetchHeaders = new Headers({ 'x-codaiq-signature': valid });
      fetchHeaders.append('x-codaiq-signature', second);
      const nodeRecord = { 'x-codaiq-signature': `${valid}, ${second}` };
      for (const headers of [fetchHeaders, nodeRecord]) {
        const error = await expectRejection(scheme.verify({ headers, body }), 'malformed_header');
        expect(error.message).toContain('x-codaiq-signature header was sent more than once');
      }
    }
  });

  it('requires X-Codaiq-Timestamp, when present, to equal t=', async () => {
    const scheme = codaiq({ secret: SECRET, now });
    const headers = { ...(await scheme.sign({ body })), 'x-codaiq-timestamp': String(NOW + 1) };
    await expectRejection(scheme.verify({ headers, body }), 'malformed_header');
  });

  it.each([
    ['no header', {}, 'missing_header'],
    ['no t=', { 'x-codaiq-signature': `v1=${'a'.repeat(64)}` }, 'malformed_header'],
    [
      'two t=',
      { 'x-codaiq-signature': `t=${NOW},t=${NOW},v1=${'a'.repeat(64)}` },
      'malformed_header',
    ],
    [
      'a t= in seconds with a fraction',
      { 'x-codaiq-signature': `t=${NOW / 1000}.5,v1=aa` },
      'malformed_header',
    ],
    ['an entry without =', { 'x-codaiq-signature': `t=${NOW},v1` }, 'malformed_header'],
    ['34 entries', { 'x-codaiq-signature': `t=${NOW}${',v1=aa'.repeat(33)}` }, 'malformed_header'],
    ['no v1=', { 'x-codaiq-signature': `t=${NOW}` }, 'signature_mismatch'],
    ['a v1= that is not hex', { 'x-codaiq-signature': `t=${NOW},v1=zz` }, 'signature_mismatch'],
  ] as const)('rejects %s', async (_label, headers, code) => {
    await expectRejection(codaiq({ secret: SECRET, now }).verify({ headers, body }), code);
  });

  it.each([
    ['no secret', {}],
    ['an empty secret', { secret: '' }],
    ['an empty list', { secret: [] }],
    ['a non-secret value', { secret: [SECRET, 7] }],
    ['a bad tolerance', { secret: SECRET, toleranceSeconds: Number.NaN }],
  ])('throws a TypeError at once for %s', (_label, options) => {
    expect(() => codaiq(options as never)).toThrow(TypeError);
  });

  it('never puts the secret or the expected signature in a message', async () => {
    const scheme = codaiq({ secret: SECRET, now });
    const expected = (await signature(SECRET)).split('v1=')[1] as string;
    const error = await expectRejection(
      scheme.verify({ headers: { 'x-codaiq-signature': `t=${NOW},v1=${'0'.repeat(64)}` }, body }),
      'signature_mismatch',
    );
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(expected);
  });
});
