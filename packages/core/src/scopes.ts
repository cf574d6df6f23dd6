import type { Authenticated } from './credential-method.js';
import { WebhookVerificationError } from './errors.js';

// RFC 6749 §3.3 scope-token: printable ASCII but space, `"` and `\`, so a needed scope can
// go into the WWW-Authenticate challenge's scope="..." as is.
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Throws a `TypeError` naming `caller` unless every entry is a usable scope name. */
export const checkNeeded = (needed: readonly string[], caller: string): void => {
  for (const scope of needed) {
    if (typeof scope !== 'string' || !SCOPE.test(scope)) {
      throw new TypeError(
        `${caller} takes scope names: non-empty, printable ASCII, no spaces, quotes or backslashes.`,
      );
    }
  }
};

const granted = (auth: Authenticated, caller: string): readonly string[] => {
  if (typeof auth !== 'object' || auth === null) {
    throw new TypeError(`${caller} needs the Authenticated result of authenticate().`);
  }
  return Array.isArray(auth.scopes) ? auth.scopes : [];
};

const implies = (grant: string, scope: string): boolean =>
  grant === scope ||
  grant === 'admin' ||
  // Legacy keys predate per-resource scopes: `read` and `write` cover every resource.
  (grant === 'read' && scope.length > 5 && scope.endsWith(':read')) ||
  (grant === 'write' && scope.length > 6 && scope.endsWith(':write'));

const lacking = (grants: readonly string[], needed: readonly string[]): string[] =>
  needed.filter((scope) => !grants.some((grant) => implies(grant, scope)));

/**
 * Whether `auth` holds every scope in `needed`. `admin` implies every scope; the legacy
 * `read` implies every `<resource>:read` and `write` every `<resource>:write`.
 *
 * @example
 * ```ts
 * import { hasScopes } from '@hookguard/core';
 * const canExport = hasScopes(auth, 'projects:read', 'leads:read');
 * ```
 */
export function hasScopes(auth: Authenticated, ...needed: string[]): boolean {
  checkNeeded(needed, 'hasScopes()');
  return lacking(granted(auth, 'hasScopes()'), needed).length === 0;
}

/**
 * Throws `insufficient_scope` (403) unless `auth` holds every scope in `needed`, with the
 * same implications as {@link hasScopes}. When the key came as `Authorization: Bearer`, the
 * error carries RFC 6750's `WWW-Authenticate: Bearer error="insufficient_scope"` challenge
 * naming the scopes needed. The message names the scopes missing (never the key).
 *
 * @example
 * ```ts
 * import { requireScopes } from '@hookguard/core';
 * const auth = await apiToken.authenticate({ headers: request.headers, url: request.url });
 * requireScopes(auth, 'leads:write');
 * ```
 */
export function requireScopes(auth: Authenticated, ...needed: string[]): void {
  checkNeeded(needed, 'requireScopes()');
  const missing = lacking(granted(auth, 'requireScopes()'), needed);
  if (missing.length === 0) return;
  throw new WebhookVerificationError(
    'insufficient_scope',
    `The credentials are valid but lack the scope${missing.length === 1 ? '' : 's'} this needs: ${missing.join(', ')}.`,
    auth.via === 'bearer'
      ? {
          headers: {
            'www-authenticate': `Bearer error="insufficient_scope", scope="${needed.join(' ')}"`,
          },
        }
      : undefined,
  );
}
