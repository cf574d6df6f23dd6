import { describe, expect, it } from 'vitest';
import { adapterPolicy, duplicate, leavesBodyUnread, refusal } from './adapter.js';
import { codaiq } from './codaiq.js';
import { WebhookVerificationError } from './errors.js';
import { memoryReplayStore } from './memory-replay-store.js';
import { standardWebhooks } from './standard-webhooks.js';
import { SECRET } from './test-support.js';
import type { WebhookScheme } from './types.js';

const scheme = standardWebhooks({ secret: SECRET });

describe('adapterPolicy()', () => {
  it('applies the defaults and builds a replay guard only when asked', () => {
    const plain = adapterPolicy(scheme, {}, 'verifyWebhook()');
    expect(plain).toMatchObject({ scheme, limit: 1024 * 1024, bodyTimeoutMs: 30_000 });
    expect(plain.guard).toBeUndefined();
    const guarded = adapterPolicy(scheme, { replay: { store: memoryReplayStore() } }, 'x');
    expect(typeof guarded.guard?.claim).toBe('function');
  });

  it.each([
    ['no scheme', undefined, {}, /verifyWebhook\(\) needs a scheme/],
    ['a scheme without verify', {}, {}, /needs a scheme/],
    ['null options', scheme, null, /options must be an object/],
    ['a negative limit', scheme, { limit: -1 }, /limit must be/],
    ['a fractional limit', scheme, { limit: 1.5 }, /limit must be/],
    ['a zero bodyTimeoutMs', scheme, { bodyTimeoutMs: 0 }, /bodyTimeoutMs must be/],
    ['a NaN bodyTimeoutMs', scheme, { bodyTimeoutMs: Number.NaN }, /bodyTimeoutMs must be/],
    ['a replay without a store', scheme, { replay: {} }, /replay\.store/],
  ])('throws a TypeError at once for %s', (_label, badScheme, options, message) => {
    expect(() =>
      adapterPolicy(badScheme as WebhookScheme, options as object, 'verifyWebhook()'),
    ).toThrow(message);
  });

  it('leaves frozen options as they were', () => {
    const options = Object.freeze({ limit: 10 });
    adapterPolicy(scheme, options, 'x');
    expect(options).toEqual({ limit: 10 });
  });

  describe('precheck', () => {
    const { precheck } = adapterPolicy(scheme, {}, 'x');

    it('passes a request carrying a full header set, from either set, in either shape', async () => {
      const signed = await scheme.sign({ body: '{}' });
      const svix = Object.fromEntries(
        Object.entries(signed).map(([name, value]) => [name.replace('webhook', 'svix'), value]),
      );
      for (const headers of [signed, new Headers(signed), svix]) {
        expect(await precheck(headers)).toBeUndefined();
      }
    });

    it("refuses one carrying no full set, worded by the scheme's own verify", async () => {
      const signed = await scheme.sign({ body: '{}' });
      const { 'webhook-signature': _dropped, ...partial } = signed;
      const error = await precheck(partial);
      expect(error).toBeInstanceOf(WebhookVerificationError);
      expect(error?.code).toBe('missing_header');
      expect(error?.message).toContain('webhook-signature');
      expect((await adapterPolicy(codaiq({ secret: 'x' }), {}, 'x').precheck({}))?.code).toBe(
        'missing_header',
      );
    });

    it('lets a repeated header through to verify, which refuses it as malformed', async () => {
      const signed = await scheme.sign({ body: '{}' });
      expect(await precheck({ ...signed, 'webhook-id': ['a', 'b'] })).toBeUndefined();
    });

    it('passes everything for a scheme that lists no header sets', async () => {
      const open = { ...scheme, requiredHeaders: [] };
      expect(await adapterPolicy(open, {}, 'x').precheck({})).toBeUndefined();
    });
  });
});

describe('answers', () => {
  it('words a refusal as JSON, closing the connection only when the body was left unread', () => {
    const mismatch = new WebhookVerificationError('signature_mismatch', 'no match');
    expect(refusal(mismatch)).toEqual({
      status: 401,
      headers: { 'content-type': 'application/json' },
      body: { ok: false, error: { code: 'signature_mismatch', message: 'no match' } },
    });
    for (const code of ['payload_too_large', 'body_timeout'] as const) {
      const error = new WebhookVerificationError(code, 'm');
      expect(leavesBodyUnread(error)).toBe(true);
      expect(refusal(error).headers).toEqual({
        'content-type': 'application/json',
        connection: 'close',
      });
    }
    expect(leavesBodyUnread(mismatch)).toBe(false);
  });

  it("adds the headers the error carries, such as a Bearer challenge, to the refusal's", () => {
    const challenge = { 'www-authenticate': 'Bearer error="invalid_token"' };
    const invalid = new WebhookVerificationError('invalid_credentials', 'no', {
      headers: { ...challenge, 'content-type': 'text/plain' },
    });
    expect(refusal(invalid)).toEqual({
      status: 401,
      headers: { ...challenge, 'content-type': 'application/json' },
      body: { ok: false, error: { code: 'invalid_credentials', message: 'no' } },
    });
  });

  it('answers a duplicate with 200 {"ok":true,"duplicate":true}, immutably', () => {
    expect(JSON.stringify(duplicate.body)).toBe('{"ok":true,"duplicate":true}');
    expect(duplicate.status).toBe(200);
    expect(Object.isFrozen(duplicate.body)).toBe(true);
  });
});
