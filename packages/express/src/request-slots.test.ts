import { apiKey, standardWebhooks } from '@hookguard/core';
import type { RequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from './index.js';
import { expressVersions, serve } from './test-helpers.js';

const scheme = standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
const key = 'ck_slots_test_key';
const instanceKey = apiKey({ header: 'x-api-key', prefix: 'ck_', keys: [key] });
const body = JSON.stringify({ type: 'order.paid' });

// What a handler reads off the request, and whether each is the request's own property.
const seen: RequestHandler = (req, res) => {
  const view = req as unknown as Record<string, unknown>;
  res.json(
    Object.fromEntries(
      ['webhook', 'auth', '_body'].map((name) => [
        name,
        {
          own: Object.hasOwn(req, name),
          value:
            name === 'webhook'
              ? ((view.webhook as { id?: string } | undefined)?.id ?? null)
              : (view[name] ?? null),
        },
      ]),
    ),
  );
};

const signed = async (): Promise<Record<string, string>> => ({
  ...(await scheme.sign({ body })),
  'content-type': 'application/json',
});

describe.each(expressVersions)('%s: req.webhook, req.auth and req._body', (_version, express) => {
  it('reads them on the request that passed, without adding own properties to it', async () => {
    const app = express();
    app.post('/hook', verifyWebhook(scheme), seen);
    app.post('/open', seen);
    const server = await serve(app);
    const headers = await signed();
    const passed = await request(server).post('/hook').set(headers).send(body);
    expect(passed.body).toEqual({
      webhook: { own: false, value: headers['webhook-id'] },
      auth: {
        own: false,
        value: { method: 'standard-webhooks', scopes: [] },
      },
      _body: { own: false, value: true },
    });
    // Another request of the same app carries none of them.
    const open = await request(server).post('/open').set(headers).send(body);
    expect(open.body).toEqual({
      webhook: { own: false, value: null },
      auth: { own: false, value: null },
      _body: { own: false, value: null },
    });
  });

  it('lets a later middleware assign req.auth, which it then reads', async () => {
    const app = express();
    const replace: RequestHandler = (req, _res, next) => {
      req.auth = { method: 'session', principal: 'u_1', scopes: ['admin'] };
      next();
    };
    app.post('/hook', verifyWebhook(scheme), replace, seen);
    const server = await serve(app);
    const res = await request(server)
      .post('/hook')
      .set(await signed())
      .send(body);
    expect(res.body.auth).toEqual({
      own: true,
      value: { method: 'session', principal: 'u_1', scopes: ['admin'] },
    });
    expect(res.body.webhook.value).toEqual(expect.stringMatching(/^msg_/));
  });

  it("replaces an earlier middleware's own req.auth, as an assignment would", async () => {
    const app = express();
    const earlier: RequestHandler = (req, _res, next) => {
      Object.assign(req, { auth: { method: 'earlier', principal: undefined, scopes: [] } });
      next();
    };
    app.post('/hook', earlier, verifyWebhook(instanceKey), seen);
    const server = await serve(app);
    const res = await request(server).post('/hook').set('x-api-key', key).send(body);
    expect(res.body.auth).toMatchObject({ own: true, value: { method: 'api-key' } });
    expect(res.body.webhook).toEqual({ own: false, value: null });
  });

  it('keeps them for the parent app after a sub-app verified the request', async () => {
    const sub = express();
    sub.use(verifyWebhook(scheme));
    const app = express();
    app.use('/hooks', sub);
    app.post('/hooks/in', seen);
    const server = await serve(app);
    const headers = await signed();
    const res = await request(server).post('/hooks/in').set(headers).send(body);
    expect(res.body.webhook).toEqual({ own: false, value: headers['webhook-id'] });
  });

  it('lets a JSON parser after it skip the body it read', async () => {
    const app = express();
    app.post('/hook', verifyWebhook(scheme), express.json(), (req, res) => {
      res.json({ type: (req.body as { type: string }).type, id: req.webhook.id });
    });
    const server = await serve(app);
    const headers = await signed();
    const res = await request(server).post('/hook').set(headers).send(body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ type: 'order.paid', id: headers['webhook-id'] });
  });
});

it('sets own properties on a request that no Express app gave a prototype', async () => {
  const middleware = verifyWebhook(scheme);
  const server = await serve((req, res) => {
    middleware(req as never, res as never, () => {
      const view = req as unknown as Record<string, unknown>;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          own: ['webhook', 'auth', '_body'].filter((name) => Object.hasOwn(req, name)),
          id: (view.webhook as { id: string }).id,
        }),
      );
    });
  });
  const headers = await signed();
  const res = await request(server).post('/').set(headers).send(body);
  expect(res.body).toEqual({ own: ['webhook', 'auth', '_body'], id: headers['webhook-id'] });
});
