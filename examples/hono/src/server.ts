import { serve } from '@hono/node-server';
import { codaiq, memoryReplayStore, standardWebhooks, type WebhookScheme } from '@hookguard/core';
import { verifyWebhook } from '@hookguard/hono';
import { Hono } from 'hono';

// Local-development secrets only; set the variables for anything real.
const DEFAULT_SECRETS = {
  STANDARD_WEBHOOKS_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  CODAIQ_WEBHOOK_SECRET: 'cdaq_whsec_local_dev_only',
};

const secret = (name: keyof typeof DEFAULT_SECRETS): string => {
  const value = process.env[name];
  if (value) return value;
  console.log(`${name} is not set; using the built-in local development secret.`);
  return DEFAULT_SECRETS[name];
};

const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 3003);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new Error(`PORT must be a port number, 0 to 65535; got ${process.env.PORT}.`);
}

const schemes: Record<string, WebhookScheme> = {
  'standard-webhooks': standardWebhooks({ secret: secret('STANDARD_WEBHOOKS_SECRET') }),
  codaiq: codaiq({ secret: secret('CODAIQ_WEBHOOK_SECRET') }),
};

// Each delivery is handled once: a re-send after a 2xx is answered as a duplicate.
// One process, so memory is enough; several instances would share @hookguard/redis.
const replay = { store: memoryReplayStore() };

const app = new Hono();
for (const [route, scheme] of Object.entries(schemes)) {
  // verifyWebhook() reads the raw body itself; c.req.json() still works in the handler.
  app.post(`/webhooks/${route}`, verifyWebhook(scheme, { replay }), (c) => {
    const webhook = c.get('webhook');
    return c.json({ ok: true, scheme: webhook.scheme, id: webhook.id ?? null });
  });
}

const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
  console.log(`hookguard example-hono listening on http://${host}:${info.port}`);
});

const shutdown = () => {
  server.close((error) => process.exit(error ? 1 : 0));
  (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
