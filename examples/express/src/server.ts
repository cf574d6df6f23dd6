import type { AddressInfo } from 'node:net';
import { codaiq, memoryReplayStore, standardWebhooks } from '@hookguard/core';
import { verifyWebhook } from '@hookguard/express';
import express, { type Request, type Response } from 'express';

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
const port = Number(process.env.PORT || 3001);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new Error(`PORT must be a port number, 0 to 65535; got ${process.env.PORT}.`);
}

const acknowledge = (req: Request, res: Response) => {
  res.json({ ok: true, scheme: req.webhook.scheme, id: req.webhook.id ?? null });
};

// Each delivery is handled once: a re-send after a 2xx is answered as a duplicate.
// One process, so memory is enough; several instances would share @hookguard/redis.
const replay = { store: memoryReplayStore() };

const app = express();
// No body parser before the webhook routes: verifyWebhook() reads the raw body itself.
app.post(
  '/webhooks/standard-webhooks',
  verifyWebhook(standardWebhooks({ secret: secret('STANDARD_WEBHOOKS_SECRET') }), { replay }),
  acknowledge,
);
app.post(
  '/webhooks/codaiq',
  verifyWebhook(codaiq({ secret: secret('CODAIQ_WEBHOOK_SECRET') }), { replay }),
  acknowledge,
);

const server = app.listen(port, host, (error?: Error) => {
  if (error) throw error;
  const { port: actual } = server.address() as AddressInfo;
  console.log(`hookguard example-express listening on http://${host}:${actual}`);
});

const shutdown = () => {
  server.close((error) => process.exit(error ? 1 : 0));
  server.closeIdleConnections();
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
