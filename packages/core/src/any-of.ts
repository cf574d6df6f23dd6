import type { CredentialMethod } from './credential-method.js';
import type { WebhookScheme } from './types.js';

/**
 * One way a request may authenticate: a signature scheme, which reads the body, or a
 * credential method such as {@link apiKey}, which does not.
 *
 * @example
 * ```ts
 * import { apiKey, standardWebhooks, type AuthMethod } from '@hookguard/core';
 * const methods: AuthMethod[] = [standardWebhooks({ secret }), apiKey({ header: 'X-API-Key', keys })];
 * ```
 */
export type AuthMethod = WebhookScheme | CredentialMethod;

/**
 * Several methods accepted on one endpoint, built by {@link anyOf}.
 *
 * @example
 * ```ts
 * import { anyOf, type AnyOf } from '@hookguard/core';
 * const either: AnyOf = anyOf(instanceKey, signed);
 * ```
 */
export interface AnyOf {
  readonly kind: 'any-of';
  readonly methods: readonly AuthMethod[];
}

/**
 * What an adapter guards a route with: one method, or {@link anyOf} several.
 *
 * @example
 * ```ts
 * import type { Guard } from '@hookguard/core';
 * const guard: Guard = anyOf(instanceKey, orgKey, signed);
 * ```
 */
export type Guard = AuthMethod | AnyOf;

/** Whether `method` is a credential method (reads no body) rather than a signature scheme. */
export const isCredentialMethod = (method: AuthMethod): method is CredentialMethod =>
  (method as { kind?: unknown }).kind === 'credentials';

/** Whether `method` has what a scheme or a credential method needs. */
export const isAuthMethod = (method: unknown): method is AuthMethod =>
  typeof method === 'object' &&
  method !== null &&
  (isCredentialMethod(method as AuthMethod)
    ? typeof (method as CredentialMethod).authenticate === 'function' &&
      typeof (method as CredentialMethod).present === 'function'
    : typeof (method as WebhookScheme).verify === 'function');

/**
 * Accepts any one of several methods on one endpoint, such as an instance key, an
 * organization key, a Standard Webhooks signature and a `?api_key=` for senders that cannot
 * set headers. Every adapter takes the result wherever it takes a scheme.
 *
 * The first method, in the order given, whose credential the request carries decides
 * alone: a credential that is present but wrong is refused and never falls through to the
 * next method, so a forged signature cannot be retried as a key. A request carrying none
 * gets 401 `missing_credentials`, listing everything the endpoint accepts. A signature
 * scheme counts as present when any of its headers is; one that names no headers
 * (`requiredHeaders: []`) always does, so put it last. Signature deliveries get replay
 * protection when the adapter has `replay`; key requests are never read past the headers.
 * Throws a `TypeError` at once for anything that is not a method.
 *
 * @example
 * ```ts
 * import { anyOf, apiKey, standardWebhooks } from '@hookguard/core';
 *
 * const trigger = anyOf(
 *   apiKey({ name: 'instance-key', header: 'X-API-Key', query: 'api_key', prefix: 'ck_', keys: instanceKeys }),
 *   apiKey({ name: 'org-key', header: 'X-Process-Manager-Key', prefix: 'cko_', keys: orgKeys }),
 *   standardWebhooks({ secret: process.env.WEBHOOK_SECRET }),
 * );
 * ```
 */
export function anyOf(...methods: AuthMethod[]): AnyOf {
  if (methods.length === 0) throw new TypeError('anyOf() needs at least one method.');
  methods.forEach((method, index) => {
    if (!isAuthMethod(method)) {
      throw new TypeError(
        `anyOf() argument ${index + 1} is not a method: pass schemes such as standardWebhooks({ secret }) or credential methods such as apiKey({ ... }).`,
      );
    }
  });
  if (new Set(methods).size !== methods.length) {
    throw new TypeError('anyOf() lists the same method twice.');
  }
  return Object.freeze({ kind: 'any-of', methods: Object.freeze([...methods]) });
}
