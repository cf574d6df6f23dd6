import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { codaiq, standardWebhooks, type WebhookScheme } from '@hookguard/core';
import fastify5, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import fastify4 from 'fastify4';
import { codaiqVectors, standardWebhooksVectors } from '../../core/test/vectors/index.js';
import { type VerifyWebhookOptions, verifyWebhook } from './index.js';

/** Both supported Fastify majors; the v4 factory is typed as v5 since the test code is shared. */
export const majors = [
  { major: 5, create: fastify5 },
  { major: 4, create: fastify4 as unknown as typeof fastify5 },
] as const;

export type CreateFastify = (typeof majors)[number]['create'];

export interface SchemeCase {
  name: 'standard-webhooks' | 'codaiq';
  create(options?: { secret?: string; now?: () => number }): WebhookScheme;
  otherSecret: string;
  /** Signature headers whose absence makes a delivery unverifiable. */
  required: readonly string[];
  malformed: Readonly<Record<string, string>>;
  vector: {
    secret: string;
    id?: string;
    timestamp: number;
    payload: string;
    headers: Record<string, string>;
  };
}

const firstVector = <T>(vectors: { v1: T[] }): T => {
  const [vector] = vectors.v1;
  if (!vector) throw new Error('the vectors have no v1 entry');
  return vector;
};

const standardVector = firstVector(standardWebhooksVectors);
const codaiqVector = firstVector(codaiqVectors);

export const STANDARD_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const CODAIQ_SECRET = 'cdaq_whsec_local_dev_only';

export const schemeCases: readonly SchemeCase[] = [
  {
    name: 'standard-webhooks',
    create: ({ secret = STANDARD_SECRET, now } = {}) => standardWebhooks({ secret, now }),
    otherSecret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
    required: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
    malformed: { 'webhook-timestamp': 'yesterday' },
    vector: {
      ...standardVector,
      timestamp: standardVector.timestamp * 1000,
      headers: {
        'webhook-id': standardVector.id,
        'webhook-timestamp': String(standardVector.timestamp),
        'webhook-signature': standardVector.signature,
      },
    },
  },
  {
    name: 'codaiq',
    create: ({ secret = CODAIQ_SECRET, now } = {}) => codaiq({ secret, now }),
    otherSecret: 'cdaq_whsec_someone_else',
    required: ['x-codaiq-signature'],
    malformed: { 'x-codaiq-signature': 'v1=not-a-pair-list' },
    vector: {
      ...codaiqVector,
      headers: {
        'x-codaiq-timestamp': String(codaiqVector.timestamp),
        'x-codaiq-signature': codaiqVector.signature,
      },
    },
  },
];

/** What the verified route's handler saw, one entry per call. */
export interface HandlerCall {
  id: string | undefined;
  scheme: string;
  body: unknown;
  payload: unknown;
  rawBody: Uint8Array;
}

export interface Started {
  app: FastifyInstance;
  calls: HandlerCall[];
  url: string;
}

const running: FastifyInstance[] = [];

export const closeAll = async (): Promise<void> => {
  await Promise.all(running.splice(0).map((app) => app.close()));
};

/**
 * Starts a real server: the verified scope (`POST /webhooks`, `GET /webhooks`, and
 * `POST /small` with a 64-byte route bodyLimit) beside an unverified `POST /outside`.
 */
export async function start(
  create: CreateFastify,
  options: VerifyWebhookOptions,
  setup: {
    server?: FastifyServerOptions;
    scope?: (scope: FastifyInstance) => void;
    /** Answers in place of `{ ok, scheme, id }` once the call is recorded; `call` counts from 1. */
    respond?: (request: FastifyRequest, reply: FastifyReply, call: number) => unknown;
  } = {},
): Promise<Started> {
  const app = create(setup.server);
  running.push(app);
  const calls: HandlerCall[] = [];
  await app.register(async (scope) => {
    await scope.register(verifyWebhook, options);
    setup.scope?.(scope);
    const handle = async (req: FastifyRequest, reply: FastifyReply) => {
      const { id, scheme, payload, rawBody } = req.webhook;
      calls.push({ id, scheme, body: req.body, payload, rawBody });
      if (setup.respond) return setup.respond(req, reply, calls.length);
      return { ok: true, scheme, id: id ?? null };
    };
    scope.post('/webhooks', handle);
    scope.get('/webhooks', handle);
    scope.post('/small', { bodyLimit: 64 }, handle);
  });
  app.post('/outside', async (req) => ({ body: req.body, webhook: req.webhook ?? null }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on TCP');
  return { app, calls, url: `http://127.0.0.1:${address.port}` };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A raw keep-alive POST that writes `chunks` and ends only when `end` is true,
 * resolving as soon as the response is complete (so a server that answers before the body
 * is sent passes). Keep-alive makes a `connection: close` answer the server's own choice.
 */
export const rawRequest = (
  url: string,
  options: {
    headers?: Record<string, string>;
    chunks?: readonly (string | Uint8Array)[];
    end?: boolean;
  },
): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const agent = new Agent({ keepAlive: true });
    const req = request(url, { method: 'POST', headers: options.headers, agent });
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('error', reject);
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        req.destroy();
        agent.destroy();
      });
    });
    for (const chunk of options.chunks ?? []) req.write(chunk);
    if (options.end ?? true) req.end();
    else req.flushHeaders();
  });
