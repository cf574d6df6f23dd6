import {
  type VerifiedWebhook,
  type WebhookScheme,
  WebhookVerificationError,
} from '@hookguard/core';
import type { RequestHandler } from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { verifyWebhook } from './index.js';
import {
  expressVersions,
  type RawResponse,
  rawPost,
  receiver,
  type SchemeCase,
  schemeCases,
  serve,
} from './test-helpers.js';

const [standard] = schemeCases as [SchemeCase, SchemeCase];

const expectRefusal = (
  res: { status: number; headers: Record<string, unknown>; body: unknown },
  status: number,
  code: string,
) => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({
    ok: false,
    error: { code, message: expect.any(String) },
    meta: { requestId: expect.any(String) },
  });
};

const parsed = (res: RawResponse) => ({ ...res, body: JSON.parse(res.text) as unknown });

describe('verifyWebhook() arguments', () => {
  it('throws a TypeError at once without a usable scheme', () => {
    for (const scheme of [undefined, null, {}, { verify: 'yes' }, 'standard-webhooks']) {
      expect(() => verifyWebhook(scheme as unknown as WebhookScheme)).toThrow(TypeError);
    }
  });

  it('throws a TypeError for options that are not an object', () => {
    for (const options of [null, 'limit', 42]) {
      expect(() => verifyWebhook(standard.scheme, options as never)).toThrow(TypeError);
    }
  });

  it('throws a TypeError for any limit that is not a whole number of bytes, 0 or more', () => {
    const notAByteCount = fc.oneof(
      fc.integer({ max: -1 }),
      fc.double().filter((value) => !Number.isSafeInteger(value) || value < 0),
      fc.string(),
      fc.constant(null),
      fc.boolean(),
    );
    fc.assert(
      fc.property(notAByteCount, (limit) => {
        expect(() => verifyWebhook(standard.scheme, { limit: limit as number })).toThrow(TypeError);
      }),
    );
  });

  it('accepts 0 and any positive whole limit', () => {
    fc.assert(
      fc.property(fc.nat(), (limit) => {
        expect(verifyWebhook(standard.scheme, { limit })).toBeTypeOf('function');
      }),
    );
  });

  it('throws a TypeError when onError is not a function', () => {
    expect(() => verifyWebhook(standard.scheme, { onError: 'log' as never })).toThrow(TypeError);
  });

  it('returns a named middleware and leaves frozen options as they were', () => {
    const options = Object.freeze({ limit: 10, onError: () => {} });
    const middleware = verifyWebhook(standard.scheme, options);
    expect(middleware.name).toBe('verifyWebhookMiddleware');
    expect(options).toEqual({ limit: 10, onError: expect.any(Function) });
  });
});

describe.each(expressVersions)('%s', (_version, express) => {
  describe.each(schemeCases)('$name', ({ name, scheme, withoutSignature, malformed }) => {
    const body = JSON.stringify({ type: 'order.paid', data: { id: 'ord_1', total: 4200 } });
    const post = (server: Parameters<typeof request>[0], headers: Record<string, string>) =>
      request(server).post('/webhooks').set(headers).set('content-type', 'application/json');

    it('hands a valid delivery to the handler: parsed body and the verified delivery', async () => {
      const { server, handled } = await receiver(express, scheme);
      const timestamp = Date.now() - 5_000;
      const headers = await scheme.sign({ body, timestamp });
      const res = await post(server, headers).send(body);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        body: JSON.parse(body),
        sameObject: true,
        scheme: name,
        id: headers['webhook-id'] ?? null,
        timestamp: name === 'codaiq' ? timestamp : Math.floor(timestamp / 1000) * 1000,
        rawBody: Buffer.from(body).toString('base64'),
      });
      expect(handled).toHaveLength(1);
    });

    it('lets onError answer a refused delivery instead', async () => {
      const seen: WebhookVerificationError[] = [];
      const { server, handled } = await receiver(express, scheme, {
        onError: (error, _req, res) => {
          seen.push(error);
          res.status(418).type('text/plain').send(`refused: ${error.code}`);
        },
      });
      const res = await post(server, withoutSignature(await scheme.sign({ body }))).send(body);
      expect(res.status).toBe(418);
      expect(res.text).toBe('refused: missing_header');
      expect(seen).toHaveLength(1);
      expect(seen[0]).toBeInstanceOf(WebhookVerificationError);
      expect(handled).toEqual([]);
    });

    it('sends an error thrown by onError to Express error handling', async () => {
      const { server, handled, errors } = await receiver(express, scheme, {
        onError: () => {
          throw new Error('onError broke');
        },
      });
      const res = await post(server, malformed(await scheme.sign({ body }))).send(body);
      expect(res.status).toBe(599);
      expect(res.body).toEqual({ caught: 'onError broke' });
      expect(errors).toHaveLength(1);
      expect(handled).toEqual([]);
    });

    it('sends a rejection from an async onError to Express error handling', async () => {
      const { server, handled, errors } = await receiver(express, scheme, {
        onError: async () => {
          await Promise.resolve();
          throw new Error('async onError broke');
        },
      });
      const res = await post(server, malformed(await scheme.sign({ body }))).send(body);
      expect(res.status).toBe(599);
      expect(res.body).toEqual({ caught: 'async onError broke' });
      expect(errors).toHaveLength(1);
      expect(handled).toEqual([]);
    });

    it('answers 500 raw_body_unavailable when a middleware already took part of the stream', async () => {
      const peek: RequestHandler = (req, _res, next) => {
        req.once('data', () => {
          req.pause();
          next();
        });
      };
      const { server, handled } = await receiver(express, scheme, {}, [peek]);
      const headers = { ...(await scheme.sign({ body })), 'transfer-encoding': 'chunked' };
      const bytes = Buffer.from(body);
      const res = parsed(await rawPost(server, headers, [bytes.subarray(0, 5)], false));
      expectRefusal(res, 500, 'raw_body_unavailable');
      expect(handled).toEqual([]);
    });

    it('sends errors that are not WebhookVerificationError to next(error)', async () => {
      const broken: WebhookScheme = {
        ...scheme,
        verify: async () => {
          throw new RangeError('key store offline');
        },
      };
      const { server, handled, errors } = await receiver(express, broken);
      const res = await post(server, await scheme.sign({ body })).send(body);
      expect(res.status).toBe(599);
      expect(res.body).toEqual({ caught: 'key store offline' });
      expect(errors[0]).toBeInstanceOf(RangeError);
      expect(handled).toEqual([]);
    });
  });

  it('types req.body and req.webhook from the payload generic', async () => {
    type OrderPaid = { type: 'order.paid'; data: { id: string } };
    const app = express();
    const { scheme } = standard;
    app.post('/webhooks', verifyWebhook<OrderPaid>(scheme), (req, res) => {
      expectTypeOf(req.body).toEqualTypeOf<OrderPaid>();
      expectTypeOf(req.webhook).toEqualTypeOf<VerifiedWebhook<OrderPaid>>();
      res.json({ order: req.body.data.id, id: req.webhook.id, same: req.webhook.payload.type });
    });
    const body = JSON.stringify({ type: 'order.paid', data: { id: 'ord_9' } });
    const headers = await scheme.sign({ body, id: 'msg_typed' });
    const res = await request(await serve(app))
      .post('/webhooks')
      .set(headers)
      .set('content-type', 'application/json')
      .send(body);
    expect(res.body).toEqual({ order: 'ord_9', id: 'msg_typed', same: 'order.paid' });
  });
});
