import { describe, expect, it } from 'vitest';
import { anyOf } from './any-of.js';
import { apiKey } from './api-key.js';
import { standardWebhooks } from './standard-webhooks.js';
import { SECRET } from './test-support.js';

const key = apiKey({ header: 'x-api-key', keys: ['ck_1'] });
const signed = standardWebhooks({ secret: SECRET });

describe('anyOf()', () => {
  it('keeps the methods in the order given, frozen', () => {
    const either = anyOf(key, signed);
    expect(either.kind).toBe('any-of');
    expect(either.methods).toEqual([key, signed]);
    expect(Object.isFrozen(either.methods)).toBe(true);
  });

  it.each([
    ['no methods', [], /at least one method/],
    ['a string', ['x-api-key'], /argument 1 is not a method/],
    ['a scheme without verify', [key, { name: 'x' }], /argument 2 is not a method/],
    [
      'a credential method without authenticate',
      [{ kind: 'credentials', present: () => true }],
      /argument 1/,
    ],
    ['a nested anyOf', [anyOf(key)], /argument 1 is not a method/],
    ['the same method twice', [key, signed, key], /same method twice/],
  ])('throws a TypeError at once for %s', (_label, methods, message) => {
    expect(() => anyOf(...(methods as Parameters<typeof anyOf>))).toThrow(message);
  });
});
