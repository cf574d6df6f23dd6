import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { memoryReplayStore, standardWebhooks } from '@hookguard/core';
import { verifyWebhook } from '@hookguard/express';
import { type Delivery, signedDelivery, staleDelivery, tamperedDelivery } from '@hookguard/testing';
import express from 'express';
import fc from 'fast-check';
import { afterAll, expect, it } from 'vitest';

// Your receiver, exactly as in production (import your app instead of building one here).
const scheme = standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
const app = express();
const replay = { store: memoryReplayStore() };
app.post('/webhooks', verifyWebhook(scheme, { replay }), (req, res) => {
  res.json({ handled: req.webhook.id });
});

const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
afterAll(() => server.close());
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
const send = (delivery: Delivery) =>
  fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });

it('handles every signed delivery', async () => {
  await fc.assert(
    fc.asyncProperty(signedDelivery(scheme), async (pending) => {
      const response = await send(await pending);
      expect(response.status).toBe(200);
    }),
  );
});

it('refuses every tampered or stale delivery with the status and code it declares', async () => {
  const attacks = fc.oneof(tamperedDelivery(scheme), staleDelivery(scheme));
  await fc.assert(
    fc.asyncProperty(attacks, async (pending) => {
      const delivery = await pending;
      const response = await send(delivery);
      expect(response.status).toBe(delivery.expected.status);
      expect((await response.json()).error.code).toBe(delivery.expected.code);
    }),
  );
});
