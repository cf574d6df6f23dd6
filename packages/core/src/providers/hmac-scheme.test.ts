import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { replayKey } from '../replay-key.js';
import { expectRejection, flipByte, flipChar, SECRET as WHSEC } from '../test-support.js';
import { type HmacSchemeOptions, hmacScheme } from './hmac-scheme.js';

const NOW = 1_700_000_000_000;
const now = () => NOW;
const body = JSON.stringify({ action: 'opened', number: 7 });
const jsonBody = fc
  .jsonValue()
  .map((value) => new TextEncoder().encode(JSON.stringify(value)))
  .filter((bytes) => bytes.length > 0);

const github = (secret: HmacSchemeOptions['secret']) =>
  hmacScheme({
    name: 'github',
    secret,
    signatureHeader: 'X-Hub-Signature-256',
    prefix: 'sha256=',
    encoding: 'hex',
  });

const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const slack = (options: Partial<HmacSchemeOptions> = {}) =>
  hmacScheme({
    name: 'slack',
    secret: SLACK_SECRET,
    signatureHeader: 'x-slack-signature',
    prefix: 'v0=',
    encoding: 'hex',
    timestampHeader: 'x-slack-request-timestamp',
    signedContent: ({ timestamp, body }) => ['v0:', timestamp, ':', body],
    now,
    ...options,
  });

// Standard Webhooks re-described: a signed id and time, base64, key bytes behind whsec_.
const standard = () =>
  hmacScheme({
    name: 'standard',
    secret: Buffer.from(WHSEC.slice('whsec_'.length), 'base64'),
    signatureHeader: 'webhook-signature',
    prefix: 'v1,',
    encoding: 'base64',
    timestampHeader: 'webhook-timestamp',
    idHeader: 'webhook-id',
    signedContent: ({ id, timestamp, body }) => [id, '.', timestamp, '.', body],
    now,
  });

describe('hmacScheme()', () => {
  it("re-describes GitHub: verifies GitHub's documented example, SHA-256 and SHA-1", async () => {
    const secret = "It's a Secret to Everybody";
    const headers = {
      'x-hub-signature-256':
        'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    };
    // The example body is not JSON: reaching invalid_payload means the signature matched.
    await expectRejection(
      github(secret).verify({ headers, body: 'Hello, World!' }),
      'invalid_payload',
    );
    await expectRejection(
      github(secret).verify({ headers, body: 'Hello, World?' }),
      'signature_mismatch',
    );
    const sha1 = hmacScheme({
      name: 'github-sha1',
      secret,
      signatureHeader: 'x-hub-signature',
      prefix: 'sha1=',
      encoding: 'hex',
      algorithm: 'sha1',
    });
    await expectRejection(
      sha1.verify({
        headers: { 'x-hub-signature': 'sha1=01dc10d0c83e72ed246219cdd91669667fe2ca59' },
        body: 'Hello, World!',
      }),
      'invalid_payload',
    );
  });

  it('round-trips GitHub-style, with Fetch Headers and a Node record, keyed on the body', async () => {
    const scheme = github('gh-secret');
    expect(scheme.requiredHeaders).toEqual([['x-hub-signature-256']]);
    const signed = await scheme.sign({ body });
    expect(Object.keys(signed)).toEqual(['x-hub-signature-256']);
    expect(signed['x-hub-signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/);
    for (const headers of [signed, new Headers(signed)]) {
      const delivery = await scheme.verify({ headers, body });
      expect(delivery).toMatchObject({ scheme: 'github', payload: JSON.parse(body) });
      expect(delivery.id).toBeUndefined();
      expect(delivery.timestamp).toBeUndefined();
      expect(await replayKey(delivery)).toMatch(/^github:[0-9a-f]{64}$/);
    }
  });

  it("re-describes Slack: verifies Slack's documented example and parses the form body", async () => {
    const scheme = slack({ now: () => 1_531_420_618_000 });
    const formBody =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': '1531420618',
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    };
    const delivery = await scheme.verify({ headers, body: formBody });
    expect(delivery.timestamp?.getTime()).toBe(1_531_420_618_000);
    expect(delivery.payload).toMatchObject({ command: '/webhook-collect', text: '' });
    expect(await replayKey(delivery)).toMatch(/^slack:1531420618000:[0-9a-f]{64}$/);
    expect(await scheme.sign({ body: formBody, timestamp: 1_531_420_618_000 })).toEqual({
      'x-slack-signature': headers['x-slack-signature'],
      'x-slack-request-timestamp': '1531420618',
    });
  });

  it('checks a signed time against the window, in seconds or milliseconds', async () => {
    for (const unit of ['s', 'ms'] as const) {
      const scheme = slack({ timestampUnit: unit, toleranceSeconds: 60 });
      const signed = await scheme.sign({ body, timestamp: NOW });
      expect(signed['x-slack-request-timestamp']).toBe(unit === 's' ? '1700000000' : String(NOW));
      for (const offset of [-60_000, 60_000]) {
        const headers = await scheme.sign({ body, timestamp: NOW + offset });
        await expect(scheme.verify({ headers, body })).resolves.toBeDefined();
      }
      for (const offset of [-61_000, 61_000]) {
        const headers = await scheme.sign({ body, timestamp: NOW + offset });
        await expectRejection(scheme.verify({ headers, body }), 'timestamp_out_of_window');
      }
    }
  });

  it('re-describes Standard Webhooks: accepts what the standardwebhooks library signs, keyed on the id', async () => {
    const scheme = standard();
    const sent = new Webhook(WHSEC).sign('msg_1', new Date(NOW), body);
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(NOW / 1000),
      'webhook-signature': sent,
    };
    const delivery = await scheme.verify({ headers, body });
    expect(delivery).toMatchObject({ scheme: 'standard', id: 'msg_1' });
    expect(await replayKey(delivery)).toBe('standard:msg_1');
    const signed = await scheme.sign({ body, id: 'msg_2', timestamp: Date.now() });
    expect(new Webhook(WHSEC).verify(body, signed)).toEqual(JSON.parse(body));
    await expectRejection(
      scheme.verify({ headers: { ...headers, 'webhook-id': 'msg_9' }, body }),
      'signature_mismatch',
    );
    await expectRejection(
      scheme.verify({ headers: { ...headers, 'webhook-id': '' }, body }),
      'malformed_header',
    );
  });

  it('accepts any configured secret (rotation), a string as its UTF-8 bytes', async () => {
    const headers = await github('ünïcödé').sign({ body });
    const rotated = github(['new-secret', new TextEncoder().encode('ünïcödé')]);
    await expect(rotated.verify({ headers, body })).resolves.toBeDefined();
    await expectRejection(github('other').verify({ headers, body }), 'signature_mismatch');
  });

  it('rejects any single flipped bit of the body or the signature, hex and base64', async () => {
    for (const scheme of [github('gh-secret'), standard()]) {
      const header = scheme.name === 'github' ? 'x-hub-signature-256' : 'webhook-signature';
      await fc.assert(
        fc.asyncProperty(
          jsonBody,
          fc.nat(),
          fc.integer({ min: 0, max: 7 }),
          async (raw, at, bit) => {
            const headers = await scheme.sign({ body: raw });
            const flipped = flipByte(raw, at % raw.length, bit);
            await expectRejection(scheme.verify({ headers, body: flipped }), 'signature_mismatch');
          },
        ),
        { numRuns: 50 },
      );
      await fc.assert(
        fc.asyncProperty(
          jsonBody,
          fc.nat(),
          fc.integer({ min: 0, max: 6 }),
          async (raw, at, bit) => {
            const headers = await scheme.sign({ body: raw });
            const value = headers[header] as string;
            const altered = { ...headers, [header]: flipChar(value, at % value.length, bit) };
            await expectRejection(
              scheme.verify({ headers: altered, body: raw }),
              'signature_mismatch',
              'malformed_header',
            );
          },
        ),
        { numRuns: 150 },
      );
    }
  });

  it('refuses a signature, timestamp or id header sent twice', async () => {
    const scheme = standard();
    const headers = await scheme.sign({ body, id: 'msg_1' });
    for (const name of Object.keys(headers)) {
      const value = headers[name] as string;
      const fetchHeaders = new Headers(headers);
      fetchHeaders.append(name, value);
      for (const doubled of [fetchHeaders, { ...headers, [name]: [value, value] }]) {
        await expectRejection(scheme.verify({ headers: doubled, body }), 'malformed_header');
      }
    }
  });

  it.each([
    ['no signature header', {}, 'missing_header'],
    ['no sha256= prefix', { 'x-hub-signature-256': 'a'.repeat(64) }, 'malformed_header'],
    ['upper-case hex', { 'x-hub-signature-256': `sha256=${'A'.repeat(64)}` }, 'signature_mismatch'],
    ['hex of the wrong length', { 'x-hub-signature-256': 'sha256=abc' }, 'signature_mismatch'],
  ] as const)('rejects %s', async (_label, headers, code) => {
    await expectRejection(github('gh-secret').verify({ headers, body }), code);
  });

  it('rejects non-canonical base64, a missing or non-digit timestamp', async () => {
    const scheme = standard();
    const headers = await scheme.sign({ body, id: 'msg_1' });
    const signature = headers['webhook-signature'] as string;
    const loose = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}=`;
    await expectRejection(
      scheme.verify({ headers: { ...headers, 'webhook-signature': loose }, body }),
      'signature_mismatch',
    );
    await expectRejection(
      scheme.verify({ headers: { ...headers, 'webhook-signature': signature.slice(0, -1) }, body }),
      'signature_mismatch',
    );
    const { 'webhook-timestamp': _dropped, ...untimed } = headers;
    await expectRejection(scheme.verify({ headers: untimed, body }), 'missing_header');
    await expectRejection(
      scheme.verify({ headers: { ...headers, 'webhook-timestamp': '1e9' }, body }),
      'malformed_header',
    );
  });

  const base: HmacSchemeOptions = {
    name: 'acme',
    secret: 'acme-secret',
    signatureHeader: 'x-acme-signature',
    encoding: 'hex',
  };
  it.each([
    ['no options', undefined],
    ['no secret', { ...base, secret: undefined }],
    ['an empty secret', { ...base, secret: '' }],
    ['a name with a colon', { ...base, name: 'acme:v1' }],
    ['an upper-case name', { ...base, name: 'Acme' }],
    ['a header name with a space', { ...base, signatureHeader: 'x acme' }],
    ['the same header twice', { ...base, idHeader: 'X-Acme-Signature' }],
    ['an unknown encoding', { ...base, encoding: 'base32' }],
    ['an unknown algorithm', { ...base, algorithm: 'md5' }],
    ['an unknown unit', { ...base, timestampUnit: 'us' }],
    ['a timestamp header without signedContent', { ...base, timestampHeader: 'x-acme-time' }],
    ['an id header without signedContent', { ...base, idHeader: 'x-acme-id' }],
    [
      'signedContent that leaves the timestamp out',
      {
        ...base,
        timestampHeader: 'x-acme-time',
        signedContent: ({ body }: { body: Uint8Array }) => [body],
      },
    ],
    [
      'signedContent that leaves the id out',
      {
        ...base,
        idHeader: 'x-acme-id',
        signedContent: ({ body }: { body: Uint8Array }) => ['v1.', body],
      },
    ],
    [
      'signedContent that re-encodes the body',
      {
        ...base,
        signedContent: ({ body }: { body: Uint8Array }) => [new TextDecoder().decode(body)],
      },
    ],
    ['signedContent that returns a string', { ...base, signedContent: () => 'x' }],
    ['a bad tolerance', { ...base, toleranceSeconds: Number.POSITIVE_INFINITY }],
  ])('throws a TypeError at once for %s', (_label, options) => {
    expect(() => hmacScheme(options as never)).toThrow(TypeError);
  });

  it("leaves the caller's options alone and never puts the secret or signature in a message", async () => {
    const options = Object.freeze({ ...base, secret: Object.freeze(['acme-secret']) });
    const scheme = hmacScheme(options);
    const expected = (await scheme.sign({ body }))['x-acme-signature'] as string;
    const error = await expectRejection(
      scheme.verify({ headers: { 'x-acme-signature': '0'.repeat(64) }, body }),
      'signature_mismatch',
    );
    expect(error.message).not.toContain('acme-secret');
    expect(error.message).not.toContain(expected);
    expect(options.secret).toEqual(['acme-secret']);
    expect(options.signatureHeader).toBe('x-acme-signature');
  });
});
