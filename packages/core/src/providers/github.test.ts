import { createHash, createHmac } from 'node:crypto';
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayKey } from '../replay-key.js';
import { expectRejection, flipByte, flipChar } from '../test-support.js';
import { github } from './github.js';

const SECRET = 'gh-webhook-secret-7f3a';
const OLD_SECRET = 'gh-webhook-secret-old';
const DELIVERY = '72d3162e-cc78-11e3-81ab-4c9367dc0958';
const body = JSON.stringify({
  action: 'opened',
  issue: { number: 1347 },
  zen: 'Keep it logically awesome.',
});
const enc = new TextEncoder();

const headersFor = async (payload: string, secret = SECRET, id = DELIVERY) => ({
  'x-github-delivery': id,
  'x-hub-signature-256': await octokitSign(secret, payload),
});

describe('github()', () => {
  const scheme = github({ secret: SECRET });

  it('round-trips, with Fetch Headers and a Node record', async () => {
    const headers = await scheme.sign({ body, id: DELIVERY });
    for (const input of [headers, new Headers(headers)]) {
      const delivery = await scheme.verify({ headers: input, body });
      expect(delivery).toMatchObject({ scheme: 'github', payload: JSON.parse(body) });
      expect([delivery.id, delivery.timestamp]).toEqual([undefined, undefined]);
    }
  });

  it('gives each signed delivery a fresh GUID unless told one', async () => {
    const [a, b] = [await scheme.sign({ body }), await scheme.sign({ body })];
    expect(a['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a['x-github-delivery']).not.toBe(b['x-github-delivery']);
  });

  it('keys replay protection on the body, not the unsigned X-GitHub-Delivery, and keeps the tolerance as its memory basis', async () => {
    const delivery = await scheme.verify({ headers: await headersFor(body), body });
    const hash = createHash('sha256').update(body).digest('hex');
    expect(await replayKey(delivery)).toBe(`github:${hash}`);
    expect(scheme.toleranceSeconds).toBe(300);
    expect(github({ secret: SECRET, toleranceSeconds: 3600 }).toleranceSeconds).toBe(3600);
  });

  it('needs no X-GitHub-Delivery: GitHub does not sign it', async () => {
    const { 'x-github-delivery': _unsigned, ...headers } = await headersFor(body);
    await expect(scheme.verify({ headers, body })).resolves.toMatchObject({ scheme: 'github' });
  });

  it('accepts a delivery signed with any configured secret (rotation)', async () => {
    const rotating = github({ secret: [SECRET, OLD_SECRET] });
    for (const secret of [SECRET, OLD_SECRET]) {
      await expect(
        rotating.verify({ headers: await headersFor(body, secret), body }),
      ).resolves.toBeDefined();
    }
    await expectRejection(
      rotating.verify({ headers: await headersFor(body, 'another'), body }),
      'signature_mismatch',
    );
    const bytes = github({ secret: enc.encode(SECRET) });
    await expect(bytes.verify({ headers: await headersFor(body), body })).resolves.toBeDefined();
  });

  it('gives a form-encoded delivery its JSON document as payload', async () => {
    const form = `payload=${encodeURIComponent(body)}`;
    const headers = {
      ...(await headersFor(form)),
      'content-type': 'application/x-www-form-urlencoded',
    };
    const delivery = await scheme.verify({ headers, body: form });
    expect(delivery.payload).toEqual(JSON.parse(body));
    const empty = { ...(await headersFor('other=1')), 'content-type': headers['content-type'] };
    await expectRejection(scheme.verify({ headers: empty, body: 'other=1' }), 'invalid_payload');
  });

  it('ignores the legacy SHA-1 X-Hub-Signature', async () => {
    const headers = { ...(await headersFor(body)), 'x-hub-signature': 'sha1=0000' };
    await expect(scheme.verify({ headers, body })).resolves.toBeDefined();
  });

  it('refuses the signature header sent twice, even when each copy verifies', async () => {
    const valid = await headersFor(body);
    for (const name of ['x-hub-signature-256'] as const) {
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
    ['no X-Hub-Signature-256', { 'x-github-delivery': DELIVERY }, 'missing_header'],
    [
      'a sha1= signature',
      { 'x-github-delivery': DELIVERY, 'x-hub-signature-256': `sha1=${'a'.repeat(40)}` },
      'malformed_header',
    ],
    [
      'a bare hex signature',
      { 'x-github-delivery': DELIVERY, 'x-hub-signature-256': 'a'.repeat(64) },
      'malformed_header',
    ],
    [
      'a signature that is not hex',
      { 'x-github-delivery': DELIVERY, 'x-hub-signature-256': 'sha256=zz' },
      'signature_mismatch',
    ],
  ] as const)('rejects %s', async (_label, headers, code) => {
    await expectRejection(scheme.verify({ headers, body }), code);
  });

  it('rejects non-canonical hex: upper case, or with whitespace', async () => {
    const valid = await headersFor(body);
    const hex = valid['x-hub-signature-256'].slice('sha256='.length);
    for (const altered of [hex.toUpperCase(), ` ${hex}`, `${hex} `, `${hex}00`]) {
      const headers = { ...valid, 'x-hub-signature-256': `sha256=${altered}` };
      await expectRejection(scheme.verify({ headers, body }), 'signature_mismatch');
    }
  });

  it.each([
    ['no options', undefined],
    ['no secret', {}],
    ['an empty secret', { secret: '' }],
    ['an empty list', { secret: [] }],
    ['a non-secret value', { secret: [SECRET, null] }],
    ['a bad tolerance', { secret: SECRET, toleranceSeconds: Number.POSITIVE_INFINITY }],
  ])('throws a TypeError at once for %s', (_label, options) => {
    expect(() => github(options as never)).toThrow(TypeError);
  });

  it('leaves frozen options untouched', async () => {
    const options = Object.freeze({ secret: Object.freeze([SECRET, OLD_SECRET]) });
    const frozen = github(options);
    await expect(frozen.verify({ headers: await headersFor(body), body })).resolves.toBeDefined();
    expect(options.secret).toEqual([SECRET, OLD_SECRET]);
  });

  it('never puts the secret or the expected signature in a message', async () => {
    const expected = (await headersFor(body))['x-hub-signature-256'].slice(7);
    const error = await expectRejection(
      scheme.verify({
        headers: {
          'x-github-delivery': DELIVERY,
          'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
        },
        body,
      }),
      'signature_mismatch',
    );
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(expected);
  });
});

describe('GitHub "Validating webhook deliveries"', () => {
  // The worked example in GitHub's documentation.
  const secret = "It's a Secret to Everybody";
  const payload = 'Hello, World!';
  const published = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it('signs exactly the published X-Hub-Signature-256', async () => {
    const headers = await github({ secret }).sign({ body: payload, id: DELIVERY });
    expect(headers['x-hub-signature-256']).toBe(published);
  });

  it('accepts the published signature (then finds the plain-text body is not JSON)', async () => {
    const headers = { 'X-Hub-Signature-256': published, 'X-GitHub-Delivery': DELIVERY };
    await expectRejection(github({ secret }).verify({ headers, body: payload }), 'invalid_payload');
    await expectRejection(
      github({ secret: `${secret}!` }).verify({ headers, body: payload }),
      'signature_mismatch',
    );
  });
});

describe('GitHub with @octokit/webhooks-methods', () => {
  it('verifies what octokit signs, and octokit verifies what github() signs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), fc.jsonValue(), async (secret, value) => {
        const payload = JSON.stringify(value);
        const scheme = github({ secret });
        const ours = await scheme.sign({ body: payload, id: DELIVERY });
        const signature = ours['x-hub-signature-256'] as string;
        expect(await octokitVerify(secret, payload, signature)).toBe(true);
        expect(signature).toBe(await octokitSign(secret, payload));
        await expect(
          scheme.verify({ headers: await headersFor(payload, secret), body: payload }),
        ).resolves.toMatchObject({ payload: JSON.parse(payload) });
      }),
      { numRuns: 100 },
    );
  });

  it('agrees with a hand computation over bytes that are not valid UTF-8', async () => {
    const raw = Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d);
    const hex = createHmac('sha256', SECRET).update(raw).digest('hex');
    const headers = { 'x-github-delivery': DELIVERY, 'x-hub-signature-256': `sha256=${hex}` };
    await expectRejection(
      github({ secret: SECRET }).verify({ headers, body: raw }),
      'invalid_payload',
    );
  });
});

describe('github() properties', () => {
  const scheme = github({ secret: SECRET });
  const jsonBody = fc.jsonValue().map((value) => enc.encode(JSON.stringify(value)));

  it('flipping any single bit of the body rejects', async () => {
    await fc.assert(
      fc.asyncProperty(jsonBody, fc.nat(), fc.integer({ min: 0, max: 7 }), async (raw, at, bit) => {
        const headers = await scheme.sign({ body: raw, id: DELIVERY });
        const flipped = flipByte(raw, at % raw.length, bit);
        await expectRejection(scheme.verify({ headers, body: flipped }), 'signature_mismatch');
      }),
    );
  });

  it('flipping any single bit of X-Hub-Signature-256 rejects', async () => {
    await fc.assert(
      fc.asyncProperty(jsonBody, fc.nat(), fc.integer({ min: 0, max: 6 }), async (raw, at, bit) => {
        const headers = await scheme.sign({ body: raw, id: DELIVERY });
        const value = headers['x-hub-signature-256'] as string;
        const altered = {
          ...headers,
          'x-hub-signature-256': flipChar(value, at % value.length, bit),
        };
        await expectRejection(
          scheme.verify({ headers: altered, body: raw }),
          'signature_mismatch',
          'malformed_header',
        );
      }),
      { numRuns: 300 },
    );
  });
});
