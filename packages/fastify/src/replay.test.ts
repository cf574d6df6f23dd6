import { request as httpRequest } from 'node:http';
import {
  memoryReplayStore,
  type ReplayOptions,
  type ReplayStore,
  replayKey,
  standardWebhooks,
} from '@hookguard/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import supertest from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type VerifyWebhookOptions, verifyWebhook } from './index.js';
import {
  closeAll,
  majors,
  type SchemeCase,
  STANDARD_SECRET,
  type Started,
  schemeCases,
  start,
} from './test-support.js';

afterEach(closeAll);

type Respond = (request: FastifyRequest, reply: FastifyReply, call: number) => unknown;

const DUPLICATE = { ok: true, duplicate: true };

/** A promise the test settles, so a handler or a store waits exactly as long as the test wants. */
const deferred = () => {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
};

const deliver = (app: Started['app'], headers: Record<string, string>, body: string) =>
  supertest(app.server)
    .post('/webhooks')
    .set(headers)
    .set('content-type', 'application/json')
    .send(body);

/** Sends the whole delivery over a socket the test can destroy before the answer. */
const abortable = (url: string, headers: Record<string, string>, body: string) => {
  const client = httpRequest(`${url}/webhooks`, {
    method: 'POST',
    agent: false,
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

describe.each(majors)('fastify $major', ({ create }) => {
  describe('replay option', () => {
    const scheme = standardWebhooks({ secret: STANDARD_SECRET });
    const store = memoryReplayStore();
    const register = async (options: unknown) => {
      const app = create();
      try {
        app.register(verifyWebhook, options as VerifyWebhookOptions);
        await app.ready();
      } finally {
        await app.close().catch(() => {});
      }
    };

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
    ])('throws a TypeError at registration for %s', async (_label, replay) => {
      await expect(register({ scheme, replay })).rejects.toThrow(TypeError);
    });

    it('accepts frozen replay options and leaves them as they were', async () => {
      const replay = Object.freeze({ store, ttlSeconds: 60, storeTimeoutMs: 100 });
      await expect(register(Object.freeze({ scheme, replay }))).resolves.toBeUndefined();
      expect(replay).toEqual({ store, ttlSeconds: 60, storeTimeoutMs: 100 });
    });
  });

  describe.each(schemeCases)('$name', (c: SchemeCase) => {
    const scheme = c.create();
    const body = JSON.stringify({ type: 'order.paid', data: { id: 'ord_1' } });
    const keyOf = async (headers: Record<string, string>) =>
      replayKey(await scheme.verify({ headers, body }));
    const handledAnswer = (headers: Record<string, string>) => ({
      ok: true,
      scheme: c.name,
      id: headers['webhook-id'] ?? null,
    });
    const receiver = (replay: ReplayOptions, respond?: Respond) =>
      start(create, { scheme, replay }, respond ? { respond } : {});

    it('handles a repeated delivery again without replay: the option is opt-in', async () => {
      const { app, calls } = await start(create, { scheme });
      const headers = await scheme.sign({ body });
      expect((await deliver(app, headers, body)).body).toEqual(handledAnswer(headers));
      expect((await deliver(app, headers, body)).body).toEqual(handledAnswer(headers));
      expect(calls).toHaveLength(2);
    });

    it(`answers a re-send of the exact same signed ${c.name} delivery after a 2xx as a duplicate, without the handler`, async () => {
      const { app, calls } = await receiver({ store: memoryReplayStore() });
      const headers = await scheme.sign({ body });
      const first = await deliver(app, headers, body);
      expect(first.status).toBe(200);
      expect(first.body).toEqual(handledAnswer(headers));
      for (let resend = 0; resend < 3; resend += 1) {
        const again = await deliver(app, headers, body);
        expect(again.status).toBe(200);
        expect(again.headers['content-type']).toMatch(/^application\/json/);
        expect(again.body).toEqual(DUPLICATE);
      }
      expect(calls).toHaveLength(1);
    });

    it('answers 409 delivery_in_progress while the first copy is still in the handler', async () => {
      const entered = deferred();
      const gate = deferred();
      const { app, calls } = await receiver(
        { store: memoryReplayStore() },
        async (_r, _p, call) => {
          if (call === 1) {
            entered.resolve();
            await gate.promise;
          }
          return { handled: call };
        },
      );
      const headers = await scheme.sign({ body });
      const first = deliver(app, headers, body).then((res) => res);
      await entered.promise;
      expectRefusal(await deliver(app, headers, body), 'delivery_in_progress');
      gate.resolve();
      expect((await first).body).toEqual({ handled: 1 });
      expect((await deliver(app, headers, body)).body).toEqual(DUPLICATE);
      expect(calls).toHaveLength(1);
    });

    it('handles the retry after the handler threw', async () => {
      const { app, calls } = await receiver({ store: memoryReplayStore() }, (_r, _p, call) => {
        if (call === 1) throw new Error('database down');
        return { handled: call };
      });
      const headers = await scheme.sign({ body });
      const failed = await deliver(app, headers, body);
      expect(failed.status).toBe(500);
      expect(failed.body).toMatchObject({ statusCode: 500, message: 'database down' });
      expect((await deliver(app, headers, body)).body).toEqual({ handled: 2 });
      expect((await deliver(app, headers, body)).body).toEqual(DUPLICATE);
      expect(calls).toHaveLength(2);
    });

    it.each([500, 404, 302])('handles the retry after the handler answered %i', async (status) => {
      const { app, calls } = await receiver({ store: memoryReplayStore() }, (_r, reply, call) =>
        call === 1 ? reply.code(status).send({ handled: call }) : { handled: call },
      );
      const headers = await scheme.sign({ body });
      expect((await deliver(app, headers, body)).status).toBe(status);
      const retry = await deliver(app, headers, body);
      expect({ status: retry.status, body: retry.body }).toEqual({
        status: 200,
        body: { handled: 2 },
      });
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
      const { app, url, calls } = await start(
        create,
        { scheme, replay: { store } },
        {
          scope: (scope) => {
            scope.addHook('onRequest', async (_request, reply) => {
              reply.raw.once('close', closed.resolve);
            });
          },
        },
      );
      const headers = await scheme.sign({ body });
      const client = abortable(url, headers, body);
      await asked.promise;
      client.destroy();
      await closed.promise;
      answered.resolve();
      await waitForRelease(inner, await keyOf(headers));
      expect(calls).toEqual([]);
      expect((await deliver(app, headers, body)).body).toEqual(handledAnswer(headers));
      expect(calls).toHaveLength(1);
    });

    it('answers 503 replay_store_unavailable, without the handler, when the store fails', async () => {
      const failing: ReplayStore = {
        claim: () => Promise.reject(new Error('connection refused')),
        complete: async () => {},
        release: async () => {},
      };
      const { app, calls } = await receiver({ store: failing });
      expectRefusal(
        await deliver(app, await scheme.sign({ body }), body),
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
      const { app, calls } = await receiver({ store: silent, storeTimeoutMs: 50 });
      expectRefusal(
        await deliver(app, await scheme.sign({ body }), body),
        'replay_store_unavailable',
      );
      expect(calls).toEqual([]);
    });

    it('lets onError answer a replay refusal', async () => {
      const { app, calls } = await start(create, {
        scheme,
        replay: { store: { ...memoryReplayStore(), claim: async () => 'in_progress' } },
        onError: (error, _request, reply) => reply.code(429).send({ busy: error.code }),
      });
      const res = await deliver(app, await scheme.sign({ body }), body);
      expect({ status: res.status, body: res.body }).toEqual({
        status: 429,
        body: { busy: 'delivery_in_progress' },
      });
      expect(calls).toEqual([]);
    });

    it('runs the handler exactly once for 100 concurrent copies of one delivery', async () => {
      const { app, calls } = await receiver(
        { store: memoryReplayStore() },
        async (_r, _p, call) => {
          await new Promise((resolve) => setImmediate(resolve));
          return { handled: call };
        },
      );
      const headers = await scheme.sign({ body });
      const responses = await Promise.all(
        Array.from({ length: 100 }, () => deliver(app, headers, body).then((res) => res)),
      );
      const handled = responses.filter((res) => res.status === 200 && res.body.duplicate !== true);
      expect(handled.map((res) => res.body)).toEqual([{ handled: 1 }]);
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
    const scheme = standardWebhooks({ secret: STANDARD_SECRET });
    const { app, calls } = await start(create, { scheme, replay: { store: memoryReplayStore() } });
    const body = JSON.stringify({ type: 'order.paid' });
    const first = await scheme.sign({ body, id: 'msg_retry', timestamp: Date.now() - 60_000 });
    const retry = await scheme.sign({ body, id: 'msg_retry' });
    expect(retry['webhook-signature']).not.toBe(first['webhook-signature']);
    expect((await deliver(app, first, body)).body).toMatchObject({ ok: true, id: 'msg_retry' });
    expect((await deliver(app, retry, body)).body).toEqual(DUPLICATE);
    const other = await scheme.sign({ body, id: 'msg_other' });
    expect((await deliver(app, other, body)).body).toMatchObject({ ok: true, id: 'msg_other' });
    expect(calls.map((call) => call.id)).toEqual(['msg_retry', 'msg_other']);
  });
});
