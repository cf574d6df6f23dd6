import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Authenticated, CredentialSource } from './credential-method.js';
import { WebhookVerificationError } from './errors.js';
import { hasScopes, requireScopes } from './scopes.js';

const auth = (scopes: readonly string[], via: CredentialSource = 'header'): Authenticated => ({
  method: 'api-key',
  principal: 'p',
  scopes,
  via,
});

const refusal = (run: () => void): WebhookVerificationError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return error as WebhookVerificationError;
  }
  throw new Error('did not throw');
};

describe('hasScopes() and requireScopes()', () => {
  it.each([
    // granted, needed, allowed
    [['projects:read'], ['projects:read'], true],
    [['projects:read'], ['projects:write'], false],
    [['projects:read'], ['leads:read'], false],
    [['projects:read', 'leads:write'], ['projects:read', 'leads:write'], true],
    [['projects:read'], ['projects:read', 'leads:write'], false],
    [['admin'], ['projects:read', 'leads:write', 'billing:delete', 'admin'], true],
    [['read'], ['projects:read', 'leads:read'], true],
    [['read'], ['read'], true],
    [['read'], ['projects:write'], false],
    [['read'], ['admin'], false],
    [['read'], [':read'], false],
    [['write'], ['leads:write'], true],
    [['write'], ['leads:read'], false],
    [['write'], [':write'], false],
    [['read', 'write'], ['leads:read', 'leads:write'], true],
    [['projects:read'], ['read'], false],
    [['projects:admin'], ['projects:read'], false],
    [['Admin'], ['projects:read'], false],
    [[], ['projects:read'], false],
    [[], [], true],
    [['leads:write'], [], true],
  ])('granted %j, needing %j: %s', (granted, needed, allowed) => {
    expect(hasScopes(auth(granted), ...needed)).toBe(allowed);
    if (allowed) {
      expect(() => requireScopes(auth(granted), ...needed)).not.toThrow();
    } else {
      expect(refusal(() => requireScopes(auth(granted), ...needed)).code).toBe(
        'insufficient_scope',
      );
    }
  });

  it('refuses with 403 insufficient_scope naming only the scopes missing', () => {
    const error = refusal(() =>
      requireScopes(auth(['projects:read']), 'projects:read', 'leads:write', 'leads:delete'),
    );
    expect(error.status).toBe(403);
    expect(error.message).toBe(
      'The credentials are valid but lack the scopes this needs: leads:write, leads:delete.',
    );
    const one = refusal(() => requireScopes(auth([]), 'leads:write'));
    expect(one.message).toBe(
      'The credentials are valid but lack the scope this needs: leads:write.',
    );
  });

  it('challenges a Bearer token with error="insufficient_scope" and the scopes needed (RFC 6750)', () => {
    const error = refusal(() =>
      requireScopes(auth(['projects:read'], 'bearer'), 'projects:read', 'leads:write'),
    );
    expect(error.headers).toEqual({
      'www-authenticate': 'Bearer error="insufficient_scope", scope="projects:read leads:write"',
    });
    for (const via of ['header', 'query', undefined] as const) {
      const plain = { ...auth([]), via };
      expect(refusal(() => requireScopes(plain, 'leads:write')).headers).toBeUndefined();
    }
  });

  it('throws a TypeError for scope names RFC 6749 does not allow, and for no auth', () => {
    for (const bad of ['', 'leads write', 'a"b', 'a\\b', 'é', 42]) {
      expect(() => requireScopes(auth(['admin']), bad as string)).toThrow(TypeError);
      expect(() => hasScopes(auth(['admin']), bad as string)).toThrow(TypeError);
    }
    expect(() => requireScopes(undefined as never, 'x')).toThrow(TypeError);
    expect(() => hasScopes(null as never, 'x')).toThrow(TypeError);
  });

  it('treats an auth without a scopes list as granting none', () => {
    expect(hasScopes({ method: 'm', principal: 1 } as never, 'x')).toBe(false);
    expect(hasScopes({ method: 'm', principal: 1 } as never)).toBe(true);
  });
});

describe('scope rules (properties)', () => {
  const word = fc.stringMatching(/^[a-z][a-z_-]{0,11}$/);
  const action = fc.constantFrom('read', 'write', 'delete', 'admin');
  const scope = fc.oneof(
    fc.tuple(word, action).map(([resource, verb]) => `${resource}:${verb}`),
    fc.constantFrom('admin', 'read', 'write', 'delete'),
    word,
  );
  const scopes = fc.array(scope, { maxLength: 6 });

  // The model, written independently of the implementation.
  const covers = (grant: string, need: string): boolean => {
    if (grant === 'admin' || grant === need) return true;
    const [resource, verb, ...rest] = need.split(':');
    const legacy = grant === 'read' || grant === 'write';
    return legacy && rest.length === 0 && resource !== '' && verb === grant;
  };
  const model = (granted: string[], needed: string[]) =>
    needed.every((need) => granted.some((grant) => covers(grant, need)));

  it('agrees with the model, and requireScopes throws exactly when hasScopes is false', () => {
    fc.assert(
      fc.property(
        scopes,
        scopes,
        fc.constantFrom('header', 'query', 'bearer' as const),
        (granted, needed, via) => {
          const allowed = hasScopes(auth(granted, via), ...needed);
          expect(allowed).toBe(model(granted, needed));
          let threw: unknown;
          try {
            requireScopes(auth(granted, via), ...needed);
          } catch (error) {
            threw = error;
          }
          expect(threw === undefined).toBe(allowed);
          if (threw) {
            expect((threw as WebhookVerificationError).code).toBe('insufficient_scope');
            expect((threw as WebhookVerificationError).headers !== undefined).toBe(
              via === 'bearer',
            );
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('admin grants everything; needs split and join; more grants never take a scope away', () => {
    fc.assert(
      fc.property(scopes, scopes, scopes, (granted, a, b) => {
        expect(hasScopes(auth([...granted, 'admin']), ...a, ...b)).toBe(true);
        expect(hasScopes(auth(granted), ...a, ...b)).toBe(
          hasScopes(auth(granted), ...a) && hasScopes(auth(granted), ...b),
        );
        if (hasScopes(auth(granted), ...a))
          expect(hasScopes(auth([...granted, ...b]), ...a)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
