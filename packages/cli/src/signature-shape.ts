import type { Capture } from './capture.js';
import type { SchemeName } from './scheme.js';

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

const base64Length = (text: string): number | undefined => {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes.byteLength : undefined;
};

const preview = (text: string) =>
  JSON.stringify(text.length > 16 ? `${text.slice(0, 16)}...` : text);

/** Whether the signature header holds at least one signature the scheme could match. */
export type Shape =
  | { wellFormed: true; summary: string }
  | { wellFormed: false; kind: string; lines: string[] };

const standardShape = (name: SchemeName, headers: Capture['headers']): Shape => {
  const header = first(headers['webhook-signature'] ?? headers['svix-signature']) ?? '';
  const entries = header.split(' ').filter(Boolean);
  const of = (prefix: string, size: number) => {
    const values = entries.filter((e) => e.startsWith(prefix)).map((e) => e.slice(prefix.length));
    return { values, good: values.filter((value) => base64Length(value) === size).length };
  };
  const v1 = of('v1,', 32);
  const v1a = of('v1a,', 64);
  const wanted = name === 'ed25519' ? v1a : v1;
  if (wanted.good > 0) {
    return {
      wellFormed: true,
      summary: `${wanted.good} ${name === 'ed25519' ? 'v1a signature(s) of 64 bytes' : 'v1 signature(s) of 32 bytes'}`,
    };
  }
  const other = name === 'ed25519' ? v1 : v1a;
  if (other.good > 0) {
    return {
      wellFormed: false,
      kind: 'wrong scheme',
      lines: [
        name === 'ed25519'
          ? 'The signature header carries only v1 (HMAC) signatures: verify with --scheme standard-webhooks and the whsec_ secret.'
          : "The signature header carries only v1a (Ed25519) signatures: verify with --scheme ed25519 and the sender's whpk_ public key.",
      ],
    };
  }
  const [bad] = wanted.values;
  const size = name === 'ed25519' ? 64 : 32;
  const lines =
    bad === undefined
      ? [`The signature header has no ${name === 'ed25519' ? 'v1a,' : 'v1,'} entry at all.`]
      : [
          `The signature ${preview(bad)} is not canonical base64 of ${size} bytes${/[-_]/.test(bad) ? ' (it looks like base64url: - and _ instead of + and /)' : ''}: it was cut, re-encoded or mangled on the way.`,
        ];
  return { wellFormed: false, kind: 'malformed signature', lines };
};

const codaiqShape = (headers: Capture['headers']): Shape => {
  const header = first(headers['x-codaiq-signature']) ?? '';
  const values = header
    .split(',')
    .filter((entry) => entry.startsWith('v1='))
    .map((entry) => entry.slice(3));
  const good = values.filter((value) => /^[0-9a-f]{64}$/.test(value)).length;
  if (good > 0) return { wellFormed: true, summary: `${good} v1= signature(s) of 32 bytes` };
  const [bad] = values;
  if (bad === undefined) {
    return {
      wellFormed: false,
      kind: 'malformed signature',
      lines: ['X-Codaiq-Signature has no v1= entry.'],
    };
  }
  const upper = /^[0-9a-fA-F]{64}$/.test(bad);
  return {
    wellFormed: false,
    kind: 'malformed signature',
    lines: [
      upper
        ? 'The v1= signature is upper-case hex; Codaiq sends lower-case hex and only that canonical form is accepted.'
        : `The v1= signature ${preview(bad)} is not 64 lower-case hex digits (32 bytes): it was cut or mangled on the way.`,
    ],
  };
};

/** The signature header's shape: well-formed, or what is wrong with it. */
export const signatureShape = (name: SchemeName, headers: Capture['headers']): Shape =>
  name === 'codaiq' ? codaiqShape(headers) : standardShape(name, headers);
