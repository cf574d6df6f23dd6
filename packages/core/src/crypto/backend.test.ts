import { describe, expect, it } from 'vitest';
import {
  ed25519Signer,
  ed25519Verifier,
  hmacSha1,
  hmacSha256,
  sha256,
  sha256Hex,
  timingSafeEqual,
} from '#crypto';

const hex = (text: string) =>
  Uint8Array.from(text.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));
const plain = (bytes: Uint8Array) => Uint8Array.from(bytes);
const ascii = (text: string) => new TextEncoder().encode(text);

// The vitest project sets HOOKGUARD_CRYPTO; this proves the alias really swapped the backend.
describe(`crypto backend (${process.env.HOOKGUARD_CRYPTO})`, () => {
  it('is the backend this project claims to run', () => {
    const pending = hmacSha256(new Uint8Array(32))([ascii('x')]);
    expect(pending instanceof Promise).toBe(process.env.HOOKGUARD_CRYPTO === 'web');
  });

  it('computes HMAC-SHA256 over concatenated parts (RFC 4231 test case 2)', async () => {
    const hmac = hmacSha256(ascii('Jefe'));
    const expected = hex('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(plain(await hmac([ascii('what do ya want '), ascii('for nothing?')]))).toEqual(expected);
    expect(plain(await hmac([ascii('what do ya want for nothing?')]))).toEqual(expected);
  });

  it.each([
    [
      '1',
      new Uint8Array(20).fill(0x0b),
      ascii('Hi There'),
      'b617318655057264e28bc0b6fb378c8ef146be00',
    ],
    [
      '2',
      ascii('Jefe'),
      ascii('what do ya want for nothing?'),
      'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79',
    ],
    [
      '3',
      new Uint8Array(20).fill(0xaa),
      new Uint8Array(50).fill(0xdd),
      '125d7342b9ac11cd91a39af48aa17b4f63f175d3',
    ],
    [
      '6 (a key longer than the block)',
      new Uint8Array(80).fill(0xaa),
      ascii('Test Using Larger Than Block-Size Key - Hash Key First'),
      'aa4ae5e15272d00e95705637ce8a3b55ed402112',
    ],
  ])('computes HMAC-SHA1 (RFC 2202 test case %s)', async (_case, key, data, digest) => {
    const hmac = hmacSha1(key);
    expect(plain(await hmac([data]))).toEqual(hex(digest));
    expect(plain(await hmac([data.subarray(0, 3), data.subarray(3)]))).toEqual(hex(digest));
  });

  it('computes SHA-256 over concatenated parts (FIPS 180-2 "abc" and empty input)', async () => {
    const abc = hex('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(plain(await sha256([ascii('a'), ascii('bc')]))).toEqual(abc);
    expect(plain(await sha256([ascii('abc')]))).toEqual(abc);
    expect(plain(await sha256([]))).toEqual(
      hex('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'),
    );
  });

  it('gives SHA-256 as lower-case hex (FIPS 180-2 "abc")', async () => {
    expect(await sha256Hex(ascii('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('signs and verifies Ed25519 (RFC 8032 test 2)', async () => {
    const seed = hex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb');
    const publicKey = hex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c');
    const signature = hex(
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
    );
    const message = Uint8Array.of(0x72);
    expect(plain(await ed25519Signer(seed)([message]))).toEqual(signature);
    const verify = ed25519Verifier(publicKey);
    expect(await verify([new Uint8Array(0), message], signature)).toBe(true);
    expect(await verify([Uint8Array.of(0x73)], signature)).toBe(false);
  });

  it('compares in constant time with the right answers, whatever the lengths', () => {
    const a = Uint8Array.of(1, 2, 3, 4);
    expect(timingSafeEqual(a, Uint8Array.of(1, 2, 3, 4))).toBe(true);
    expect(timingSafeEqual(a, Uint8Array.of(1, 2, 3, 5))).toBe(false);
    expect(timingSafeEqual(a, Uint8Array.of(1, 2, 3))).toBe(false);
    expect(timingSafeEqual(a, Uint8Array.of(1, 2, 3, 4, 0))).toBe(false);
    expect(timingSafeEqual(a, new Uint8Array(0))).toBe(false);
    expect(timingSafeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});
