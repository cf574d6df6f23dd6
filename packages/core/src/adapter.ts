import {
  type AnyOf,
  type AuthMethod,
  type Guard,
  isAuthMethod,
  isCredentialMethod,
} from './any-of.js';
import type { Authenticated, CredentialMethod, CredentialRequest } from './credential-method.js';
import type { MaybePromise } from './crypto/provider.js';
import { WebhookVerificationError } from './errors.js';
import { readHeader } from './lib/headers.js';
import { DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT_MS } from './read-raw-body.js';
import {
  type ReplayClaim,
  type ReplayGuard,
  type ReplayOptions,
  replayGuard,
} from './replay-guard.js';
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
 * How a request was let in by {@link AdapterPolicy.admit}: by a signature scheme, whose
 * body the adapter must now read and verify (claiming it with `guard` when replay
 * protection is on), or by a credential method, which has already decided (`auth`).
 *
 * @example
 * ```ts
 * import type { Admission } from '@hookguard/core';
 * const reads = (admission: Admission) => admission.scheme !== undefined;
 * ```
 */
export type Admission =
  | {
      readonly scheme: WebhookScheme;
      readonly guard: ReplayGuard | undefined;
      readonly auth?: never;
    }
  | { readonly auth: Authenticated; readonly scheme?: never; readonly guard?: never };

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
  readonly limit: number;
  readonly bodyTimeoutMs: number;
  /** Whether any method is a signature scheme, so some requests have their body read. */
  readonly readsBody: boolean;
  /** Query parameters credentials may come in: redact them from the request URL. */
  readonly redacted: readonly string[];
  /**
   * Decides from the headers and URL alone, before any body is read, which method this
   * request uses, and runs it when it is a credential method. Rejects with the
   * `WebhookVerificationError` to answer: no credential at all, a scheme's headers
   * incomplete, or a credential refused. A request carrying a scheme's full header set is
   * admitted at once, without a promise: check with `instanceof Promise` before awaiting.
   */
  admit(request: CredentialRequest): MaybePromise<Admission>;
  /** The request's `x-request-id` when it is a plain token, else a fresh random id. */
  requestId(headers: HeadersLike): string;
}

const EMPTY = new Uint8Array(0);
const REQUEST_ID = /^[\w.:-]{1,128}$/;

const carries = (headers: HeadersLike, set: readonly string[], all: boolean): boolean => {
  try {
    const has = (name: string) => readHeader(headers, name, () => false) !== undefined;
    return all ? set.every(has) : set.some(has);
  } catch {
    return true; // present but repeated: verify words that refusal
  }
};

const headerSets = (scheme: WebhookScheme): readonly (readonly string[])[] =>
  Array.isArray(scheme.requiredHeaders) ? scheme.requiredHeaders : [];

// Any one of its headers marks the request as meant for the scheme; none named, any request.
const signs = (scheme: WebhookScheme, headers: HeadersLike): boolean => {
  const sets = headerSets(scheme);
  return sets.length === 0 || sets.some((set) => carries(headers, set, false));
};

const describe = (method: AuthMethod): string => {
  if (isCredentialMethod(method)) return method.accepts;
  const [first] = headerSets(method);
  return `a ${method.name} signature${first ? ` (${first.join(', ')} headers)` : ''}`;
};

// Async, so that a method's synchronous throw still reaches the caller as a rejection.
const authenticate = async (method: CredentialMethod, request: CredentialRequest) => ({
  auth: await method.authenticate(request),
});

// Node's and Fastify's header names are lower-case already: readHeader's case-blind search,
// which lower-cases every name of the id's length, runs only where one could be the id's.
const mayCarryRequestId = (headers: HeadersLike): boolean => {
  if (typeof headers !== 'object' || headers === null) return false;
  const record = headers as Readonly<Record<string, unknown>>;
  if (typeof record.get === 'function' || record['x-request-id'] !== undefined) return true;
  for (const name in record) {
    if (name.length === 12 && (name.charCodeAt(0) | 0x20) === 0x78) return true; // x or X
  }
  return false;
};

const humanList = (items: readonly string[]): string =>
  items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;

/**
 * Checks an adapter's guard (a scheme, a credential method or {@link anyOf}) and options at
 * once (`TypeError`, naming `caller`) and returns the policy its request handling applies.
 * Never mutates `options`.
 *
 * @example
 * ```ts
 * import { adapterPolicy } from '@hookguard/core';
 * const { limit, bodyTimeoutMs, admit, requestId } = adapterPolicy(scheme, options, 'verifyWebhook()');
 * ```
 */
export function adapterPolicy(
  guard: Guard,
  options: AdapterOptions,
  caller: string,
): AdapterPolicy {
  const several = (guard as AnyOf | null)?.kind === 'any-of';
  if (!several && !isAuthMethod(guard)) {
    throw new TypeError(
      `${caller} needs a scheme such as standardWebhooks({ secret }), a credential method such as apiKey({ ... }), or anyOf(...) of them.`,
    );
  }
  const methods = several ? (guard as AnyOf).methods : [guard as AuthMethod];
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
  // One frozen admission per scheme, made here, so admitting a request allocates nothing.
  const admissions = new Map<WebhookScheme, Admission>();
  for (const method of methods) {
    if (!isCredentialMethod(method)) {
      const guard = replay === undefined ? undefined : replayGuard(method, replay);
      admissions.set(method, Object.freeze({ scheme: method, guard }));
    }
  }
  const credentials = methods.filter(isCredentialMethod);
  const single = methods.length === 1;

  const missing = async (request: CredentialRequest): Promise<never> => {
    // Each credential method's own refusal carries its challenge (WWW-Authenticate).
    const refusals = await Promise.allSettled(credentials.map((m) => m.authenticate(request)));
    const headers = Object.assign(
      {},
      ...refusals.map((r) =>
        r.status === 'rejected' && r.reason instanceof WebhookVerificationError
          ? r.reason.headers
          : undefined,
      ),
    );
    throw new WebhookVerificationError(
      'missing_credentials',
      `This endpoint needs credentials: send ${humanList(methods.map(describe))}.`,
      { headers },
    );
  };

  const admitScheme = (scheme: WebhookScheme, headers: HeadersLike): MaybePromise<Admission> => {
    const admission = admissions.get(scheme) as Admission;
    const sets = headerSets(scheme);
    if (sets.length > 0 && !sets.some((set) => carries(headers, set, true))) {
      // Verifying with no body yields the scheme's own wording of what is missing.
      return scheme.verify({ headers, body: EMPTY }).then(() => admission);
    }
    return admission;
  };

  return {
    limit,
    bodyTimeoutMs,
    readsBody: admissions.size > 0,
    redacted: Object.freeze(credentials.flatMap((m) => m.queryParameters ?? [])),
    admit(request) {
      for (const method of methods) {
        if (isCredentialMethod(method)) {
          if (single || method.present(request)) return authenticate(method, request);
        } else if (single || signs(method, request.headers)) {
          return admitScheme(method, request.headers);
        }
      }
      return missing(request);
    },
    requestId(headers) {
      let given: string | undefined;
      try {
        if (mayCarryRequestId(headers)) given = readHeader(headers, 'x-request-id', () => false);
      } catch {} // sent twice: neither copy is the id
      return given !== undefined && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    },
  };
}

/**
 * The default answer to a refused request: `error.status`, the API envelope
 * `{"ok":false,"error":{"code","message"},"meta":{"requestId"}}` with `requestId` also as
 * the `x-request-id` header, the headers the error carries (such as a `WWW-Authenticate`
 * challenge), and `connection: close` when the rest of the body was left unread (413, 408),
 * which spares the server draining it.
 *
 * @example
 * ```ts
 * import { refusal } from '@hookguard/core';
 * const { status, headers, body } = refusal(error, policy.requestId(request.headers));
 * ```
 */
export function refusal(error: WebhookVerificationError, requestId: string): Answer {
  return {
    status: error.status,
    headers: {
      ...error.headers,
      // After the error's own, so the body is always labelled as the JSON it is.
      'content-type': 'application/json',
      'x-request-id': requestId,
      ...(leavesBodyUnread(error) ? { connection: 'close' } : {}),
    },
    body: { ok: false, error: { code: error.code, message: error.message }, meta: { requestId } },
  };
}

/**
 * Settles a replay claim with the status a Node response ends with, whenever the handler
 * ends it, even after the client hung up: a client leaving mid-handler must not free the
 * delivery for a concurrent re-send. A handler that never answers leaves the claim to
 * expire (`claimTtlSeconds`). For adapters over Node's `ServerResponse`.
 *
 * @example
 * ```ts
 * import { settleOnEnd } from '@hookguard/core';
 * const claim = await guard.claim(delivery);
 * if (!claim.duplicate) settleOnEnd(res, claim);
 * ```
 */
export function settleOnEnd(
  res: { end: (...args: never[]) => unknown; readonly statusCode: number },
  claim: Extract<ReplayClaim, { duplicate: false }>,
): void {
  const end = res.end;
  res.end = function endAndSettle(this: unknown, ...args: never[]) {
    res.end = end;
    void claim.settle(res.statusCode);
    return end.apply(this, args);
  };
}

/**
 * For a refusal that leaves a Node request's body unread (413, 408), call before answering.
 * Node destroys the connection once the answer is written, and a client still sending then
 * gets a reset (EPIPE, ECONNRESET) that often comes before it reads the answer. Instead the
 * answer goes out with a FIN, what the client still sends is read and dropped, and the
 * socket is destroyed when the client closes or after 500 ms (a lingering close, as Go's
 * server and nginx do).
 *
 * @example
 * ```ts
 * import { leavesBodyUnread, lingerOnClose } from '@hookguard/core';
 * if (leavesBodyUnread(error)) lingerOnClose(req);
 * ```
 */
export function lingerOnClose({ socket }: { socket?: LingeringSocket | null }): void {
  if (!socket || socket.destroyed) return;
  socket.destroySoon = function lingeringClose(this: LingeringSocket) {
    this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    (timer as { unref?: () => void }).unref?.();
    this.once('close', () => clearTimeout(timer));
  };
}

const LINGER_MS = 500;

/** The part of a Node socket {@link lingerOnClose} uses. */
interface LingeringSocket {
  readonly destroyed: boolean;
  destroySoon?: () => void;
  end(): unknown;
  destroy(): unknown;
  once(event: 'close', listener: () => void): unknown;
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
