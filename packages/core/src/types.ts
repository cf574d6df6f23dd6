/**
 * A signing secret: a string, or the raw key bytes.
 *
 * For Standard Webhooks a string is `whsec_<base64>`; for Codaiq it is used as its UTF-8 bytes.
 *
 * @example
 * ```ts
 * import type { Secret } from '@hookguard/core';
 * const secret: Secret = process.env.WEBHOOK_SECRET ?? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
 * ```
 */
export type Secret = string | Uint8Array;

/**
 * Request headers as a Fetch `Headers`, or a plain record as Node's `IncomingMessage` gives them
 * (names in any letter case).
 *
 * @example
 * ```ts
 * import type { HeadersLike } from '@hookguard/core';
 * const fromNode: HeadersLike = req.headers;
 * const fromFetch: HeadersLike = request.headers;
 * ```
 */
export type HeadersLike =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * What `verify` needs: the headers and the body exactly as received.
 *
 * A string body is taken as UTF-8; pass bytes whenever you have them.
 *
 * @example
 * ```ts
 * import type { VerifyInput } from '@hookguard/core';
 * const input: VerifyInput = { headers: request.headers, body: await request.arrayBuffer() };
 * ```
 */
export interface VerifyInput {
  headers: HeadersLike;
  body: string | Uint8Array | ArrayBuffer;
  /** The full URL the sender addressed, for schemes that sign it; the others ignore it. */
  url?: string;
}

/**
 * What `sign` needs. `timestamp` is in milliseconds since the epoch and defaults to the scheme's clock.
 *
 * @example
 * ```ts
 * import type { SignInput } from '@hookguard/core';
 * const input: SignInput = { body: JSON.stringify({ type: 'ping' }), id: 'msg_1' };
 * ```
 */
export interface SignInput {
  body: string | Uint8Array;
  id?: string;
  timestamp?: number;
}

/**
 * A delivery whose signature and timestamp checked out.
 *
 * @example
 * ```ts
 * import type { VerifiedWebhook } from '@hookguard/core';
 * type OrderPaid = VerifiedWebhook<{ type: 'order.paid'; data: { id: string } }>;
 * ```
 */
export interface VerifiedWebhook<Payload = unknown> {
  /** Name of the scheme that verified it. */
  scheme: string;
  /**
   * The sender's delivery id, only when the signature covers it (`webhook-id`); replay
   * protection keys on it, so an unsigned id would let a re-send through.
   */
  id?: string;
  /** When the sender signed it; absent for schemes that sign no time. */
  timestamp?: Date;
  /** The body parsed as JSON. */
  payload: Payload;
  /** The exact bytes that were verified. */
  rawBody: Uint8Array;
}

/**
 * A configured signature scheme: verifies incoming deliveries and signs outgoing ones.
 *
 * The interface is open: any object with these members works with `replayGuard` and every
 * adapter. `verify` must check the signature over the exact bytes in constant time, check
 * the signed time against `toleranceSeconds` when the scheme signs one, and reject only with
 * `WebhookVerificationError`. Set `id` only when the sender signs one: replay protection
 * keys on it, and otherwise on the signed time and the body's hash.
 *
 * @example
 * ```ts
 * import { standardWebhooks, type WebhookScheme } from '@hookguard/core';
 * const scheme: WebhookScheme = standardWebhooks({ secret: process.env.WEBHOOK_SECRET });
 * const delivery = await scheme.verify({ headers: request.headers, body: await request.arrayBuffer() });
 * ```
 */
export interface WebhookScheme {
  /** A stable name, such as `'standard-webhooks'`; replay keys start with it. */
  readonly name: string;
  /**
   * Accepted clock difference in seconds, past and future. Also how long replay protection
   * remembers a delivery by default (twice this).
   */
  readonly toleranceSeconds: number;
  /**
   * Header sets, any one of which a request must carry in full to be worth reading
   * (lower-case names). Adapters refuse a request that carries none before reading its body.
   */
  readonly requiredHeaders: readonly (readonly string[])[];
  /** Resolves with the delivery, or rejects with a `WebhookVerificationError`. */
  verify(input: VerifyInput): Promise<VerifiedWebhook>;
  /** Signature headers for `body`, as the sender would set them (lower-case names). */
  sign(input: SignInput): Promise<Record<string, string>>;
}
