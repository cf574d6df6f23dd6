// Edges of the request every adapter must refuse the same way, on real listening servers:
// repeated signed headers, slow bodies and aborted bodies.
import type { Server } from 'node:http';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { codaiq, standardWebhooks, type WebhookScheme } from '@hookguard/core';
import { verifyWebhook as expressVerifyWebhook } from '@hookguard/express';
import { verifyWebhook as fastifyVerifyWebhook } from '@hookguard/fastify';
import { verifyWebhook as honoVerifyWebhook } from '@hookguard/hono';
import express, { type ErrorRequestHandler } from 'express';
import fastify from 'fastify';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../replay/until.ts';

interface Options {
  bodyTimeoutMs?: number;
}

interface Receiver {
  url: string;
  /** Requests whose headers reached the app. */
  entered: () => number;
  /** Codes of the refusals, as the adapter's `onError` saw them. */
  refused: string[];
  /** Payloads the route handler ran for. */
  handled: unknown[];
  /** Errors that reached the framework's own error handler instead of a refusal. */
  escaped: unknown[];
  close(): Promise<void>;
}

const listening = async (server: Server) => {
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
};

const closer = (server: Server) => () =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

const startExpress = async (scheme: WebhookScheme, options: Options): Promise<Receiver> => {
  const [handled, escaped, refused]: [unknown[], unknown[], string[]] = [[], [], []];
  let entered = 0;
  const app = express();
  app.use((_req, _res, next) => {
    entered++;
    next();
  });
  const verify = expressVerifyWebhook(scheme, {
    ...options,
    onError: (error, _req, res) => {
      refused.push(error.code);
      res.status(error.status).json({ ok: false, error: { code: error.code } });
    },
  });
  app.post('/hook', verify, (req, res) => {
    handled.push(req.body);
    res.json({ ok: true });
  });
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    escaped.push(error);
    res.status(500).end();
  };
  app.use(onError);
  const server = app.listen(0, '127.0.0.1');
  const url = await listening(server);
  return { url, entered: () => entered, refused, handled, escaped, close: closer(server) };
};

const startFastify = async (scheme: WebhookScheme, options: Options): Promise<Receiver> => {
  const [handled, escaped, refused]: [unknown[], unknown[], string[]] = [[], [], []];
  let entered = 0;
  const app = fastify();
  app.addHook('onRequest', async () => {
    entered++;
  });
  app.setErrorHandler((error, _request, reply) => {
    escaped.push(error);
    return reply.code(500).send();
  });
  await app.register(async (scope) => {
    await scope.register(fastifyVerifyWebhook, {
      scheme,
      ...options,
      onError: (error, _request, reply) => {
        refused.push(error.code);
        return reply.code(error.status).send({ ok: false, error: { code: error.code } });
      },
    });
    scope.post('/hook', async (req) => {
      handled.push(req.body);
      return { ok: true };
    });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = await listening(app.server);
  return { url, entered: () => entered, refused, handled, escaped, close: closer(app.server) };
};

const startHono = async (scheme: WebhookScheme, options: Options): Promise<Receiver> => {
  const [handled, escaped, refused]: [unknown[], unknown[], string[]] = [[], [], []];
  let entered = 0;
  const app = new Hono();
  app.use(async (_c, next) => {
    entered++;
    await next();
  });
  const verify = honoVerifyWebhook(scheme, {
    ...options,
    onError: (error, c) => {
      refused.push(error.code);
      return c.json({ ok: false, error: { code: error.code } }, error.status as 400);
    },
  });
  app.post('/hook', verify, (c) => {
    handled.push(c.get('webhook').payload);
    return c.json({ ok: true });
  });
  app.onError((error, c) => {
    escaped.push(error);
    return c.body(null, 500);
  });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
  const url = await listening(server);
  return { url, entered: () => entered, refused, handled, escaped, close: closer(server) };
};

const adapters = [
  ['Express', startExpress],
  ['Fastify', startFastify],
  ['Hono', startHono],
] as const;

const standard = standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
const codaiqScheme = codaiq({ secret: 'cdaq_whsec_request_edges' });
const body = JSON.stringify({ type: 'order.paid', data: { id: 'ord_1' } });

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A raw request: header values given as arrays go out as repeated header lines, and
 * `chunks` are written as they are, so a body can stop short of its Content-Length.
 */
const send = (
  url: string,
  headers: Record<string, string | string[]>,
  chunks: string[],
  end = true,
) => {
  const clientRequest = request(url, { method: 'POST', headers, agent: false });
  const answer = new Promise<Answer>((resolve, reject) => {
    clientRequest.on('error', reject);
    clientRequest.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
      );
    });
  });
  for (const chunk of chunks) clientRequest.write(chunk);
  if (end) clientRequest.end();
  return { answer, clientRequest };
};

const codeOf = (answer: Answer) =>
  (JSON.parse(answer.body) as { error?: { code?: string } }).error?.code;

describe.each(adapters)('%s', (_name, start) => {
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'refuses %s sent twice with 400 malformed_header',
    async (name) => {
      receiver = await start(standard, {});
      const headers = await standard.sign({ body, id: 'msg_twice' });
      const other = await standard.sign({ body, id: 'msg_other' });
      const doubled = { ...headers, [name]: [headers[name], other[name]] as string[] };
      const answer = await send(receiver.url, doubled, [body]).answer;
      expect({ status: answer.status, code: codeOf(answer) }).toEqual({
        status: 400,
        code: 'malformed_header',
      });
      expect(receiver.handled).toEqual([]);
    },
  );

  it('refuses an X-Codaiq-Signature sent twice with a conflicting t=, even though one verifies', async () => {
    receiver = await start(codaiqScheme, {});
    const headers = await codaiqScheme.sign({ body });
    const valid = headers['x-codaiq-signature'] as string;
    const conflicting = `t=${Date.now() - 60_000},v1=${'0'.repeat(64)}`;
    for (const signatures of [
      [valid, conflicting],
      [conflicting, valid],
    ]) {
      const answer = await send(receiver.url, { 'x-codaiq-signature': signatures }, [body]).answer;
      expect({ status: answer.status, code: codeOf(answer) }).toEqual({
        status: 400,
        code: 'malformed_header',
      });
    }
    expect(receiver.handled).toEqual([]);
  });

  it('refuses a body still arriving after bodyTimeoutMs with 408 body_timeout and closes', async () => {
    receiver = await start(standard, { bodyTimeoutMs: 100 });
    const headers = await standard.sign({ body });
    const { answer, clientRequest } = send(
      receiver.url,
      { ...headers, 'content-length': String(body.length) },
      [body.slice(0, 3)],
      false,
    );
    const refused = await answer;
    clientRequest.destroy();
    expect({ status: refused.status, code: codeOf(refused) }).toEqual({
      status: 408,
      code: 'body_timeout',
    });
    expect(refused.headers.connection).toBe('close');
    expect(receiver.refused).toEqual(['body_timeout']);
    expect(receiver.handled).toEqual([]);
    expect(receiver.escaped).toEqual([]);
    // A body that arrives in time still verifies on the same receiver.
    const ok = await send(receiver.url, await standard.sign({ body }), [body]).answer;
    expect(ok.status).toBe(200);
  });

  it('checks bodyTimeoutMs at once', async () => {
    for (const bodyTimeoutMs of [0, -1, 1.5, Number.NaN]) {
      await expect(start(standard, { bodyTimeoutMs })).rejects.toThrow(/bodyTimeoutMs/);
    }
  });

  it('refuses a body the client aborted as invalid_payload, never a framework error', async () => {
    receiver = await start(standard, {});
    const headers = await standard.sign({ body });
    const { clientRequest, answer } = send(
      receiver.url,
      { ...headers, 'content-length': String(body.length) },
      [body.slice(0, 3)],
      false,
    );
    answer.catch(() => {}); // the abort is the point
    const seen = receiver;
    await until(async () => seen.entered() === 1, 'the request to reach the app');
    clientRequest.destroy();
    await until(
      async () => seen.refused.length + seen.escaped.length > 0,
      'the aborted body to be refused',
    );
    expect(seen.refused).toEqual(['invalid_payload']);
    expect(seen.escaped).toEqual([]);
    expect(seen.handled).toEqual([]);
    const ok = await send(seen.url, await standard.sign({ body }), [body]).answer;
    expect(ok.status).toBe(200);
  });
});
