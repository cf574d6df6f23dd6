import type { IncomingMessage, ServerResponse } from 'node:http';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { captureRawBody } from './index.js';
import { expressVersions, receiver, schemeCases } from './test-helpers.js';

const RAW_BODY = Symbol.for('hookguard.rawBody');

describe('captureRawBody()', () => {
  it('keeps the exact bytes on a non-enumerable registered symbol', () => {
    const req = {} as IncomingMessage;
    const bytes = Buffer.from('{"a": 1}');
    captureRawBody(req, {} as ServerResponse, bytes, 'utf-8');
    expect((req as unknown as Record<symbol, unknown>)[RAW_BODY]).toBe(bytes);
    expect(Object.keys(req)).toEqual([]);
    expect(JSON.stringify(req)).toBe('{}');
  });

  it('throws a TypeError when handed anything but bytes', () => {
    const req = {} as IncomingMessage;
    expect(() =>
      captureRawBody(req, {} as ServerResponse, '{"a":1}' as unknown as Buffer, 'utf-8'),
    ).toThrow(TypeError);
  });
});

describe.each(expressVersions)('%s with a body parser mounted first', (_version, express) => {
  describe.each(schemeCases)('$name', ({ scheme }) => {
    // Spacing and key order a re-serialized body would lose.
    const body = '{ "type": "order.paid",\n  "data": {"total": 4200.0, "id": "ord_1"} }';
    const deliver = async (server: Parameters<typeof request>[0], contentType: string) =>
      request(server)
        .post('/webhooks')
        .set(await scheme.sign({ body }))
        .set('content-type', contentType)
        .send(body);

    it('express.json() without captureRawBody: 500 raw_body_unavailable, handler not called', async () => {
      const { server, handled } = await receiver(express, scheme, {}, [express.json()]);
      const res = await deliver(server, 'application/json');
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.ok).toBe(false);
      expect(res.body.error.code).toBe('raw_body_unavailable');
      expect(res.body.error.message).toMatch(/before any body parser/);
      expect(res.body.error.message).toMatch(/verify: captureRawBody/);
      expect(handled).toEqual([]);
    });

    it('express.json({ verify: captureRawBody }): verifies the exact bytes', async () => {
      const parser = express.json({ verify: captureRawBody });
      const { server, handled } = await receiver(express, scheme, {}, [parser]);
      const res = await deliver(server, 'application/json');
      expect(res.status).toBe(200);
      expect(res.body.body).toEqual(JSON.parse(body));
      expect(res.body.rawBody).toBe(Buffer.from(body).toString('base64'));
      expect(handled).toHaveLength(1);
    });

    it('express.json() skipping a text/plain delivery: reads the untouched stream', async () => {
      const { server, handled } = await receiver(express, scheme, {}, [express.json()]);
      const res = await deliver(server, 'text/plain');
      expect(res.status).toBe(200);
      expect(res.body.body).toEqual(JSON.parse(body));
      expect(handled).toHaveLength(1);
    });

    it("express.raw({ type: '*/*' }): verifies the Buffer body", async () => {
      const parser = express.raw({ type: '*/*' });
      const { server, handled } = await receiver(express, scheme, {}, [parser]);
      const res = await deliver(server, 'application/json');
      expect(res.status).toBe(200);
      expect(res.body.body).toEqual(JSON.parse(body));
      expect(handled).toHaveLength(1);
    });

    it('express.text() without captureRawBody: 500 raw_body_unavailable', async () => {
      const parser = express.text({ type: '*/*' });
      const { server, handled } = await receiver(express, scheme, {}, [parser]);
      const res = await deliver(server, 'application/json');
      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe('raw_body_unavailable');
      expect(handled).toEqual([]);
    });

    it('still refuses a tampered body whose raw bytes were captured', async () => {
      const parser = express.json({ verify: captureRawBody });
      const { server, handled } = await receiver(express, scheme, {}, [parser]);
      const res = await request(server)
        .post('/webhooks')
        .set(await scheme.sign({ body }))
        .set('content-type', 'application/json')
        .send(body.replace('4200.0', '4200'));
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('signature_mismatch');
      expect(handled).toEqual([]);
    });

    it.each([
      ['captureRawBody', () => express.json({ verify: captureRawBody })],
      ['express.raw()', () => express.raw({ type: '*/*' })],
    ])('applies its own limit to bytes kept by %s: 413', async (_label, parser) => {
      const { server, handled } = await receiver(express, scheme, { limit: 32 }, [parser()]);
      const res = await deliver(server, 'application/json');
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('payload_too_large');
      expect(res.headers.connection).toBe('close');
      expect(handled).toEqual([]);
    });
  });
});
