import { sha256Hex } from '#crypto';
import type {
  Authenticated,
  CredentialMethod,
  CredentialRequest,
  CredentialSource,
} from './credential-method.js';
import { WebhookVerificationError } from './errors.js';
import { utf8 } from './lib/bytes.js';
import { readHeader } from './lib/headers.js';
import { checkOptions } from './lib/options.js';
import { checkNeeded, requireScopes } from './scopes.js';

/**
 * One accepted key in {@link ApiKeyOptions.keys}: the key itself, or an object giving the
 * key or, better, only its {@link hashApiKey} hash, with the principal and scopes it grants.
 *
 * @example
 * ```ts
 * import type { ApiKeyEntry } from '@hookguard/core';
 * const entry: ApiKeyEntry = { hash: process.env.ACME_KEY_HASH, principal: { org: 'acme' }, scopes: ['leads:write'] };
 * ```
 */
export type ApiKeyEntry =
  | string
  | {
      /** The key as sent. Give this or `hash`, not both. */
      key?: string;
      /** `hashApiKey(key)`: 64 hex digits, so the key itself need not be in config. */
      hash?: string;
      /** What `authenticate` resolves as `principal`; default `undefined`. */
      principal?: unknown;
      /** Scopes the key grants; default none. */
      scopes?: readonly string[];
    };

/**
 * Options for {@link apiKey}. Give at least one of `header`, `query` and `bearer`, and
 * exactly one of `keys` and `lookup`.
 *
 * @example
 * ```ts
 * import type { ApiKeyOptions } from '@hookguard/core';
 * const options: ApiKeyOptions = { header: 'X-API-Key', prefix: 'ck_', keys: [process.env.INSTANCE_KEY ?? ''] };
 * ```
 */
export interface ApiKeyOptions {
  /** Header name(s) a key may come in, such as `'X-API-Key'`; shown in messages as given. */
  header?: string | readonly string[];
  /**
   * Query parameter a key may come in, such as `'api_key'`, for senders that cannot set
   * headers. The key then sits in the URL: keep it out of request logs.
   */
  query?: string;
  /** Accept `Authorization: Bearer <key>`; its refusals carry RFC 6750's challenge. */
  bearer?: boolean;
  /** The accepted keys, hashed once when `apiKey` is called. */
  keys?: readonly ApiKeyEntry[];
  /**
   * Finds a key by its `hashApiKey` hash, so only hashes need be stored: resolves with the
   * key's principal and scopes, or `undefined` for an unknown key. A rejection is passed on
   * as is (a store failure is a server error, not a refused key).
   */
  lookup?: (
    hash: string,
  ) => Promise<{ principal: unknown; scopes?: readonly string[] } | undefined>;
  /** Prefix(es) every key starts with, such as `'ck_'`; anything else is refused before hashing. */
  prefix?: string | readonly string[];
  /**
   * Scopes every request through this method needs (see `requireScopes`): a valid key
   * lacking one is refused with 403 `insufficient_scope`. Default none.
   */
  scopes?: readonly string[];
  /** The method's name, `Authenticated.method`. Default `'api-key'`. */
  name?: string;
}

interface Grant {
  readonly principal: unknown;
  readonly scopes: readonly string[];
}

interface Found {
  readonly value: string;
  readonly via: CredentialSource;
  /** The display name of the header or parameter, for messages. */
  readonly where: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HASH = /^[0-9a-fA-F]{64}$/;
const BEARER = /^bearer(?: +|$)/i;

// RFC 6750 §3: no error code when the request carried no token; invalid_request for a
// malformed one (or more than one way of sending it); invalid_token for an unknown one.
const CHALLENGE = { 'www-authenticate': 'Bearer' };
const INVALID_REQUEST = { 'www-authenticate': 'Bearer error="invalid_request"' };
const INVALID_TOKEN = { 'www-authenticate': 'Bearer error="invalid_token"' };

/**
 * The lower-case hex SHA-256 of `key`'s UTF-8 bytes: what to store instead of the key, and
 * what {@link ApiKeyOptions.lookup} is called with.
 *
 * @example
 * ```ts
 * import { hashApiKey } from '@hookguard/core';
 * const hash = await hashApiKey('ck_live_4f9a…'); // store this, never the key
 * ```
 */
export async function hashApiKey(key: string): Promise<string> {
  if (typeof key !== 'string') throw new TypeError('hashApiKey() needs the key as a string.');
  return sha256Hex(utf8(key));
}

const isStringList = (value: unknown): value is readonly string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

const nonEmptyList = (value: unknown, what: string): string[] => {
  const list = typeof value === 'string' ? [value] : value;
  if (!isStringList(list) || list.length === 0 || list.some((item) => item === '')) {
    throw new TypeError(`${what} must be a non-empty string or a non-empty list of them.`);
  }
  return [...list];
};

const article = (word: string): string => (/^[aeiox]/i.test(word) ? 'an' : 'a');

const humanList = (items: readonly string[]): string =>
  items.length === 1
    ? (items[0] as string)
    : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;

const copyScopes = (scopes: unknown, what: string): readonly string[] => {
  if (scopes === undefined) return Object.freeze([]);
  if (!isStringList(scopes)) throw new TypeError(`${what} must be a list of strings.`);
  return Object.freeze([...scopes]);
};

/** The entries, checked and copied at once; their hashing is started by the caller. */
const checkEntries = (keys: unknown, prefixes: readonly string[]) => {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new TypeError(
      'keys must be a non-empty list of keys or { key | hash, principal, scopes }.',
    );
  }
  const seen = new Set<string>();
  return keys.map((entry: unknown, index) => {
    const where = `keys[${index}]`;
    const { key, hash, principal, scopes } = (
      typeof entry === 'string' ? { key: entry } : typeof entry === 'object' && entry ? entry : {}
    ) as { key?: unknown; hash?: unknown; principal?: unknown; scopes?: unknown };
    if ((key === undefined) === (hash === undefined)) {
      throw new TypeError(`${where} must be a key, or an object with exactly one of key and hash.`);
    }
    if (key !== undefined && (typeof key !== 'string' || key === '')) {
      throw new TypeError(`${where} key must be a non-empty string.`);
    }
    if (hash !== undefined && (typeof hash !== 'string' || !HASH.test(hash))) {
      throw new TypeError(`${where} hash must be hashApiKey(key): 64 hex digits.`);
    }
    if (
      typeof key === 'string' &&
      prefixes.length > 0 &&
      !prefixes.some((p) => key.startsWith(p))
    ) {
      throw new TypeError(
        `${where} does not start with any configured prefix, so it could never match.`,
      );
    }
    const id = typeof key === 'string' ? `key:${key}` : `hash:${(hash as string).toLowerCase()}`;
    if (seen.has(id)) throw new TypeError(`${where} repeats an earlier entry.`);
    seen.add(id);
    const grant: Grant = Object.freeze({
      principal,
      scopes: copyScopes(scopes, `${where} scopes`),
    });
    return {
      key: key as string | undefined,
      hash: (hash as string | undefined)?.toLowerCase(),
      grant,
    };
  });
};

type Entries = ReturnType<typeof checkEntries>;

const hashTable = async (entries: Entries): Promise<Map<string, Grant>> => {
  const ids = await Promise.all(entries.map(({ key, hash }) => hash ?? hashApiKey(key as string)));
  const table = new Map<string, Grant>();
  for (const [index, id] of ids.entries()) {
    // A key listed once as itself and once by its hash: two grants, no way to choose.
    if (table.has(id)) throw new TypeError(`keys[${index}] is the same key as an earlier entry.`);
    table.set(id, (entries[index] as Entries[number]).grant);
  }
  return table;
};

/**
 * API-key authentication: a credential method that takes a key from named headers, a query
 * parameter or `Authorization: Bearer`, and resolves with `{ method, principal, scopes, via }`.
 *
 * The key is checked against `prefix` first (cheap, before any hashing), then hashed with
 * SHA-256 and found in `keys` (hashed once, up front) or by `lookup(hash)`, so only hashes
 * need be stored. Every presented key is hashed whatever its length, and no comparison runs
 * on the key itself, so timing tells nothing about stored keys. The body is never read.
 *
 * Refusals: `missing_credentials` (401, the message says what this endpoint accepts),
 * `invalid_credentials` (401, the same message for a wrong prefix and an unknown key; never
 * the key or its hash), and `malformed_header` (400) for a repeated header or parameter or
 * for more than one credential in one request, which is refused rather than guessed
 * between. When `bearer` is on, each carries a `WWW-Authenticate: Bearer` challenge (RFC
 * 6750), with `error="invalid_token"` for an unknown Bearer key and `error="invalid_request"`
 * for a malformed request. Options are checked at once (`TypeError`) and never mutated.
 *
 * @example
 * ```ts
 * import { apiKey, hashApiKey, requireScopes } from '@hookguard/core';
 *
 * const instanceKey = apiKey({ header: 'X-API-Key', query: 'api_key', prefix: 'ck_', keys: [process.env.INSTANCE_KEY ?? ''] });
 * const apiToken = apiKey({
 *   bearer: true,
 *   prefix: 'cdaq_live_',
 *   lookup: async (hash) => db.apiKeys.findByHash(hash), // { principal, scopes } or undefined
 * });
 * const auth = await apiToken.authenticate({ headers: request.headers, url: request.url });
 * requireScopes(auth, 'leads:write');
 * ```
 */
export function apiKey(options: ApiKeyOptions): CredentialMethod {
  checkOptions(options, 'apiKey');
  const { header, query, bearer = false, keys, lookup, prefix, scopes, name = 'api-key' } = options;
  if (typeof name !== 'string' || name === '')
    throw new TypeError('name must be a non-empty string.');
  if (typeof bearer !== 'boolean') throw new TypeError('bearer must be true or false.');
  const headers = header === undefined ? [] : nonEmptyList(header, 'header');
  for (const given of headers) {
    if (!TOKEN.test(given)) throw new TypeError('header must be a valid HTTP header name.');
    if (given.toLowerCase() === 'authorization') {
      throw new TypeError('To take keys from Authorization, use bearer: true, not header.');
    }
  }
  const names = headers.map((given) => given.toLowerCase());
  const labels = headers.map((given) => `${given} header`);
  if (new Set(names).size !== names.length) throw new TypeError('header lists a name twice.');
  if (query !== undefined && (typeof query !== 'string' || query === '')) {
    throw new TypeError('query must be a non-empty parameter name.');
  }
  if (names.length === 0 && query === undefined && !bearer) {
    throw new TypeError('apiKey() needs at least one of header, query and bearer: true.');
  }
  const prefixes = prefix === undefined ? [] : nonEmptyList(prefix, 'prefix');
  const needed = copyScopes(scopes, 'scopes');
  checkNeeded(needed, 'apiKey() scopes');
  if ((keys === undefined) === (lookup === undefined)) {
    throw new TypeError('apiKey() needs exactly one of keys (a list) and lookup (a function).');
  }
  if (lookup !== undefined && typeof lookup !== 'function') {
    throw new TypeError('lookup must be an async function from a key hash to its principal.');
  }
  let pending: Promise<Map<string, Grant>> | undefined;
  let table: Map<string, Grant> | undefined;
  if (keys !== undefined) {
    pending = hashTable(checkEntries(keys, prefixes));
    // Kept once built, so a request need not wait on a settled promise again.
    pending.then((built) => (table = built)).catch(() => {});
  }

  const accepts = humanList([
    ...headers.map((given) => `${article(given)} ${given} header`),
    ...(query === undefined ? [] : [`${article(query)} ${query} query parameter`]),
    ...(bearer ? ['an Authorization: Bearer key'] : []),
  ]);
  const challenge = (headersFor: Record<string, string>) =>
    bearer ? { headers: headersFor } : undefined;

  // Finds every credential the request carries; a repeated one throws malformed_header.
  const find = ({ headers: sent, url }: CredentialRequest, strict: boolean): Found[] => {
    const found: Found[] = [];
    const read = (lower: string) =>
      strict ? readHeader(sent, lower) : readHeader(sent, lower, () => false);
    for (const [index, lower] of names.entries()) {
      const value = read(lower);
      if (value !== undefined) found.push({ value, via: 'header', where: labels[index] ?? '' });
    }
    if (query !== undefined) {
      const values = queryValues(url, query);
      if (values.length > 1 && strict) {
        throw new WebhookVerificationError(
          'malformed_header',
          `The ${query} query parameter was sent more than once; send it exactly once.`,
        );
      }
      if (values[0] !== undefined)
        found.push({ value: values[0], via: 'query', where: `${query} query parameter` });
    }
    if (bearer) {
      // Other schemes (Digest, Basic) are not this method's, and Digest's own ", " is no
      // repeat; only a Bearer value is checked for a second copy joined onto it.
      const authorization = readHeader(sent, 'authorization', () => false);
      const scheme = authorization === undefined ? null : BEARER.exec(authorization);
      if (authorization !== undefined && scheme) {
        const token = authorization.slice(scheme[0].length);
        if (strict && token.includes(', ')) {
          throw new WebhookVerificationError(
            'malformed_header',
            'The Authorization header was sent more than once; send it exactly once.',
          );
        }
        found.push({ value: token, via: 'bearer', where: 'Authorization: Bearer key' });
      }
    }
    return found;
  };

  const refuse = (via: CredentialSource): never => {
    throw new WebhookVerificationError(
      'invalid_credentials',
      `The API key was not accepted. Check that it is current and sent as ${accepts}.`,
      challenge(via === 'bearer' ? INVALID_TOKEN : CHALLENGE),
    );
  };

  return {
    kind: 'credentials',
    name,
    accepts,
    queryParameters: Object.freeze(query === undefined ? [] : [query]),

    present(request) {
      if (typeof request !== 'object' || request === null) return false;
      try {
        return find(request, false).length > 0;
      } catch {
        return true; // present but unreadable: authenticate words that refusal
      }
    },

    async authenticate(request): Promise<Authenticated> {
      if (typeof request !== 'object' || request === null) {
        throw new TypeError('authenticate() needs the request as { headers, url }.');
      }
      let found: Found[];
      try {
        found = find(request, true);
      } catch (error) {
        if (!(error instanceof WebhookVerificationError) || !bearer) throw error;
        throw new WebhookVerificationError(error.code, error.message, { headers: INVALID_REQUEST });
      }
      const [credential, second] = found;
      if (credential === undefined) {
        throw new WebhookVerificationError(
          'missing_credentials',
          `This endpoint needs an API key: send ${accepts}.`,
          challenge(CHALLENGE),
        );
      }
      if (second !== undefined) {
        // Two keys may name two principals; picking one would be a guess an attacker could steer.
        throw new WebhookVerificationError(
          'malformed_header',
          `The request carries more than one credential (${humanList(found.map((f) => `${article(f.where)} ${f.where}`))}); send exactly one.`,
          challenge(INVALID_REQUEST),
        );
      }
      const { value, via } = credential;
      if (prefixes.length > 0 && !prefixes.some((p) => value.startsWith(p))) refuse(via);

      // Header values arrive as Latin-1 byte strings: re-encoding gives the bytes sent,
      // which are the key's UTF-8 for a sender that sent UTF-8. Query values are decoded text.
      const hashed = sha256Hex(via === 'query' ? utf8(value) : value);
      const hash = typeof hashed === 'string' ? hashed : await hashed;
      // A Map lookup's timing can only depend on SHA-256(presented key), which tells an
      // attacker nothing usable about any stored key (finding a key from it means a
      // preimage), so no constant-time comparison is needed here.
      const grant = pending
        ? (table ?? (await pending)).get(hash)
        : await lookupGrant(lookup, hash);
      if (grant === undefined) return refuse(via);
      const auth: Authenticated = {
        method: name,
        principal: grant.principal,
        scopes: grant.scopes,
        via,
      };
      if (needed.length > 0) requireScopes(auth, ...needed);
      return auth;
    },
  };
}

const lookupGrant = async (
  lookup: ApiKeyOptions['lookup'],
  hash: string,
): Promise<Grant | undefined> => {
  const result: unknown = await lookup?.(hash);
  if (result === undefined || result === null) return undefined;
  if (typeof result !== 'object') {
    throw new TypeError('lookup must resolve with { principal, scopes? } or undefined.');
  }
  const { principal, scopes } = result as { principal?: unknown; scopes?: unknown };
  return { principal, scopes: copyScopes(scopes, "lookup's scopes") };
};

// The URL's query alone, without `new URL`, so a path-only `req.url` works and nothing throws.
const queryValues = (url: string | undefined, name: string): string[] => {
  if (typeof url !== 'string') return [];
  const hash = url.indexOf('#');
  const bare = hash < 0 ? url : url.slice(0, hash);
  const start = bare.indexOf('?');
  return start < 0 ? [] : new URLSearchParams(bare.slice(start + 1)).getAll(name);
};
