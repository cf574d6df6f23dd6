import { WebhookVerificationError } from './errors.js';
import { readHeader } from './lib/headers.js';
import { DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT_MS } from './read-raw-body.js';
import { type ReplayGuard, type ReplayOptions, replayGuard } from './replay-guard.js';
import type { HeadersLike, WebhookScheme } from './types.js';

/**
 * The options every framework adapter takes, besides its framework's own (such as `onError`).
 *
 * @example
 * ```ts
 * import type { AdapterOptions } from '@hookguard/core';
 * const options: AdapterOptions = { limit: 256 * 1024, bodyTimeoutMs: 10_000 };
 * ```
 */
export interface AdapterOptions {
  /** Most body bytes to accept; a larger body gets 413 `payload_too_large`. Default 1 MiB. */
  limit?: number;
  /**
   * Longest time, in ms, for the whole body to arrive (default 30 000); a body still
   * arriving then gets 408 `body_timeout`, the connection closed, nothing handled.
   */
  bodyTimeoutMs?: number;
  /**
   * Handles each delivery once (opt-in). A re-send of one answered 2xx gets 200
   * `{"ok":true,"duplicate":true}` without the handler; one still being handled, 409
   * `delivery_in_progress`; a failing or slow store, 503 `replay_store_unavailable`. The
   * handler's own answer settles it, even if the client hung up meanwhile: a 2xx marks it
   * done; an error or a non-2xx releases it for the sender's retry, as does a client gone
   * before the handler started. A handler that never answers holds it for `claimTtlSeconds`.
   * `ttlSeconds` defaults to twice the scheme's tolerance, `storeTimeoutMs` to 2000.
   *
   * @example
   * ```ts
   * import { memoryReplayStore } from '@hookguard/core';
   * const replay = { store: memoryReplayStore(), ttlSeconds: 600 };
   * ```
   */
  replay?: ReplayOptions;
}

/**
 * What an adapter answers, framework-neutral: status, headers and a JSON body.
 *
 * @example
 * ```ts
 * import type { Answer } from '@hookguard/core';
 * const send = ({ status, headers, body }: Answer) => new Response(JSON.stringify(body), { status, headers });
 * ```
 */
export interface Answer {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: unknown;
}

/**
 * The policy an adapter applies, built once from its options by {@link adapterPolicy}.
 *
 * @example
 * ```ts
 * import { adapterPolicy, type AdapterPolicy } from '@hookguard/core';
 * const policy: AdapterPolicy = adapterPolicy(scheme, options, 'verifyWebhook()');
 * ```
 */
export interface AdapterPolicy {
  readonly scheme: WebhookScheme;
  readonly limit: number;
  readonly bodyTimeoutMs: number;
  /** Present when replay protection is on. */
  readonly guard: ReplayGuard | undefined;
  /**
   * The refusal for a request that carries none of the scheme's required header sets, so
   * it is refused before its body is read; `undefined` when it carries one.
   */
  precheck(headers: HeadersLike): Promise<WebhookVerificationError | undefined>;
}

const EMPTY = new Uint8Array(0);

const carries = (headers: HeadersLike, set: readonly string[]): boolean => {
  try {
    return set.every((name) => readHeader(headers, name, () => false) !== undefined);
  } catch {
    return true; // present but repeated: verify words that refusal
  }
};

/**
 * Checks an adapter's scheme and options at once (`TypeError`, naming `caller`) and returns
 * the policy its request handling applies. Never mutates `options`.
 *
 * @example
 * ```ts
 * import { adapterPolicy } from '@hookguard/core';
 * const { limit, bodyTimeoutMs, guard, precheck } = adapterPolicy(scheme, options, 'verifyWebhook()');
 * ```
 */
export function adapterPolicy(
  scheme: WebhookScheme,
  options: AdapterOptions,
  caller: string,
): AdapterPolicy {
  if (typeof scheme !== 'object' || scheme === null || typeof scheme.verify !== 'function') {
    throw new TypeError(
      `${caller} needs a scheme, such as standardWebhooks({ secret }) or codaiq({ secret }).`,
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${caller} options must be an object.`);
  }
  const { limit = DEFAULT_BODY_LIMIT, bodyTimeoutMs = DEFAULT_BODY_TIMEOUT_MS, replay } = options;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new TypeError('limit must be a whole number of bytes, 0 or more.');
  }
  if (!Number.isSafeInteger(bodyTimeoutMs) || bodyTimeoutMs <= 0) {
    throw new TypeError('bodyTimeoutMs must be a whole number of milliseconds, more than 0.');
  }
  const guard = replay === undefined ? undefined : replayGuard(scheme, replay);
  const sets = Array.isArray(scheme.requiredHeaders) ? scheme.requiredHeaders : [];

  return {
    scheme,
    limit,
    bodyTimeoutMs,
    guard,
    async precheck(headers) {
      if (sets.length === 0 || sets.some((set) => carries(headers, set))) return undefined;
      // Verifying with no body yields the scheme's own wording of what is missing.
      return scheme.verify({ headers, body: EMPTY }).then(
        () => undefined,
        (error: unknown) => (error instanceof WebhookVerificationError ? error : undefined),
      );
    },
  };
}

/**
 * The default answer to a refused delivery: `error.status`, JSON
 * `{"ok":false,"error":{"code","message"}}`, the headers the error carries (such as a
 * `WWW-Authenticate` challenge), and `connection: close` when the rest of the body was left
 * unread (413, 408), which spares the server draining it.
 *
 * @example
 * ```ts
 * import { refusal } from '@hookguard/core';
 * const { status, headers, body } = refusal(error);
 * ```
 */
export function refusal(error: WebhookVerificationError): Answer {
  return {
    status: error.status,
    headers: {
      ...error.headers,
      // After the error's own, so the body is always labelled as the JSON it is.
      'content-type': 'application/json',
      ...(leavesBodyUnread(error) ? { connection: 'close' } : {}),
    },
    body: { ok: false, error: { code: error.code, message: error.message } },
  };
}

/**
 * Whether the refusal left the rest of the body unread, so the connection should close.
 *
 * @example
 * ```ts
 * import { leavesBodyUnread } from '@hookguard/core';
 * if (leavesBodyUnread(error)) res.setHeader('connection', 'close');
 * ```
 */
export function leavesBodyUnread({ code }: WebhookVerificationError): boolean {
  return code === 'payload_too_large' || code === 'body_timeout';
}

/**
 * The answer to a delivery already handled: 200 `{"ok":true,"duplicate":true}`, so the
 * sender stops retrying, and the handler does not run.
 *
 * @example
 * ```ts
 * import { duplicate } from '@hookguard/core';
 * if (claim.duplicate) return c.json(duplicate.body, duplicate.status);
 * ```
 */
export const duplicate: Answer = Object.freeze({
  status: 200,
  headers: Object.freeze({ 'content-type': 'application/json' }),
  body: Object.freeze({ ok: true, duplicate: true }),
});
