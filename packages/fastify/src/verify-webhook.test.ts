import { request } from 'node:http';
import fc from 'fast-check';
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import {
  closeAll,
  majors,
  rawRequest,
  type SchemeCase,
  schemeCases,
  start,
} from './test-support.js';

afterEach(closeAll);

const MINUTE = 60_000;

const refusal = (code: string) => ({ ok: false, error: { code, message: expect.any(String) } });

const expectRefused = (
  response: { status: number; headers: Record<string, unknown>; body: unknown },
  status: number,
  code: string,
) => {
  expect({ status: response.status, body: response.body }).toEqual({
    status,
    body: refusal(code),
  });
  expect(response.headers['content-type']).toMatch(/^application\/json/);
};

describe.each(majors)('fastify $major', ({ major, create }) => {
  describe.each(schemeCases)('$name', (c: SchemeCase) => {
    const signed = async (body: string, options: { id?: string; timestamp?: number } = {}) =>
      c.create().sign({ body, ...options });

    it(`runs on Fastify ${major}`, async () => {
      const { app } = await start(create, { scheme: c.create() });
      expect(app.version.split('.')[0]).toBe(String(major));
    });

    it('hands a valid delivery to the handler with the payload as request.body', async () => {
      const { app, calls } = await start(create, { scheme: c.create() });
      const body = JSON.stringify({ type: 'order.paid', n: 1 });
      const headers = await signed(body, { id: 'msg_valid' });
      const response = await supertest(app.server)
        .post('/webhooks')
        .set(headers)
        .set('content-type', 'application/json')
        .send(body);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        ok: true,
        scheme: c.name,
        id: c.name === 'codaiq' ? null : 'msg_valid',
      });
      expect(calls).toHaveLength(1);
      expect(calls[0]?.body).toEqual({ type: 'order.paid', n: 1 });
      expect(calls[0]?.payload).toBe(calls[0]?.body);
      expect(new TextDecoder().decode(calls[0]?.rawBody)).toBe(body);
    });

    it('verifies the shared test vector byte for byte', async () => {
      const { vector } = c;
      const scheme = c.create({ secret: vector.secret, now: () => vector.timestamp });
      const { app, calls } = await start(create, { scheme });
      const response = await supertest(app.server)
        .post('/webhooks')
        .set(vector.headers)
        .set('content-type', 'application/json')
        .send(vector.payload);
      expect(response.status).toBe(200);
      expect(calls[0]?.body).toEqual(JSON.parse(vector.payload));
    });

    it('verifies any signed JSON payload and passes it through unchanged', async () => {
      const { app, calls } = await start(create, { scheme: c.create() });
      await fc.assert(
        fc.asyncProperty(fc.json(), async (body) => {
          calls.length = 0;
          const response = await supertest(app.server)
            .post('/webhooks')
            .set(await signed(body))
            .set('content-type', 'application/json')
            .send(body);
          expect(response.status).toBe(200);
          expect(calls).toHaveLength(1);
          expect(calls[0]?.body).toStrictEqual(JSON.parse(body));
          expect(Buffer.from(calls[0]?.rawBody ?? []).toString('utf8')).toBe(body);
        }),
        { numRuns: 25 },
      );
    });

    it('verifies a signed JSON body whatever content type it is sent with, or none', async () => {
      const { url, calls } = await start(create, { scheme: c.create() });
      const body = JSON.stringify({ n: 7 });
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            undefined,
            'application/json',
            'application/json; charset=utf-8',
            'text/plain',
            'text/plain; charset=iso-8859-1',
            'application/octet-stream',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/vnd.example+json',
          ),
          async (type) => {
            calls.length = 0;
            const response = await rawRequest(`${url}/webhooks`, {
              headers: {
                ...(await signed(body)),
                ...(type === undefined ? {} : { 'content-type': type }),
              },
              chunks: [body],
            });
            expect(response.status).toBe(200);
            expect(calls.map((call) => call.body)).toEqual([{ n: 7 }]);
          },
        ),
        { numRuns: 25 },
      );
    });

    it('refuses a tampered body with 401 signature_mismatch', async () => {
      const { app, calls } = await start(create, { scheme: c.create() });
      const body = JSON.stringify({ amount: 100, currency: 'EUR', note: 'pay the invoice' });
      const headers = await signed(body);
      await fc.assert(
        fc.asyncProperty(
          fc.nat({ max: body.length - 1 }),
          fc.integer({ min: 1, max: 127 }),
          async (index, flip) => {
            const tampered = Buffer.from(body);
            tampered[index] = (tampered[index] ?? 0) ^ flip;
            const response = await supertest(app.server)
              .post('/webhooks')
              .set(headers)
              .set('content-type', 'application/octet-stream')
              .send(tampered);
            expectRefused(response, 401, 'signature_mismatch');
          },
        ),
        { numRuns: 25 },
      );
      expect(calls).toHaveLength(0);
    });

    it('refuses a delivery signed with another secret', async () => {
      const { app, calls } = await start(create, { scheme: c.create() });
      const body = JSON.stringify({ n: 1 });
      const headers = await c.create({ secret: c.otherSecret }).sign({ body });
      const response = await supertest(app.server)
        .post('/webhooks')
        .set(headers)
        .set('content-type', 'application/json')
        .send(body);
      expectRefused(response, 401, 'signature_mismatch');
      expect(calls).toHaveLength(0);
    });

    it.each([
      ['stale', -10 * MINUTE],
      ['future', 10 * MINUTE],
    ])('refuses a %s timestamp with 401 timestamp_out_of_window', async (_, shift) => {
      const { app, calls } = await start(create, { scheme: c.create() });
      const body = JSON.stringify({ n: 1 });
      const headers = await signed(body, { timestamp: Date.now() + shift });
      const response = await supertest(app.server)
        .post('/webhooks')
        .set(headers)
        .set('content-type', 'application/json')
        .send(body);
      expectRefused(response, 401, 'timestamp_out_of_window');
      expect(calls).toHaveLength(0);
    });

    it('refuses a delivery missing any required header with 400 missing_header', async () => {
      const { app, calls } = await start(create, { scheme: c.create() });
      const body = JSON.stringify({ n: 1 });
      const headers = await signed(body);
      await fc.assert(
        fc.asyncProperty(
          fc.subarray([...c.required], { minLength: 1 }),
          fc.boolean(),
          async (dropped, withBody) => {
            const kept = Object.fromEntries(
              Object.entries(headers).filter(([name]) => !dropped.includes(name)),
            );
            const request = withBody
              ? supertest(app.server)
                  .post('/webhooks')
                  .set(kept)
                  .set('content-type', 'application/json')
                  .send(body)
              : supertest(app.server).get('/webhooks').set(kept);
            const response = await request;
            expectRefused(response, 400, 'missing_header');
            expect(response.body.error.message).toContain(dropped.length === 1 ? dropped[0] : '');
          },
        ),
        { numRuns: 25 },
      );
      expect(calls).toHaveLength(0);
    });

    it('refuses a malformed header with 400 malformed_header', async () => {
      const { app, calls } = await start(create, { scheme: c.create() });
      const body = JSON.stringify({ n: 1 });
      const response = await supertest(app.server)
        .post('/webhooks')
        .set({ ...(await signed(body)), ...c.malformed })
        .set('content-type', 'application/json')
        .send(body);
      expectRefused(response, 400, 'malformed_header');
      expect(calls).toHaveLength(0);
    });

    it('refuses a signed body that is not JSON with 400 invalid_payload', async () => {
      const { app, calls } = await start(create, { scheme: c.create() });
      const body = 'amount=100&currency=EUR';
      const response = await supertest(app.server)
        .post('/webhooks')
        .set(await signed(body))
        .set('content-type', 'application/x-www-form-urlencoded')
        .send(body);
      expectRefused(response, 400, 'invalid_payload');
      expect(calls).toHaveLength(0);
    });

    it('accepts a body of exactly `limit` bytes and refuses one byte more with 413', async () => {
      const { url, calls } = await start(create, { scheme: c.create(), limit: 1024 });
      const fits = JSON.stringify({ pad: 'x'.repeat(1024 - 10) });
      expect(Buffer.byteLength(fits)).toBe(1024);
      const ok = await rawRequest(`${url}/webhooks`, {
        headers: { ...(await signed(fits)), 'content-type': 'application/json' },
        chunks: [fits],
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.connection).toBe('keep-alive');
      const tooBig = JSON.stringify({ pad: 'x'.repeat(1024 - 9) });
      const refused = await rawRequest(`${url}/webhooks`, {
        headers: { ...(await signed(tooBig)), 'content-type': 'application/json' },
        chunks: [tooBig],
      });
      expect(refused.status).toBe(413);
      expect(JSON.parse(refused.body)).toEqual(refusal('payload_too_large'));
      expect(refused.headers['content-type']).toMatch(/^application\/json/);
      expect(refused.headers.connection).toBe('close');
      expect(calls).toHaveLength(1);
    });

    it('refuses a streamed (chunked) body as soon as it passes the limit, without waiting for its end', async () => {
      const { url, calls } = await start(create, { scheme: c.create(), limit: 1024 });
      const response = await rawRequest(`${url}/webhooks`, {
        headers: { ...(await signed('{}')), 'content-type': 'application/json' },
        chunks: ['{"pad":"', 'x'.repeat(600), 'x'.repeat(600)],
        end: false,
      });
      expect(response.status).toBe(413);
      expect(JSON.parse(response.body)).toEqual(refusal('payload_too_large'));
      expect(response.headers.connection).toBe('close');
      expect(calls).toHaveLength(0);
    });

    it('refuses a declared Content-Length over the default 1 MiB limit before the body arrives', async () => {
      const { url, calls } = await start(create, { scheme: c.create() });
      const response = await rawRequest(`${url}/webhooks`, {
        headers: {
          ...(await signed('{}')),
          'content-type': 'application/json',
          'content-length': String(1024 * 1024 + 1),
        },
        chunks: ['{"pad":"'],
        end: false,
      });
      expect(response.status).toBe(413);
      expect(JSON.parse(response.body)).toEqual(refusal('payload_too_large'));
      expect(response.headers.connection).toBe('close');
      expect(calls).toHaveLength(0);
    });

    it('refuses missing headers with 400 before reading the body, even an oversized unfinished one', async () => {
      const { url, calls } = await start(create, { scheme: c.create(), limit: 1024 });
      const response = await rawRequest(`${url}/webhooks`, {
        headers: { 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) },
        chunks: ['{"pad":"'],
        end: false,
      });
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body)).toEqual(refusal('missing_header'));
      expect(response.headers.connection).toBe('close');
      // Within the limit but never finished: only a check before the body can answer this.
      const unfinished = await rawRequest(`${url}/webhooks`, {
        headers: { 'content-type': 'application/json', 'content-length': '100' },
        chunks: ['{"pad":"'],
        end: false,
      });
      expect(unfinished.status).toBe(400);
      expect(JSON.parse(unfinished.body)).toEqual(refusal('missing_header'));
      expect(calls).toHaveLength(0);
    });

    it('survives a client that aborts mid-body and keeps serving', async () => {
      const { app, url, calls } = await start(create, { scheme: c.create() });
      const body = JSON.stringify({ n: 1 });
      const headers = await signed(body);
      await new Promise<void>((resolve) => {
        const req = request(`${url}/webhooks`, {
          method: 'POST',
          agent: false,
          headers: { ...headers, 'content-type': 'application/json', 'content-length': '100' },
        });
        req.on('error', () => resolve());
        req.write(body.slice(0, 4), () => {
          req.destroy();
          resolve();
        });
      });
      const response = await supertest(app.server)
        .post('/webhooks')
        .set(await signed(body))
        .set('content-type', 'application/json')
        .send(body);
      expect(response.status).toBe(200);
      expect(calls).toHaveLength(1);
    });

    it('handles 200 concurrent mixed deliveries: every invalid one refused, every valid one handled exactly once', async () => {
      const { app, calls } = await start(create, { scheme: c.create() });
      const kinds = ['valid', 'tampered', 'missing', 'stale', 'wrong-secret'] as const;
      const expected = {
        valid: [200, undefined],
        tampered: [401, 'signature_mismatch'],
        missing: [400, 'missing_header'],
        stale: [401, 'timestamp_out_of_window'],
        'wrong-secret': [401, 'signature_mismatch'],
      } as const;
      const requests = Array.from({ length: 200 }, async (_, n) => {
        const kind = kinds[n % kinds.length] ?? 'valid';
        const body = JSON.stringify({ n });
        const headers =
          kind === 'wrong-secret'
            ? await c.create({ secret: c.otherSecret }).sign({ body })
            : await signed(body, {
                id: `msg_${n}`,
                timestamp: kind === 'stale' ? Date.now() - 10 * MINUTE : Date.now(),
              });
        if (kind === 'missing') for (const name of c.required) delete headers[name];
        const response = await supertest(app.server)
          .post('/webhooks')
          .set(headers)
          .set('content-type', 'application/json')
          .send(kind === 'tampered' ? JSON.stringify({ n: n + 1000 }) : body);
        const [status, code] = expected[kind];
        expect(response.status).toBe(status);
        if (code) expect(response.body).toEqual(refusal(code));
        return kind;
      });
      const kindsSent = await Promise.all(requests);
      const handled = new Map<number, number>();
      for (const call of calls) {
        const { n } = call.body as { n: number };
        handled.set(n, (handled.get(n) ?? 0) + 1);
      }
      const validNumbers = kindsSent.flatMap((kind, n) => (kind === 'valid' ? [n] : []));
      expect([...handled.keys()].sort((a, b) => a - b)).toEqual(validNumbers);
      expect([...handled.values()].every((count) => count === 1)).toBe(true);
    });
  });
});
