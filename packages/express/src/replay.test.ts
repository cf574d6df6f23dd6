import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  memoryReplayStore,
  type ReplayOptions,
  type ReplayStore,
  replayKey,
  type WebhookScheme,
} from '@hookguard/core';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { type VerifyWebhookOptions, verifyWebhook } from './index.js';
import { expressVersions, type SchemeCase, schemeCases, serve } from './test-helpers.js';

type ExpressFactory = (typeof expressVersions)[number][1];
type Server = Awaited<ReturnType<typeof serve>>;
type Behaviour = (req: Request, res: Response, call: number) => unknown;

const [standard] = schemeCases as [SchemeCase, SchemeCase];
const DUPLICATE = { ok: true, duplicate: true };

/** A promise the test settles, so a handler or a store waits exactly as long as the test wants. */
const deferred = () => {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
};

const answer: Behaviour = (req, res) => res.json({ ok: true, id: req.webhook.id ?? null });

/** A real app: `before`, verifyWebhook with `replay`, a handler that counts its calls and runs `behave`. */
const replayReceiver = async (
  express: ExpressFactory,
  scheme: WebhookScheme,
  replay: ReplayOptions,
  behave: Behaviour = answer,
  before: RequestHandler[] = [],
) => {
  const calls: string[] = [];
  const app = express();
  for (const middleware of before) app.use(middleware);
  app.post('/webhooks', verifyWebhook(scheme, { replay }), async (req, res, next) => {
    calls.push(await replayKey(req.webhook));
    try {
      await behave(req, res, calls.length);
    } catch (error) {
      next(error); // Express 4 does not catch async handlers itself.
    }
  });
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    res.status(500).json({ failed: String(error) });
  };
  app.use(onError);
  return { server: await serve(app), calls };
};

const deliver = (server: Server, headers: Record<string, string>, body: string) =>
  request(server).post('/webhooks').set(headers).set('content-type', 'application/json').send(body);

/** Sends the whole delivery over a socket the test can destroy before the answer. */
const abortable = (server: Server, headers: Record<string, string>, body: string) => {
  const { port } = server.address() as AddressInfo;
  const client = httpRequest({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/webhooks',
    headers: { ...headers, 'content-type': 'application/json' },
  });
  client.on('error', () => {});
  client.end(body);
  return client;
};

/** Waits (bounded) until `key` can be claimed again, i.e. it was released; then frees it. */
const waitForRelease = async (store: ReplayStore, key: string) => {
  await vi.waitFor(async () => expect(await store.claim(key, 'probe', 60_000)).toBe('claimed'), {
    timeout: 5_000,
    interval: 5,
  });
  await store.release(key, 'probe');
};

const expectRefusal = (res: { status: number; headers: object; body: unknown }, code: string) => {
  expect({ status: res.status, body: res.body }).toEqual({
    status: code === 'delivery_in_progress' ? 409 : 503,
    body: {
      ok: false,
      error: { code, message: expect.any(String) },
      meta: { requestId: expect.any(String) },
    },
  });
  expect((res.headers as Record<string, string>)['content-type']).toMatch(/^application\/json/);
};

describe('verifyWebhook() replay option', () => {
  const store = memoryReplayStore();
  it.each([
    ['null', null],
    ['no store', {}],
    [
      'a store without release',
      { store: { claim: async () => 'claimed', complete: async () => {} } },
    ],
    ['a ttlSeconds of 0', { store, ttlSeconds: 0 }],
    ['a negative ttlSeconds', { store, ttlSeconds: -5 }],
    ['a ttlSeconds that is not a number', { store, ttlSeconds: '600' }],
    ['an infinite claimTtlSeconds', { store, claimTtlSeconds: Number.POSITIVE_INFINITY }],
    ['a NaN storeTimeoutMs', { store, storeTimeoutMs: Number.NaN }],
  ])('throws a TypeError at once for %s', (_label, replay) => {
    expect(() => verifyWebhook(standard.scheme, { replay: replay as ReplayOptions })).toThrow(
      TypeError,
    );
  });

  it('accepts frozen replay options and leaves them as they were', () => {
    const replay = Object.freeze({ store, ttlSeconds: 60, storeTimeoutMs: 100 });
    expect(verifyWebhook(standard.scheme, Object.freeze({ replay }))).toBeTypeOf('function');
    expect(replay).toEqual({ store, ttlSeconds: 60, storeTimeoutMs: 100 });
  });
});

describe.each(expressVersions)('%s', (_version, express) => {
  describe.each(schemeCases)('$name', ({ name, scheme }) => {
    const body = JSON.stringify({ type: 'order.paid', data: { id: 'ord_1' } });
    const keyOf = async (headers: Record<string, string>) =>
      replayKey(await scheme.verify({ headers, body }));

    it('handles a repeated delivery again without replay: the option is opt-in', async () => {
      let handled = 0;
      const app = express();
      app.post('/webhooks', verifyWebhook(scheme), (_req, res) => {
        handled += 1;
        res.json({ ok: true });
      });
      const server = await serve(app);
      const headers = await scheme.sign({ body });
      expect((await deliver(server, headers, body)).body).toEqual({ ok: true });
      expect((await deliver(server, headers, body)).body).toEqual({ ok: true });
      expect(handled).toBe(2);
    });

    it(`answers a re-send of the exact same signed ${name} delivery after a 2xx as a duplicate, without the handler`, async () => {
      const { server, calls } = await replayReceiver(express, scheme, {
        store: memoryReplayStore(),
      });
      const headers = await scheme.sign({ body });
      const first = await deliver(server, headers, body);
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ ok: true, id: headers['webhook-id'] ?? null });
      for (let resend = 0; resend < 3; resend += 1) {
        const again = await deliver(server, headers, body);
        expect(again.status).toBe(200);
        expect(again.headers['content-type']).toMatch(/^application\/json/);
        expect(again.body).toEqual(DUPLICATE);
      }
      expect(calls).toEqual([await keyOf(headers)]);
    });

    it('answers 409 delivery_in_progress while the first copy is still in the handler', async () => {
      const entered = deferred();
      const gate = deferred();
      const { server, calls } = await replayReceiver(
        express,
        scheme,
        { store: memoryReplayStore() },
        async (req, res, call) => {
          if (call === 1) {
            entered.resolve();
            await gate.promise;
          }
          answer(req, res, call);
        },
      );
      const headers = await scheme.sign({ body });
      const first = deliver(server, headers, body).then((res) => res);
      await entered.promise;
      expectRefusal(await deliver(server, headers, body), 'delivery_in_progress');
      gate.resolve();
      expect((await first).status).toBe(200);
      expect((await deliver(server, headers, body)).body).toEqual(DUPLICATE);
      expect(calls).toHaveLength(1);
    });

    it('handles the retry after the handler threw', async () => {
      const { server, calls } = await replayReceiver(
        express,
        scheme,
        { store: memoryReplayStore() },
        (req, res, call) => {
          if (call === 1) throw new Error('database down');
          answer(req, res, call);
        },
      );
      const headers = await scheme.sign({ body });
      const failed = await deliver(server, headers, body);
      expect(failed.status).toBe(500);
      expect(failed.body).toEqual({ failed: 'Error: database down' });
      const retry = await deliver(server, headers, body);
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual({ ok: true, id: headers['webhook-id'] ?? null });
      expect((await deliver(server, headers, body)).body).toEqual(DUPLICATE);
      expect(calls).toHaveLength(2);
    });

    it.each([500, 404, 302])('handles the retry after the handler answered %i', async (status) => {
      const { server, calls } = await replayReceiver(
        express,
        scheme,
        { store: memoryReplayStore() },
        (req, res, call) => (call === 1 ? res.status(status).json({}) : answer(req, res, call)),
      );
      const headers = await scheme.sign({ body });
      expect((await deliver(server, headers, body)).status).toBe(status);
      const retry = await deliver(server, headers, body);
      expect(retry.status).toBe(200);
      expect(retry.body).not.toEqual(DUPLICATE);
      expect(calls).toHaveLength(2);
    });

    it('releases at once, and runs no handler, when the client left while the store answered', async () => {
      const inner = memoryReplayStore();
      const asked = deferred();
      const answered = deferred();
      const store: ReplayStore = {
        ...inner,
        claim: async (...args) => {
          asked.resolve();
          await answered.promise;
          return inner.claim(...args);
        },
      };
      const closed = deferred();
      const noticeClose: RequestHandler = (_req, res, next) => {
        res.once('close', closed.resolve);
        next();
      };
      const { server, calls } = await replayReceiver(express, scheme, { store }, answer, [
        noticeClose,
      ]);
      const headers = await scheme.sign({ body });
      const client = abortable(server, headers, body);
      await asked.promise;
      client.destroy();
      await closed.promise;
      answered.resolve();
      await waitForRelease(inner, await keyOf(headers));
      expect(calls).toEqual([]);
      const retry = await deliver(server, headers, body);
      expect(retry.status).toBe(200);
      expect(calls).toHaveLength(1);
    });

    it('answers 503 replay_store_unavailable, without the handler, when the store fails', async () => {
      const failing: ReplayStore = {
        claim: () => Promise.reject(new Error('connection refused')),
        complete: async () => {},
        release: async () => {},
      };
      const { server, calls } = await replayReceiver(express, scheme, { store: failing });
      expectRefusal(
        await deliver(server, await scheme.sign({ body }), body),
        'replay_store_unavailable',
      );
      expect(calls).toEqual([]);
    });

    it('answers 503 replay_store_unavailable, without the handler, when the store never answers', async () => {
      const silent: ReplayStore = {
        claim: () => new Promise(() => {}),
        complete: () => new Promise(() => {}),
        release: () => new Promise(() => {}),
      };
      const { server, calls } = await replayReceiver(express, scheme, {
        store: silent,
        storeTimeoutMs: 50,
      });
      expectRefusal(
        await deliver(server, await scheme.sign({ body }), body),
        'replay_store_unavailable',
      );
      expect(calls).toEqual([]);
    });

    it('lets onError answer a replay refusal', async () => {
      const busy: ReplayStore = { ...memoryReplayStore(), claim: async () => 'in_progress' };
      const app = express();
      let handled = 0;
      const onError: VerifyWebhookOptions['onError'] = (error, _req, res) => {
        res.status(429).json({ busy: error.code });
      };
      app.post(
        '/webhooks',
        verifyWebhook(scheme, { replay: { store: busy }, onError }),
        (_req, res) => {
          handled += 1;
          res.json({ ok: true });
        },
      );
      const res = await deliver(await serve(app), await scheme.sign({ body }), body);
      expect({ status: res.status, body: res.body }).toEqual({
        status: 429,
        body: { busy: 'delivery_in_progress' },
      });
      expect(handled).toBe(0);
    });

    it('runs the handler exactly once for 100 concurrent copies of one delivery', async () => {
      const { server, calls } = await replayReceiver(
        express,
        scheme,
        { store: memoryReplayStore() },
        async (req, res, call) => {
          await new Promise((resolve) => setImmediate(resolve));
          answer(req, res, call);
        },
      );
      const headers = await scheme.sign({ body });
      const responses = await Promise.all(
        Array.from({ length: 100 }, () => deliver(server, headers, body).then((res) => res)),
      );
      const handled = responses.filter((res) => res.status === 200 && res.body.duplicate !== true);
      expect(handled).toHaveLength(1);
      for (const res of responses) {
        if (res === handled[0]) continue;
        if (res.status === 409) expectRefusal(res, 'delivery_in_progress');
        else
          expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: DUPLICATE });
      }
      expect(calls).toHaveLength(1);
    });
  });

  it('treats a Standard Webhooks retry re-signed at a new time (same webhook-id) as a duplicate', async () => {
    const { scheme } = standard;
    const { server, calls } = await replayReceiver(express, scheme, { store: memoryReplayStore() });
    const body = JSON.stringify({ type: 'order.paid' });
    const first = await scheme.sign({ body, id: 'msg_retry', timestamp: Date.now() - 60_000 });
    const retry = await scheme.sign({ body, id: 'msg_retry' });
    expect(retry['webhook-signature']).not.toBe(first['webhook-signature']);
    expect((await deliver(server, first, body)).body).toEqual({ ok: true, id: 'msg_retry' });
    expect((await deliver(server, retry, body)).body).toEqual(DUPLICATE);
    const other = await scheme.sign({ body, id: 'msg_other' });
    expect((await deliver(server, other, body)).body).toEqual({ ok: true, id: 'msg_other' });
    expect(calls).toEqual(['standard-webhooks:msg_retry', 'standard-webhooks:msg_other']);
  });
});
