import {
  apiKey,
  codaiq,
  standardWebhooks,
  type VerifiedWebhook,
  type WebhookScheme,
  WebhookVerificationError,
} from '@hookguard/core';
import fc from 'fast-check';
import supertest from 'supertest';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { type VerifyWebhookOptions, verifyWebhook, type WebhookRequest } from './index.js';
import {
  CODAIQ_SECRET,
  closeAll,
  majors,
  rawRequest,
  STANDARD_SECRET,
  start,
} from './test-support.js';

afterEach(closeAll);

const scheme = standardWebhooks({ secret: STANDARD_SECRET });
const body = JSON.stringify({ type: 'order.paid', n: 1 });
const refusal = (code: string) => ({
  ok: false,
  error: { code, message: expect.any(String) },
  meta: { requestId: expect.any(String) },
});

describe.each(majors)('fastify $major', ({ create }) => {
  describe('scope', () => {
    it('leaves a sibling route outside the scope on Fastify’s own parsers, unverified', async () => {
      const { app, calls } = await start(create, { scheme });
      const json = await supertest(app.server).post('/outside').send({ hello: 'world' });
      expect(json.status).toBe(200);
      expect(json.body).toEqual({ body: { hello: 'world' }, webhook: null });
      const text = await supertest(app.server)
        .post('/outside')
        .set('content-type', 'text/plain')
        .send('just text');
      expect(text.body).toEqual({ body: 'just text', webhook: null });
      const broken = await supertest(app.server)
        .post('/outside')
        .set('content-type', 'application/json')
        .send('{not json');
      expect(broken.status).toBe(400);
      expect(broken.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      // The verified scope's catch-all parser did not leak out: Fastify has none for this type.
      const bytes = await supertest(app.server)
        .post('/outside')
        .set('content-type', 'application/octet-stream')
        .send(Buffer.from(body));
      expect(bytes.status).toBe(415);
      expect(calls).toHaveLength(0);
    });

    it('verifies routes of child scopes inside the verified scope too', async () => {
      const seen: unknown[] = [];
      const { app } = await start(
        create,
        { scheme },
        {
          scope: (scope) => {
            scope.register(async (child) => {
              child.post('/child', async (req) => {
                seen.push(req.body);
                return { id: req.webhook.id };
              });
            });
          },
        },
      );
      const refused = await supertest(app.server).post('/child').send(body);
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual(refusal('missing_header'));
      const headers = await scheme.sign({ body, id: 'msg_child' });
      const ok = await supertest(app.server)
        .post('/child')
        .set(headers)
        .set('content-type', 'application/json')
        .send(body);
      expect(ok.body).toEqual({ id: 'msg_child' });
      expect(seen).toEqual([JSON.parse(body)]);
    });

    it("answers a refusal's envelope as it is, past the scope's serializer and hooks", async () => {
      const { app } = await start(
        create,
        { scheme },
        {
          scope: (scope) => {
            scope.setReplySerializer(() => '"reserialized"');
            scope.addHook('preSerialization', async (_request, _reply, payload) => ({
              wrapped: payload,
            }));
          },
        },
      );
      const response = await supertest(app.server).post('/webhooks').send(body);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(response.text)).toEqual(refusal('missing_header'));
      expect(response.text).toBe(JSON.stringify(JSON.parse(response.text)));
    });

    it('runs side by side in sibling scopes with different schemes', async () => {
      const app = create();
      const handled: string[] = [];
      const codaiqScheme = codaiq({ secret: CODAIQ_SECRET });
      for (const [path, s] of [
        ['/standard', scheme],
        ['/codaiq', codaiqScheme],
      ] as const) {
        await app.register(async (scope) => {
          await scope.register(verifyWebhook, { scheme: s });
          scope.post(path, async (req) => {
            handled.push(`${path}:${req.webhook.scheme}`);
            return { ok: true };
          });
        });
      }
      try {
        await app.ready();
        const standardHeaders = await scheme.sign({ body });
        const codaiqHeaders = await codaiqScheme.sign({ body });
        const send = (path: string, headers: Record<string, string>) =>
          supertest(app.server)
            .post(path)
            .set(headers)
            .set('content-type', 'application/json')
            .send(body);
        expect((await send('/standard', standardHeaders)).status).toBe(200);
        expect((await send('/codaiq', codaiqHeaders)).status).toBe(200);
        expect((await send('/codaiq', standardHeaders)).body).toEqual(refusal('missing_header'));
        expect((await send('/standard', codaiqHeaders)).body).toEqual(refusal('missing_header'));
        expect(handled).toEqual(['/standard:standard-webhooks', '/codaiq:codaiq']);
      } finally {
        await app.close();
      }
    });

    it('keeps each registration to itself when a signed scope nests in a key-guarded one', async () => {
      const app = create();
      const key = 'ck_nested_scope_key';
      const handled: unknown[] = [];
      await app.register(async (outer) => {
        await outer.register(verifyWebhook, {
          scheme: apiKey({ header: 'x-api-key', keys: [key] }),
        });
        await outer.register(async (inner) => {
          await inner.register(verifyWebhook, { scheme });
          inner.post('/both', async (req) => {
            handled.push({ payload: req.body, id: req.webhook.id, auth: req.auth.method });
            return { ok: true };
          });
        });
      });
      try {
        await app.ready();
        const headers = await scheme.sign({ body });
        const send = (extra: Record<string, string>) =>
          supertest(app.server)
            .post('/both')
            .set({ ...headers, ...extra, 'content-type': 'application/json' })
            .send(body);
        expect((await send({ 'x-api-key': key })).status).toBe(200);
        expect(handled).toEqual([
          { payload: JSON.parse(body), id: headers['webhook-id'], auth: 'standard-webhooks' },
        ]);
        expect((await send({})).body).toEqual(refusal('missing_credentials'));
        expect((await send({ 'x-api-key': 'ck_wrong' })).body).toEqual(
          refusal('invalid_credentials'),
        );
        expect(handled).toHaveLength(1);
      } finally {
        await app.close();
      }
    });

    it('accepts the svix-* header set for Standard Webhooks', async () => {
      const { app, calls } = await start(create, { scheme });
      const signed = await scheme.sign({ body, id: 'msg_svix' });
      const headers = Object.fromEntries(
        Object.entries(signed).map(([name, value]) => [name.replace('webhook-', 'svix-'), value]),
      );
      const response = await supertest(app.server)
        .post('/webhooks')
        .set(headers)
        .set('content-type', 'application/json')
        .send(body);
      expect(response.body).toEqual({ ok: true, scheme: 'standard-webhooks', id: 'msg_svix' });
      expect(calls).toHaveLength(1);
    });

    it('refuses with 500 raw_body_unavailable when a child scope parses the body first', async () => {
      const seen: unknown[] = [];
      const { app } = await start(
        create,
        { scheme },
        {
          scope: (scope) => {
            scope.register(async (child) => {
              child.addContentTypeParser(
                'application/json',
                { parseAs: 'string' },
                (_req, text, done) => done(null, JSON.parse(String(text))),
              );
              child.post('/parsed', async (req) => seen.push(req.body));
            });
          },
        },
      );
      const response = await supertest(app.server)
        .post('/parsed')
        .set(await scheme.sign({ body }))
        .set('content-type', 'application/json')
        .send(body);
      expect(response.status).toBe(500);
      expect(response.body).toEqual(refusal('raw_body_unavailable'));
      expect(seen).toHaveLength(0);
    });
  });

  describe('body limits', () => {
    it("applies Fastify's server bodyLimit when it is smaller than `limit`", async () => {
      const { url, calls } = await start(
        create,
        { scheme, limit: 4096 },
        { server: { bodyLimit: 512 } },
      );
      const big = JSON.stringify({ pad: 'x'.repeat(600) });
      const response = await rawRequest(`${url}/webhooks`, {
        headers: { ...(await scheme.sign({ body: big })), 'content-type': 'application/json' },
        chunks: [big],
      });
      expect(response.status).toBe(413);
      expect(JSON.parse(response.body)).toEqual(refusal('payload_too_large'));
      expect(response.headers.connection).toBe('close');
      expect(calls).toHaveLength(0);
    });

    it("applies a route's bodyLimit when it is smaller than `limit`", async () => {
      const { app, calls } = await start(create, { scheme });
      const medium = JSON.stringify({ pad: 'x'.repeat(100) });
      const headers = await scheme.sign({ body: medium });
      const send = (path: string) =>
        supertest(app.server)
          .post(path)
          .set(headers)
          .set('content-type', 'application/json')
          .send(medium);
      const small = await send('/small');
      expect(small.status).toBe(413);
      expect(small.body).toEqual(refusal('payload_too_large'));
      expect((await send('/webhooks')).status).toBe(200);
      expect(calls).toHaveLength(1);
    });

    it('holds whichever of `limit` and bodyLimit is smaller', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 16, max: 2048 }),
          fc.integer({ min: 16, max: 2048 }),
          fc.integer({ min: 0, max: 2100 }),
          async (limit, bodyLimit, padding) => {
            const { app, calls } = await start(
              create,
              { scheme, limit },
              { server: { bodyLimit } },
            );
            try {
              const sent = JSON.stringify({ p: 'x'.repeat(padding) });
              const response = await supertest(app.server)
                .post('/webhooks')
                .set(await scheme.sign({ body: sent }))
                .set('content-type', 'application/json')
                .send(sent);
              const fits = Buffer.byteLength(sent) <= Math.min(limit, bodyLimit);
              expect(response.status).toBe(fits ? 200 : 413);
              expect(calls).toHaveLength(fits ? 1 : 0);
            } finally {
              await closeAll();
            }
          },
        ),
        { numRuns: 25 },
      );
    });
  });

  describe('onError', () => {
    it('lets onError answer instead, and the handler is never called', async () => {
      const errors: Array<[string, string]> = [];
      const warnings: string[] = [];
      const logger = { level: 'warn', stream: { write: (line: string) => warnings.push(line) } };
      const { app, calls, url } = await start(
        create,
        {
          scheme,
          limit: 256,
          onError: async (error, request, reply) => {
            expect(error).toBeInstanceOf(WebhookVerificationError);
            errors.push([error.code, request.url]);
            return reply.code(418).send({ refused: error.code });
          },
        },
        { server: { logger } },
      );
      const tampered = await supertest(app.server)
        .post('/webhooks')
        .set(await scheme.sign({ body }))
        .set('content-type', 'application/json')
        .send(body.replace('1', '2'));
      expect({ status: tampered.status, body: tampered.body }).toEqual({
        status: 418,
        body: { refused: 'signature_mismatch' },
      });
      const missing = await supertest(app.server).post('/webhooks').send(body);
      expect(missing.body).toEqual({ refused: 'missing_header' });
      const big = JSON.stringify({ pad: 'x'.repeat(300) });
      const tooLarge = await rawRequest(`${url}/webhooks`, {
        headers: { ...(await scheme.sign({ body: big })), 'content-type': 'application/json' },
        chunks: [big],
      });
      expect(tooLarge.status).toBe(418);
      expect(tooLarge.headers.connection).toBe('close');
      expect(errors).toEqual([
        ['signature_mismatch', '/webhooks'],
        ['missing_header', '/webhooks'],
        ['payload_too_large', '/webhooks'],
      ]);
      expect(calls).toHaveLength(0);
      // Nothing tried to answer twice.
      expect(warnings).toEqual([]);
    });

    it('sends the default JSON error when onError does not answer', async () => {
      let called = 0;
      const { app, calls } = await start(create, {
        scheme,
        onError: () => {
          called += 1;
        },
      });
      const response = await supertest(app.server).post('/webhooks').send(body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual(refusal('missing_header'));
      expect(called).toBe(1);
      expect(calls).toHaveLength(0);
    });

    it("sends an error thrown by onError to Fastify's error handler", async () => {
      const handled: unknown[] = [];
      const { app, calls } = await start(
        create,
        {
          scheme,
          onError: () => {
            throw new Error('onError failed');
          },
        },
        {
          scope: (scope) =>
            scope.setErrorHandler((error, _request, reply) => {
              handled.push(error);
              return reply.code(503).send({ handledBy: 'fastify' });
            }),
        },
      );
      const response = await supertest(app.server)
        .post('/webhooks')
        .set(await scheme.sign({ body }))
        .send('{}');
      expect({ status: response.status, body: response.body }).toEqual({
        status: 503,
        body: { handledBy: 'fastify' },
      });
      expect(handled).toEqual([new Error('onError failed')]);
      expect(calls).toHaveLength(0);
    });
  });

  it("sends errors that are not hookguard's to Fastify's error handling", async () => {
    const failing: WebhookScheme = {
      name: 'codaiq',
      toleranceSeconds: 300,
      requiredHeaders: [['x-codaiq-signature']],
      verify: async () => {
        throw new RangeError('scheme exploded');
      },
      sign: async () => ({}),
    };
    const { app, calls } = await start(create, { scheme: failing });
    const response = await supertest(app.server)
      .post('/webhooks')
      .set('x-codaiq-signature', 't=1,v1=00')
      .set('content-type', 'application/json')
      .send(body);
    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ statusCode: 500, message: 'scheme exploded' });
    expect(calls).toHaveLength(0);
  });

  describe('options', () => {
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
      ['no options', undefined],
      ['null', null],
      ['no scheme', {}],
      ['a scheme without verify', { scheme: { name: 'codaiq' } }],
      ['a non-function onError', { scheme, onError: 'log' }],
    ])('throws a TypeError at registration for %s', async (_, options) => {
      await expect(register(options)).rejects.toThrow(TypeError);
    });

    it('throws a TypeError at registration for any limit that is not a whole number of bytes', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.integer({ max: -1 }),
            fc.double({ noInteger: true }),
            fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53),
            fc.string(),
            fc.constant(null),
          ),
          async (limit) => {
            await expect(register({ scheme, limit })).rejects.toThrow(TypeError);
          },
        ),
        { numRuns: 25 },
      );
    });

    it('accepts frozen options and leaves them as they were', async () => {
      const options = Object.freeze({ scheme, limit: 2048 });
      const { app } = await start(create, options);
      expect(options).toEqual({ scheme, limit: 2048 });
      const response = await supertest(app.server)
        .post('/webhooks')
        .set(await scheme.sign({ body }))
        .set('content-type', 'application/json')
        .send(body);
      expect(response.status).toBe(200);
    });
  });

  it('types request.webhook.payload from the route Body generic or WebhookRequest<Payload>', async () => {
    type OrderPaid = { type: 'order.paid'; n: number };
    const app = create();
    const seen: number[] = [];
    await app.register(async (scope) => {
      await scope.register(verifyWebhook, { scheme });
      scope.post<{ Body: OrderPaid }>('/typed', async (req) => {
        expectTypeOf(req.webhook).toEqualTypeOf<VerifiedWebhook<OrderPaid>>();
        expectTypeOf(req.body).toEqualTypeOf<OrderPaid>();
        seen.push(req.webhook.payload.n + req.body.n);
        return { type: req.webhook.payload.type };
      });
      const apart = async (req: WebhookRequest<OrderPaid>) => {
        expectTypeOf(req.webhook.payload).toEqualTypeOf<OrderPaid>();
        seen.push(req.body.n * 10);
        return { type: req.webhook.payload.type };
      };
      scope.post('/apart', apart);
    });
    try {
      await app.ready();
      const response = await supertest(app.server)
        .post('/typed')
        .set(await scheme.sign({ body }))
        .set('content-type', 'application/json')
        .send(body);
      expect(response.body).toEqual({ type: 'order.paid' });
      const apart = await supertest(app.server)
        .post('/apart')
        .set(await scheme.sign({ body }))
        .set('content-type', 'application/json')
        .send(body);
      expect(apart.body).toEqual({ type: 'order.paid' });
      expect(seen).toEqual([2, 10]);
    } finally {
      await app.close();
    }
  });
});
