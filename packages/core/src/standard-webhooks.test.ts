import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { WebhookVerificationError } from './errors.js';
import { standardWebhooks } from './standard-webhooks.js';
import {
  expectRejection,
  OTHER_SECRET,
  SECRET,
  standardWebhooksVectors as vectors,
} from './test-support.js';
import type { VerifyInput } from './types.js';

const NOW = 1_700_000_000_000;
const now = () => NOW;
const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'in_1', amount: 4200 } });
const [edVector] = vectors.v1a as [(typeof vectors.v1a)[number]];
const PRIVATE_KEY = edVector.privateKey as string;
const PUBLIC_KEY = edVector.publicKey as string;

describe('standardWebhooks()', () => {
  describe('sign then verify', () => {
    it('round-trips v1 with Fetch Headers, a Node record and any letter case', async () => {
      const scheme = standardWebhooks({ secret: SECRET, now });
      const signed = await scheme.sign({ body, id: 'msg_1' });
      const upper = Object.fromEntries(
        Object.entries(signed).map(([k, v]) => [k.toUpperCase(), v]),
      );
      for (const headers of [signed, new Headers(signed), upper]) {
        const delivery = await scheme.verify({ headers, body });
        expect(delivery).toMatchObject({ scheme: 'standard-webhooks', id: 'msg_1' });
        expect(delivery.timestamp?.getTime()).toBe(NOW);
        expect(delivery.payload).toEqual(JSON.parse(body));
      }
    });

    it('accepts the body as string, Uint8Array or ArrayBuffer, and returns the same bytes', async () => {
      const scheme = standardWebhooks({ secret: SECRET, now });
      const headers = await scheme.sign({ body });
      const bytes = new TextEncoder().encode(body);
      for (const input of [body, bytes, bytes.slice().buffer]) {
        const delivery = await scheme.verify({ headers, body: input });
        expect(delivery.rawBody).toEqual(bytes);
      }
    });

    it('verifies bytes that are not valid UTF-8 without re-encoding them', async () => {
      const scheme = standardWebhooks({ secret: SECRET, now });
      const raw = Uint8Array.from([
        ...new TextEncoder().encode('{"name":"'),
        0xe9,
        0xff,
        0x22,
        0x7d,
      ]);
      const headers = await scheme.sign({ body: raw });
      const delivery = await scheme.verify({ headers, body: raw });
      expect(delivery.rawBody).toEqual(raw);
      expect(delivery.payload).toEqual({ name: '\ufffd\ufffd' });
      // The same text after a decode/encode round trip is different bytes, and must not verify.
      const reencoded = new TextEncoder().encode(new TextDecoder().decode(raw));
      await expectRejection(scheme.verify({ headers, body: reencoded }), 'signature_mismatch');
    });

    it('signs with both v1 and v1a when given a secret and a private key', async () => {
      const scheme = standardWebhooks({ secret: SECRET, privateKey: PRIVATE_KEY, now });
      const headers = await scheme.sign({ body });
      const entries = headers['webhook-signature']?.split(' ') ?? [];
      expect(entries.map((entry) => entry.split(',')[0])).toEqual(['v1', 'v1a']);
      const [v1, v1a] = entries as [string, string];
      const hmacOnly = standardWebhooks({ secret: SECRET, now });
      const edOnly = standardWebhooks({ publicKey: PUBLIC_KEY, now });
      await expect(
        hmacOnly.verify({ headers: { ...headers, 'webhook-signature': v1 }, body }),
      ).resolves.toBeDefined();
      await expect(
        edOnly.verify({ headers: { ...headers, 'webhook-signature': v1a }, body }),
      ).resolves.toBeDefined();
      await expectRejection(
        edOnly.verify({ headers: { ...headers, 'webhook-signature': v1 }, body }),
        'signature_mismatch',
      );
    });

    it('defaults the id to a fresh msg_ id and the timestamp to the clock', async () => {
      const scheme = standardWebhooks({ secret: SECRET, now: () => 1_700_000_000_999 });
      const a = await scheme.sign({ body });
      const b = await scheme.sign({ body });
      expect(a['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(a['webhook-id']).not.toBe(b['webhook-id']);
      expect(a['webhook-timestamp']).toBe('1700000000');
    });

    it('refuses to sign without a signing key or with a bad timestamp', async () => {
      await expect(standardWebhooks({ publicKey: PUBLIC_KEY }).sign({ body })).rejects.toThrow(
        TypeError,
      );
      const scheme = standardWebhooks({ secret: SECRET });
      for (const timestamp of [-1, 1.5, Number.NaN]) {
        await expect(scheme.sign({ body, timestamp })).rejects.toThrow(TypeError);
      }
    });
  });

  describe('key rotation', () => {
    it('accepts a delivery signed with any configured secret', async () => {
      const receiver = standardWebhooks({ secret: [OTHER_SECRET, SECRET], now });
      for (const secret of [SECRET, OTHER_SECRET]) {
        const headers = await standardWebhooks({ secret, now }).sign({ body });
        await expect(receiver.verify({ headers, body })).resolves.toBeDefined();
      }
    });

    it('accepts a header listing the old and the new signature', async () => {
      const oldHeaders = await standardWebhooks({ secret: OTHER_SECRET, now }).sign({
        body,
        id: 'm',
      });
      const newHeaders = await standardWebhooks({ secret: SECRET, now }).sign({ body, id: 'm' });
      const headers = {
        ...newHeaders,
        'webhook-signature': `${oldHeaders['webhook-signature']} ${newHeaders['webhook-signature']}`,
      };
      await expect(
        standardWebhooks({ secret: SECRET, now }).verify({ headers, body }),
      ).resolves.toBeDefined();
    });

    it('accepts raw key bytes the same as their whsec_ form', async () => {
      const bytes = Uint8Array.from(atob(SECRET.slice(6)), (c) => c.charCodeAt(0));
      const headers = await standardWebhooks({ secret: SECRET, now }).sign({ body });
      await expect(
        standardWebhooks({ secret: bytes, now }).verify({ headers, body }),
      ).resolves.toBeDefined();
      await expect(
        standardWebhooks({ secret: SECRET.slice(6), now }).verify({ headers, body }),
      ).resolves.toBeDefined();
    });
  });

  describe('headers', () => {
    it('reads the svix-* set when webhook-* is absent (Svix, Clerk, Resend)', async () => {
      const scheme = standardWebhooks({ secret: SECRET, now });
      const signed = await scheme.sign({ body, id: 'msg_svix' });
      const svix = Object.fromEntries(
        Object.entries(signed).map(([k, v]) => [k.replace('webhook', 'svix'), v]),
      );
      await expect(scheme.verify({ headers: svix, body })).resolves.toMatchObject({
        id: 'msg_svix',
      });
    });

    it('never mixes the two header sets', async () => {
      const scheme = standardWebhooks({ secret: SECRET, now });
      const signed = await scheme.sign({ body, id: 'msg_mixed' });
      const mixed = {
        'webhook-id': signed['webhook-id'],
        'svix-timestamp': signed['webhook-timestamp'],
        'svix-signature': signed['webhook-signature'],
      };
      const error = await expectRejection(
        scheme.verify({ headers: mixed, body }),
        'missing_header',
      );
      expect(error.message).toContain('webhook-timestamp');
    });

    it.each([
      ['webhook-id', 'missing_header'],
      ['webhook-timestamp', 'missing_header'],
      ['webhook-signature', 'missing_header'],
    ] as const)('names the missing %s header', async (name, code) => {
      const scheme = standardWebhooks({ secret: SECRET, now });
      const headers: Record<string, string | undefined> = await scheme.sign({ body });
      delete headers[name];
      const error = await expectRejection(scheme.verify({ headers, body }), code);
      expect(error.status).toBe(400);
      expect(error.message).toContain(name);
    });

    it.each([
      ['an empty id', { 'webhook-id': '' }],
      ['a timestamp in milliseconds with a fraction', { 'webhook-timestamp': '1700000000.5' }],
      ['a negative timestamp', { 'webhook-timestamp': '-1700000000' }],
      ['a timestamp with spaces', { 'webhook-timestamp': ' 1700000000' }],
      ['an empty signature header', { 'webhook-signature': '   ' }],
      ['a duplicated id', { 'webhook-id': ['a', 'b'] }],
      ['an id sent twice, as Node joins it', { 'webhook-id': 'msg_a, msg_b' }],
      ['a timestamp sent twice, as Node joins it', { 'webhook-timestamp': '1700000000, 1' }],
      ['33 signatures', { 'webhook-signature': Array(33).fill('v1,AAAA').join(' ') }],
    ])('rejects %s as malformed_header', async (_label, override) => {
      const scheme = standardWebhooks({ secret: SECRET, now });
      const headers = { ...(await scheme.sign({ body })), ...override };
      await expectRejection(scheme.verify({ headers, body }), 'malformed_header');
    });

    it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
      'refuses %s sent twice as malformed_header, in Fetch Headers and Node records alike',
      async (name) => {
        const scheme = standardWebhooks({ secret: SECRET, now });
        const signed = await scheme.sign({ body, id: 'msg_twice' });
        const value = signed[name] as string;
        const fetchHeaders = new Headers(signed);
        fetchHeaders.append(name, value);
        const nodeRecord = { ...signed, [name]: `${value}, ${value}` };
        for (const headers of [fetchHeaders, nodeRecord]) {
          const error = await expectRejection(scheme.verify({ headers, body }), 'malformed_header');
          expect(error.message).toContain(`${name} header was sent more than once`);
        }
      },
    );

    it('skips unknown versions and reports a mismatch when nothing is checkable', async () => {
      const scheme = standardWebhooks({ secret: SECRET, now });
      const signed = await scheme.sign({ body });
      const v2 = signed['webhook-signature']?.replace('v1,', 'v2,') as string;
      const error = await expectRejection(
        scheme.verify({ headers: { ...signed, 'webhook-signature': v2 }, body }),
        'signature_mismatch',
      );
      expect(error.status).toBe(401);
      await expect(
        scheme.verify({
          headers: { ...signed, 'webhook-signature': `${v2} v1 ${signed['webhook-signature']}` },
          body,
        }),
      ).resolves.toBeDefined();
    });

    it('treats a non-canonical base64 copy of a valid signature as a mismatch', async () => {
      const scheme = standardWebhooks({ secret: SECRET, now });
      const signed = await scheme.sign({ body });
      const signature = signed['webhook-signature'] as string;
      // 32 bytes leave two spare bits in the last base64 digit; setting one keeps the decoded bytes.
      const last = signature.at(-2) as string;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
      const twin = alphabet[alphabet.indexOf(last) ^ 1] as string;
      const altered = `${signature.slice(0, -2)}${twin}=`;
      expect(Buffer.from(altered.slice(3), 'base64')).toEqual(
        Buffer.from(signature.slice(3), 'base64'),
      );
      await expectRejection(
        scheme.verify({ headers: { ...signed, 'webhook-signature': altered }, body }),
        'signature_mismatch',
      );
    });
  });

  describe('timestamp window', () => {
    it('rejects stale and future deliveries with a message that names the direction', async () => {
      const scheme = standardWebhooks({ secret: SECRET, now });
      const stale = await scheme.sign({ body, timestamp: NOW - 301_000 });
      const future = await scheme.sign({ body, timestamp: NOW + 301_000 });
      const old = await expectRejection(
        scheme.verify({ headers: stale, body }),
        'timestamp_out_of_window',
      );
      expect(old.message).toMatch(/too old/);
      expect(old.status).toBe(401);
      const ahead = await expectRejection(
        scheme.verify({ headers: future, body }),
        'timestamp_out_of_window',
      );
      expect(ahead.message).toMatch(/future/);
    });

    it('honours toleranceSeconds', async () => {
      const scheme = standardWebhooks({ secret: SECRET, toleranceSeconds: 10, now });
      const headers = await scheme.sign({ body, timestamp: NOW - 11_000 });
      await expectRejection(scheme.verify({ headers, body }), 'timestamp_out_of_window');
      const wide = standardWebhooks({ secret: SECRET, toleranceSeconds: 20, now });
      await expect(wide.verify({ headers, body })).resolves.toBeDefined();
    });
  });

  describe('payload', () => {
    it('rejects a correctly signed body that is not JSON as invalid_payload', async () => {
      const scheme = standardWebhooks({ secret: SECRET, now });
      const headers = await scheme.sign({ body: 'not json' });
      const error = await expectRejection(
        scheme.verify({ headers, body: 'not json' }),
        'invalid_payload',
      );
      expect(error.status).toBe(400);
    });
  });

  describe('options', () => {
    it.each([
      ['no key at all', {}],
      ['an empty secret list', { secret: [] }],
      ['a secret that is not base64', { secret: 'whsec_not base64!' }],
      ['a secret shorter than 24 bytes', { secret: `whsec_${btoa('x'.repeat(23))}` }],
      ['a secret longer than 75 bytes', { secret: `whsec_${btoa('x'.repeat(76))}` }],
      ['raw key bytes shorter than 24 bytes', { secret: new Uint8Array(23) }],
      ['a number as secret', { secret: 42 }],
      ['a public key of the wrong size', { publicKey: `whpk_${btoa('x'.repeat(31))}` }],
      [
        'a 44-byte public key that is not Ed25519 SPKI',
        { publicKey: `whpk_${btoa('x'.repeat(44))}` },
      ],
      ['a private key of the wrong size', { privateKey: `whsk_${btoa('x'.repeat(32))}` }],
      ['a negative tolerance', { secret: SECRET, toleranceSeconds: -1 }],
      ['an infinite tolerance', { secret: SECRET, toleranceSeconds: Number.POSITIVE_INFINITY }],
      ['a clock that is not a function', { secret: SECRET, now: 5 }],
    ])('throws a TypeError at once for %s', (_label, options) => {
      expect(() => standardWebhooks(options as never)).toThrow(TypeError);
    });

    it('never repeats the secret in an error message', () => {
      const secret = `whsec_${btoa('s'.repeat(10))}`;
      expect(() => standardWebhooks({ secret })).toThrow(
        expect.objectContaining({
          message: expect.not.stringContaining(secret.slice(6)),
        }),
      );
    });

    it("does not mutate the caller's options", async () => {
      const options = Object.freeze({
        secret: Object.freeze([SECRET]),
        privateKey: PRIVATE_KEY,
        publicKey: Object.freeze([PUBLIC_KEY]),
        now,
      });
      const scheme = standardWebhooks(options);
      await scheme.verify({ headers: await scheme.sign({ body }), body });
      expect(options.publicKey).toEqual([PUBLIC_KEY]);
      expect(options.secret).toEqual([SECRET]);
    });

    it('verifies v1a with the public half of a configured private key', async () => {
      const scheme = standardWebhooks({ privateKey: PRIVATE_KEY, now });
      await expect(
        scheme.verify({ headers: await scheme.sign({ body }), body }),
      ).resolves.toBeDefined();
    });
  });

  describe('interop with the standardwebhooks reference library', () => {
    it('verifies what the reference library signs', async () => {
      const reference = new Webhook(SECRET);
      const timestamp = new Date(NOW);
      const signature = reference.sign('msg_ref', timestamp, body);
      const headers = {
        'webhook-id': 'msg_ref',
        'webhook-timestamp': String(Math.floor(NOW / 1000)),
        'webhook-signature': signature,
      };
      await expect(
        standardWebhooks({ secret: SECRET, now }).verify({ headers, body }),
      ).resolves.toMatchObject({
        id: 'msg_ref',
      });
    });

    it('signs what the reference library verifies, and rejects what it rejects', async () => {
      const reference = new Webhook(SECRET);
      const headers = await standardWebhooks({ secret: SECRET }).sign({ body, id: 'msg_ours' });
      expect(reference.verify(body, headers)).toEqual(JSON.parse(body));
      const wrong = await standardWebhooks({ secret: OTHER_SECRET }).sign({ body, id: 'msg_ours' });
      expect(() => reference.verify(body, wrong)).toThrow();
    });
  });

  it('rejects only with WebhookVerificationError, carrying the status from one map', async () => {
    const scheme = standardWebhooks({ secret: SECRET, now });
    const error = await expectRejection(scheme.verify({ headers: {}, body }), 'missing_header');
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('WebhookVerificationError');
  });

  it('rejects a body that is not raw bytes with raw_body_unavailable, never a TypeError', async () => {
    const scheme = standardWebhooks({ secret: SECRET, now });
    const headers = await scheme.sign({ body });
    for (const parsed of [JSON.parse(body), null, undefined, 42, [body]]) {
      const input = { headers, body: parsed } as unknown as VerifyInput;
      const error = await expectRejection(scheme.verify(input), 'raw_body_unavailable');
      expect(error.status).toBe(500);
      expect(error.message).toMatch(/raw/);
    }
  });

  it('rejects headers that are not a header record with malformed_header, never a TypeError', async () => {
    const scheme = standardWebhooks({ secret: SECRET, now });
    for (const headers of [null, undefined, 'webhook-id: x', 42]) {
      const input = { headers, body } as unknown as VerifyInput;
      await expectRejection(scheme.verify(input), 'missing_header', 'malformed_header');
    }
  });
});
