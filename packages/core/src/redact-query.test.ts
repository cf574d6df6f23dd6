import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactParams, redactQuery } from './redact-query.js';

const query = (url: string) => new URLSearchParams(url.slice(url.indexOf('?') + 1).split('#')[0]);

describe('redactQuery()', () => {
  it('replaces the named parameters, every copy, and keeps the rest byte for byte', () => {
    expect(redactQuery('/t?api_key=ck_1&run=a%20b&api_key=ck_2#frag', ['api_key'])).toBe(
      '/t?api_key=REDACTED&run=a%20b&api_key=REDACTED#frag',
    );
    expect(redactQuery('https://h.test/t?api%5Fkey=ck_1', ['api_key'])).toBe(
      'https://h.test/t?api%5Fkey=REDACTED',
    );
    expect(redactQuery('/t?api_key', ['api_key'])).toBe('/t?api_key=REDACTED');
  });

  it('returns the same string when there is nothing to redact', () => {
    for (const url of ['/t', '/t?run=1', '/t#api_key=1', '/t?x=api_key']) {
      expect(redactQuery(url, ['api_key'])).toBe(url);
    }
    expect(redactQuery('/t?api_key=1', [])).toBe('/t?api_key=1');
  });

  it('leaves no value of a named parameter that URLSearchParams would read', () => {
    const part = fc.oneof(
      fc.constantFrom('api_key', 'api%5Fkey', 'api+key', 'run', '%', '='),
      fc.string(),
    );
    const params = fc.array(fc.tuple(part, fc.string()), { maxLength: 6 });
    fc.assert(
      fc.property(params, fc.constantFrom('', '#f', '#api_key=x'), (pairs, hash) => {
        const raw = pairs.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&');
        const url = `/path?${raw}${hash}`;
        const redacted = redactQuery(url, ['api_key', 'api key']);
        const after = query(redacted);
        for (const name of ['api_key', 'api key']) {
          expect(after.getAll(name).every((value) => value === 'REDACTED')).toBe(true);
          expect(after.getAll(name).length).toBe(query(url).getAll(name).length);
        }
        expect(after.getAll('run')).toEqual(query(url).getAll('run'));
        expect(redacted.endsWith(hash)).toBe(true);
      }),
    );
  });
});

describe('redactParams()', () => {
  it('replaces own named fields in place, whatever their value, and leaves the rest', () => {
    const query: Record<string, unknown> = { api_key: ['ck_1', 'ck_2'], run: '1' };
    redactParams(query, ['api_key', 'token']);
    expect(query).toEqual({ api_key: 'REDACTED', run: '1' });
    const bare = Object.assign(Object.create(null), { api_key: 'ck_1' });
    redactParams(bare, ['api_key']);
    expect(bare.api_key).toBe('REDACTED');
  });

  it('ignores what is not an object, and inherited fields', () => {
    for (const value of [undefined, null, 'api_key=1', 3])
      expect(() => redactParams(value, ['api_key'])).not.toThrow();
    const inherited = Object.create({ api_key: 'ck_1' });
    redactParams(inherited, ['api_key']);
    expect(Object.hasOwn(inherited, 'api_key')).toBe(false);
  });
});
