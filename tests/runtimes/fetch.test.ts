// The same withWebhook fetch handler on every runtime it is written for: Node (through
// @hono/node-server), Bun.serve, Deno.serve and workerd, over real sockets.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { codaiq, standardWebhooks, type WebhookScheme } from '@hookguard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handle } from './fixtures/fetch-app.ts';
import { CODAIQ_SECRET, INSTANCE_KEY, LIMIT, STANDARD_SECRET } from './fixtures/fetch-constants.ts';
import {
  bundleWorker,
  fixture,
  type Runtime,
  type Server,
  serveScript,
  startWorker,
} from './launch.ts';

const startNode = (): Promise<Server> =>
  new Promise((resolve) => {
    const server = serve({ fetch: handle, hostname: '127.0.0.1', port: 0 }, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        stop: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
  });

const workerBundle = () => bundleWorker(fixture('fetch-app.ts'));

const starters: Record<Runtime, () => Promise<Server>> = {
  node: startNode,
  bun: () => serveScript('bun', fixture('fetch-bun.ts')),
  deno: () => serveScript('deno', fixture('fetch-deno.ts')),
  workerd: async () => startWorker((await workerBundle()).script),
};

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends a real HTTP request: a string body with Content-Length, or chunks with
 * `transfer-encoding: chunked` so the server learns the size only by reading.
 */
const send = (
  url: string,
  headers: Record<string, string>,
  body: string | Uint8Array[],
): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(parts).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (typeof body === 'string') req.end(body);
    else {
      for (const chunk of body) req.write(chunk);
      req.end();
    }
  });

const schemes: { name: string; scheme: WebhookScheme; signatureHeader: string }[] = [
  {
    name: 'standard-webhooks',
    scheme: standardWebhooks({ secret: STANDARD_SECRET }),
    signatureHeader: 'webhook-signature',
  },
  {
    name: 'codaiq',
    scheme: codaiq({ secret: CODAIQ_SECRET }),
    signatureHeader: 'x-codaiq-signature',
  },
];

const encoder = new TextEncoder();
// Non-ASCII on purpose: the bytes must reach the handler unchanged, not re-encoded.
const event = (type: string, padding = 0) =>
  JSON.stringify({ type, note: 'café ✓', data: 'x'.repeat(padding) });

const expectRefused = (reply: Reply, status: number, code: string) => {
  expect({ status: reply.status, type: reply.headers['content-type'] }).toEqual({
    status,
    type: 'application/json',
  });
  const body = JSON.parse(reply.body) as { meta: { requestId: string } };
  expect(body).toEqual({
    ok: false,
    error: { code, message: expect.any(String) },
    meta: { requestId: expect.any(String) },
  });
  expect(reply.headers['x-request-id']).toBe(body.meta.requestId);
};

describe.each<Runtime>(['node', 'bun', 'deno', 'workerd'])('@hookguard/fetch on %s', (runtime) => {
  let server: Server;
  // workerd sits behind Miniflare's own HTTP front, which owns the connection.
  const closesItself = runtime !== 'workerd';

  beforeAll(async () => {
    server = await starters[runtime]();
  });

  afterAll(async () => {
    await server?.stop();
  });

  describe.each(schemes)('$name', ({ name, scheme, signatureHeader }) => {
    const url = () => `${server.url}/webhooks/${name}`;

    it.each(['application/json', 'text/plain', 'application/octet-stream'])(
      'hands a valid delivery sent as %s to the handler with its body intact',
      async (contentType) => {
        const body = event('order.paid');
        const headers = await scheme.sign({ body });
        const reply = await send(url(), { ...headers, 'content-type': contentType }, body);
        expect(reply.status).toBe(200);
        expect(JSON.parse(reply.body)).toEqual({
          ok: true,
          scheme: name,
          id: headers['webhook-id'] ?? null,
          type: 'order.paid',
          json: JSON.parse(body),
          text: body,
          sameBytes: true,
        });
      },
    );

    it('hands a valid chunked delivery to the handler', async () => {
      const body = event('order.chunked', 100);
      const bytes = encoder.encode(body);
      const reply = await send(url(), await scheme.sign({ body }), [
        bytes.subarray(0, 50),
        bytes.subarray(50),
      ]);
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toMatchObject({ type: 'order.chunked', text: body });
    });

    it('refuses a tampered body with 401 signature_mismatch and the envelope', async () => {
      const body = event('order.paid');
      const headers = await scheme.sign({ body });
      const reply = await send(
        url(),
        { ...headers, 'x-request-id': 'req_tampered' },
        body.replace('paid', 'free'),
      );
      expectRefused(reply, 401, 'signature_mismatch');
      expect(JSON.parse(reply.body).meta).toEqual({ requestId: 'req_tampered' });
    });

    it('refuses a stale delivery with 401 timestamp_out_of_window', async () => {
      const body = event('order.paid');
      const headers = await scheme.sign({ body, timestamp: Date.now() - 3_600_000 });
      expectRefused(await send(url(), headers, body), 401, 'timestamp_out_of_window');
    });

    it('refuses a delivery without its signature header with 400 missing_header', async () => {
      const body = event('order.paid');
      const { [signatureHeader]: _, ...headers } = await scheme.sign({ body });
      const reply = await send(url(), headers, body);
      expectRefused(reply, 400, 'missing_header');
      // The body was left unread, so the connection is not reused (Bun needs the header).
      if (closesItself) expect(reply.headers.connection).toMatch(/\bclose\b/);
    });

    it('refuses an oversized body declared by Content-Length with 413', async () => {
      const body = event('order.huge', LIMIT);
      const reply = await send(url(), await scheme.sign({ body }), body);
      expectRefused(reply, 413, 'payload_too_large');
      if (closesItself) expect(reply.headers.connection).toMatch(/\bclose\b/);
    });

    it('refuses an oversized chunked body with 413', async () => {
      const body = event('order.huge', LIMIT * 4);
      const bytes = encoder.encode(body);
      const chunks = [0, 1, 2, 3, 4].map((part) =>
        bytes.subarray(part * LIMIT, (part + 1) * LIMIT),
      );
      const reply = await send(url(), await scheme.sign({ body }), chunks);
      expectRefused(reply, 413, 'payload_too_large');
    });
  });

  describe('anyOf: a key or a signature on one endpoint', () => {
    const trigger = () => `${server.url}/trigger`;
    const body = event('run.requested');

    it('takes ?api_key=, redacts it from request.url, and leaves the body to the handler', async () => {
      const reply = await send(
        `${trigger()}?api_key=${INSTANCE_KEY}&run=1`,
        { 'content-type': 'application/json' },
        body,
      );
      expect(reply.status).toBe(200);
      expect(reply.body).not.toContain(INSTANCE_KEY);
      const answer = JSON.parse(reply.body) as { url: string };
      expect({ ...answer, url: new URL(answer.url).search }).toEqual({
        by: 'api-key',
        url: '?api_key=REDACTED&run=1',
        signed: false,
        json: JSON.parse(body),
      });
    });

    it('takes a signed delivery, and refuses a wrong key beside it without falling through', async () => {
      const headers = await standardWebhooks({ secret: STANDARD_SECRET }).sign({ body });
      const signed = await send(trigger(), headers, body);
      expect(JSON.parse(signed.body)).toEqual({
        by: 'standard-webhooks',
        url: trigger(),
        signed: true,
        json: JSON.parse(body),
      });
      const refused = await send(trigger(), { ...headers, 'x-api-key': 'ck_wrong' }, body);
      expectRefused(refused, 401, 'invalid_credentials');
    });
  });
});

it('bundles the worker with dist/web.js of @hookguard/core and no node: module', async () => {
  const { inputs, script } = await workerBundle();
  const core = inputs.filter((input) => input.includes('/packages/core/'));
  expect(core).toEqual([expect.stringMatching(/\/packages\/core\/dist\/web\.js$/)]);
  expect(inputs.some((input) => input.includes('/packages/fetch/dist/index.js'))).toBe(true);
  expect(script).not.toMatch(/from\s*["']node:|require\(["']node:/);
});
