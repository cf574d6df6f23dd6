import { sha256, timingSafeEqual } from '#crypto';
import type { Hmac, MaybePromise } from '../crypto/provider.js';
import { WebhookVerificationError } from '../errors.js';
import {
  decodeBase64,
  decodeHex,
  EMPTY,
  encodeBase64,
  rawBytes,
  toBytes,
  utf8,
} from '../lib/bytes.js';
import { readHeader, requireHeader } from '../lib/headers.js';
import { matchHmac } from '../lib/match.js';
import { checkOptions, checkTolerance } from '../lib/options.js';
import { formFields, formRecord, parsePayload } from '../lib/payload.js';
import { thenNow, verifyFrom } from '../lib/verify-now.js';
import type { HeadersLike, Secret, VerifiedWebhook, WebhookScheme } from '../types.js';
import { hmacKeys } from './hmac-scheme.js';

/**
 * Options for {@link twilio}.
 *
 * @example
 * ```ts
 * import type { TwilioOptions } from '@hookguard/core';
 * const options: TwilioOptions = {
 *   secret: process.env.TWILIO_AUTH_TOKEN ?? '',
 *   url: 'https://api.example.com/twilio/sms',
 * };
 * ```
 */
export interface TwilioOptions {
  /** The account's Auth Token, used as its UTF-8 bytes; primary and secondary while rotating. */
  secret: Secret | readonly Secret[];
  /**
   * The URL exactly as configured in Twilio, query included. When set, `verify()` signs it
   * instead of the request's `url` (set it behind a proxy that changes scheme, host or
   * path); `sign()` needs it.
   */
  url?: string;
  /**
   * Twilio signs no time, so no window applies; this only sets how long replay protection
   * remembers a delivery (twice this). Default 300.
   */
  toleranceSeconds?: number;
}

const SIGNATURE = 'x-twilio-signature';
const FORM = 'application/x-www-form-urlencoded';
const AUTHORITY = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i;

const urlUnavailable = (detail: string) =>
  new WebhookVerificationError(
    'raw_body_unavailable',
    `Twilio signs the full URL it requested, but ${detail}. Pass verify({ url }) with the scheme, host, path and query exactly as Twilio sent them, or set twilio({ url }).`,
  );

const absolute = (url: string): URL | undefined => {
  if (!AUTHORITY.test(url)) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
};

// A receiver may see the URL with or without its default port (":443"), whichever Twilio
// signed; Twilio's SDKs try both, so this does too.
const withAndWithoutPort = (url: string): string[] => {
  const [prefix = '', scheme = '', authority = ''] = AUTHORITY.exec(url) ?? [];
  const userInfoEnd = authority.lastIndexOf('@') + 1;
  const hostAndPort = authority.slice(userInfoEnd);
  const colon = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  const host = colon === -1 ? hostAndPort : hostAndPort.slice(0, colon);
  const port =
    colon === -1
      ? scheme.toLowerCase() === 'https://'
        ? ':443'
        : ':80'
      : hostAndPort.slice(colon);
  const start = scheme + authority.slice(0, userInfoEnd) + host;
  const rest = url.slice(prefix.length);
  return [start + rest, start + port + rest];
};

/** The fields as Twilio signs them: sorted by name, each name then value, no separators. */
const signedFields = (fields: Map<string, string[]>): Uint8Array => {
  let text = '';
  for (const name of [...fields.keys()].sort()) {
    const values = fields.get(name) as string[];
    if (values.length === 1) text += name + values[0];
    else for (const value of [...new Set(values)].sort()) text += name + value;
  }
  return utf8(text);
};

const isForm = (headers: HeadersLike): boolean =>
  readHeader(headers, 'content-type', () => false)
    ?.toLowerCase()
    .startsWith(FORM) ?? false;

/**
 * Twilio's scheme: `X-Twilio-Signature: <base64>`, HMAC-SHA1 keyed by the Auth Token over
 * the full URL Twilio requested followed by each POST field's name and value, sorted by name
 * (repeated values deduplicated and sorted, as Twilio's SDKs do). A request whose URL
 * carries `bodySHA256` (Twilio's JSON bodies) is signed over the URL alone, and the body's
 * SHA-256 must equal that parameter. Any other body that is not form-encoded is refused,
 * since nothing would sign it. Twilio's SharedKey signatures
 * (`X-Twilio-Webhooks-Signature-Settings`) are not supported.
 *
 * The URL is part of what is signed: pass `verify({ headers, body, url })`, or set the `url`
 * option. Without one, `verify` rejects with `raw_body_unavailable` (500: the receiver, not
 * Twilio, is at fault, and Twilio retries). Twilio signs no time and sends no signed id, and
 * it signs the fields rather than the bytes, so a delivery can be re-sent with its fields
 * re-encoded or reordered: replay protection, keyed on the body's hash, is weak here. The
 * payload is the form's fields (JSON for `bodySHA256` requests, `{}` for an empty body).
 *
 * @example
 * ```ts
 * import { twilio } from '@hookguard/core';
 *
 * const scheme = twilio({ secret: process.env.TWILIO_AUTH_TOKEN ?? '' });
 * const delivery = await scheme.verify({
 *   headers: request.headers,
 *   body: await request.arrayBuffer(),
 *   url: request.url,
 * });
 * const { From, Body } = delivery.payload as { From: string; Body: string };
 * ```
 */
export function twilio(options: TwilioOptions): WebhookScheme {
  checkOptions(options, 'twilio');
  const hmacs = hmacKeys(options.secret, 'twilio', 'sha1');
  const configuredUrl = options.url;
  if (
    configuredUrl !== undefined &&
    (typeof configuredUrl !== 'string' || !absolute(configuredUrl))
  ) {
    throw new TypeError("url must be an absolute URL, such as 'https://api.example.com/twilio'.");
  }
  const tolerance = checkTolerance(options.toleranceSeconds);

  return {
    name: 'twilio',
    toleranceSeconds: tolerance,
    requiredHeaders: [[SIGNATURE]],

    verify: verifyFrom(({ headers, body, url: requestUrl }) => {
      const signature = requireHeader(headers, SIGNATURE);
      const url = configuredUrl ?? requestUrl;
      if (url === undefined) throw urlUnavailable('verify() was given no url');
      const parsed = typeof url === 'string' ? absolute(url) : undefined;
      if (!parsed) throw urlUnavailable('verify() was given a url that is not absolute');

      const rawBody = rawBytes(body);
      const bodyHash = parsed.searchParams.get('bodySHA256');
      let signed: Uint8Array = EMPTY;
      let form: Map<string, string[]> | undefined;
      let bodyMatches: MaybePromise<boolean> = true;
      if (bodyHash !== null) {
        bodyMatches = thenNow(sha256([rawBody]), (digest) =>
          timingSafeEqual(digest, decodeHex(bodyHash) ?? EMPTY),
        );
      } else if (rawBody.byteLength > 0 && !isForm(headers)) {
        throw new WebhookVerificationError(
          'signature_mismatch',
          "This body is not form-encoded and the URL has no bodySHA256 parameter, so Twilio's signature does not cover it.",
        );
      } else {
        form = formFields(rawBody);
        signed = signedFields(form);
      }
      // Undecodable base64 stays as empty bytes: same comparison cost, never a match.
      const candidate = decodeBase64(signature) ?? EMPTY;
      const variants = withAndWithoutPort(url);
      // The second form of the URL is tried only when the first fails: which of the two
      // Twilio signed is no secret.
      const matchUrl = (index: number): MaybePromise<boolean> => {
        const variant = variants[index];
        if (variant === undefined) return false;
        return thenNow(
          matchHmac(hmacs, [utf8(variant), signed], [candidate]),
          (found) => found || matchUrl(index + 1),
        );
      };
      const delivery = (matched: boolean): VerifiedWebhook => {
        if (!matched) {
          throw new WebhookVerificationError(
            'signature_mismatch',
            'X-Twilio-Signature does not match this URL and body with the configured Auth Token. Check the token, and that the url is exactly the one Twilio requested (scheme, host, path and query, as configured in Twilio).',
          );
        }
        return {
          scheme: 'twilio',
          payload: form
            ? formRecord(form)
            : rawBody.byteLength === 0
              ? {}
              : parsePayload(headers, rawBody),
          rawBody,
        };
      };
      return thenNow(bodyMatches, (bodyMatched) =>
        thenNow(matchUrl(0), (matched) => delivery(matched && bodyMatched)),
      );
    }),

    // Signs `body` as form fields (Twilio's default) for the configured url; for a url with
    // bodySHA256, put the body's SHA-256 there and the URL alone is signed.
    async sign({ body }) {
      if (configuredUrl === undefined) {
        throw new TypeError('sign() needs twilio({ url }): Twilio signs the URL it requests.');
      }
      const bodyHash = absolute(configuredUrl)?.searchParams.has('bodySHA256') ?? false;
      const fields = bodyHash ? EMPTY : signedFields(formFields(toBytes(body)));
      const [hmac] = hmacs as [Hmac];
      return { [SIGNATURE]: encodeBase64(await hmac([utf8(configuredUrl), fields])) };
    },
  };
}
