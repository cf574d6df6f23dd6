const decode = (name: string): string => {
  try {
    return decodeURIComponent(name.replaceAll('+', ' '));
  } catch {
    return name;
  }
};

/**
 * `url` with the value of every query parameter named in `names` replaced by `REDACTED`,
 * the rest byte for byte as it was; `url` itself when none is there. Takes an absolute URL
 * or a path with a query, as Node's `req.url` gives it. Adapters apply it to the request's
 * URL when a credential method reads a query parameter; use it in log serializers too, which
 * may see the URL before any middleware runs.
 *
 * @example
 * ```ts
 * import { redactQuery } from '@hookguard/core';
 * redactQuery('/trigger?api_key=ck_live_9f2c&run=1', ['api_key']); // '/trigger?api_key=REDACTED&run=1'
 * ```
 */
export function redactQuery(url: string, names: readonly string[]): string {
  const start = url.indexOf('?');
  if (start < 0 || names.length === 0) return url;
  const hash = url.indexOf('#', start);
  const end = hash < 0 ? url.length : hash;
  let changed = false;
  const parts = url
    .slice(start + 1, end)
    .split('&')
    .map((part) => {
      const equals = part.indexOf('=');
      const name = equals < 0 ? part : part.slice(0, equals);
      if (!names.includes(decode(name))) return part;
      changed = true;
      return `${name}=REDACTED`;
    });
  return changed ? `${url.slice(0, start + 1)}${parts.join('&')}${url.slice(end)}` : url;
}

/**
 * Replaces, in place, the value of every parameter named in `names` in a query object a
 * framework parsed before the URL was redacted (Fastify's `request.query`, Express 4's
 * `req.query`) by `REDACTED`. Anything but a plain object is left alone.
 *
 * @example
 * ```ts
 * import { redactParams } from '@hookguard/core';
 * redactParams(request.query, ['api_key']); // { api_key: 'REDACTED', run: '1' }
 * ```
 */
export function redactParams(query: unknown, names: readonly string[]): void {
  if (typeof query !== 'object' || query === null) return;
  for (const name of names) {
    if (Object.hasOwn(query, name)) (query as Record<string, unknown>)[name] = 'REDACTED';
  }
}
