import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adapterPolicy, duplicate, leavesBodyUnread, refusal, settleOnEnd } from './adapter.js';
import { anyOf } from './any-of.js';
import { apiKey } from './api-key.js';
import { codaiq } from './codaiq.js';
import { WebhookVerificationError } from './errors.js';
import { memoryReplayStore } from './memory-replay-store.js';
import { standardWebhooks } from './standard-webhooks.js';
import { expectRejection, SECRET } from './test-support.js';

const INSTANCE = 'ck_3kq9XbV7pLm2Rt8Wz';
const TOKEN = 'cdaq_live_Q2w3E4r5T6y7U8i9';

import type { WebhookScheme } from './types.js';

const scheme = standardWebhooks({ secret: SECRET });

describe('adapterPolicy()', () => {
  it('applies the defaults and builds a replay guard only when asked', async () => {
    const plain = adapterPolicy(scheme, {}, 'verifyWebhook()');
    expect(plain).toMatchObject({ limit: 1024 * 1024, bodyTimeoutMs: 30_000 });
    expect(await plain.admit({ headers: await scheme.sign({ body: '{}' }) })).toEqual({
      scheme,
      guard: undefined,
    });
    const guarded = adapterPolicy(scheme, { replay: { store: memoryReplayStore() } }, 'x');
    const { guard } = await guarded.admit({ headers: await scheme.sign({ body: '{}' }) });
    expect(typeof guard?.claim).toBe('function');
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

  describe('admit, one scheme', () => {
    const { admit } = adapterPolicy(scheme, {}, 'x');

    it('admits a request carrying a full header set, from either set, in either shape', async () => {
      const signed = await scheme.sign({ body: '{}' });
      const svix = Object.fromEntries(
        Object.entries(signed).map(([name, value]) => [name.replace('webhook', 'svix'), value]),
      );
      for (const headers of [signed, new Headers(signed), svix]) {
        expect(await admit({ headers })).toEqual({ scheme, guard: undefined });
      }
    });

    it('admits it at once, with no promise to await, and the same answer each time', async () => {
      const headers = await scheme.sign({ body: '{}' });
      const first = admit({ headers });
      expect(first).not.toBeInstanceOf(Promise);
      expect(admit({ headers: new Headers(headers) })).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
    });

    it("refuses one carrying no full set, worded by the scheme's own verify", async () => {
      const signed = await scheme.sign({ body: '{}' });
      const { 'webhook-signature': _dropped, ...partial } = signed;
      const error = await expectRejection(admit({ headers: partial }), 'missing_header');
      expect(error.message).toContain('webhook-signature');
      await expectRejection(
        adapterPolicy(codaiq({ secret: 'x' }), {}, 'x').admit({ headers: {} }),
        'missing_header',
      );
    });

    it('lets a repeated header through to verify, which refuses it as malformed', async () => {
      const signed = await scheme.sign({ body: '{}' });
      expect(await admit({ headers: { ...signed, 'webhook-id': ['a', 'b'] } })).toMatchObject({
        scheme,
      });
    });

    it('admits everything for a scheme that lists no header sets', async () => {
      const open = { ...scheme, requiredHeaders: [] };
      expect(await adapterPolicy(open, {}, 'x').admit({ headers: {} })).toMatchObject({
        scheme: open,
      });
    });
  });

  describe('admit, several methods', () => {
    const instance = apiKey({
      name: 'instance-key',
      header: 'X-API-Key',
      query: 'api_key',
      prefix: 'ck_',
      keys: [INSTANCE],
    });
    const token = apiKey({
      name: 'token',
      bearer: true,
      prefix: 'cdaq_live_',
      keys: [{ key: TOKEN, scopes: ['leads:write'] }],
    });
    const store = memoryReplayStore();
    const policy = adapterPolicy(anyOf(instance, token, scheme), { replay: { store } }, 'x');

    it('lets the method whose credential is present decide, in the order given', async () => {
      expect((await policy.admit({ headers: { 'x-api-key': INSTANCE } })).auth).toMatchObject({
        method: 'instance-key',
        via: 'header',
      });
      expect(
        (await policy.admit({ headers: {}, url: `/t?api_key=${INSTANCE}` })).auth,
      ).toMatchObject({ method: 'instance-key', via: 'query' });
      expect(
        (await policy.admit({ headers: { authorization: `Bearer ${TOKEN}` } })).auth,
      ).toMatchObject({ method: 'token', scopes: ['leads:write'] });
      const signed = await policy.admit({ headers: await scheme.sign({ body: '{}' }) });
      expect(signed.scheme).toBe(scheme);
      expect(typeof signed.guard?.claim).toBe('function');
    });

    it('is decided by the first method, in order, whose credential is present (property)', async () => {
      const headers = await scheme.sign({ body: '{}' });
      // Per method: absent, present and right, or present and wrong.
      const state = fc.constantFrom('absent', 'right', 'wrong');
      await fc.assert(
        fc.asyncProperty(state, state, state, async (key, bearer, signature) => {
          const sent: Record<string, string> = {};
          if (key !== 'absent') sent['x-api-key'] = key === 'right' ? INSTANCE : 'ck_nope';
          if (bearer !== 'absent')
            sent.authorization = `Bearer ${bearer === 'right' ? TOKEN : 'cdaq_live_nope'}`;
          if (signature === 'right') Object.assign(sent, headers);
          if (signature === 'wrong') sent['webhook-signature'] = headers['webhook-signature'] ?? '';
          const decider = [
            ['instance-key', key],
            ['token', bearer],
            ['standard-webhooks', signature],
          ].find(([, given]) => given !== 'absent');
          const outcome = await Promise.resolve(policy.admit({ headers: sent })).then(
            (admission) => admission.auth?.method ?? admission.scheme?.name,
            (error: WebhookVerificationError) => error.code,
          );
          if (!decider) expect(outcome).toBe('missing_credentials');
          else if (decider[1] === 'right') expect(outcome).toBe(decider[0]);
          else
            expect(outcome).toBe(
              decider[0] === 'standard-webhooks' ? 'missing_header' : 'invalid_credentials',
            );
        }),
      );
    });

    it('never falls through from a present but wrong credential to a later method', async () => {
      const signed = await scheme.sign({ body: '{}' });
      // A valid signature beside a wrong key: the key, first in order, decides.
      await expectRejection(
        policy.admit({ headers: { ...signed, 'x-api-key': 'ck_wrong' } }),
        'invalid_credentials',
      );
      await expectRejection(
        policy.admit({ headers: { authorization: `Bearer ${INSTANCE}` } }),
        'invalid_credentials',
      );
      // One signature header is enough to mean the scheme: the rest missing is its refusal.
      await expectRejection(
        policy.admit({ headers: { 'webhook-signature': 'v1,x' } }),
        'missing_header',
      );
    });

    it('refuses a request with none, listing everything accepted and the Bearer challenge', async () => {
      const error = await expectRejection(
        policy.admit({ headers: { 'x-other': 'ck_x' }, url: '/t?key=1' }),
        'missing_credentials',
      );
      expect(error.message).toBe(
        'This endpoint needs credentials: send an X-API-Key header or an api_key query parameter, an Authorization: Bearer key or a standard-webhooks signature (webhook-id, webhook-timestamp, webhook-signature headers).',
      );
      expect(error.headers).toEqual({ 'www-authenticate': 'Bearer' });
    });

    it('names the query parameters to redact and reads bodies only with a scheme among them', () => {
      expect(policy.redacted).toEqual(['api_key']);
      expect(policy.readsBody).toBe(true);
      expect(adapterPolicy(anyOf(instance, token), {}, 'x').readsBody).toBe(false);
      expect(adapterPolicy(scheme, {}, 'x').redacted).toEqual([]);
    });
  });

  it('takes a plain x-request-id and generates one for anything else', () => {
    const { requestId } = adapterPolicy(scheme, {}, 'x');
    expect(requestId({ 'x-request-id': 'req_01H:abc.9-z' })).toBe('req_01H:abc.9-z');
    const generated = new Set(
      [
        {},
        { 'x-request-id': 'a b' },
        { 'x-request-id': 'x'.repeat(129) },
        { 'x-request-id': ['a', 'b'] },
        new Headers({ 'x-request-id': '<script>' }),
      ].map((headers) => requestId(headers)),
    );
    expect(generated.size).toBe(5);
    for (const id of generated) expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('finds x-request-id in any case, in a plain object or Fetch Headers', () => {
    const { requestId } = adapterPolicy(scheme, {}, 'x');
    const given = [
      { 'content-type': 'text/plain', 'X-Request-Id': 'r_upper' },
      { 'x-request-id': ['r_single'] },
      new Headers({ 'X-REQUEST-ID': 'r_fetch' }),
    ].map((headers) => requestId(headers));
    expect(given).toEqual(['r_upper', 'r_single', 'r_fetch']);
  });
});

describe('answers', () => {
  it('words a refusal as JSON, closing the connection only when the body was left unread', () => {
    const mismatch = new WebhookVerificationError('signature_mismatch', 'no match');
    expect(refusal(mismatch, 'r1')).toEqual({
      status: 401,
      headers: { 'content-type': 'application/json', 'x-request-id': 'r1' },
      body: {
        ok: false,
        error: { code: 'signature_mismatch', message: 'no match' },
        meta: { requestId: 'r1' },
      },
    });
    for (const code of ['payload_too_large', 'body_timeout'] as const) {
      const error = new WebhookVerificationError(code, 'm');
      expect(leavesBodyUnread(error)).toBe(true);
      expect(refusal(error, 'r2').headers).toEqual({
        'content-type': 'application/json',
        'x-request-id': 'r2',
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
    expect(refusal(invalid, 'r3')).toEqual({
      status: 401,
      headers: { ...challenge, 'content-type': 'application/json', 'x-request-id': 'r3' },
      body: {
        ok: false,
        error: { code: 'invalid_credentials', message: 'no' },
        meta: { requestId: 'r3' },
      },
    });
  });

  it("settles a claim with the response's status when the handler ends it, once", () => {
    const settled: (number | undefined)[] = [];
    const ended: unknown[] = [];
    const res = {
      statusCode: 201,
      end(...args: unknown[]) {
        ended.push(args);
        return this;
      },
    };
    settleOnEnd(res, { duplicate: false, settle: async (status) => void settled.push(status) });
    res.end('a');
    res.statusCode = 500;
    res.end('b');
    expect(settled).toEqual([201]);
    expect(ended).toEqual([['a'], ['b']]);
  });

  it('answers a duplicate with 200 {"ok":true,"duplicate":true}, immutably', () => {
    expect(JSON.stringify(duplicate.body)).toBe('{"ok":true,"duplicate":true}');
    expect(duplicate.status).toBe(200);
    expect(Object.isFrozen(duplicate.body)).toBe(true);
  });
});
