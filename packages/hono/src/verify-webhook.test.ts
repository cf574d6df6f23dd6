import type { VerifiedWebhook, WebhookScheme } from '@hookguard/core';
import fc from 'fast-check';
import { type Context, Hono } from 'hono';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { verifyWebhook, type WebhookVariables } from './index.js';
import {
  expectRefusal,
  type Harness,
  type Payload,
  postChunked,
  schemeCases,
  startApp,
} from './test-support.js';

const encoder = new TextEncoder();
const running: Harness[] = [];
const start = async (...args: Parameters<typeof startApp>) => {
  const harness = await startApp(...args);
  running.push(harness);
  return harness;
};

afterEach(async () => {
  await Promise.all(running.splice(0).map((harness) => harness.close()));
});

const post = (url: string, headers: Record<string, string>, body: string | Uint8Array) =>
  fetch(url, { method: 'POST', headers, body: body as BodyInit });

describe.each(schemeCases)('verifyWebhook with $name', (schemeCase) => {
  const scheme = schemeCase.make(schemeCase.secret);
  const sign = (body: string, timestamp?: number, id?: string) =>
    scheme.sign({ body, ...(timestamp === undefined ? {} : { timestamp }), ...(id ? { id } : {}) });
  const delivery = (id: string) => JSON.stringify({ id, type: 'order.paid', data: { total: 42 } });

  it('hands a valid delivery to the handler, which can still read the body', async () => {
    const { url, calls } = await start(scheme);
    const body = delivery('evt_valid');
    const headers = await sign(body);
    const response = await post(url, { ...headers, 'content-type': 'application/json' }, body);
    expect(response.status).toBe(200);
    const seen = (await response.json()) as Record<string, unknown>;
    expect(seen).toEqual({
      ok: true,
      scheme: schemeCase.name,
      id: headers['webhook-id'] ?? null,
      timestamp: expect.any(Number),
      payload: JSON.parse(body),
      json: JSON.parse(body),
      text: body,
      sameBytes: true,
    });
    expect(calls.get('evt_valid')).toBe(1);
  });

  it('stops at the limit when the body is longer than its Content-Length says', async () => {
    const app = new Hono();
    let handled = 0;
    app.post('/hook', verifyWebhook(scheme, { limit: 1024 }), (c) => {
      handled++;
      return c.json({ ok: true });
    });
    const headers = await sign(delivery('evt_lying'));
    let pulled = 0;
    const lying = new Request('http://localhost/hook', {
      method: 'POST',
      headers: { ...headers, 'content-length': '10' },
      body: new ReadableStream({
        pull(controller) {
          pulled++;
          controller.enqueue(encoder.encode('a'.repeat(512)));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    await expectRefusal(await app.fetch(lying), 413, 'payload_too_large');
    expect(pulled).toBeLessThan(10);
    expect(handled).toBe(0);
  });

  it('refuses any single-bit flip of the body', async () => {
    const { url, calls } = await start(scheme);
    const body = delivery('evt_flip');
    const headers = await sign(body);
    const bytes = encoder.encode(body);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: bytes.length - 1 }),
        fc.nat({ max: 7 }),
        async (index, bit) => {
          const flipped = bytes.slice();
          flipped[index] = (flipped[index] ?? 0) ^ (1 << bit);
          const response = await post(url, headers, flipped);
          const { error } = (await response.json()) as { error: { code: string } };
          expect(response.status).toBe(401);
          expect(error.code).toBe('signature_mismatch');
        },
      ),
      { numRuns: 25 },
    );
    expect(calls.size).toBe(0);
  });
});

describe('verifyWebhook options and errors', () => {
  const [standard] = schemeCases;
  if (!standard) throw new Error('no scheme case');
  const scheme = standard.make(standard.secret);
  const body = JSON.stringify({ id: 'evt_options', type: 'ping' });

  it('answers with onError instead of the default response, and skips the handler', async () => {
    const seen: string[] = [];
    const { url, calls } = await start(scheme, {
      onError: (error, c) => {
        seen.push(error.code);
        return c.text(`refused: ${error.code}`, 418);
      },
    });
    const response = await post(url, { 'content-type': 'application/json' }, body);
    expect({ status: response.status, text: await response.text() }).toEqual({
      status: 418,
      text: 'refused: missing_header',
    });
    expect(seen).toEqual(['missing_header']);
    expect(calls.size).toBe(0);
  });

  it('keeps connection: close on a 413 that onError builds', async () => {
    const { url, calls } = await start(scheme, {
      limit: 16,
      onError: (error, c) => c.text(error.code, 413),
    });
    const reply = await postChunked(url, await scheme.sign({ body }), [encoder.encode(body)]);
    expect([reply.status, reply.body, reply.headers.connection]).toEqual([
      413,
      'payload_too_large',
      'close',
    ]);
    expect(calls.size).toBe(0);
  });

  it('passes errors that are not WebhookVerificationError to app.onError', async () => {
    const broken: WebhookScheme = {
      ...scheme,
      verify: () => Promise.reject(new Error('database down')),
    };
    const { url, calls } = await start(broken);
    const response = await post(url, await scheme.sign({ body }), body);
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 500,
      body: { framework: 'database down' },
    });
    expect(calls.size).toBe(0);
  });

  it.each([
    ['with Content-Length', false],
    ['chunked', true],
  ])('hands the handler the same bytes through every body reader (%s)', async (_label, chunked) => {
    const { url } = await start(scheme, undefined, (app) => {
      app.post('/hook', verifyWebhook(scheme), async (c) =>
        c.json({
          text: await c.req.text(),
          json: await c.req.json(),
          bytes: new Uint8Array(await c.req.arrayBuffer()).byteLength,
          raw: new TextDecoder().decode(c.get('webhook').rawBody),
          rawRequest: await c.req.raw.text(),
          id: c.req.header('webhook-id'),
        }),
      );
    });
    const headers = await scheme.sign({ body, id: 'msg_raw' });
    const answer = chunked
      ? JSON.parse((await postChunked(url, headers, [encoder.encode(body)])).body)
      : await (await post(url, headers, body)).json();
    expect(answer).toEqual({
      text: body,
      json: JSON.parse(body),
      bytes: Buffer.byteLength(body),
      raw: body,
      rawRequest: body,
      id: 'msg_raw',
    });
  });

  it.each([
    ['c.req.json()', (c: Context) => c.req.json()],
    ['c.req.text()', (c: Context) => c.req.text()],
    ['c.req.raw.text()', (c: Context) => c.req.raw.text()],
  ])(
    'refuses with 500 raw_body_unavailable after %s ran first, never verifying a re-encoding',
    async (_label, read) => {
      const { url, calls } = await start(scheme, undefined, (app) => {
        app.use('/hook', async (c, next) => {
          await read(c);
          await next();
        });
      });
      await expectRefusal(
        await post(url, await scheme.sign({ body }), body),
        500,
        'raw_body_unavailable',
      );
      expect(calls.size).toBe(0);
    },
  );

  it('checks its options at once', () => {
    expect(() => verifyWebhook(undefined as unknown as WebhookScheme)).toThrow(TypeError);
    expect(() => verifyWebhook({} as WebhookScheme)).toThrow(TypeError);
    expect(() => verifyWebhook(scheme, null as unknown as object)).toThrow(TypeError);
    for (const limit of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10']) {
      expect(() => verifyWebhook(scheme, { limit: limit as number })).toThrow(TypeError);
    }
    expect(() => verifyWebhook(scheme, { onError: 'reply' as never })).toThrow(TypeError);
    expect(() => verifyWebhook(scheme, { limit: 0 })).not.toThrow();
  });

  it("never mutates the caller's options and returns a named middleware", () => {
    const options = Object.freeze({ limit: 2048 });
    const middleware = verifyWebhook(scheme, options);
    expect(options).toEqual({ limit: 2048 });
    expect(middleware.name).toBe('verifyWebhookMiddleware');
  });

  it('types c.get("webhook") with the payload generic', async () => {
    type OrderPaid = { id: string; type: 'order.paid'; total: number };
    const app = new Hono();
    app.post('/typed', verifyWebhook<OrderPaid>(scheme), (c) => {
      expectTypeOf(c.get('webhook')).toEqualTypeOf<VerifiedWebhook<OrderPaid>>();
      expectTypeOf(c.get('webhook').payload.total).toBeNumber();
      return c.json({ total: c.get('webhook').payload.total + 1 });
    });
    expectTypeOf<WebhookVariables<Payload>['webhook']['payload']>().toEqualTypeOf<Payload>();
    const typed = JSON.stringify({ id: 'evt_typed', type: 'order.paid', total: 41 });
    const response = await app.request('/typed', {
      method: 'POST',
      headers: await scheme.sign({ body: typed }),
      body: typed,
    });
    expect(await response.json()).toEqual({ total: 42 });
  });
});
