import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectRejection } from '../test-support.js';
import { parsePayload } from './payload.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('parsePayload', () => {
  it('parses JSON by default and for application/json', () => {
    expect(parsePayload({}, bytes('{"a":1}'))).toEqual({ a: 1 });
    expect(
      parsePayload({ 'content-type': 'application/json; charset=utf-8' }, bytes('[1]')),
    ).toEqual([1]);
  });

  it('parses a form body into fields, keeping every value of a repeated one', () => {
    const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded' });
    expect(parsePayload(headers, bytes('token=x&text=hello+world&to=a&to=b&to=c'))).toEqual({
      token: 'x',
      text: 'hello world',
      to: ['a', 'b', 'c'],
    });
  });

  it('keeps a field named __proto__ as a plain field', () => {
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const fields = parsePayload(headers, bytes('__proto__=a&__proto__=b')) as object;
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(fields, '__proto__')?.value).toEqual(['a', 'b']);
  });

  it('round-trips any form fields', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.string()), (fields) => {
        const body = new URLSearchParams(fields).toString();
        const headers = { 'content-type': 'application/x-www-form-urlencoded' };
        expect(parsePayload(headers, bytes(body))).toEqual({ ...fields });
      }),
    );
  });

  it('refuses a body that is not JSON as invalid_payload', async () => {
    await expectRejection(
      (async () => parsePayload({ 'content-type': 'text/plain' }, bytes('nope')))(),
      'invalid_payload',
    );
  });
});
