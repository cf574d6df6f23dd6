// One receiver factory per adapter and framework major, each a real server on 127.0.0.1, so
// the adapter contract suite runs the same cases against every one of them (test code only).

import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { AdapterOptions, Authenticated, Guard } from '@hookguard/core';
import { verifyWebhook as expressVerifyWebhook } from '@hookguard/express';
import { verifyWebhook as fastifyVerifyWebhook } from '@hookguard/fastify';
import { withWebhook } from '@hookguard/fetch';
import { verifyWebhook as honoVerifyWebhook } from '@hookguard/hono';
import express5, { type ErrorRequestHandler } from 'express';
import fastify5 from 'fastify';
import { Hono } from 'hono';

// npm aliases of the previous majors; their APIs are the parts used here.
const require = createRequire(import.meta.url);
const express4 = require('express4') as typeof express5;
const fastify4 = require('fastify4') as typeof fastify5;

export interface ReceiverOptions extends AdapterOptions {
  /** Answer refusals through the adapter's `onError`, recording their codes. */
  recordRefusals?: boolean;
}

export interface Receiver {
  /** `http://127.0.0.1:<port>/hook` */
  url: string;
  /** Requests whose headers reached the app. */
  entered(): number;
  /** Codes of the refusals `onError` answered (with `recordRefusals`). */
  refused: string[];
  /** What the route handler got as its payload, per run. */
  handled: unknown[];
  /** Errors that reached the framework's own error handler. */
  escaped: unknown[];
  close(): Promise<void>;
}

export type StartReceiver = (guard: Guard, options?: ReceiverOptions) => Promise<Receiver>;

interface Records {
  entered: number;
  refused: string[];
  handled: unknown[];
  escaped: unknown[];
}

const records = (): Records => ({ entered: 0, refused: [], handled: [], escaped: [] });

const receiver = async (server: Server, seen: Records): Promise<Receiver> => {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    entered: () => seen.entered,
    refused: seen.refused,
    handled: seen.handled,
    escaped: seen.escaped,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};

/** The handler's answer: what it was given, and the URL it (and any logger) saw. */
const answer = (
  payload: unknown,
  id: string | undefined,
  auth: Authenticated,
  url: string,
  query: unknown,
) => ({ ok: true, id: id ?? null, payload, auth, url, query });

const withExpress =
  (create: typeof express5): StartReceiver =>
  async (scheme, { recordRefusals, ...options } = {}) => {
    const seen = records();
    const app = create();
    app.use((_req, _res, next) => {
      seen.entered++;
      next();
    });
    const verify = expressVerifyWebhook(scheme, {
      ...options,
      ...(recordRefusals && {
        onError: (error, _req, res) => {
          seen.refused.push(error.code);
          res.status(error.status).json({ ok: false, error: { code: error.code } });
        },
      }),
    });
    // express.json() after it parses a key request's body and skips a verified delivery's.
    app.all('/hook', verify, express5.json(), (req, res) => {
      seen.handled.push(req.body);
      res.json(answer(req.body ?? null, req.webhook?.id, req.auth, req.originalUrl, req.query));
    });
    const onError: ErrorRequestHandler = (error, _req, res, _next) => {
      seen.escaped.push(error);
      res.status(500).json({ escaped: String(error) });
    };
    app.use(onError);
    return receiver(app.listen(0, '127.0.0.1'), seen);
  };

const withFastify =
  (create: typeof fastify5): StartReceiver =>
  async (scheme, { recordRefusals, ...options } = {}) => {
    const seen = records();
    const app = create();
    app.addHook('onRequest', async () => {
      seen.entered++;
    });
    app.setErrorHandler((error, _request, reply) => {
      seen.escaped.push(error);
      return reply.code(500).send({ escaped: String(error) });
    });
    await app.register(async (scope) => {
      await scope.register(fastifyVerifyWebhook, {
        scheme,
        ...options,
        ...(recordRefusals && {
          onError: (error, _request, reply) => {
            seen.refused.push(error.code);
            return reply.code(error.status).send({ ok: false, error: { code: error.code } });
          },
        }),
      });
      scope.route({
        method: ['GET', 'POST'],
        url: '/hook',
        handler: async (request) => {
          seen.handled.push(request.body);
          return answer(
            request.body ?? null,
            request.webhook?.id,
            request.auth,
            request.url,
            request.query,
          );
        },
      });
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return receiver(app.server, seen);
  };

const withHono: StartReceiver = async (scheme, { recordRefusals, ...options } = {}) => {
  const seen = records();
  const app = new Hono();
  app.use(async (_c, next) => {
    seen.entered++;
    await next();
  });
  const verify = honoVerifyWebhook(scheme, {
    ...options,
    ...(recordRefusals && {
      onError: (error, c) => {
        seen.refused.push(error.code);
        return c.json({ ok: false, error: { code: error.code } }, error.status as 400);
      },
    }),
  });
  app.on(['GET', 'POST'], '/hook', verify, async (c) => {
    const webhook = c.get('webhook') as typeof c.var.webhook | undefined;
    const json = c.req.header('content-type')?.startsWith('application/json');
    const payload = webhook ? webhook.payload : json ? await c.req.json() : null;
    seen.handled.push(payload);
    const { pathname, search } = new URL(c.req.url);
    return c.json(
      answer(payload, webhook?.id, c.get('auth'), `${pathname}${search}`, c.req.query()),
    );
  });
  app.onError((error, c) => {
    seen.escaped.push(error);
    return c.json({ escaped: String(error) }, 500);
  });
  return receiver(serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }) as Server, seen);
};

// A bare Fetch handler served by @hono/node-server: no router, no framework error handler,
// so what withWebhook throws is caught here as the runtime's own handling would.
const withFetch: StartReceiver = async (guard, { recordRefusals, ...options } = {}) => {
  const seen = records();
  const handle = withWebhook(
    guard,
    async (request, delivery, auth) => {
      const json = request.headers.get('content-type')?.startsWith('application/json');
      const payload = delivery ? delivery.payload : json ? await request.json() : null;
      seen.handled.push(payload);
      const { pathname, search, searchParams } = new URL(request.url);
      const query = Object.fromEntries(searchParams);
      return Response.json(answer(payload, delivery?.id, auth, `${pathname}${search}`, query));
    },
    {
      ...options,
      ...(recordRefusals && {
        onError: (error) => {
          seen.refused.push(error.code);
          return Response.json(
            { ok: false, error: { code: error.code } },
            { status: error.status },
          );
        },
      }),
    },
  );
  const fetch = async (request: Request) => {
    seen.entered++;
    try {
      return await handle(request);
    } catch (error) {
      seen.escaped.push(error);
      return Response.json({ escaped: String(error) }, { status: 500 });
    }
  };
  return receiver(serve({ fetch, hostname: '127.0.0.1', port: 0 }) as Server, seen);
};

/** Every adapter, on every framework major it supports. */
export const receivers: readonly [string, StartReceiver][] = [
  ['express 4', withExpress(express4)],
  ['express 5', withExpress(express5)],
  ['fastify 4', withFastify(fastify4)],
  ['fastify 5', withFastify(fastify5)],
  ['hono', withHono],
  ['fetch', withFetch],
];
