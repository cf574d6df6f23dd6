/**
 * One endpoint, `POST /trigger` (and `GET`), that accepts any of four ways in, through
 * `anyOf()`: an instance key in `X-API-Key` or, for senders that cannot set headers, in
 * `?api_key=`; an organization key in `X-Process-Manager-Key`; or a Standard Webhooks
 * signature. The first credential the request carries decides: a wrong one is refused and
 * never falls through to the next way in. It answers `{ ok, by, url }`: the method that let
 * the request in and the URL as the handler sees it (a query key reads `REDACTED`).
 *
 * @example
 * ```sh
 * PORT=3004 pnpm --filter example-trigger start
 * curl -X POST localhost:3004/trigger -H 'X-API-Key: ck_local_dev_instance_0001'
 * curl -X POST 'localhost:3004/trigger?api_key=ck_local_dev_instance_0001'
 * curl -X POST localhost:3004/trigger -H 'X-Process-Manager-Key: cko_local_dev_org_0001'
 * # Standard Webhooks: HMAC-SHA256 of "<id>.<timestamp>.<body>" under the secret's bytes.
 * id=msg_1 ts=$(date +%s) body='{"run":1}'
 * key=$(echo MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw | base64 -d | xxd -p -c 256)
 * sig=$(printf %s "$id.$ts.$body" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$key -binary | base64)
 * curl localhost:3004/trigger -H "webhook-id: $id" -H "webhook-timestamp: $ts" \
 *   -H "webhook-signature: v1,$sig" -H 'content-type: application/json' -d "$body"
 * ```
 */
import {
  anyOf,
  apiKey,
  hashApiKey,
  memoryReplayStore,
  redactQuery,
  standardWebhooks,
} from '@hookguard/core';
import { verifyWebhook } from '@hookguard/fastify';
import Fastify from 'fastify';

const fromEnv = (variable: string, fallback: string, what: string): string => {
  const value = process.env[variable];
  if (value) return value;
  console.log(`${variable} is not set: using the public development default ${what}.`);
  return fallback;
};

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 3004);

const instanceKey = apiKey({
  name: 'instance-key',
  header: 'X-API-Key',
  query: 'api_key',
  prefix: 'ck_',
  scopes: ['workflows:trigger'],
  keys: [
    {
      key: fromEnv('INSTANCE_KEY', 'ck_local_dev_instance_0001', 'key'),
      principal: { instance: 'local' },
      scopes: ['workflows:trigger'],
    },
  ],
});

// Store only hashes: a leaked table lets nobody in. These two local-development keys are
// hashed here; a real store is given hashes when keys are issued and never sees a key again.
const orgKeys = new Map([
  [await hashApiKey('cko_local_dev_org_0001'), { principal: { org: 'local' }, scopes: ['admin'] }],
  [
    // Valid, but may not trigger: refused with 403 insufficient_scope.
    await hashApiKey('cko_local_dev_readonly_0001'),
    { principal: { org: 'local' }, scopes: ['workflows:read'] },
  ],
]);

const orgKey = apiKey({
  name: 'org-key',
  header: 'X-Process-Manager-Key',
  prefix: 'cko_',
  scopes: ['workflows:trigger'],
  lookup: async (hash) => orgKeys.get(hash),
});

const signed = standardWebhooks({
  secret: fromEnv('STANDARD_WEBHOOKS_SECRET', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'secret'),
});

const app = Fastify({
  logger: {
    serializers: {
      // Fastify logs "incoming request" before any hook runs, verifyWebhook's included, so
      // the URL it logs still holds a ?api_key=: redact it here, or the key is in the logs.
      req: (req) => ({ method: req.method, url: redactQuery(req.url ?? '/', ['api_key']) }),
    },
  },
});

await app.register(async (scope) => {
  await scope.register(verifyWebhook, {
    scheme: anyOf(instanceKey, orgKey, signed),
    // Each signed delivery is handled once; keys are not deliveries and are never claimed.
    replay: { store: memoryReplayStore() },
  });
  scope.route({
    method: ['GET', 'POST'],
    url: '/trigger',
    handler: async (request) => ({ ok: true, by: request.auth.method, url: request.url }),
  });
});

await app.listen({ host, port });
const address = app.server.address();
const actualPort = typeof address === 'object' && address !== null ? address.port : port;
console.log(`hookguard example-trigger listening on http://${host}:${actualPort}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
