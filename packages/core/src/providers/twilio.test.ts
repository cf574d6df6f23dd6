import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  getExpectedBodyHash,
  getExpectedTwilioSignature,
  validateRequest,
  validateRequestWithBody,
} from 'twilio/lib/webhooks/webhooks.js';
import { describe, expect, it } from 'vitest';
import { parsePayload } from '../lib/payload.js';
import { expectRejection, flipByte, flipChar } from '../test-support.js';
import { twilio } from './twilio.js';

const TOKEN = '12345';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
// The example from Twilio's security docs.
const DOCS_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const DOCS_PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+12349013030',
  Digits: '1234',
  From: '+12349013030',
  To: '+18005551212',
};
const DOCS_SIGNATURE = '0/KCTR6DLpKmkAf8muzZqo1nDgQ=';
const URL_ = 'https://api.example.com/twilio/sms?tenant=7';
const sms = {
  MessageSid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f',
  From: '+14155550100',
  To: '+14155550199',
  Body: 'Hello & goodbye = 100% ✓',
};
const body = new URLSearchParams(sms).toString();
const fields = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.string({ maxLength: 24 }),
  {
    minKeys: 1,
    maxKeys: 6,
  },
);

/** Every field with all its values, as a body parser with repeated keys gives them. */
const paramsOf = (form: string) => {
  const params: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(form)) {
    const seen = params[name];
    params[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return params;
};

describe('twilio()', () => {
  it("verifies the example in Twilio's docs, whatever the field order", async () => {
    const scheme = twilio({ secret: TOKEN });
    const headers = { ...FORM, 'x-twilio-signature': DOCS_SIGNATURE };
    const forms = [
      new URLSearchParams(DOCS_PARAMS).toString(),
      new URLSearchParams(Object.entries(DOCS_PARAMS).reverse()).toString(),
    ];
    for (const form of forms) {
      const delivery = await scheme.verify({ headers, body: form, url: DOCS_URL });
      expect(delivery).toMatchObject({ scheme: 'twilio', payload: DOCS_PARAMS });
      expect(delivery.id).toBeUndefined();
      expect(delivery.timestamp).toBeUndefined();
    }
    await expectRejection(
      scheme.verify({ headers, body: forms[0] as string, url: DOCS_URL.replace('foo=1', 'foo=2') }),
      'signature_mismatch',
    );
  });

  it('round-trips, with Fetch Headers, a Node record and any letter case', async () => {
    const scheme = twilio({ secret: TOKEN, url: URL_ });
    const signed = await scheme.sign({ body });
    expect(signed).toEqual({ 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, URL_, sms) });
    const value = signed['x-twilio-signature'] as string;
    for (const headers of [
      { ...FORM, ...signed },
      new Headers({ ...FORM, ...signed }),
      {
        'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
        'X-Twilio-Signature': value,
      },
    ]) {
      const delivery = await scheme.verify({ headers, body });
      expect(delivery.payload).toEqual(sms);
    }
  });

  it("agrees with Twilio's SDK both ways, repeated fields included", async () => {
    const scheme = twilio({ secret: TOKEN });
    await fc.assert(
      fc.asyncProperty(fields, fc.array(fc.nat(5), { maxLength: 4 }), async (record, repeats) => {
        const entries = Object.entries(record);
        for (const at of repeats) entries.push(entries[at % entries.length] as [string, string]);
        const form = new URLSearchParams(entries).toString();
        const expected = getExpectedTwilioSignature(TOKEN, URL_, paramsOf(form));
        const headers = { ...FORM, 'x-twilio-signature': expected };
        const delivery = await scheme.verify({ headers, body: form, url: URL_ });
        // Parsed once for the signature and the payload, the same as any form payload.
        expect(delivery.payload).toEqual(parsePayload(FORM, new TextEncoder().encode(form)));
        const ours = await twilio({ secret: TOKEN, url: URL_ }).sign({ body: form });
        const signature = ours['x-twilio-signature'] as string;
        expect(validateRequest(TOKEN, signature, URL_, paramsOf(form))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps a field named __proto__ as a plain field of the payload, never its prototype', async () => {
    const form = '__proto__=x&constructor=y&a=1&a=2';
    const signer = twilio({ secret: TOKEN, url: URL_ });
    const headers = { ...FORM, ...(await signer.sign({ body: form })) };
    const { payload } = await twilio({ secret: TOKEN }).verify({ headers, body: form, url: URL_ });
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
    expect(Object.hasOwn(payload as object, '__proto__')).toBe(true);
    expect(payload).toEqual(parsePayload(FORM, new TextEncoder().encode(form)));
    expect(JSON.stringify(payload)).toBe('{"__proto__":"x","constructor":"y","a":["1","2"]}');
  });

  it('verifies JSON bodies by the bodySHA256 in the URL, as Twilio signs them', async () => {
    const json = JSON.stringify({ event: 'call.completed', sid: 'CA1' });
    const url = `https://api.example.com/twilio/events?bodySHA256=${getExpectedBodyHash(json)}`;
    const signature = getExpectedTwilioSignature(TOKEN, url, {});
    const headers = { 'content-type': 'application/json', 'x-twilio-signature': signature };
    const scheme = twilio({ secret: TOKEN });
    const delivery = await scheme.verify({ headers, body: json, url });
    expect(delivery.payload).toEqual(JSON.parse(json));
    expect(validateRequestWithBody(TOKEN, signature, url, json)).toBe(true);
    await expectRejection(
      scheme.verify({ headers, body: json.replace('CA1', 'CA2'), url }),
      'signature_mismatch',
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 0, max: 7 }), async (at, bit) => {
        const flipped = flipByte(new TextEncoder().encode(json), at % json.length, bit);
        await expectRejection(scheme.verify({ headers, body: flipped, url }), 'signature_mismatch');
      }),
    );
    const signed = await twilio({ secret: TOKEN, url }).sign({ body: json });
    expect(signed['x-twilio-signature']).toBe(signature);
  });

  it('refuses a body that is neither form-encoded nor covered by bodySHA256', async () => {
    const json = JSON.stringify({ event: 'x' });
    const signature = getExpectedTwilioSignature(TOKEN, URL_, {});
    for (const contentType of ['application/json', undefined]) {
      const headers = {
        'x-twilio-signature': signature,
        ...(contentType && { 'content-type': contentType }),
      };
      await expectRejection(
        twilio({ secret: TOKEN }).verify({ headers, body: json, url: URL_ }),
        'signature_mismatch',
      );
    }
  });

  it('signs the URL alone for an empty body (GET), with an empty payload', async () => {
    const url = `${URL_}&From=%2B14155550100`;
    const headers = { 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, url, {}) };
    const delivery = await twilio({ secret: TOKEN }).verify({ headers, body: '', url });
    expect(delivery.payload).toEqual({});
  });

  it('accepts the URL with or without its default port, whichever Twilio signed', async () => {
    const scheme = twilio({ secret: TOKEN });
    for (const [signedUrl, seenUrl] of [
      ['https://api.example.com:443/twilio/sms', 'https://api.example.com/twilio/sms'],
      ['https://api.example.com/twilio/sms', 'https://api.example.com:443/twilio/sms'],
      ['http://user@api.example.com/hook', 'http://user@api.example.com:80/hook'],
      ['https://[::1]/hook', 'https://[::1]:8443/hook'],
    ] as const) {
      const headers = {
        ...FORM,
        'x-twilio-signature': getExpectedTwilioSignature(TOKEN, signedUrl, sms),
      };
      await expect(scheme.verify({ headers, body, url: seenUrl })).resolves.toBeDefined();
    }
    const other = {
      ...FORM,
      'x-twilio-signature': getExpectedTwilioSignature(
        TOKEN,
        'https://api.example.com:8443/twilio/sms',
        sms,
      ),
    };
    await expectRejection(
      scheme.verify({ headers: other, body, url: 'https://api.example.com:9443/twilio/sms' }),
      'signature_mismatch',
    );
  });

  it('needs the request URL: raw_body_unavailable without one, the url option wins over it', async () => {
    const headers = { ...FORM, 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, URL_, sms) };
    for (const url of [undefined, '/twilio/sms?tenant=7', 'api.example.com/twilio/sms']) {
      const error = await expectRejection(
        twilio({ secret: TOKEN }).verify({ headers, body, url }),
        'raw_body_unavailable',
      );
      expect(error.status).toBe(500);
      expect(error.message).toContain('url');
    }
    const behindProxy = twilio({ secret: TOKEN, url: URL_ });
    await expect(
      behindProxy.verify({ headers, body, url: 'http://10.0.0.5:8080/twilio/sms?tenant=7' }),
    ).resolves.toBeDefined();
    await expectRejection(
      twilio({ secret: TOKEN }).verify({ headers: {}, body }),
      'missing_header',
    );
  });

  it('accepts the primary or the secondary Auth Token (rotation)', async () => {
    const headers = { ...FORM, 'x-twilio-signature': getExpectedTwilioSignature(TOKEN, URL_, sms) };
    const rotated = twilio({ secret: ['new-token', new TextEncoder().encode(TOKEN)] });
    await expect(rotated.verify({ headers, body, url: URL_ })).resolves.toBeDefined();
    await expectRejection(
      twilio({ secret: 'new-token' }).verify({ headers, body, url: URL_ }),
      'signature_mismatch',
    );
  });

  it('rejects a flipped body bit unless the flip leaves the signed fields as they were', async () => {
    const scheme = twilio({ secret: TOKEN, url: URL_ });
    const canonical = (form: string) =>
      [...new URLSearchParams(form)]
        .map(([n, v]) => `${n}\u0000${v}`)
        .sort()
        .join('\u0001');
    await fc.assert(
      fc.asyncProperty(
        fields,
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        async (record, at, bit) => {
          const raw = new TextEncoder().encode(new URLSearchParams(record).toString());
          const headers = { ...FORM, ...(await scheme.sign({ body: raw })) };
          const flipped = flipByte(raw, at % raw.length, bit);
          const same =
            canonical(new TextDecoder().decode(flipped)) ===
            canonical(new TextDecoder().decode(raw));
          const outcome = await scheme.verify({ headers, body: flipped }).then(
            () => 'ok',
            (error: { code?: string }) => error.code,
          );
          expect(outcome).toBe(same ? 'ok' : 'signature_mismatch');
        },
      ),
    );
  });

  it('rejects any single flipped bit of the signature', async () => {
    const scheme = twilio({ secret: TOKEN, url: URL_ });
    await fc.assert(
      fc.asyncProperty(
        fields,
        fc.nat(),
        fc.integer({ min: 0, max: 6 }),
        async (record, at, bit) => {
          const form = new URLSearchParams(record).toString();
          const value = (await scheme.sign({ body: form }))['x-twilio-signature'] as string;
          const headers = {
            ...FORM,
            'x-twilio-signature': flipChar(value, at % value.length, bit),
          };
          await expectRejection(scheme.verify({ headers, body: form }), 'signature_mismatch');
        },
      ),
    );
  });

  it('refuses X-Twilio-Signature sent twice, even when one copy verifies', async () => {
    const scheme = twilio({ secret: TOKEN, url: URL_ });
    const valid = (await scheme.sign({ body }))['x-twilio-signature'] as string;
    const fetchHeaders = new Headers({ ...FORM, 'x-twilio-signature': valid });
    fetchHeaders.append('x-twilio-signature', valid);
    for (const headers of [
      fetchHeaders,
      { ...FORM, 'x-twilio-signature': `${valid}, ${valid}` },
      { ...FORM, 'x-twilio-signature': [valid, valid] },
    ]) {
      await expectRejection(scheme.verify({ headers, body }), 'malformed_header');
    }
  });

  it('rejects non-canonical base64 and a hex digest', async () => {
    const scheme = twilio({ secret: TOKEN, url: URL_ });
    const digest = createHmac('sha1', TOKEN).update(URL_).digest();
    const canonical = digest.toString('base64');
    // The last character carries two unused bits; a lenient decoder ignores them.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = alphabet.indexOf(canonical.at(-2) as string);
    const loose = `${canonical.slice(0, -2)}${alphabet[last ^ 1]}=`;
    expect(Buffer.from(loose, 'base64').equals(digest)).toBe(true);
    for (const signature of [loose, canonical.slice(0, -1), digest.toString('hex')]) {
      await expectRejection(
        scheme.verify({ headers: { 'x-twilio-signature': signature }, body: '' }),
        'signature_mismatch',
      );
    }
    await expect(
      scheme.verify({ headers: { 'x-twilio-signature': canonical }, body: '' }),
    ).resolves.toBeDefined();
  });

  it.each([
    ['no options', undefined],
    ['no secret', {}],
    ['an empty secret', { secret: '' }],
    ['a non-secret value', { secret: [TOKEN, 7] }],
    ['a relative url', { secret: TOKEN, url: '/twilio' }],
    ['a url that is not a string', { secret: TOKEN, url: new URL(URL_) }],
    ['a bad tolerance', { secret: TOKEN, toleranceSeconds: -1 }],
  ])('throws a TypeError at once for %s', (_label, options) => {
    expect(() => twilio(options as never)).toThrow(TypeError);
  });

  it('needs the url option to sign', async () => {
    await expect(twilio({ secret: TOKEN }).sign({ body })).rejects.toThrow(TypeError);
  });

  it("leaves the caller's options alone and never puts the token or signature in a message", async () => {
    const options = Object.freeze({ secret: Object.freeze([TOKEN]), url: URL_ });
    const expected = getExpectedTwilioSignature(TOKEN, URL_, sms);
    const error = await expectRejection(
      twilio(options).verify({
        headers: { ...FORM, 'x-twilio-signature': `${'A'.repeat(27)}=` },
        body,
      }),
      'signature_mismatch',
    );
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).not.toContain(expected);
    expect(options).toEqual({ secret: [TOKEN], url: URL_ });
  });
});
