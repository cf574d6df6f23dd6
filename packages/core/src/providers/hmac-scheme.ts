import { hmacSha1, hmacSha256 } from '#crypto';
import type { Hmac } from '../crypto/provider.js';
import { WebhookVerificationError } from '../errors.js';
import {
  concat,
  decodeBase64,
  decodeHex,
  EMPTY,
  encodeBase64,
  encodeHex,
  headerBytes,
  rawBytes,
  toBytes,
  utf8,
} from '../lib/bytes.js';
import { digitsValue, requireHeader } from '../lib/headers.js';
import { matchHmac } from '../lib/match.js';
import {
  checkClock,
  checkOptions,
  checkTolerance,
  checkWindow,
  isSecret,
  toList,
} from '../lib/options.js';
import { parsePayload } from '../lib/payload.js';
import { thenNow, verifyFrom } from '../lib/verify-now.js';
import type { Secret, VerifiedWebhook, WebhookScheme } from '../types.js';

/**
 * What {@link HmacSchemeOptions.signedContent} builds the signed message from: the raw body
 * and the timestamp and id header values exactly as sent (`''` when that header is not
 * configured).
 *
 * @example
 * ```ts
 * import type { SignedParts } from '@hookguard/core';
 * const slack = ({ timestamp, body }: SignedParts) => ['v0:', timestamp, ':', body];
 * ```
 */
export interface SignedParts {
  readonly body: Uint8Array;
  readonly timestamp: string;
  readonly id: string;
}

/**
 * Options for {@link hmacScheme}: how an unlisted provider signs its deliveries.
 *
 * @example
 * ```ts
 * import type { HmacSchemeOptions } from '@hookguard/core';
 * const github: HmacSchemeOptions = {
 *   name: 'github',
 *   secret: process.env.GITHUB_WEBHOOK_SECRET ?? '',
 *   signatureHeader: 'x-hub-signature-256',
 *   prefix: 'sha256=',
 *   encoding: 'hex',
 * };
 * ```
 */
export interface HmacSchemeOptions {
  /** Replay keys and `delivery.scheme` start with it: lower-case letters, digits, `.`, `_`, `-`. */
  name: string;
  /** The signing secret; a string is used as its UTF-8 bytes. Several for rotation. */
  secret: Secret | readonly Secret[];
  /** The header carrying the signature, such as `'x-hub-signature-256'`. */
  signatureHeader: string;
  /** How the signature is written: lower-case `hex`, or canonical standard `base64`. */
  encoding: 'hex' | 'base64';
  /** Text the signature header starts with, such as `'sha256='`; required when set. */
  prefix?: string;
  /** The HMAC's hash. Default `'sha256'`; `'sha1'` only for senders that still use it. */
  algorithm?: 'sha256' | 'sha1';
  /** A header with the signing time, digits only. Needs `signedContent` that signs it. */
  timestampHeader?: string;
  /** Unit of `timestampHeader`: `'s'` (default) or `'ms'`. */
  timestampUnit?: 's' | 'ms';
  /** A header with the delivery id, used as the replay key. Needs `signedContent` that signs it. */
  idHeader?: string;
  /**
   * The message the sender signs, as parts joined without separators. Strings are taken as
   * header bytes; the body must be passed through as the `Uint8Array` given. Default: the
   * body alone.
   */
  signedContent?: (parts: SignedParts) => readonly (string | Uint8Array)[];
  /** Accepted clock difference, past and future, and how long replays are remembered (twice this). Default 300. */
  toleranceSeconds?: number;
  /** Clock in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** Secrets as HMAC key bytes: a string as its UTF-8 bytes, bytes copied. At least one, none empty. */
export const hmacKeys = (
  secret: unknown,
  factory: string,
  algorithm: 'sha256' | 'sha1' = 'sha256',
): Hmac[] => {
  const secrets = toList(secret);
  if (secrets.length === 0) throw new TypeError(`${factory}() needs the webhook's secret.`);
  if (!secrets.every(isSecret)) throw new TypeError('secret must be a string or a Uint8Array.');
  const hmac = algorithm === 'sha1' ? hmacSha1 : hmacSha256;
  return secrets.map((each) => {
    const bytes = typeof each === 'string' ? utf8(each) : each.slice();
    if (bytes.byteLength === 0) throw new TypeError(`${factory}(): a secret must not be empty.`);
    return hmac(bytes);
  });
};

/** `payload[field]` when the payload is a JSON object that has it as its own property. */
export const ownField = (payload: unknown, field: string): unknown =>
  typeof payload === 'object' && payload !== null && Object.hasOwn(payload, field)
    ? (payload as Record<string, unknown>)[field]
    : undefined;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const SCHEME_NAME = /^[a-z0-9][a-z0-9._-]*$/;

const headerName = (value: unknown, option: string): string => {
  if (typeof value !== 'string' || !HEADER_NAME.test(value.toLowerCase())) {
    throw new TypeError(`${option} must be an HTTP header name, such as 'x-signature'.`);
  }
  return value.toLowerCase();
};

const optionalHeaderName = (value: unknown, option: string): string | undefined =>
  value === undefined ? undefined : headerName(value, option);

// Neighbouring text parts are joined first: one encoding and one HMAC update for
// `${id}.${timestamp}.` rather than one per piece.
const partsBytes = (parts: readonly (string | Uint8Array)[]): Uint8Array[] => {
  const bytes: Uint8Array[] = [];
  let text = '';
  for (const part of parts) {
    if (typeof part === 'string') text += part;
    else {
      if (text !== '') bytes.push(headerBytes(text));
      text = '';
      bytes.push(part);
    }
  }
  if (text !== '') bytes.push(headerBytes(text));
  return bytes;
};

const bodyOnly = ({ body }: SignedParts) => [body];

// The signed content is user code, so it is tried once up front: it must pass the body's
// bytes through untouched, and sign the timestamp and id it is given, or the window and the
// replay key would rest on values an attacker can change.
const checkSignedContent = (
  signedContent: HmacSchemeOptions['signedContent'],
  timestamp: boolean,
  id: boolean,
) => {
  if (signedContent === undefined) {
    if (timestamp || id) {
      throw new TypeError(
        'timestampHeader and idHeader need signedContent, saying how the sender signs them; an unsigned time or id protects nothing.',
      );
    }
    return bodyOnly;
  }
  if (typeof signedContent !== 'function') {
    throw new TypeError('signedContent must be a function returning the signed parts.');
  }
  const body = utf8('{"probe":true}');
  const build = (parts: SignedParts): Uint8Array => {
    const result = signedContent(parts);
    if (
      !Array.isArray(result) ||
      !result.every((part) => typeof part === 'string' || part instanceof Uint8Array)
    ) {
      throw new TypeError('signedContent must return an array of strings and Uint8Arrays.');
    }
    if (!result.includes(parts.body)) {
      throw new TypeError(
        'signedContent must return the body it is given, unchanged, among its parts: the signature covers the raw bytes.',
      );
    }
    return concat(partsBytes(result));
  };
  const probe = { body, timestamp: timestamp ? '1700000000' : '', id: id ? 'probe-1' : '' };
  const base = build(probe);
  const same = (other: Uint8Array) =>
    other.length === base.length && other.every((byte, i) => byte === base[i]);
  if (same(build({ ...probe, body: utf8('{"probe":false}') }))) {
    throw new TypeError('signedContent must sign the body.');
  }
  if (timestamp && same(build({ ...probe, timestamp: '1700000001' }))) {
    throw new TypeError(
      'signedContent must sign the timestamp, or timestampHeader protects nothing.',
    );
  }
  if (id && same(build({ ...probe, id: 'probe-2' }))) {
    throw new TypeError(
      'signedContent must sign the id, or a replay could dodge the replay store under a new id. Leave idHeader out to key replays on the body.',
    );
  }
  return signedContent;
};

/** {@link hmacScheme} with the factory name its `TypeError`s should carry. */
export const buildHmacScheme = (options: HmacSchemeOptions, factory: string): WebhookScheme => {
  checkOptions(options, factory);
  const name = options.name;
  if (typeof name !== 'string' || !SCHEME_NAME.test(name)) {
    throw new TypeError(
      "name must be lower-case letters, digits, '.', '_' or '-', such as 'github'.",
    );
  }
  const algorithm = options.algorithm ?? 'sha256';
  if (algorithm !== 'sha256' && algorithm !== 'sha1') {
    throw new TypeError("algorithm must be 'sha256' or 'sha1'.");
  }
  const hmacs = hmacKeys(options.secret, factory, algorithm);
  const signatureName = headerName(options.signatureHeader, 'signatureHeader');
  const timestampName = optionalHeaderName(options.timestampHeader, 'timestampHeader');
  const idName = optionalHeaderName(options.idHeader, 'idHeader');
  const names = [signatureName, timestampName, idName].filter((each) => each !== undefined);
  if (new Set(names).size !== names.length) {
    throw new TypeError('signatureHeader, timestampHeader and idHeader must be different headers.');
  }
  const encoding = options.encoding;
  if (encoding !== 'hex' && encoding !== 'base64') {
    throw new TypeError("encoding must be 'hex' or 'base64'.");
  }
  const decode = encoding === 'hex' ? decodeHex : decodeBase64;
  const encode = encoding === 'hex' ? encodeHex : encodeBase64;
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string') throw new TypeError('prefix must be a string.');
  const unit = options.timestampUnit ?? 's';
  if (unit !== 's' && unit !== 'ms') throw new TypeError("timestampUnit must be 's' or 'ms'.");
  const scale = unit === 's' ? 1000 : 1;
  const signedContent = checkSignedContent(
    options.signedContent,
    timestampName !== undefined,
    idName !== undefined,
  );
  const tolerance = checkTolerance(options.toleranceSeconds);
  const now = checkClock(options.now);
  const malformed = (header: string, detail: string) =>
    new WebhookVerificationError('malformed_header', `The ${header} header ${detail}.`);

  return {
    name,
    toleranceSeconds: tolerance,
    requiredHeaders: [names],

    verify: verifyFrom(({ headers, body }) => {
      const signature = requireHeader(headers, signatureName);
      const timestamp =
        timestampName === undefined ? undefined : requireHeader(headers, timestampName);
      const id = idName === undefined ? undefined : requireHeader(headers, idName);
      if (!signature.startsWith(prefix)) {
        throw malformed(signatureName, `must start with '${prefix}'`);
      }
      let signedAt: number | undefined;
      if (timestampName !== undefined && timestamp !== undefined) {
        const value = digitsValue(timestamp);
        if (value < 0) {
          throw malformed(
            timestampName,
            `must be whole ${unit === 's' ? 'seconds' : 'milliseconds'} since the epoch, digits only`,
          );
        }
        signedAt = value * scale;
        checkWindow(signedAt, now(), tolerance);
      }
      if (idName !== undefined && id === '') throw malformed(idName, 'is empty');

      const rawBody = rawBytes(body);
      // Undecodable text stays as empty bytes: same comparison cost, never a match.
      const candidate = decode(signature, prefix.length) ?? EMPTY;
      const signed = partsBytes(
        signedContent({ body: rawBody, timestamp: timestamp ?? '', id: id ?? '' }),
      );
      const delivery = (matched: boolean): VerifiedWebhook => {
        if (!matched) {
          throw new WebhookVerificationError(
            'signature_mismatch',
            `The ${signatureName} header does not match this body with the configured secret. Check the secret, and that the body reaches the verifier byte for byte as sent (no body parser before it).`,
          );
        }
        return {
          scheme: name,
          ...(id !== undefined && { id }),
          ...(signedAt !== undefined && { timestamp: new Date(signedAt) }),
          payload: parsePayload(headers, rawBody),
          rawBody,
        };
      };
      return thenNow(matchHmac(hmacs, signed, [candidate]), delivery);
    }),

    async sign({ body, id, timestamp = now() }) {
      if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
        throw new TypeError('timestamp must be whole milliseconds since the epoch.');
      }
      const time = timestampName === undefined ? '' : String(Math.floor(timestamp / scale));
      const deliveryId = idName === undefined ? '' : (id ?? newDeliveryId());
      if (idName !== undefined && deliveryId === '') throw new TypeError('id must not be empty.');
      const [hmac] = hmacs as [Hmac];
      const digest = await hmac(
        partsBytes(signedContent({ body: toBytes(body), timestamp: time, id: deliveryId })),
      );
      return {
        [signatureName]: `${prefix}${encode(digest)}`,
        ...(timestampName !== undefined && { [timestampName]: time }),
        ...(idName !== undefined && { [idName]: deliveryId }),
      };
    },
  };
};

const newDeliveryId = (): string => encodeHex(crypto.getRandomValues(new Uint8Array(16)));

/**
 * A scheme for a provider hookguard does not list, described by its headers and what it
 * signs: an HMAC (SHA-256, or SHA-1) of the raw body, optionally with a timestamp and a
 * delivery id, written as hex or base64 behind an optional prefix.
 *
 * It keeps the core rules: raw bytes, strict decoding, constant-time comparison of every
 * configured secret, a window when a signed time is configured, one copy of each header.
 * A timestamp or id header is accepted only when `signedContent` signs it (checked at once),
 * since an unsigned one would let a replay through; without an id, replays are keyed on the
 * body's hash. The payload is parsed by content type (JSON, or form fields). Throws a
 * `TypeError` at once for unusable options.
 *
 * @example
 * ```ts
 * import { hmacScheme } from '@hookguard/core';
 *
 * // Slack: `X-Slack-Signature: v0=<hex>` over `v0:<timestamp>:<body>`.
 * const slack = hmacScheme({
 *   name: 'slack',
 *   secret: process.env.SLACK_SIGNING_SECRET ?? '',
 *   signatureHeader: 'x-slack-signature',
 *   prefix: 'v0=',
 *   encoding: 'hex',
 *   timestampHeader: 'x-slack-request-timestamp',
 *   signedContent: ({ timestamp, body }) => ['v0:', timestamp, ':', body],
 * });
 * const delivery = await slack.verify({ headers: request.headers, body: await request.arrayBuffer() });
 * ```
 */
export function hmacScheme(options: HmacSchemeOptions): WebhookScheme {
  return buildHmacScheme(options, 'hmacScheme');
}
