import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type RequestListener,
  request,
  type Server,
} from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { codaiq, standardWebhooks, type WebhookScheme } from '@hookguard/core';
import express5, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { onTestFinished } from 'vitest';
import { type VerifyWebhookOptions, verifyWebhook } from './index.js';

// Shared by the test files only; not part of the package (tsup builds src/index.ts).

type ExpressFactory = typeof express5;

// `express4` is an npm alias of express@4 with no types of its own; its API is the same.
const express4 = createRequire(import.meta.url)('express4') as ExpressFactory;

export const expressVersions: [string, ExpressFactory][] = [
  ['express 5', express5],
  ['express 4', express4],
];

export type Headers = Record<string, string>;

export interface SchemeCase {
  name: 'standard-webhooks' | 'codaiq';
  /** The receiver's scheme. */
  scheme: WebhookScheme;
  /** A sender with a different secret. */
  impostor: WebhookScheme;
  withoutSignature: (headers: Headers) => Headers;
  malformed: (headers: Headers) => Headers;
}

const without = (name: string) => (headers: Headers) => {
  const { [name]: _dropped, ...rest } = headers;
  return rest;
};

export const schemeCases: SchemeCase[] = [
  {
    name: 'standard-webhooks',
    scheme: standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
    impostor: standardWebhooks({ secret: `whsec_${randomBytes(32).toString('base64')}` }),
    withoutSignature: without('webhook-signature'),
    malformed: (headers) => ({ ...headers, 'webhook-timestamp': 'soon' }),
  },
  {
    name: 'codaiq',
    scheme: codaiq({ secret: 'cdaq_whsec_local_dev_only' }),
    impostor: codaiq({ secret: 'cdaq_whsec_someone_else' }),
    withoutSignature: without('x-codaiq-signature'),
    malformed: (headers) => ({ ...headers, 'x-codaiq-signature': 'not-a-signature' }),
  },
];

/** Listens on an ephemeral port on 127.0.0.1; closed when the test ends. */
export const serve = async (app: RequestListener): Promise<Server> => {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return server;
};

export interface Receiver {
  server: Server;
  /** Deliveries the route handler saw, in order. */
  handled: { body: unknown; webhook: unknown }[];
  /** Errors that reached Express's error handling. */
  errors: unknown[];
}

/**
 * A real Express app listening on an ephemeral port: `before` middleware, then
 * `verifyWebhook(scheme, options)` and a handler that echoes what it saw.
 */
export const receiver = async (
  express: ExpressFactory,
  scheme: WebhookScheme,
  options?: VerifyWebhookOptions,
  before: RequestHandler[] = [],
): Promise<Receiver> => {
  const handled: Receiver['handled'] = [];
  const errors: unknown[] = [];
  const app = express();
  for (const middleware of before) app.use(middleware);
  app.post('/webhooks', verifyWebhook(scheme, options), (req, res) => {
    handled.push({ body: req.body, webhook: req.webhook });
    res.json({
      body: req.body,
      sameObject: req.body === req.webhook.payload,
      scheme: req.webhook.scheme,
      id: req.webhook.id ?? null,
      timestamp: req.webhook.timestamp?.getTime(),
      rawBody: Buffer.from(req.webhook.rawBody ?? []).toString('base64'),
    });
  });
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    errors.push(error);
    res.status(599).json({ caught: error instanceof Error ? error.message : String(error) });
  };
  app.use(onError);
  return { server: await serve(app), handled, errors };
};

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * POSTs with node:http, writing `chunks` one by one. With `end: false` the upload is left
 * unfinished, so a response proves the server answered without waiting for the body.
 */
export const rawPost = (
  server: Server,
  headers: Headers,
  chunks: Uint8Array[],
  end = true,
): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const { port } = server.address() as AddressInfo;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/webhooks', headers });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
      });
    });
    for (const chunk of chunks) req.write(chunk);
    if (end) req.end();
  });
