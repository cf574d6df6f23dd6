// The arbitraries against real receivers on 127.0.0.1: the Express and Hono adapters with
// replay protection, for every scheme, as a user would test their own app.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { memoryReplayStore, type WebhookScheme } from '@hookguard/core';
import { verifyWebhook as expressWebhook } from '@hookguard/express';
import { verifyWebhook as honoWebhook } from '@hookguard/hono';
import express from 'express';
import fc from 'fast-check';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { type Delivery, signedDelivery, staleDelivery, tamperedDelivery } from './index.js';
import { schemeCases } from './test-schemes.js';

const RUNS = 20;

interface Receiver {
  url: string;
  /** Payloads the route handler ran with. */
  handled: unknown[];
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

const listening = async (server: Server, path: string): Promise<string> => {
  servers.push(server);
  if (!server.listening) await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
};

const frameworks = {
  express: async (scheme: WebhookScheme): Promise<Receiver> => {
    const handled: unknown[] = [];
    const app = express();
    app.post(
      '/webhooks',
      expressWebhook(scheme, { replay: { store: memoryReplayStore() } }),
      (req, res) => {
        handled.push(req.webhook.payload);
        res.json({ payload: req.webhook.payload });
      },
    );
    return { url: await listening(app.listen(0, '127.0.0.1'), '/webhooks'), handled };
  },
  hono: async (scheme: WebhookScheme): Promise<Receiver> => {
    const handled: unknown[] = [];
    const app = new Hono();
    app.post('/webhooks', honoWebhook(scheme, { replay: { store: memoryReplayStore() } }), (c) => {
      handled.push(c.get('webhook').payload);
      return c.json({ payload: c.get('webhook').payload });
    });
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    return { url: await listening(server, '/webhooks'), handled };
  },
};

const send = (url: string, delivery: Delivery<unknown>) =>
  fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });

describe.each(Object.entries(frameworks))('%s', (_framework, start) => {
  describe.each(schemeCases)('$name', ({ make, options, signsId, signsTime }) => {
    it('accepts every signed delivery once, and answers its re-send as a duplicate', async () => {
      const scheme = make();
      const { url, handled } = await start(scheme);
      let fresh = 0;
      await fc.assert(
        fc.asyncProperty(signedDelivery(scheme, options), async (pending) => {
          const delivery = await pending;
          const first = await send(url, delivery);
          expect(first.status).toBe(200);
          const answer = (await first.json()) as { payload?: unknown; duplicate?: boolean };
          // Without a signed id, equal bodies are one delivery to replay protection.
          if (signsId) expect(answer.duplicate).toBeUndefined();
          if (answer.duplicate === undefined) fresh++;
          if (options?.encode === undefined && answer.duplicate === undefined) {
            expect(answer.payload).toEqual(delivery.payload);
          }
          const again = await send(url, delivery);
          expect(again.status).toBe(200);
          expect(await again.json()).toEqual({ ok: true, duplicate: true });
        }),
        { numRuns: RUNS },
      );
      expect(handled).toHaveLength(fresh);
      expect(fresh).toBeGreaterThan(signsId ? RUNS - 1 : 0);
    });

    it('refuses every tampered delivery with the status and code it declares', async () => {
      const scheme = make();
      const { url, handled } = await start(scheme);
      await fc.assert(
        fc.asyncProperty(tamperedDelivery(scheme, options), async (pending) => {
          const delivery = await pending;
          const res = await send(url, delivery);
          expect(res.status).toBe(delivery.expected.status);
          expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
            delivery.expected.code,
          );
        }),
        { numRuns: RUNS },
      );
      expect(handled).toEqual([]);
    });

    // A scheme that signs no time has no stale deliveries (arbitraries.test.ts checks it says so).
    if (!signsTime) return;
    it('refuses every stale delivery with 401 timestamp_out_of_window', async () => {
      const scheme = make();
      const { url, handled } = await start(scheme);
      await fc.assert(
        fc.asyncProperty(staleDelivery(scheme, options), async (pending) => {
          const delivery = await pending;
          const res = await send(url, delivery);
          expect(res.status).toBe(401);
          expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
            'timestamp_out_of_window',
          );
        }),
        { numRuns: RUNS },
      );
      expect(handled).toEqual([]);
    });
  });
});

describe('a receiver that gets it wrong fails the properties', () => {
  it.each(Object.entries(frameworks))(
    '%s with the wrong secret fails the signed property',
    async (_name, start) => {
      const [receiverCase] = schemeCases;
      if (!receiverCase) throw new Error('no scheme cases');
      const sender = receiverCase.make();
      const { url } = await start(receiverCase.make());
      const result = await fc.check(
        fc.asyncProperty(signedDelivery(sender), async (pending) => {
          expect((await send(url, await pending)).status).toBe(200);
        }),
        { numRuns: 5 },
      );
      expect(result.failed).toBe(true);
    },
  );
});
