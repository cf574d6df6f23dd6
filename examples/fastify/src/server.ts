/**
 * A Fastify receiver for both schemes hookguard speaks:
 * `POST /webhooks/standard-webhooks` (Standard Webhooks) and `POST /webhooks/codaiq` (Codaiq).
 *
 * @example
 * ```sh
 * PORT=0 pnpm --filter example-fastify start
 * ```
 */
import { codaiq, memoryReplayStore, standardWebhooks, type WebhookScheme } from '@hookguard/core';
import { verifyWebhook } from '@hookguard/fastify';
import Fastify from 'fastify';

const secretFrom = (variable: string, fallback: string): string => {
  const value = process.env[variable];
  if (value) return value;
  console.log(`${variable} is not set: using the public development default secret.`);
  return fallback;
};

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 3002);

const receivers: ReadonlyArray<readonly [string, WebhookScheme]> = [
  [
    '/webhooks/standard-webhooks',
    standardWebhooks({
      secret: secretFrom('STANDARD_WEBHOOKS_SECRET', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'),
    }),
  ],
  [
    '/webhooks/codaiq',
    codaiq({ secret: secretFrom('CODAIQ_WEBHOOK_SECRET', 'cdaq_whsec_local_dev_only') }),
  ],
];

// Each delivery is handled once: a re-send after a 2xx is answered as a duplicate.
// One process, so memory is enough; several instances would share @hookguard/redis.
const replay = { store: memoryReplayStore() };

const app = Fastify();

for (const [path, scheme] of receivers) {
  // One scope per scheme: each verifier covers only its own route, and routes added
  // outside these scopes keep Fastify's usual JSON parsing.
  await app.register(async (scope) => {
    await scope.register(verifyWebhook, { scheme, replay });
    scope.post(path, async (request) => ({
      ok: true,
      scheme: request.webhook.scheme,
      id: request.webhook.id ?? null,
    }));
  });
}

await app.listen({ host, port });
const address = app.server.address();
const actualPort = typeof address === 'object' && address !== null ? address.port : port;
console.log(`hookguard example-fastify listening on http://${host}:${actualPort}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
