import type { HeadersLike } from './types.js';

/**
 * Where a credential was taken from. `'bearer'` means `Authorization: Bearer`, whose
 * refusals carry RFC 6750's `WWW-Authenticate` challenge.
 *
 * @example
 * ```ts
 * import type { CredentialSource } from '@hookguard/core';
 * const source: CredentialSource = 'bearer';
 * ```
 */
export type CredentialSource = 'header' | 'query' | 'bearer';

/**
 * Who a credential method let in: the method's name, the principal its key store gave, and
 * the scopes granted. Pass it to `requireScopes` to check what this request may do.
 *
 * @example
 * ```ts
 * import type { Authenticated } from '@hookguard/core';
 * const auth: Authenticated = { method: 'api-key', principal: { org: 'acme' }, scopes: ['leads:write'], via: 'bearer' };
 * ```
 */
export interface Authenticated {
  /** The `name` of the credential method that accepted the request. */
  method: string;
  /** Whatever the key store holds for the key (a user, an organization, an id). */
  principal: unknown;
  /** Scopes granted to the key; empty when it was given none. */
  scopes: readonly string[];
  /** Where the credential came from, when the method takes it from a request. */
  via?: CredentialSource;
}

/**
 * What a credential method reads: the headers and, for query-string credentials, the
 * request URL (absolute, or the path and query as Node's `req.url` gives it). Never the body.
 *
 * @example
 * ```ts
 * import type { CredentialRequest } from '@hookguard/core';
 * const fromNode: CredentialRequest = { headers: req.headers, url: req.url };
 * const fromFetch: CredentialRequest = { headers: request.headers, url: request.url };
 * ```
 */
export interface CredentialRequest {
  headers: HeadersLike;
  url?: string;
}

/**
 * A way to authenticate a request by a credential it carries, such as {@link apiKey}. It
 * never reads the body, so it works for GET and leaves the body to the framework's parsers.
 *
 * `present` is cheap (no hashing, no I/O) and never throws: it says whether the request
 * carries this method's credential at all, even a malformed one, so a caller choosing among
 * several methods can pick the one the sender meant. `authenticate` then resolves with who
 * it is, or rejects with a `WebhookVerificationError`: `missing_credentials`,
 * `invalid_credentials` or `malformed_header`.
 *
 * @example
 * ```ts
 * import { apiKey, type CredentialMethod } from '@hookguard/core';
 * const method: CredentialMethod = apiKey({ header: 'x-api-key', keys: [process.env.API_KEY ?? ''] });
 * if (method.present({ headers: request.headers, url: request.url })) {
 *   const auth = await method.authenticate({ headers: request.headers, url: request.url });
 * }
 * ```
 */
export interface CredentialMethod {
  readonly kind: 'credentials';
  /** A stable name, such as `'api-key'`; it becomes `Authenticated.method`. */
  readonly name: string;
  /** What this method accepts, in words, such as `"an X-API-Key header or an Authorization: Bearer key"`. */
  readonly accepts: string;
  /**
   * Query parameters the method may read a credential from; adapters redact them from the
   * request URL that later middleware and loggers see. None when absent.
   */
  readonly queryParameters?: readonly string[];
  /** Whether the request carries this method's credential, well-formed or not. */
  present(request: CredentialRequest): boolean;
  /** Resolves with who the request is, or rejects with a `WebhookVerificationError`. */
  authenticate(request: CredentialRequest): Promise<Authenticated>;
}
