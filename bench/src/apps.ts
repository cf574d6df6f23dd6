import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { standardWebhooks } from '@hookguard/core';
import { verifyWebhook as expressVerify } from '@hookguard/express';
import { verifyWebhook as fastifyVerify } from '@hookguard/fastify';
import { verifyWebhook as honoVerify } from '@hookguard/hono';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { Webhook } from 'standardwebhooks';
import { baselineMatches } from './baseline.js';
import { STANDARD_SECRET } from './deliveries.js';

/** Every server the HTTP and memory benchmarks start, one per child process. */
export const VARIANTS = [
  'express-json',
  'express-baseline',
  'express-hookguard',
  'express-raw-standardwebhooks',
  'fastify-json',
  'fastify-baseline',
  'fastify-hookguard',
  'hono-json',
  'hono-baseline',
  'hono-hookguard',
] as const;
export type Variant = (typeof VARIANTS)[number];

/** Whether a variant checks signatures (and so refuses a tampered delivery). `-baseline` is the bare minimum by hand. */
export const verifies = (variant: Variant): boolean => !variant.endsWith('-json');

/** Every variant answers `POST` here. */
export const ROUTE = '/webhook';

export interface RunningApp {
  port: number;
  close(): Promise<void>;
}

interface Payload {
  type?: unknown;
}

/** The bare minimum by hand: HMAC + compare + `JSON.parse`, or `undefined` for a bad signature. */
const byHand = (headers: IncomingHttpHeaders, body: Uint8Array): Payload | undefined =>
  baselineMatches(headers, body)
    ? (JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString()) as Payload)
    : undefined;

const REFUSED = { ok: false, error: { code: 'signature_mismatch' } };

const listen = (server: Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

const closing = (server: Server) => (): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

const startExpress = async (variant: Variant, limit: number): Promise<RunningApp> => {
  const app = express();
  if (variant === 'express-json') {
    app.post(ROUTE, express.json({ limit }), (req, res) => {
      res.json({ ok: true, type: (req.body as Payload).type });
    });
  } else if (variant === 'express-baseline') {
    app.post(ROUTE, express.raw({ type: '*/*', limit }), (req, res) => {
      const payload = byHand(req.headers, req.body as Buffer);
      if (payload) res.json({ ok: true, id: req.headers['webhook-id'], type: payload.type });
      else res.status(401).json(REFUSED);
    });
  } else if (variant === 'express-hookguard') {
    const scheme = standardWebhooks({ secret: STANDARD_SECRET });
    app.post(ROUTE, expressVerify<Payload>(scheme, { limit }), (req, res) => {
      res.json({ ok: true, id: req.webhook?.id, type: req.body.type });
    });
  } else {
    // The usual hand-made receiver: raw bytes from express.raw(), then the reference library.
    const webhook = new Webhook(STANDARD_SECRET);
    app.post(ROUTE, express.raw({ type: '*/*', limit }), (req, res) => {
      let payload: Payload;
      try {
        payload = webhook.verify(
          req.body as Buffer,
          req.headers as Record<string, string>,
        ) as Payload;
      } catch (error) {
        res.status(401).json({ ok: false, error: { message: (error as Error).message } });
        return;
      }
      res.json({ ok: true, id: req.headers['webhook-id'], type: payload.type });
    });
  }
  const server = createServer(app);
  return { port: await listen(server), close: closing(server) };
};

const startFastify = async (variant: Variant, limit: number): Promise<RunningApp> => {
  const app = Fastify({ logger: false, bodyLimit: limit });
  if (variant === 'fastify-json') {
    app.post<{ Body: Payload }>(ROUTE, async (request) => ({ ok: true, type: request.body.type }));
  } else if (variant === 'fastify-baseline') {
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
        done(null, body);
      });
      scope.post(ROUTE, async (request, reply) => {
        const payload = byHand(request.headers, request.body as Buffer);
        if (payload) return { ok: true, id: request.headers['webhook-id'], type: payload.type };
        return reply.code(401).send(REFUSED);
      });
    });
  } else {
    const scheme = standardWebhooks({ secret: STANDARD_SECRET });
    await app.register(async (scope) => {
      await scope.register(fastifyVerify, { scheme, limit });
      scope.post<{ Body: Payload }>(ROUTE, async (request) => ({
        ok: true,
        id: request.webhook.id,
        type: request.body.type,
      }));
    });
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
};

const startHono = async (variant: Variant, limit: number): Promise<RunningApp> => {
  const app = new Hono();
  if (variant === 'hono-json') {
    app.post(ROUTE, async (c) => {
      const body = await c.req.json<Payload>();
      return c.json({ ok: true, type: body.type });
    });
  } else if (variant === 'hono-baseline') {
    app.post(ROUTE, async (c) => {
      const body = new Uint8Array(await c.req.arrayBuffer());
      const headers = {
        'webhook-id': c.req.header('webhook-id'),
        'webhook-timestamp': c.req.header('webhook-timestamp'),
        'webhook-signature': c.req.header('webhook-signature'),
      };
      const payload = byHand(headers, body);
      if (payload) return c.json({ ok: true, id: headers['webhook-id'], type: payload.type });
      return c.json(REFUSED, 401);
    });
  } else {
    const scheme = standardWebhooks({ secret: STANDARD_SECRET });
    app.post(ROUTE, honoVerify<Payload>(scheme, { limit }), (c) => {
      const webhook = c.get('webhook');
      return c.json({ ok: true, id: webhook.id, type: webhook.payload.type });
    });
  }
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  return { port: await listen(server), close: closing(server) };
};

/** Starts `variant` on 127.0.0.1 with an ephemeral port and a `limit`-byte body limit. */
export const startApp = (variant: Variant, limit: number): Promise<RunningApp> => {
  if (variant.startsWith('express')) return startExpress(variant, limit);
  if (variant.startsWith('fastify')) return startFastify(variant, limit);
  return startHono(variant, limit);
};
