import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codaiq } from './codaiq.js';
import { WebhookVerificationError } from './errors.js';
import { standardWebhooks } from './standard-webhooks.js';
import { expectRejection, flipByte, flipChar, SECRET } from './test-support.js';
import type { WebhookScheme } from './types.js';

const NOW = 1_700_000_000_000;
const TOLERANCE = 300;
const now = () => NOW;
const enc = new TextEncoder();

const schemes: [string, WebhookScheme][] = [
  ['standard-webhooks', standardWebhooks({ secret: SECRET, toleranceSeconds: TOLERANCE, now })],
  ['codaiq', codaiq({ secret: 'cdaq_whsec_property', toleranceSeconds: TOLERANCE, now })],
];

// Header values are printable ASCII on the wire; ids are otherwise unconstrained.
const id = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map(String.fromCharCode),
  minLength: 1,
  maxLength: 40,
});
const inWindow = fc.integer({ min: NOW - TOLERANCE * 1000, max: NOW + TOLERANCE * 1000 });
const jsonBody = fc.jsonValue().map((value) => enc.encode(JSON.stringify(value)));

const verifyOutcome = (scheme: WebhookScheme, headers: Record<string, string>, body: Uint8Array) =>
  scheme.verify({ headers, body }).then(
    () => 'ok',
    (error: unknown) => (error instanceof WebhookVerificationError ? error.code : 'crash'),
  );

describe.each(schemes)('%s properties', (name, scheme) => {
  const headerNames =
    name === 'codaiq'
      ? ['x-codaiq-signature']
      : ['webhook-id', 'webhook-timestamp', 'webhook-signature'];

  it('any JSON payload, id and in-window timestamp round-trips', async () => {
    await fc.assert(
      fc.asyncProperty(jsonBody, id, inWindow, async (body, msgId, timestamp) => {
        const headers = await scheme.sign({ body, id: msgId, timestamp });
        const delivery = await scheme.verify({ headers, body });
        expect(delivery.rawBody).toEqual(body);
        expect(delivery.payload).toEqual(JSON.parse(new TextDecoder().decode(body)));
        expect(delivery.timestamp?.getTime()).toBe(
          name === 'codaiq' ? timestamp : Math.floor(timestamp / 1000) * 1000,
        );
      }),
    );
  });

  it('any bytes at all pass the signature check (JSON or not)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (body) => {
        const headers = await scheme.sign({ body, timestamp: NOW });
        expect(['ok', 'invalid_payload']).toContain(await verifyOutcome(scheme, headers, body));
      }),
    );
  });

  it('flipping any single bit of the body rejects', async () => {
    await fc.assert(
      fc.asyncProperty(
        jsonBody,
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        async (body, at, bit) => {
          const headers = await scheme.sign({ body, timestamp: NOW });
          const flipped = flipByte(body, at % body.length, bit);
          await expectRejection(scheme.verify({ headers, body: flipped }), 'signature_mismatch');
        },
      ),
    );
  });

  it('flipping any single bit of any signed header rejects', async () => {
    await fc.assert(
      fc.asyncProperty(
        jsonBody,
        id,
        fc.constantFrom(...headerNames),
        fc.nat(),
        fc.integer({ min: 0, max: 6 }),
        async (body, msgId, header, at, bit) => {
          const headers = await scheme.sign({ body, id: msgId, timestamp: NOW });
          const value = headers[header] as string;
          const altered = { ...headers, [header]: flipChar(value, at % value.length, bit) };
          await expectRejection(
            scheme.verify({ headers: altered, body }),
            'signature_mismatch',
            'malformed_header',
            'timestamp_out_of_window',
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any signed header sent twice is malformed_header, joined by Node or appended in Headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        jsonBody,
        id,
        id,
        fc.constantFrom(...headerNames),
        inWindow,
        async (body, firstId, secondId, header, timestamp) => {
          const headers = await scheme.sign({ body, id: firstId, timestamp: NOW });
          const other = await scheme.sign({ body, id: secondId, timestamp });
          const [first, second] = [headers[header] as string, other[header] as string];
          const fetchHeaders = new Headers(headers);
          fetchHeaders.append(header, second);
          for (const doubled of [{ ...headers, [header]: `${first}, ${second}` }, fetchHeaders]) {
            await expectRejection(scheme.verify({ headers: doubled, body }), 'malformed_header');
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('arbitrary header strings never throw anything but WebhookVerificationError', async () => {
    const value = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('', ' ', ',', '=', 't=', 'v1,', 'v1a,'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            ...headerNames,
            'x-codaiq-timestamp',
            'svix-id',
            'svix-timestamp',
            'svix-signature',
          ),
          value,
        ),
        fc.uint8Array({ maxLength: 64 }),
        async (headers, body) => {
          expect(await verifyOutcome(scheme, headers, body)).not.toBe('crash');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('passes at +-tolerance and rejects at +-(tolerance + 1) s', async () => {
    await fc.assert(
      fc.asyncProperty(jsonBody, fc.constantFrom(-1, 1), async (body, sign) => {
        const edge = await scheme.sign({ body, timestamp: NOW + sign * TOLERANCE * 1000 });
        expect(await verifyOutcome(scheme, edge, body)).toBe('ok');
        const beyond = await scheme.sign({ body, timestamp: NOW + sign * (TOLERANCE + 1) * 1000 });
        expect(await verifyOutcome(scheme, beyond, body)).toBe('timestamp_out_of_window');
      }),
      { numRuns: 20 },
    );
  });
});

describe('Standard Webhooks signature lists', () => {
  const scheme = standardWebhooks({ secret: SECRET, toleranceSeconds: TOLERANCE, now });
  const entry = fc.oneof(
    fc
      .uint8Array({ minLength: 32, maxLength: 32 })
      .map((b) => `v1,${Buffer.from(b).toString('base64')}`),
    fc.constantFrom('v1,', 'v2,AAAA', 'v1a,', 'v1,dawfeoifkpqwoekfpqoekf'),
  );

  it('any mix of valid, empty and unknown entries is one header, verified by its valid entry', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { maxLength: 8 }),
        fc.array(entry, { maxLength: 8 }),
        async (before, after) => {
          const headers = await scheme.sign({ body: '{}', id: 'msg_list', timestamp: NOW });
          const list = [...before, headers['webhook-signature'], ...after].join(' ');
          await expect(
            scheme.verify({ headers: { ...headers, 'webhook-signature': list }, body: '{}' }),
          ).resolves.toMatchObject({ id: 'msg_list' });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('signature decoding', () => {
  // The Node backend decodes into pooled Buffers, the Web one into Uint8Arrays: compare bytes.
  const bytesOf = (value: Uint8Array | undefined) => value && Uint8Array.from(value);
  const canonicalBase64 = (text: string) => {
    const bytes = Buffer.from(text, 'base64');
    return bytes.toString('base64') === text ? Uint8Array.from(bytes) : undefined;
  };
  const base64ish = fc.oneof(
    fc.uint8Array({ maxLength: 70 }).map((bytes) => Buffer.from(bytes).toString('base64')),
    fc.string({ unit: fc.constantFrom(...'AQgw+/=AZaz09 -_\n'.split('')), maxLength: 48 }),
    fc
      .tuple(
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.integer({ min: 0, max: 6 }),
      )
      .map(([bytes, at, bit]) => {
        const text = Buffer.from(bytes).toString('base64');
        return flipChar(text, at % text.length, bit);
      }),
  );

  it('accepts exactly the canonical base64 strings, decoding them as Node does', async () => {
    const { decodeBase64 } = await import('./lib/bytes.js');
    fc.assert(
      fc.property(base64ish, (text) => {
        expect(bytesOf(decodeBase64(text))).toEqual(canonicalBase64(text));
      }),
      { numRuns: 2000 },
    );
  });

  // Signatures are decoded in place in the header, so nothing outside the range may count.
  const surround = fc.string({ unit: fc.constantFrom(...'v1,= AZaz09+/'.split('')), maxLength: 8 });

  it('decodes base64 in a range of a header exactly as the range alone', async () => {
    const { decodeBase64 } = await import('./lib/bytes.js');
    fc.assert(
      fc.property(surround, base64ish, surround, (before, text, after) => {
        const header = before + text + after;
        const decoded = decodeBase64(header, before.length, before.length + text.length);
        expect(bytesOf(decoded)).toEqual(canonicalBase64(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('decodes hex in a range of a header exactly as the range alone', async () => {
    const { decodeHex } = await import('./lib/bytes.js');
    const hexish = fc.string({ unit: fc.constantFrom(...'09afAg='.split('')), maxLength: 20 });
    fc.assert(
      fc.property(surround, hexish, surround, (before, text, after) => {
        const header = before + text + after;
        const decoded = decodeHex(header, before.length, before.length + text.length);
        expect(bytesOf(decoded)).toEqual(bytesOf(decodeHex(text)));
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts exactly lower-case hex, decoding it as Node does', async () => {
    const { decodeHex, encodeHex } = await import('./lib/bytes.js');
    const hexish = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('hex')),
      fc.string({ unit: fc.constantFrom(...'09afAFgG/:`'.split('')), maxLength: 20 }),
    );
    fc.assert(
      fc.property(hexish, (text) => {
        const expected = /^(?:[0-9a-f]{2})*$/.test(text)
          ? Uint8Array.from(Buffer.from(text, 'hex'))
          : undefined;
        expect(bytesOf(decodeHex(text))).toEqual(expected);
        if (expected) expect(encodeHex(expected)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });
});
