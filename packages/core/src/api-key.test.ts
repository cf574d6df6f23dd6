import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '#crypto';
import { type ApiKeyOptions, apiKey, hashApiKey } from './api-key.js';
import type { CredentialRequest } from './credential-method.js';
import { WebhookVerificationError } from './errors.js';
import { expectRejection } from './test-support.js';

// The real backend behind a spy, so tests can see which bytes were hashed.
vi.mock('#crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('#crypto')>();
  return { ...actual, sha256Hex: vi.fn(actual.sha256Hex) };
});
const hashed = vi.mocked(sha256Hex);

const INSTANCE = 'ck_3kq9XbV7pLm2Rt8Wz';
const ORG = 'cko_Y6hN1sD4fG8jK0qA';
const TOKEN = 'cdaq_live_Q2w3E4r5T6y7U8i9';
const hex = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');
const enc = new TextEncoder();

const counting = (grants: Record<string, { principal: unknown; scopes?: string[] }>) => {
  const calls: string[] = [];
  const lookup = async (hash: string) => {
    calls.push(hash);
    return grants[hash];
  };
  return { calls, lookup };
};

const authFails = async (
  method: ReturnType<typeof apiKey>,
  request: CredentialRequest,
  code: 'missing_credentials' | 'invalid_credentials' | 'malformed_header',
) => expectRejection(method.authenticate(request), code);

beforeEach(() => {
  hashed.mockClear();
});

describe('hashApiKey()', () => {
  it('is the lower-case hex SHA-256 of the UTF-8 key, in this backend as in node:crypto', async () => {
    for (const key of [INSTANCE, '', 'ключ-🔑', 'x'.repeat(10_000)]) {
      expect(await hashApiKey(key)).toBe(hex(key));
    }
    expect(await hashApiKey('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('refuses a non-string at once', async () => {
    await expect(hashApiKey(42 as unknown as string)).rejects.toThrow(TypeError);
  });
});

describe('apiKey() with a keys list', () => {
  const method = apiKey({
    header: ['X-API-Key', 'x-process-manager-key'],
    query: 'api_key',
    bearer: true,
    keys: [
      INSTANCE,
      { key: ORG, principal: { org: 'acme' }, scopes: ['projects:read'] },
      { hash: hex(TOKEN).toUpperCase(), principal: 'svc', scopes: ['admin'] },
    ],
  });

  it('describes itself and says in words what it accepts', () => {
    expect(method.kind).toBe('credentials');
    expect(method.name).toBe('api-key');
    expect(method.accepts).toBe(
      'an X-API-Key header, an x-process-manager-key header, an api_key query parameter or an Authorization: Bearer key',
    );
    expect(apiKey({ bearer: true, keys: [TOKEN], name: 'token' }).accepts).toBe(
      'an Authorization: Bearer key',
    );
    expect(apiKey({ header: 'Key', query: 'k', keys: [TOKEN] }).accepts).toBe(
      'a Key header or a k query parameter',
    );
  });

  it('accepts a listed key from each header, in any letter case, with Fetch Headers and a Node record', async () => {
    for (const name of ['x-api-key', 'X-API-KEY', 'x-process-manager-key']) {
      for (const headers of [{ [name]: INSTANCE }, new Headers({ [name]: INSTANCE })]) {
        await expect(method.authenticate({ headers })).resolves.toEqual({
          method: 'api-key',
          principal: undefined,
          scopes: [],
          via: 'header',
        });
      }
    }
  });

  it('accepts a key from the query string, percent-encoded or not, from a path or a full URL', async () => {
    for (const url of [
      `/hooks/in?api_key=${INSTANCE}`,
      `https://example.com/hooks/in?a=1&api_key=${encodeURIComponent(ORG)}#frag`,
    ]) {
      const auth = await method.authenticate({ headers: {}, url });
      expect(auth.via).toBe('query');
    }
    const auth = await method.authenticate({ headers: {}, url: `/x?api_key=${ORG}` });
    expect(auth).toEqual({
      method: 'api-key',
      principal: { org: 'acme' },
      scopes: ['projects:read'],
      via: 'query',
    });
    await authFails(method, { headers: {}, url: `/x#api_key=${ORG}` }, 'missing_credentials');
  });

  it('accepts Authorization: Bearer, the scheme in any case, a key given only by its hash', async () => {
    for (const value of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER  ${TOKEN}`]) {
      await expect(
        method.authenticate({ headers: { authorization: value } }),
      ).resolves.toMatchObject({ principal: 'svc', scopes: ['admin'], via: 'bearer' });
    }
  });

  it('resolves with frozen scopes, so a handler cannot widen a shared grant', async () => {
    const auth = await method.authenticate({ headers: { 'x-api-key': ORG } });
    expect(Object.isFrozen(auth.scopes)).toBe(true);
  });

  it('refuses an unknown key as invalid_credentials, never echoing it', async () => {
    const error = await authFails(
      method,
      { headers: { 'x-api-key': 'ck_nope' } },
      'invalid_credentials',
    );
    expect(error.status).toBe(401);
    expect(error.message).not.toContain('ck_nope');
    expect(error.message).not.toContain(hex('ck_nope'));
    expect(error.message).toContain('an X-API-Key header');
  });

  it('hashes a key taken from a header as the bytes sent (UTF-8 arriving as Latin-1)', async () => {
    const unicode = apiKey({ header: 'x-api-key', keys: ['ключ'] });
    const asNodeGivesIt = String.fromCharCode(...enc.encode('ключ'));
    await expect(
      unicode.authenticate({ headers: { 'x-api-key': asNodeGivesIt } }),
    ).resolves.toBeDefined();
    const url = `/?k=${encodeURIComponent('ключ')}`;
    await expect(
      apiKey({ query: 'k', keys: ['ключ'] }).authenticate({ headers: {}, url }),
    ).resolves.toBeDefined();
  });

  it('finds any of 1,000 listed keys, and none that is not listed', async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `ck_key_${i}_${'z'.repeat(i % 40)}`);
    const many = apiKey({
      header: 'x-api-key',
      prefix: 'ck_',
      keys: keys.map((key, i) => ({ hash: hex(key), principal: i })),
    });
    for (const i of [0, 1, 499, 998, 999]) {
      const auth = await many.authenticate({ headers: { 'x-api-key': keys[i] as string } });
      expect(auth.principal).toBe(i);
    }
    await authFails(many, { headers: { 'x-api-key': 'ck_key_1000_' } }, 'invalid_credentials');
  });

  it('hashes the list once, up front, not per request', async () => {
    const once = apiKey({ header: 'x-api-key', keys: [INSTANCE, ORG] });
    await once.authenticate({ headers: { 'x-api-key': INSTANCE } });
    const afterFirst = hashed.mock.calls.length;
    expect(afterFirst).toBe(3); // two listed keys, one presented
    await once.authenticate({ headers: { 'x-api-key': ORG } });
    expect(hashed.mock.calls.length).toBe(afterFirst + 1);
  });

  it('refuses on first use a list naming one key twice, once as key and once as hash', async () => {
    const twice = apiKey({ header: 'x-api-key', keys: [INSTANCE, { hash: hex(INSTANCE) }] });
    await expect(twice.authenticate({ headers: { 'x-api-key': INSTANCE } })).rejects.toThrow(
      /keys\[1\] is the same key/,
    );
  });
});

describe('apiKey() with lookup', () => {
  it('calls lookup with the hex hash of the presented key and passes on what it finds', async () => {
    const { calls, lookup } = counting({
      [hex(TOKEN)]: { principal: { user: 7 }, scopes: ['leads:write'] },
    });
    const method = apiKey({ bearer: true, prefix: 'cdaq_live_', lookup, name: 'api-token' });
    const auth = await method.authenticate({ headers: { authorization: `Bearer ${TOKEN}` } });
    expect(auth).toEqual({
      method: 'api-token',
      principal: { user: 7 },
      scopes: ['leads:write'],
      via: 'bearer',
    });
    expect(calls).toEqual([hex(TOKEN)]);
    const unknown = `${TOKEN}x`;
    await authFails(
      method,
      { headers: { authorization: `Bearer ${unknown}` } },
      'invalid_credentials',
    );
    expect(calls).toEqual([hex(TOKEN), hex(unknown)]);
  });

  it('treats null like undefined, gives no scopes by default, and checks what lookup returns', async () => {
    const nullish = apiKey({ header: 'x-api-key', lookup: async () => null as never });
    await authFails(nullish, { headers: { 'x-api-key': 'k' } }, 'invalid_credentials');
    const bare = apiKey({ header: 'x-api-key', lookup: async () => ({ principal: 'p' }) });
    await expect(bare.authenticate({ headers: { 'x-api-key': 'k' } })).resolves.toMatchObject({
      principal: 'p',
      scopes: [],
    });
    const wrong = apiKey({
      header: 'x-api-key',
      lookup: async () => ({ principal: 1, scopes: 'admin' }) as never,
    });
    await expect(wrong.authenticate({ headers: { 'x-api-key': 'k' } })).rejects.toThrow(TypeError);
  });

  it("passes a failing store's error on as is: a server error, not a refused key", async () => {
    const down = new Error('db down');
    const method = apiKey({ header: 'x-api-key', lookup: () => Promise.reject(down) });
    await expect(method.authenticate({ headers: { 'x-api-key': 'k' } })).rejects.toBe(down);
  });
});

describe('prefixes', () => {
  it('refuses a key with none of the prefixes before hashing it or calling lookup', async () => {
    const { calls, lookup } = counting({ [hex(ORG)]: { principal: 'org' } });
    const method = apiKey({
      header: 'x-api-key',
      query: 'api_key',
      prefix: ['ck_', 'cko_'],
      lookup,
    });
    for (const key of ['sk_live_abc', 'CK_abc', '', 'ck', `x${ORG}`]) {
      const error = await authFails(
        method,
        { headers: { 'x-api-key': key } },
        'invalid_credentials',
      );
      expect(error.message).toBe(
        'The API key was not accepted. Check that it is current and sent as an x-api-key header or an api_key query parameter.',
      );
    }
    expect(calls).toEqual([]);
    expect(hashed).not.toHaveBeenCalled();
    await expect(method.authenticate({ headers: { 'x-api-key': ORG } })).resolves.toMatchObject({
      principal: 'org',
    });
    expect(calls).toEqual([hex(ORG)]);
  });

  it('words a wrong prefix exactly as an unknown key', async () => {
    const method = apiKey({ header: 'x-api-key', prefix: 'ck_', keys: [INSTANCE] });
    const wrongPrefix = await authFails(
      method,
      { headers: { 'x-api-key': 'zz_1' } },
      'invalid_credentials',
    );
    const unknown = await authFails(
      method,
      { headers: { 'x-api-key': 'ck_1' } },
      'invalid_credentials',
    );
    expect(wrongPrefix.message).toBe(unknown.message);
    expect(wrongPrefix.headers).toEqual(unknown.headers);
  });
});

describe('timing', () => {
  it('hashes every presented key whatever its length, with no early exit on length', async () => {
    const { calls, lookup } = counting({});
    const method = apiKey({ header: 'x-api-key', lookup });
    const keys = ['', 'a', INSTANCE, `${INSTANCE}${INSTANCE}`, 'k'.repeat(8192)];
    for (const key of keys) {
      await authFails(method, { headers: { 'x-api-key': key } }, 'invalid_credentials');
    }
    expect(hashed.mock.calls.map(([bytes]) => Buffer.from(bytes).toString())).toEqual(keys);
    expect(calls).toEqual(keys.map(hex));
  });

  it('hashes a presented key of any length against a keys list too, before looking it up', async () => {
    const method = apiKey({ header: 'x-api-key', keys: [INSTANCE] });
    await method.authenticate({ headers: { 'x-api-key': INSTANCE } }); // list hashed by now
    hashed.mockClear();
    for (const key of ['', 'c', INSTANCE.slice(0, -1), `${INSTANCE}0`]) {
      await authFails(method, { headers: { 'x-api-key': key } }, 'invalid_credentials');
    }
    expect(hashed).toHaveBeenCalledTimes(4);
  });
});

describe('missing, invalid and malformed', () => {
  const method = apiKey({ header: 'x-api-key', query: 'api_key', keys: [INSTANCE] });

  it('says what the endpoint accepts when no credential is present', async () => {
    for (const request of [
      { headers: {} },
      { headers: new Headers() },
      { headers: { 'x-other': INSTANCE }, url: `/x?apikey=${INSTANCE}` },
      { headers: { authorization: `Bearer ${INSTANCE}` } }, // bearer not enabled here
    ]) {
      expect(method.present(request)).toBe(false);
      const error = await authFails(method, request, 'missing_credentials');
      expect(error.status).toBe(401);
      expect(error.message).toBe(
        'This endpoint needs an API key: send an x-api-key header or an api_key query parameter.',
      );
      expect(error.headers).toBeUndefined();
    }
  });

  it('treats an empty credential as present and invalid, not missing', async () => {
    for (const request of [{ headers: { 'x-api-key': '' } }, { headers: {}, url: '/?api_key' }]) {
      expect(method.present(request)).toBe(true);
      await authFails(method, request, 'invalid_credentials');
    }
  });

  it('refuses a repeated header or query parameter as malformed_header, present all the same', async () => {
    const requests: CredentialRequest[] = [
      { headers: { 'x-api-key': [INSTANCE, INSTANCE] } },
      { headers: { 'x-api-key': `${INSTANCE}, ${INSTANCE}` } },
      {
        headers: (() => {
          const headers = new Headers();
          headers.append('x-api-key', INSTANCE);
          headers.append('x-api-key', 'ck_other');
          return headers;
        })(),
      },
      { headers: {}, url: `/x?api_key=${INSTANCE}&api_key=${INSTANCE}` },
    ];
    for (const request of requests) {
      expect(method.present(request)).toBe(true);
      const error = await authFails(method, request, 'malformed_header');
      expect(error.status).toBe(400);
      expect(error.message).toMatch(/more than once/);
      expect(error.message).not.toContain(INSTANCE);
    }
  });

  it('refuses more than one credential in one request rather than guessing, even two equal keys', async () => {
    const { calls, lookup } = counting({ [hex(INSTANCE)]: { principal: 'i' } });
    const both = apiKey({
      header: ['x-api-key', 'x-process-manager-key'],
      query: 'api_key',
      bearer: true,
      lookup,
    });
    const requests: CredentialRequest[] = [
      { headers: { 'x-api-key': INSTANCE }, url: `/?api_key=${INSTANCE}` },
      { headers: { 'x-api-key': INSTANCE, 'x-process-manager-key': 'cko_1' } },
      { headers: { 'x-api-key': INSTANCE, authorization: `Bearer ${INSTANCE}` } },
    ];
    for (const request of requests) {
      const error = await authFails(both, request, 'malformed_header');
      expect(error.message).toMatch(/more than one credential .*; send exactly one\.$/);
      expect(error.message).not.toContain(INSTANCE);
    }
    const error = await authFails(both, requests[0] as CredentialRequest, 'malformed_header');
    expect(error.message).toContain('(an x-api-key header or an api_key query parameter)');
    expect(hashed).not.toHaveBeenCalled();
    expect(calls).toEqual([]);
  });

  it('never reads a body and needs no URL for header keys', async () => {
    const request = { headers: { 'x-api-key': INSTANCE }, body: 'not even read' };
    await expect(method.authenticate(request)).resolves.toBeDefined();
  });

  it('says present() cheaply, without hashing, and false for a request that is not one', () => {
    expect(method.present({ headers: { 'x-api-key': INSTANCE } })).toBe(true);
    expect(method.present({ headers: {}, url: `/?api_key=${INSTANCE}` })).toBe(true);
    expect(method.present(null as never)).toBe(false);
    expect(method.present({ headers: null as never })).toBe(false);
    expect(hashed).not.toHaveBeenCalled();
  });
});

describe('required scopes', () => {
  const method = apiKey({
    bearer: true,
    header: 'x-api-key',
    scopes: ['leads:write'],
    keys: [
      { key: TOKEN, scopes: ['write'] },
      { key: ORG, scopes: ['leads:read'] },
    ],
  });

  it('lets in a key holding them (legacy write implies leads:write) and names it on the method', async () => {
    const auth = await method.authenticate({ headers: { authorization: `Bearer ${TOKEN}` } });
    expect(auth.scopes).toEqual(['write']);
    expect(method.queryParameters).toEqual([]);
  });

  it('refuses a valid key lacking one with 403 insufficient_scope, challenging only Bearer', async () => {
    const bearer = await expectRejection(
      method.authenticate({ headers: { authorization: `Bearer ${ORG}` } }),
      'insufficient_scope',
    );
    expect(bearer.status).toBe(403);
    expect(bearer.message).toContain('leads:write');
    expect(bearer.headers?.['www-authenticate']).toContain('insufficient_scope');
    const header = await expectRejection(
      method.authenticate({ headers: { 'x-api-key': ORG } }),
      'insufficient_scope',
    );
    expect(header.headers).toBeUndefined();
  });
});

describe('WWW-Authenticate on bearer (RFC 6750)', () => {
  const method = apiKey({ header: 'x-api-key', bearer: true, keys: [INSTANCE] });
  const challenge = (error: WebhookVerificationError) => error.headers?.['www-authenticate'];

  it('challenges with plain Bearer when no credential came, invalid_token for an unknown token', async () => {
    expect(challenge(await authFails(method, { headers: {} }, 'missing_credentials'))).toBe(
      'Bearer',
    );
    const invalid = await authFails(
      method,
      { headers: { authorization: 'Bearer ck_x' } },
      'invalid_credentials',
    );
    expect(challenge(invalid)).toBe('Bearer error="invalid_token"');
    const empty = await authFails(
      method,
      { headers: { authorization: 'Bearer' } },
      'invalid_credentials',
    );
    expect(challenge(empty)).toBe('Bearer error="invalid_token"');
  });

  it('names no token error when a header key, not the token, was wrong', async () => {
    const error = await authFails(
      method,
      { headers: { 'x-api-key': 'ck_x' } },
      'invalid_credentials',
    );
    expect(challenge(error)).toBe('Bearer');
  });

  it('answers a malformed request with invalid_request', async () => {
    for (const headers of [
      { authorization: `Bearer ${INSTANCE}, Bearer ck_other` },
      { authorization: [`Bearer ${INSTANCE}`, 'Bearer ck_other'] },
      { 'x-api-key': [INSTANCE, INSTANCE] },
      { 'x-api-key': INSTANCE, authorization: `Bearer ${INSTANCE}` },
    ]) {
      const error = await authFails(method, { headers }, 'malformed_header');
      expect(challenge(error)).toBe('Bearer error="invalid_request"');
    }
  });

  it('leaves other Authorization schemes alone: not present, and a Digest comma is no repeat', async () => {
    for (const authorization of [
      'Basic dXNlcjpwYXNz',
      'Digest username="u", realm="r"',
      'Bearerish x',
    ]) {
      expect(method.present({ headers: { authorization } })).toBe(false);
      await authFails(method, { headers: { authorization } }, 'missing_credentials');
    }
  });

  it('sends no challenge from a method that does not take Bearer', async () => {
    const plain = apiKey({ header: 'x-api-key', keys: [INSTANCE] });
    const error = await authFails(
      plain,
      { headers: { 'x-api-key': 'ck_x' } },
      'invalid_credentials',
    );
    expect(error.headers).toBeUndefined();
  });
});

describe('never echoes a key', () => {
  it('keeps any presented key and its hash out of every message and header (property)', async () => {
    const method = apiKey({
      header: 'x-api-key',
      query: 'api_key',
      bearer: true,
      prefix: ['ck_', 'cko_'],
      keys: [INSTANCE],
    });
    const place = fc.constantFrom('header', 'query', 'bearer', 'header+query', 'repeated');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('', 'ck_', 'cko_'),
        fc.string({ minLength: 12, maxLength: 80, unit: 'grapheme-ascii' }),
        place,
        async (prefix, rest, where) => {
          const key = `${prefix}${rest}`;
          fc.pre(key !== INSTANCE && !key.includes(', '));
          const request: CredentialRequest =
            where === 'header'
              ? { headers: { 'x-api-key': key } }
              : where === 'query'
                ? { headers: {}, url: `/?api_key=${encodeURIComponent(key)}` }
                : where === 'bearer'
                  ? { headers: { authorization: `Bearer ${key}` } }
                  : where === 'repeated'
                    ? { headers: { 'x-api-key': [key, key] } }
                    : {
                        headers: { 'x-api-key': key },
                        url: `/?api_key=${encodeURIComponent(key)}`,
                      };
          const error = await method.authenticate(request).then(
            () => undefined,
            (reason: unknown) => reason,
          );
          expect(error).toBeInstanceOf(WebhookVerificationError);
          const text = `${(error as Error).message} ${JSON.stringify((error as WebhookVerificationError).headers ?? {})}`;
          expect(text).not.toContain(rest);
          expect(text).not.toContain(hex(key));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('accepts any listed ASCII key from each place (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .string({ minLength: 1, maxLength: 120, unit: 'grapheme-ascii' })
          .filter((k) => !k.includes(', ') && k.trim() === k),
        async (key) => {
          const method = apiKey({ header: 'x-api-key', query: 'k', bearer: true, keys: [key] });
          for (const request of [
            { headers: { 'x-api-key': key } },
            { headers: {}, url: `/?k=${encodeURIComponent(key)}` },
            { headers: { authorization: `Bearer ${key}` } },
          ]) {
            await expect(method.authenticate(request)).resolves.toBeDefined();
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('options', () => {
  const lookup = async () => undefined;

  it.each([
    ['no options', undefined, /needs an options object/],
    ['no way to send a key', { keys: [INSTANCE] }, /at least one of header, query and bearer/],
    ['neither keys nor lookup', { header: 'x-api-key' }, /exactly one of keys/],
    [
      'both keys and lookup',
      { header: 'x-api-key', keys: [INSTANCE], lookup },
      /exactly one of keys/,
    ],
    ['a lookup that is not a function', { header: 'x-api-key', lookup: 'db' }, /lookup must be/],
    ['an empty keys list', { header: 'x-api-key', keys: [] }, /keys must be a non-empty list/],
    [
      'keys that are not a list',
      { header: 'x-api-key', keys: INSTANCE },
      /keys must be a non-empty list/,
    ],
    [
      'an empty key',
      { header: 'x-api-key', keys: [''] },
      /keys\[0\] key must be a non-empty string/,
    ],
    ['a non-string key', { header: 'x-api-key', keys: [42] }, /keys\[0\] must be a key/],
    [
      'an entry with key and hash',
      { header: 'x-api-key', keys: [{ key: INSTANCE, hash: hex(INSTANCE) }] },
      /exactly one of key and hash/,
    ],
    [
      'an entry with neither',
      { header: 'x-api-key', keys: [{ principal: 1 }] },
      /exactly one of key and hash/,
    ],
    [
      'a hash that is not one',
      { header: 'x-api-key', keys: [{ hash: 'abc' }] },
      /hash must be hashApiKey/,
    ],
    [
      'scopes that are not a list',
      { header: 'x-api-key', keys: [{ key: INSTANCE, scopes: 'admin' }] },
      /keys\[0\] scopes must be a list/,
    ],
    ['a key twice', { header: 'x-api-key', keys: [INSTANCE, INSTANCE] }, /keys\[1\] repeats/],
    [
      'a hash twice, in two cases',
      { header: 'x-api-key', keys: [{ hash: hex(ORG) }, { hash: hex(ORG).toUpperCase() }] },
      /keys\[1\] repeats/,
    ],
    [
      'a key without the prefix',
      { header: 'x-api-key', prefix: 'cko_', keys: [INSTANCE] },
      /keys\[0\] does not start with any configured prefix/,
    ],
    ['an empty header name', { header: '', lookup }, /header must be a non-empty/],
    ['an empty header list', { header: [], lookup }, /header must be a non-empty/],
    ['an invalid header name', { header: 'x api key', lookup }, /valid HTTP header name/],
    ['Authorization as a header', { header: 'Authorization', lookup }, /use bearer: true/],
    [
      'a header named twice',
      { header: ['x-api-key', 'X-Api-Key'], lookup },
      /names twice|name twice/,
    ],
    ['an empty query name', { query: '', lookup }, /query must be/],
    ['a non-boolean bearer', { bearer: 'yes', lookup }, /bearer must be true or false/],
    ['an empty prefix', { bearer: true, prefix: '', lookup }, /prefix must be/],
    ['a non-string prefix', { bearer: true, prefix: [1], lookup }, /prefix must be/],
    ['an empty name', { bearer: true, name: '', lookup }, /name must be/],
    [
      'scopes that are not a list',
      { header: 'x', keys: ['k'], scopes: 'admin' },
      /scopes must be a list/,
    ],
    [
      'a scope with a space',
      { header: 'x', keys: ['k'], scopes: ['a b'] },
      /apiKey\(\) scopes takes scope names/,
    ],
  ])('throws a TypeError at once for %s, never naming a key', (_label, options, message) => {
    let thrown: unknown;
    try {
      apiKey(options as ApiKeyOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain(INSTANCE);
  });

  it('leaves frozen options as they were, and uses its own copies', async () => {
    const options = {
      header: Object.freeze(['X-API-Key']),
      prefix: Object.freeze(['ck_', 'cko_']),
      keys: Object.freeze([
        Object.freeze({
          key: ORG,
          principal: Object.freeze({ org: 'acme' }),
          scopes: Object.freeze(['leads:read']),
        }),
        INSTANCE,
      ]),
    };
    Object.freeze(options);
    const before = structuredClone(options);
    const method = apiKey(options);
    const auth = await method.authenticate({ headers: { 'x-api-key': ORG } });
    expect(options).toEqual(before);
    expect(auth.scopes).toEqual(['leads:read']);
    expect(auth.scopes).not.toBe(
      options.keys[0] && typeof options.keys[0] === 'object' ? options.keys[0].scopes : undefined,
    );

    const scopes = ['leads:read'];
    const mutable = apiKey({ header: 'x-api-key', keys: [{ key: INSTANCE, scopes }] });
    scopes.push('admin');
    const later = await mutable.authenticate({ headers: { 'x-api-key': INSTANCE } });
    expect(later.scopes).toEqual(['leads:read']);
  });
});
