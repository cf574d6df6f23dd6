/**
 * Every way a delivery can be refused, with the HTTP status a receiver should answer.
 *
 * This is the only place codes are mapped to statuses; adapters read `error.status`.
 *
 * @example
 * ```ts
 * import { errorStatus } from '@hookguard/core';
 * errorStatus.signature_mismatch; // 401
 * ```
 */
export const errorStatus = {
  missing_header: 400,
  malformed_header: 400,
  invalid_payload: 400,
  timestamp_out_of_window: 401,
  signature_mismatch: 401,
  payload_too_large: 413,
  body_timeout: 408,
  raw_body_unavailable: 500,
  delivery_in_progress: 409,
  replay_store_unavailable: 503,
  missing_credentials: 401,
  invalid_credentials: 401,
  insufficient_scope: 403,
} as const satisfies Record<string, number>;

/**
 * Stable machine-readable reason for a refused delivery.
 *
 * @example
 * ```ts
 * import type { ErrorCode } from '@hookguard/core';
 * const retryable: ErrorCode[] = ['delivery_in_progress', 'replay_store_unavailable'];
 * ```
 */
export type ErrorCode = keyof typeof errorStatus;

const brand = Symbol.for('hookguard.WebhookVerificationError');

const V8Error = Error as { stackTraceLimit?: number };

// Under a frozen `Error` (SES lockdown) the limit is read-only: refusals then keep a stack.
const lowerStackLimit = (): boolean => {
  try {
    V8Error.stackTraceLimit = 0;
    return true;
  } catch {
    return false;
  }
};

/**
 * The one error type hookguard throws for a delivery it refuses.
 *
 * `code` is stable across versions, `status` is the HTTP status to answer with,
 * and `message` is written for the receiver's developer. No message ever holds a
 * secret, a key or the expected signature. `headers` are response headers the refusal
 * needs, such as RFC 6750's `WWW-Authenticate: Bearer` challenge; `refusal()` sends them.
 *
 * @example
 * ```ts
 * import { WebhookVerificationError } from '@hookguard/core';
 *
 * try {
 *   await scheme.verify({ headers, body });
 * } catch (error) {
 *   if (error instanceof WebhookVerificationError) {
 *     return new Response(error.message, { status: error.status });
 *   }
 *   throw error;
 * }
 * ```
 */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  readonly code: ErrorCode;
  readonly status: number;
  /** Response headers this refusal must carry (lower-case names), when it needs any. */
  declare readonly headers?: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; headers?: Readonly<Record<string, string>> },
  ) {
    // A refusal is an answer to a request, not a bug: its stack would only say "inside
    // verify()", and capturing one cost more than the HMAC, so forged traffic cost more to
    // refuse than valid traffic to accept.
    const { stackTraceLimit } = V8Error;
    const lowered = lowerStackLimit();
    super(message, options);
    if (lowered) V8Error.stackTraceLimit = stackTraceLimit;
    this.code = code;
    this.status = errorStatus[code];
    if (options?.headers !== undefined) this.headers = Object.freeze({ ...options.headers });
  }

  // The ESM and CJS builds are two module instances; a brand keeps `instanceof`
  // true when an app and an adapter load different ones.
  get [brand](): true {
    return true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && brand in value;
  }
}
