// Shared fixtures for the adapter tests (not part of the package: only tests import it).
import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { codaiq, standardWebhooks, type WebhookScheme } from '@hookguard/core';
import { Hono } from 'hono';
import { expect } from 'vitest';
import { type VerifyWebhookOptions, verifyWebhook } from './index.js';

export interface Payload {
  id: string;
  type: string;
  data?: unknown;
}

export interface SchemeCase {
  name: 'standard-webhooks' | 'codaiq';
  make: (secret: string, options?: { toleranceSeconds?: number }) => WebhookScheme;
  secret: string;
  otherSecret: string;
  /** The header whose absence is `missing_header`. */
  signatureHeader: string;
  /** Headers that make a signed delivery `malformed_header`. */
  malformed: (headers: Record<string, string>) => Record<string, string>;
}

export const schemeCases: SchemeCase[] = [
  {
    name: 'standard-webhooks',
    make: (secret, options) => standardWebhooks({ secret, ...options }),
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    otherSecret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
    signatureHeader: 'webhook-signature',
    malformed: (headers) => ({ ...headers, 'webhook-timestamp': 'yesterday' }),
  },
  {
    name: 'codaiq',
    make: (secret, options) => codaiq({ secret, ...options }),
    secret: 'cdaq_whsec_hono_tests',
    otherSecret: 'cdaq_whsec_someone_else',
    signatureHeader: 'x-codaiq-signature',
    malformed: ({ 'x-codaiq-timestamp': _, ...headers }) => ({
      ...headers,
      'x-codaiq-signature': 'signature-without-pairs',
    }),
  },
];

export interface Harness {
  url: string;
  /** Handler calls per payload `id`. */
  calls: Map<string, number>;
  close: () => Promise<void>;
}

/**
 * A real @hono/node-server on 127.0.0.1, port 0, with `POST /hook` behind the middleware.
 * The handler reads the body again through Hono and echoes what it saw.
 */
export const startApp = async (
  scheme: WebhookScheme,
  options?: VerifyWebhookOptions,
  configure?: (app: Hono) => void,
): Promise<Harness> => {
  const calls = new Map<string, number>();
  const app = new Hono();
  configure?.(app);
  app.post('/hook', verifyWebhook<Payload>(scheme, options), async (c) => {
    const webhook = c.get('webhook');
    calls.set(webhook.payload.id, (calls.get(webhook.payload.id) ?? 0) + 1);
    const json: unknown = await c.req.json();
    const text = await c.req.text();
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    return c.json({
      ok: true,
      scheme: webhook.scheme,
      id: webhook.id ?? null,
      timestamp: webhook.timestamp?.getTime(),
      payload: webhook.payload,
      json,
      text,
      sameBytes: Buffer.from(bytes).equals(Buffer.from(webhook.rawBody)),
    });
  });
  app.onError((error, c) => c.json({ framework: error.message }, 500));
  const { origin, close } = await serveApp(app);
  return { url: `${origin}/hook`, calls, close };
};

/** Serves `app` on a real @hono/node-server at 127.0.0.1, port 0, until `close()`. */
export const serveApp = async (
  app: Hono,
): Promise<{ origin: string; close: () => Promise<void> }> => {
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(started),
    );
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
};

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Posts `chunks` with `transfer-encoding: chunked` (no Content-Length) over node:http, so
 * the server only learns the size by reading. The client asks for keep-alive, so a
 * `connection: close` answer is the server's own choice. With `end: false` the upload is
 * left unfinished, so only a server that answers before reading everything can reply.
 */
export const postChunked = (
  url: string,
  headers: Record<string, string>,
  chunks: Uint8Array[],
  { end = true }: { end?: boolean } = {},
): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const agent = new Agent({ keepAlive: true });
    const req = httpRequest(url, { method: 'POST', headers, agent }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        req.destroy();
        agent.destroy();
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(parts).toString('utf8'),
        });
      });
      res.on('error', reject);
    });
    req.on('error', (error) => (end ? reject(error) : undefined));
    for (const chunk of chunks) req.write(chunk);
    if (end) req.end();
  });

/** Checks a refusal has the adapter's default shape: status, JSON content type and body. */
export const expectRefusal = async (response: Response, status: number, code: string) => {
  const body: unknown = await response.json();
  expect({ status: response.status, body }).toEqual({
    status,
    body: {
      ok: false,
      error: { code, message: expect.any(String) },
      meta: { requestId: expect.any(String) },
    },
  });
  expect(response.headers.get('content-type')).toBe('application/json');
};
