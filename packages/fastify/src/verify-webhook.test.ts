import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, majors, type SchemeCase, schemeCases, start } from './test-support.js';

afterEach(closeAll);

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
  });
});
