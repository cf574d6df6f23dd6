import {
  memoryReplayStore,
  type ReplayOptions,
  type ReplayStore,
  type WebhookScheme,
  WebhookVerificationError,
} from '@hookguard/core';
import fc from 'fast-check';
import { type Context, Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from './index.js';
import { expectRefusal, type Payload, schemeCases, serveApp } from './test-support.js';

type Handler = (c: Context, id: string) => Response | Promise<Response>;

interface ReplayHarness {
  url: string;
  /** Handler runs per payload `id`. */
  calls: Map<string, number>;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const handled: Handler = (c, id) => c.json({ ok: true, handled: id });

/** A real server with `POST /hook` behind `verifyWebhook(scheme, { replay, onError })`. */
const start = async (
  scheme: WebhookScheme,
  replay: ReplayOptions,
  handler: Handler = handled,
  onError?: (error: WebhookVerificationError, c: Context) => Response,
): Promise<ReplayHarness> => {
  const calls = new Map<string, number>();
  const app = new Hono();
  app.post('/hook', verifyWebhook<Payload>(scheme, { replay, onError }), (c) => {
    const { id } = c.get('webhook').payload;
    calls.set(id, (calls.get(id) ?? 0) + 1);
    return handler(c, id);
  });
  app.onError((error, c) => c.json({ framework: error.message }, 500));
  const { origin, close } = await serveApp(app);
  closers.push(close);
  return { url: `${origin}/hook`, calls };
};

const deferred = <T = void>() => {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
};

/** A memory store that reports each `complete` and `release`, so tests await them. */
const watchedStore = () => {
  const inner = memoryReplayStore();
  const events: string[] = [];
  let next = deferred<string>();
  const note = (event: string) => {
    events.push(event);
    next.resolve(event);
    next = deferred<string>();
  };
  const store: ReplayStore = {
    claim: (key, token, ttlMs) => inner.claim(key, token, ttlMs),
    complete: async (key, token, ttlMs) => {
      await inner.complete(key, token, ttlMs);
      note(`complete ${ttlMs}`);
    },
    release: async (key, token) => {
      await inner.release(key, token);
      note('release');
    },
  };
  return { store, events, settled: () => next.promise };
};

const post = async (url: string, headers: Record<string, string>, body: string) => {
  const response = await fetch(url, { method: 'POST', headers, body });
  const reply = (await response.json()) as { handled?: string; error?: { code: string } };
  return { status: response.status, type: response.headers.get('content-type'), body: reply };
};

const DUPLICATE = { status: 200, type: 'application/json', body: { ok: true, duplicate: true } };
const deliveryBody = (id: string) => JSON.stringify({ id, type: 'order.paid' });

describe.each(schemeCases)('replay with $name', (schemeCase) => {
  const scheme = schemeCase.make(schemeCase.secret);
  const signed = async (id: string, timestamp?: number) => {
    const body = deliveryBody(id);
    return {
      body,
      headers: await scheme.sign({ body, id: `msg_${id}`, ...(timestamp ? { timestamp } : {}) }),
    };
  };
  const handledReply = (id: string) => ({
    status: 200,
    type: 'application/json',
    body: { ok: true, handled: id },
  });

  it('answers an exact re-send after a 2xx as a duplicate, without the handler', async () => {
    const { url, calls } = await start(scheme, { store: memoryReplayStore() });
    const { body, headers } = await signed('evt_dup');
    expect(await post(url, headers, body)).toEqual(handledReply('evt_dup'));
    expect(await post(url, headers, body)).toEqual(DUPLICATE);
    expect(await post(url, headers, body)).toEqual(DUPLICATE);
    expect(calls.get('evt_dup')).toBe(1);
  });

  it('keys a re-signed delivery by id for Standard Webhooks, by exact re-send for Codaiq', async () => {
    const { url, calls } = await start(scheme, { store: memoryReplayStore() });
    const first = await signed('evt_resigned', Date.now() - 5_000);
    const again = await signed('evt_resigned', Date.now());
    expect(await post(url, first.headers, first.body)).toEqual(handledReply('evt_resigned'));
    const second = await post(url, again.headers, again.body);
    if (schemeCase.name === 'standard-webhooks') {
      expect(second).toEqual(DUPLICATE);
      expect(calls.get('evt_resigned')).toBe(1);
    } else {
      // Codaiq sends no id: a new timestamp and signature is another delivery.
      expect(second).toEqual(handledReply('evt_resigned'));
      expect(calls.get('evt_resigned')).toBe(2);
    }
  });

  it('answers 409 delivery_in_progress while the first is still in the handler', async () => {
    const entered = deferred();
    const gate = deferred();
    const { url, calls } = await start(scheme, { store: memoryReplayStore() }, async (c, id) => {
      entered.resolve();
      await gate.promise;
      return handled(c, id);
    });
    const { body, headers } = await signed('evt_slow');
    const first = post(url, headers, body);
    await entered.promise;
    await expectRefusal(
      await fetch(url, { method: 'POST', headers, body }),
      409,
      'delivery_in_progress',
    );
    gate.resolve();
    expect(await first).toEqual(handledReply('evt_slow'));
    expect(await post(url, headers, body)).toEqual(DUPLICATE);
    expect(calls.get('evt_slow')).toBe(1);
  });

  it('handles 100 concurrent identical deliveries exactly once', async () => {
    const { url, calls } = await start(scheme, { store: memoryReplayStore() });
    const { body, headers } = await signed('evt_burst');
    const replies = await Promise.all(Array.from({ length: 100 }, () => post(url, headers, body)));
    expect(calls.get('evt_burst')).toBe(1);
    expect(replies.filter((reply) => reply.body.handled === 'evt_burst')).toHaveLength(1);
    for (const reply of replies) {
      expect([handledReply('evt_burst'), DUPLICATE, 'in progress']).toContainEqual(
        reply.status === 409 && reply.body.error?.code === 'delivery_in_progress'
          ? 'in progress'
          : reply,
      );
    }
    expect(await post(url, headers, body)).toEqual(DUPLICATE);
  });
});

describe('replay: failures release the delivery for the retry', () => {
  const [standard] = schemeCases;
  if (!standard) throw new Error('no scheme case');
  const scheme = standard.make(standard.secret);
  const signed = async (id: string) => {
    const body = deliveryBody(id);
    return { body, headers: await scheme.sign({ body, id: `msg_${id}` }) };
  };

  it('handles the retry after the handler threw (app.onError answered)', async () => {
    const { store, events } = watchedStore();
    let failures = 1;
    const { url, calls } = await start(scheme, { store }, (c, id) => {
      if (failures-- > 0) throw new Error('handler crashed');
      return handled(c, id);
    });
    const { body, headers } = await signed('evt_throws');
    expect(await post(url, headers, body)).toMatchObject({
      status: 500,
      body: { framework: 'handler crashed' },
    });
    expect(await post(url, headers, body)).toMatchObject({
      status: 200,
      body: { handled: 'evt_throws' },
    });
    expect(await post(url, headers, body)).toEqual(DUPLICATE);
    expect(calls.get('evt_throws')).toBe(2);
    expect(events).toEqual(['release', 'complete 600000']);
  });

  it('releases after a handler error even when app.onError answers 200', async () => {
    const { store, events } = watchedStore();
    const app = new Hono();
    let runs = 0;
    app.post('/hook', verifyWebhook(scheme, { replay: { store } }), () => {
      runs++;
      throw new Error('swallowed');
    });
    app.onError((_, c) => c.json({ ok: true }, 200));
    const { origin, close } = await serveApp(app);
    closers.push(close);
    const { body, headers } = await signed('evt_swallowed');
    expect((await post(`${origin}/hook`, headers, body)).status).toBe(200);
    expect((await post(`${origin}/hook`, headers, body)).status).toBe(200);
    expect(runs).toBe(2);
    expect(events).toEqual(['release', 'release']);
  });

  it('releases when nothing downstream answered (Hono then fails the request)', async () => {
    const { store, events } = watchedStore();
    const app = new Hono();
    let runs = 0;
    app.post('/hook', verifyWebhook(scheme, { replay: { store } }), async () => {
      runs++;
    });
    app.onError((error, c) => c.json({ framework: error.message }, 500));
    const { origin, close } = await serveApp(app);
    closers.push(close);
    const { body, headers } = await signed('evt_unanswered');
    const send = () => fetch(`${origin}/hook`, { method: 'POST', headers, body });
    const replies = [await send(), await send()];
    expect(replies.map((reply) => reply.status)).toEqual([500, 500]);
    expect(runs).toBe(2);
    expect(events).toEqual(['release', 'release']);
  });

  it('releases when the handler throws something that is not an Error', async () => {
    const { store, events } = watchedStore();
    let failures = 1;
    const { url, calls } = await start(scheme, { store }, (c, id) => {
      // Hono's compose rethrows non-Errors past app.onError, out of the middleware's next().
      if (failures-- > 0) throw 'not an Error';
      return handled(c, id);
    });
    const { body, headers } = await signed('evt_thrown_string');
    const first = await fetch(url, { method: 'POST', headers, body });
    expect(first.status).toBe(500);
    await first.arrayBuffer();
    expect(await post(url, headers, body)).toMatchObject({
      body: { handled: 'evt_thrown_string' },
    });
    expect(calls.get('evt_thrown_string')).toBe(2);
    expect(events).toEqual(['release', 'complete 600000']);
  });

  it('handles the retry after the handler answered 500', async () => {
    let failures = 1;
    const { url, calls } = await start(scheme, { store: memoryReplayStore() }, (c, id) =>
      failures-- > 0 ? c.json({ ok: false }, 500) : handled(c, id),
    );
    const { body, headers } = await signed('evt_500');
    expect((await post(url, headers, body)).status).toBe(500);
    expect(await post(url, headers, body)).toMatchObject({
      status: 200,
      body: { handled: 'evt_500' },
    });
    expect(await post(url, headers, body)).toEqual(DUPLICATE);
    expect(calls.get('evt_500')).toBe(2);
  });

  it('remembers a done delivery for ttlSeconds, by default twice the tolerance', async () => {
    const byDefault = watchedStore();
    const custom = watchedStore();
    const short = standard.make(standard.secret, { toleranceSeconds: 30 });
    const a = await start(short, { store: byDefault.store });
    const b = await start(scheme, { store: custom.store, ttlSeconds: 42 });
    const { body, headers } = await signed('evt_ttl');
    await post(a.url, headers, body);
    await post(b.url, headers, body);
    expect([byDefault.events, custom.events]).toEqual([['complete 60000'], ['complete 42000']]);
  });

  it('answers 503 replay_store_unavailable when the store fails, without the handler', async () => {
    const failing: ReplayStore = {
      claim: () => Promise.reject(new Error('connection refused')),
      complete: () => Promise.resolve(),
      release: () => Promise.resolve(),
    };
    const { url, calls } = await start(scheme, { store: failing });
    const { body, headers } = await signed('evt_store_down');
    await expectRefusal(
      await fetch(url, { method: 'POST', headers, body }),
      503,
      'replay_store_unavailable',
    );
    expect(calls.size).toBe(0);
  });

  it('answers 503 when the store does not answer within storeTimeoutMs', async () => {
    const silent: ReplayStore = {
      claim: () => new Promise(() => {}),
      complete: () => new Promise(() => {}),
      release: () => new Promise(() => {}),
    };
    const { url, calls } = await start(scheme, { store: silent, storeTimeoutMs: 50 });
    const { body, headers } = await signed('evt_store_silent');
    await expectRefusal(
      await fetch(url, { method: 'POST', headers, body }),
      503,
      'replay_store_unavailable',
    );
    expect(calls.size).toBe(0);
  });

  it('passes 409 and 503 through onError', async () => {
    const seen: string[] = [];
    const silent: ReplayStore = { ...memoryReplayStore(), claim: () => new Promise(() => {}) };
    const { url, calls } = await start(
      scheme,
      { store: silent, storeTimeoutMs: 50 },
      handled,
      (error, c) => {
        seen.push(`${error.code} ${error.status} ${error instanceof WebhookVerificationError}`);
        return c.text('busy', 429);
      },
    );
    const { body, headers } = await signed('evt_on_error');
    const response = await fetch(url, { method: 'POST', headers, body });
    expect([response.status, await response.text()]).toEqual([429, 'busy']);
    expect(seen).toEqual(['replay_store_unavailable 503 true']);
    expect(calls.size).toBe(0);
  });

  it('runs the handler until the first 2xx, then answers duplicates (any outcome sequence)', async () => {
    const outcome = fc.constantFrom(200, 201, 204, 400, 404, 409, 500, 503, 'throw' as const);
    const store = memoryReplayStore();
    let plan: (number | 'throw')[] = [];
    const { url, calls } = await start(scheme, { store }, (c, id) => {
      const next = plan.shift() ?? 200;
      if (next === 'throw') throw new Error('planned failure');
      return next === 204
        ? c.body(null, 204)
        : c.json({ ok: next < 300, handled: id }, next as 200);
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(outcome, { minLength: 1, maxLength: 6 }), async (outcomes) => {
        const id = `evt_plan_${run++}`;
        plan = [...outcomes];
        const { body, headers } = await signed(id);
        const firstSuccess = outcomes.findIndex((o) => typeof o === 'number' && o < 300);
        for (let attempt = 0; attempt < outcomes.length + 1; attempt++) {
          const response = await fetch(url, { method: 'POST', headers, body });
          const text = await response.text();
          if (firstSuccess !== -1 && attempt > firstSuccess) {
            expect([response.status, text]).toEqual([200, '{"ok":true,"duplicate":true}']);
          }
        }
        expect(calls.get(id)).toBe(firstSuccess === -1 ? outcomes.length + 1 : firstSuccess + 1);
      }),
      { numRuns: 30 },
    );
  });

  it('checks the replay option at once', () => {
    const store = memoryReplayStore();
    const bad: unknown[] = [
      null,
      true,
      'redis',
      {},
      { store: {} },
      { store: { claim() {}, complete() {} } },
      { store, ttlSeconds: 0 },
      { store, ttlSeconds: -5 },
      { store, ttlSeconds: Number.NaN },
      { store, ttlSeconds: '600' },
      { store, storeTimeoutMs: 0 },
      { store, claimTtlSeconds: Number.POSITIVE_INFINITY },
    ];
    for (const replay of bad) {
      expect(() => verifyWebhook(scheme, { replay: replay as ReplayOptions })).toThrow(TypeError);
    }
    const options = Object.freeze({ replay: Object.freeze({ store, ttlSeconds: 60 }) });
    expect(() => verifyWebhook(scheme, options)).not.toThrow();
    expect(options.replay).toEqual({ store, ttlSeconds: 60 });
  });
});
