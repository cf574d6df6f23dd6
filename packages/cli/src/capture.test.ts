import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHeaderFile, parseRequest } from './capture.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const names = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
// Header values as they come off the wire: Latin-1 bytes, no control characters, no edge spaces.
const values = fc
  .stringMatching(/^[\x21-\x7e\xa0-\xff]([\x20-\x7e\xa0-\xff]{0,40}[\x21-\x7e\xa0-\xff])?$/)
  .filter((value) => !value.includes(', '));

describe('parseRequest', () => {
  it('reads any headers and body back, with CRLF or LF line ends', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(names, values), { selector: ([name]) => name, maxLength: 8 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom('\r\n', '\n'),
        (headers, body, eol) => {
          const filtered = headers.filter(
            ([name]) => name !== 'content-length' && name !== 'transfer-encoding',
          );
          const head = [
            'POST /webhooks?x=1 HTTP/1.1',
            ...filtered.map(([n, v]) => `${n}: ${v}`),
            `content-length: ${body.length}`,
          ];
          const raw = Buffer.concat([bytes(`${head.join(eol)}${eol}${eol}`), body]);
          const capture = parseRequest(raw);
          expect(capture.headers).toEqual(
            Object.fromEntries([...filtered, ['content-length', String(body.length)]]),
          );
          expect(Buffer.from(capture.body).equals(Buffer.from(body))).toBe(true);
          expect(capture.notes).toEqual([]);
        },
      ),
    );
  });

  it('keeps a repeated header as every copy, in order, whatever its letter case', () => {
    const capture = parseRequest(
      bytes('POST / HTTP/1.1\r\nWebhook-Signature: v1,a\r\nwebhook-signature: v1,b\r\n\r\n{}'),
    );
    expect(capture.headers['webhook-signature']).toEqual(['v1,a', 'v1,b']);
  });

  it('decodes a chunked body and joins folded header lines', () => {
    const capture = parseRequest(
      bytes(
        'POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\nx-long: one\r\n  two\r\n\r\n4\r\n{"a"\r\n3;ext=1\r\n:1}\r\n0\r\n\r\n',
      ),
    );
    expect(Buffer.from(capture.body).toString()).toBe('{"a":1}');
    expect(capture.headers['x-long']).toBe('one two');
  });

  it('keeps a body with blank lines inside it whole (only the first blank line ends the headers)', () => {
    const body = '{\n\n"a": 1\r\n\r\n}';
    const capture = parseRequest(bytes(`POST / HTTP/1.1\nhost: x\n\n${body}`));
    expect(Buffer.from(capture.body).toString()).toBe(body);
  });
});

describe('parseHeaderFile', () => {
  it('accepts an optional request line and blank lines', () => {
    const body = new Uint8Array([1, 2, 3]);
    const withLine = parseHeaderFile(bytes('POST /hook HTTP/1.1\nwebhook-id: msg_1\n\n'), body);
    const without = parseHeaderFile(bytes('webhook-id: msg_1\r\n'), body);
    expect(withLine).toEqual({ headers: { 'webhook-id': 'msg_1' }, body, notes: [] });
    expect(without).toEqual(withLine);
  });
});
