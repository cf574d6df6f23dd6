// Receiver instances of different adapters for the cross-instance replay suite (test code only).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { codaiq, type ReplayOptions, standardWebhooks, type WebhookScheme } from '@hookguard/core';
import { verifyWebhook as expressVerifyWebhook } from '@hookguard/express';
import { verifyWebhook as fastifyVerifyWebhook } from '@hookguard/fastify';
import { verifyWebhook as honoVerifyWebhook } from '@hookguard/hono';
import express, { type ErrorRequestHandler } from 'express';
import fastify from 'fastify';
import { Hono } from 'hono';

export type SchemeName = 'standard-webhooks' | 'codaiq';

/** Both schemes, each served at `POST /<name>` by every receiver. */
export const schemes: Record<SchemeName, WebhookScheme> = {
  'standard-webhooks': standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
  codaiq: codaiq({ secret: 'cdaq_whsec_replay_suite' }),
};

/** What the suite sends: `failFirst` makes the first handler run for this id fail. */
export interface Payload {
  id: string;
  type: string;
  failFirst?: 'status' | 'throw';
}

/** What the handlers of every receiver in this process share with the test. */
export interface Handling {
  /** Handler runs per payload id, summed over every receiver. */
  calls: Map<string, number>;
  /** A handler for one of these ids waits for its promise before answering. */
  holds: Map<string, Promise<void>>;
}

export interface Receiver {
  readonly name: string;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Client connections the server has not yet seen close. */
  openConnections(): number;
  close(): Promise<void>;
}

type Outcome = 'handled' | 'status' | 'throw';

/** Counts the run, waits if held, and says whether it fails (only the first, when asked to). */
const run = async ({ calls, holds }: Handling, payload: Payload): Promise<Outcome> => {
  const count = (calls.get(payload.id) ?? 0) + 1;
  calls.set(payload.id, count);
  await holds.get(payload.id);
  return count === 1 && payload.failFirst ? payload.failFirst : 'handled';
};

const receiver = (name: string, server: Server): Receiver => {
  let open = 0;
  server.on('connection', (socket) => {
    open++;
    socket.once('close', () => open--);
  });
  const { port } = server.address() as AddressInfo;
  return {
    name,
    origin: `http://127.0.0.1:${port}`,
    openConnections: () => open,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
};

const names = Object.keys(schemes) as SchemeName[];

/** A Hono app on a real @hono/node-server at 127.0.0.1, port 0. */
export async function startHonoReceiver(
  replay: ReplayOptions,
  handling: Handling,
): Promise<Receiver> {
  const app = new Hono();
  for (const name of names) {
    app.post(`/${name}`, honoVerifyWebhook<Payload>(schemes[name], { replay }), async (c) => {
      const { payload } = c.get('webhook');
      const outcome = await run(handling, payload);
      if (outcome === 'throw') throw new Error('handler failed');
      if (outcome === 'status') return c.json({ ok: false }, 500);
      return c.json({ ok: true, handled: payload.id, by: 'hono' });
    });
  }
  app.onError((error, c) => c.json({ ok: false, failed: error.message }, 500));
  const server = await new Promise<Server>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () =>
      resolve(started as Server),
    );
  });
  return receiver('hono', server);
}

/** An Express app on a real listening server at 127.0.0.1, port 0. */
export async function startExpressReceiver(
  replay: ReplayOptions,
  handling: Handling,
): Promise<Receiver> {
  const app = express();
  for (const name of names) {
    app.post(
      `/${name}`,
      expressVerifyWebhook<Payload>(schemes[name], { replay }),
      async (req, res) => {
        const outcome = await run(handling, req.body);
        if (outcome === 'throw') throw new Error('handler failed');
        if (outcome === 'status') return void res.status(500).json({ ok: false });
        res.json({ ok: true, handled: req.body.id, by: 'express' });
      },
    );
  }
  const onError: ErrorRequestHandler = (error: Error, _req, res, _next) => {
    res.status(500).json({ ok: false, failed: error.message });
  };
  app.use(onError);
  const server = await new Promise<Server>((resolve, reject) => {
    const started = app.listen(0, '127.0.0.1', (error?: Error) =>
      error ? reject(error) : resolve(started),
    );
  });
  return receiver('express', server);
}

/** A Fastify app on a real listening server at 127.0.0.1, port 0. */
export async function startFastifyReceiver(
  replay: ReplayOptions,
  handling: Handling,
): Promise<Receiver> {
  const app = fastify();
  for (const name of names) {
    await app.register(async (scope) => {
      await scope.register(fastifyVerifyWebhook, { scheme: schemes[name], replay });
      scope.post<{ Body: Payload }>(`/${name}`, async (request, reply) => {
        const outcome = await run(handling, request.body);
        if (outcome === 'throw') throw new Error('handler failed');
        if (outcome === 'status') return reply.code(500).send({ ok: false });
        return { ok: true, handled: request.body.id, by: 'fastify' };
      });
    });
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  return receiver('fastify', app.server);
}
