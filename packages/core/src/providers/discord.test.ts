import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import { verifyKey } from 'discord-interactions';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayKey } from '../replay-key.js';
import { expectRejection, flipByte, flipChar } from '../test-support.js';
import { discord } from './discord.js';

const NOW = 1_717_420_000_000;
const now = () => NOW;
const SECONDS = String(NOW / 1000);
const enc = new TextEncoder();

// RFC 8032 section 7.1, TEST 1: a published Ed25519 key pair.
const SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const PUBLIC_KEY = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const PKCS8_PREFIX = '302e020100300506032b657004220420';

const nodeKey = (seedHex: string) =>
  createPrivateKey({
    key: Buffer.from(PKCS8_PREFIX + seedHex, 'hex'),
    format: 'der',
    type: 'pkcs8',
  });
const rawPublic = (key: KeyObject) =>
  Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url').toString('hex');
const freshPair = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
  return { privateKey, seed: seed.toString('hex'), publicKey: rawPublic(publicKey) };
};

// An independent signer (node:crypto), standing in for Discord.
const handSign = (payload: string | Uint8Array, key = nodeKey(SEED), ts = SECONDS) => ({
  'x-signature-timestamp': ts,
  'x-signature-ed25519': sign(
    null,
    Buffer.concat([Buffer.from(ts), Buffer.from(payload)]),
    key,
  ).toString('hex'),
});

const ping = JSON.stringify({
  type: 1,
  id: '1234567890',
  application_id: '1122334455',
  token: 'aW50ZXJhY3Rpb24',
  version: 1,
});

describe('Discord "Security and Authorization": Ed25519 over timestamp + body, RFC 8032 key', () => {
  // Fixed vector: the RFC 8032 TEST 1 key signing a PING as Discord frames it.
  const signature =
    '0ea40ee83146da57fcd81048f2d75f09f1564acbc3697c5fb7a814f7d59d099a4ef5597c3853d5fcc7950ee9e44631d307def4e6617f24e37572d89e61e7d902';
  const headers = { 'X-Signature-Ed25519': signature, 'X-Signature-Timestamp': SECONDS };

  it('is the signature node:crypto and discord-interactions agree on', async () => {
    expect(rawPublic(nodeKey(SEED))).toBe(PUBLIC_KEY);
    expect(handSign(ping)['x-signature-ed25519']).toBe(signature);
    expect(await verifyKey(ping, signature, SECONDS, PUBLIC_KEY)).toBe(true);
  });

  it('verifies, and signs exactly this vector (Ed25519 is deterministic)', async () => {
    const scheme = discord({ publicKey: PUBLIC_KEY, privateKey: SEED, now });
    const delivery = await scheme.verify({ headers, body: ping });
    expect(delivery).toMatchObject({ scheme: 'discord', payload: JSON.parse(ping) });
    expect(delivery.timestamp?.getTime()).toBe(NOW);
    expect(await scheme.sign({ body: ping })).toEqual({
      'x-signature-timestamp': SECONDS,
      'x-signature-ed25519': signature,
    });
  });

  it('accepts the public key in upper-case hex, as configuration', async () => {
    const scheme = discord({ publicKey: PUBLIC_KEY.toUpperCase(), now });
    await expect(scheme.verify({ headers, body: ping })).resolves.toBeDefined();
  });
});

describe("discord() with discord-interactions' verifyKey", () => {
  it('verifyKey accepts what discord() signs, and discord() what node:crypto signs', async () => {
    const pair = freshPair();
    const scheme = discord({ publicKey: pair.publicKey, privateKey: pair.seed, now });
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const payload = JSON.stringify(value);
        const ours = await scheme.sign({ body: payload });
        expect(
          await verifyKey(
            payload,
            ours['x-signature-ed25519'] as string,
            ours['x-signature-timestamp'] as string,
            pair.publicKey,
          ),
        ).toBe(true);
        const theirs = handSign(payload, pair.privateKey);
        await expect(scheme.verify({ headers: theirs, body: payload })).resolves.toBeDefined();
      }),
      { numRuns: 50 },
    );
  });

  it('agrees with verifyKey that a flipped bit of the body fails', async () => {
    const scheme = discord({ publicKey: PUBLIC_KEY, now });
    const headers = handSign(ping);
    const flipped = ping.replace('"type":1', '"type":3');
    expect(
      await verifyKey(
        flipped,
        headers['x-signature-ed25519'],
        headers['x-signature-timestamp'],
        PUBLIC_KEY,
      ),
    ).toBe(false);
    await expectRejection(scheme.verify({ headers, body: flipped }), 'signature_mismatch');
  });
});

describe('discord()', () => {
  const scheme = discord({ publicKey: PUBLIC_KEY, privateKey: SEED, now });

  it('round-trips, with Fetch Headers and a Node record', async () => {
    const headers = await scheme.sign({ body: ping });
    for (const input of [headers, new Headers(headers)]) {
      const delivery = await scheme.verify({ headers: input, body: enc.encode(ping) });
      expect(delivery.payload).toEqual(JSON.parse(ping));
      expect(delivery.id).toBeUndefined();
    }
  });

  it('keys replay protection on the signed time and body, as Discord sends no delivery id', async () => {
    const delivery = await scheme.verify({ headers: handSign(ping), body: ping });
    const hash = createHash('sha256').update(ping).digest('hex');
    expect(await replayKey(delivery)).toBe(`discord:${NOW}:${hash}`);
  });

  it('accepts a +-300 s clock difference by default and refuses stale or future ones', async () => {
    for (const offset of [-300, 300]) {
      const headers = handSign(ping, undefined, String(NOW / 1000 + offset));
      await expect(scheme.verify({ headers, body: ping })).resolves.toBeDefined();
    }
    for (const offset of [-301, 301]) {
      const headers = handSign(ping, undefined, String(NOW / 1000 + offset));
      await expectRejection(scheme.verify({ headers, body: ping }), 'timestamp_out_of_window');
    }
  });

  it('accepts a delivery signed by any configured public key (rotation), and no other', async () => {
    const next = freshPair();
    const rotating = discord({ publicKey: [next.publicKey, PUBLIC_KEY], now });
    for (const key of [nodeKey(SEED), next.privateKey]) {
      await expect(
        rotating.verify({ headers: handSign(ping, key), body: ping }),
      ).resolves.toBeDefined();
    }
    const stranger = freshPair();
    await expectRejection(
      rotating.verify({ headers: handSign(ping, stranger.privateKey), body: ping }),
      'signature_mismatch',
    );
  });

  it('refuses either header sent twice, even when each copy verifies', async () => {
    const valid = handSign(ping);
    for (const name of ['x-signature-ed25519', 'x-signature-timestamp'] as const) {
      const fetchHeaders = new Headers(valid);
      fetchHeaders.append(name, valid[name]);
      const nodeRecord = { ...valid, [name]: `${valid[name]}, ${valid[name]}` };
      for (const headers of [fetchHeaders, nodeRecord]) {
        await expectRejection(scheme.verify({ headers, body: ping }), 'malformed_header');
      }
    }
  });

  const valid = handSign(ping);
  it.each([
    ['no headers', {}, 'missing_header'],
    ['no X-Signature-Ed25519', { 'x-signature-timestamp': SECONDS }, 'missing_header'],
    [
      'no X-Signature-Timestamp',
      { 'x-signature-ed25519': valid['x-signature-ed25519'] },
      'missing_header',
    ],
    [
      'a fractional timestamp',
      { ...valid, 'x-signature-timestamp': `${SECONDS}.0` },
      'malformed_header',
    ],
    ['an empty timestamp', { ...valid, 'x-signature-timestamp': '' }, 'malformed_header'],
    [
      'a timestamp in milliseconds',
      { ...valid, 'x-signature-timestamp': String(NOW) },
      'timestamp_out_of_window',
    ],
    [
      'a signature that is not hex',
      { ...valid, 'x-signature-ed25519': 'zz' },
      'signature_mismatch',
    ],
    ['an empty signature', { ...valid, 'x-signature-ed25519': '' }, 'signature_mismatch'],
    [
      'a signature one byte short',
      { ...valid, 'x-signature-ed25519': valid['x-signature-ed25519'].slice(2) },
      'signature_mismatch',
    ],
  ] as const)('rejects %s', async (_label, headers, code) => {
    await expectRejection(scheme.verify({ headers, body: ping }), code);
  });

  it('rejects non-canonical hex that a lenient decoder reads as the right bytes', async () => {
    const hex = valid['x-signature-ed25519'];
    for (const altered of [hex.toUpperCase(), ` ${hex}`, `${hex} `, `${hex}00`]) {
      const headers = { ...valid, 'x-signature-ed25519': altered };
      await expectRejection(scheme.verify({ headers, body: ping }), 'signature_mismatch');
    }
    // discord-interactions parses hex leniently; upper case passes there.
    expect(await verifyKey(ping, hex.toUpperCase(), SECONDS, PUBLIC_KEY)).toBe(true);
  });

  it('refuses a body that is not JSON only after the signature checks out', async () => {
    await expectRejection(
      scheme.verify({ headers: handSign('not json'), body: 'not json' }),
      'invalid_payload',
    );
  });

  it('needs a privateKey to sign', async () => {
    await expect(discord({ publicKey: PUBLIC_KEY }).sign({ body: ping })).rejects.toThrow(
      TypeError,
    );
    await expect(scheme.sign({ body: ping, timestamp: -1 })).rejects.toThrow(TypeError);
  });

  it.each([
    ['no options', undefined],
    ['no public key', {}],
    ['an empty list', { publicKey: [] }],
    ['a short public key', { publicKey: PUBLIC_KEY.slice(2) }],
    ['a base64 public key', { publicKey: Buffer.from(PUBLIC_KEY, 'hex').toString('base64') }],
    ['a public key that is not a string', { publicKey: [PUBLIC_KEY, 42] }],
    ['a private key that is not 32 bytes of hex', { publicKey: PUBLIC_KEY, privateKey: 'abc' }],
    ['a bad tolerance', { publicKey: PUBLIC_KEY, toleranceSeconds: Number.NaN }],
    ['a clock that is not a function', { publicKey: PUBLIC_KEY, now: 'now' }],
  ])('throws a TypeError at once for %s', (_label, options) => {
    expect(() => discord(options as never)).toThrow(TypeError);
  });

  it('leaves frozen options untouched', async () => {
    const options = Object.freeze({
      publicKey: Object.freeze([PUBLIC_KEY]),
      privateKey: SEED,
      now,
    });
    const frozen = discord(options);
    await expect(
      frozen.verify({ headers: await frozen.sign({ body: ping }), body: ping }),
    ).resolves.toBeDefined();
    expect(options.publicKey).toEqual([PUBLIC_KEY]);
  });

  it('never puts the private key or the expected signature in a message', async () => {
    const error = await expectRejection(
      scheme.verify({ headers: { ...valid, 'x-signature-ed25519': '0'.repeat(128) }, body: ping }),
      'signature_mismatch',
    );
    expect(error.message).not.toContain(SEED);
    expect(error.message).not.toContain(valid['x-signature-ed25519']);
  });
});

describe('discord() properties', () => {
  const scheme = discord({ publicKey: PUBLIC_KEY, privateKey: SEED, now });
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

  it('flipping any single bit of either signed header rejects', async () => {
    await fc.assert(
      fc.asyncProperty(
        jsonBody,
        fc.constantFrom('x-signature-ed25519', 'x-signature-timestamp'),
        fc.nat(),
        fc.integer({ min: 0, max: 6 }),
        async (raw, name, at, bit) => {
          const headers = await scheme.sign({ body: raw });
          const value = headers[name] as string;
          const altered = { ...headers, [name]: flipChar(value, at % value.length, bit) };
          await expectRejection(
            scheme.verify({ headers: altered, body: raw }),
            'signature_mismatch',
            'malformed_header',
            'timestamp_out_of_window',
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
