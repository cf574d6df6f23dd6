import { InputError } from './io.js';

/** A captured request: its headers (lower-case names, a repeated one as an array) and body. */
export interface Capture {
  headers: Record<string, string | string[]>;
  body: Uint8Array;
  /** Things about the capture worth saying (a body longer than Content-Length, ...). */
  notes: string[];
}

const REQUEST_LINE = /^[A-Z]+ \S+ HTTP\/\d(\.\d)?$/;

const indexOf = (bytes: Uint8Array, pattern: readonly number[], from = 0): number => {
  outer: for (let i = from; i <= bytes.length - pattern.length; i++) {
    for (let j = 0; j < pattern.length; j++) if (bytes[i + j] !== pattern[j]) continue outer;
    return i;
  }
  return -1;
};

const CRLFCRLF = [13, 10, 13, 10];
const LFLF = [10, 10];

/** Where the header block ends and the body starts: the first CRLFCRLF or LFLF. */
const split = (bytes: Uint8Array): { head: Uint8Array; body: Uint8Array } | undefined => {
  const crlf = indexOf(bytes, CRLFCRLF);
  const lf = indexOf(bytes, LFLF);
  if (crlf < 0 && lf < 0) return undefined;
  const [at, length] = lf >= 0 && (crlf < 0 || lf < crlf) ? [lf, 2] : [crlf, 4];
  return { head: bytes.subarray(0, at), body: bytes.subarray(at + length) };
};

// Header values are byte strings: Latin-1 keeps each byte as one character, as Node does.
const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

// HTTP's optional whitespace is spaces and tabs only; String#trim would also eat U+00A0,
// which is the byte 0xA0 of a Latin-1 header value.
const ows = (text: string) => text.replace(/^[ \t]+|[ \t]+$/g, '');

const parseHeaderLines = (lines: string[], firstLine: number) => {
  const headers: Record<string, string | string[]> = {};
  let last: string | undefined;
  lines.forEach((line, index) => {
    if (line === '') return;
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
      // Obsolete line folding: a continuation of the previous header's value.
      const previous = headers[last];
      const joined = (v: string) => `${v} ${ows(line)}`;
      headers[last] = Array.isArray(previous)
        ? [...previous.slice(0, -1), joined(previous.at(-1) ?? '')]
        : joined(previous ?? '');
      return;
    }
    const colon = line.indexOf(':');
    if (colon < 1) {
      throw new InputError(`line ${firstLine + index} of the headers is not 'Name: value'`);
    }
    const name = ows(line.slice(0, colon)).toLowerCase();
    const value = ows(line.slice(colon + 1));
    const previous = headers[name];
    headers[name] =
      previous === undefined
        ? value
        : Array.isArray(previous)
          ? [...previous, value]
          : [previous, value];
    last = name;
  });
  return headers;
};

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** A chunked body's content, or undefined when it is not well-formed chunked encoding. */
const dechunk = (bytes: Uint8Array): Uint8Array | undefined => {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    const end = indexOf(bytes, [13, 10], at);
    if (end < 0) return undefined;
    const size = Number.parseInt(latin1(bytes.subarray(at, end)).split(';')[0] ?? '', 16);
    if (!Number.isInteger(size) || size < 0) return undefined;
    if (size === 0) break;
    parts.push(bytes.subarray(end + 2, end + 2 + size));
    at = end + 2 + size + 2;
    if (at > bytes.length) return undefined;
  }
  return Buffer.concat(parts);
};

const bodyOf = (headers: Capture['headers'], raw: Uint8Array, notes: string[]): Uint8Array => {
  const encoding = single(headers['transfer-encoding'])?.toLowerCase();
  if (encoding === 'chunked') {
    const body = dechunk(raw);
    if (!body)
      throw new InputError('the capture says Transfer-Encoding: chunked but its body is not');
    return body;
  }
  const declared = single(headers['content-length']);
  if (declared === undefined || !/^\d+$/.test(declared)) return raw;
  const length = Number(declared);
  if (raw.byteLength > length) {
    notes.push(
      `the capture holds ${raw.byteLength - length} byte(s) after the ${length} that Content-Length declares; they were left out`,
    );
    return raw.subarray(0, length);
  }
  if (raw.byteLength < length) {
    notes.push(
      `the capture's body is ${raw.byteLength} bytes but Content-Length declares ${length}: the capture looks truncated`,
    );
  }
  return raw;
};

/**
 * A raw HTTP/1.1 request as captured off the wire (or saved by hand): request line, headers,
 * a blank line, the body. CRLF and bare LF line ends are both accepted; the body is honoured
 * byte for byte, cut to Content-Length or de-chunked as the headers say.
 */
export const parseRequest = (bytes: Uint8Array): Capture => {
  const parts = split(bytes);
  if (!parts) {
    throw new InputError(
      'the capture has no blank line after its headers; expected a request line, headers, a blank line, then the body',
    );
  }
  const [requestLine = '', ...lines] = latin1(parts.head).split(/\r?\n/);
  if (!REQUEST_LINE.test(requestLine)) {
    throw new InputError(
      "the capture does not start with a request line such as 'POST /webhooks HTTP/1.1'",
    );
  }
  const headers = parseHeaderLines(lines, 2);
  const notes: string[] = [];
  return { headers, body: bodyOf(headers, parts.body, notes), notes };
};

/** A headers file (`Name: value` lines, optionally after a request line) and a body file. */
export const parseHeaderFile = (bytes: Uint8Array, body: Uint8Array): Capture => {
  const lines = latin1(bytes).split(/\r?\n/);
  const skip = REQUEST_LINE.test(lines[0] ?? '') ? 1 : 0;
  return { headers: parseHeaderLines(lines.slice(skip), 1 + skip), body, notes: [] };
};
