import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import {
  type Authenticated,
  anyOf,
  apiKey,
  codaiq,
  hmacScheme,
  memoryReplayStore,
  type ReplayStore,
  standardWebhooks,
  type VerifiedWebhook,
  type WebhookScheme,
  WebhookVerificationError,
} from '@hookguard/core';
import fc from 'fast-check';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { type WithWebhookOptions, withWebhook } from './index.js';

interface Payload {
  type: string;
}

interface Served {
  url: string;
  /** Requests as the server handed them to the wrapped handler. */
  received: Request[];
  /** Errors withWebhook threw, which the runtime would answer with a 500. */
  escaped: unknown[];
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** Serves `fetch` on a real @hono/node-server at 127.0.0.1, port 0, path `/hook`. */
const serveFetch = async (fetch: (request: Request) => Promise<Response>): Promise<Served> => {
  const received: Request[] = [];
  const escaped: unknown[] = [];
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve(
      {
        fetch: async (request: Request) => {
          received.push(request);
          try {
            return await fetch(request);
          } catch (error) {
            escaped.push(error);
            return Response.json({ escaped: String(error) }, { status: 500 });
          }
        },
        port: 0,
        hostname: '127.0.0.1',
      },
      () => resolve(started),
    );
  });
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, escaped };
};

const base64 = (bytes: ArrayBuffer | Uint8Array) =>
  Buffer.from(bytes as Uint8Array).toString('base64');

/** What the handler saw: its request, re-read three ways, and the delivery. */
const echo = async (
  request: Request,
  delivery: VerifiedWebhook<Payload> | undefined,
  auth: Authenticated,
) => {
  const bytes = new Uint8Array(await request.clone().arrayBuffer());
  const text = await request.clone().text();
  const json: unknown = request.headers.get('content-type')?.includes('form')
    ? null
    : await request.json();
  return Response.json({
    method: request.method,
    url: request.url,
    contentType: request.headers.get('content-type'),
    bytes: base64(bytes),
    sameBytes: delivery ? base64(delivery.rawBody) === base64(bytes) : null,
    text,
    json,
    id: delivery?.id ?? null,
    type: delivery?.payload.type ?? null,
    auth,
  });
};

interface Harness extends Served {
  runs: () => number;
}

const start = async (
  guard: WebhookScheme,
  options?: WithWebhookOptions,
  handler: typeof echo = echo,
): Promise<Harness> => {
  let runs = 0;
  const served = await serveFetch(
    withWebhook<Payload>(
      guard,
      (request, delivery, auth) => {
        // A lone scheme admits only signed deliveries: the type says delivery is there.
        expectTypeOf(delivery).toEqualTypeOf<VerifiedWebhook<Payload>>();
        runs++;
        return handler(request, delivery, auth);
      },
      options,
    ),
  );
  return { ...served, runs: () => runs };
};

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A request over node:http: without content-length the chunks go out chunked; with
 * `end: false` the upload is left unfinished, so only an answer given before reading the
 * whole body arrives.
 */
const send = (
  url: string,
  headers: Record<string, string>,
  chunks: (string | Uint8Array)[],
  { end = true, method = 'POST' } = {},
) => {
  const client = httpRequest(url, { method, headers, agent: false });
  const answer = new Promise<Raw>((resolve, reject) => {
    client.on('error', reject);
    client.on('response', (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(parts).toString('utf8'),
        }),
      );
    });
  });
  for (const chunk of chunks) client.write(chunk);
  if (end) client.end();
  return {
    answer: answer.finally(() => client.destroy()),
    client,
  };
};

const post = (url: string, headers: Record<string, string>, body: string | Uint8Array) =>
  fetch(url, { method: 'POST', headers, body: body as BodyInit });

/** The default refusal: status, JSON envelope, and the request id echoed as a header. */
const expectRefusal = async (response: Response | Raw, status: number, code: string) => {
  // Not instanceof: @hono/node-server replaces the global Response with its own class.
  const raw = typeof response.body === 'string' ? (response as Raw) : undefined;
  const fetched = response as Response;
  const text = raw ? raw.body : await fetched.text();
  const header = raw
    ? { type: raw.headers['content-type'], id: raw.headers['x-request-id'] }
    : { type: fetched.headers.get('content-type'), id: fetched.headers.get('x-request-id') };
  const body = JSON.parse(text) as { meta: { requestId: string } };
  expect({ status: response.status, body }).toEqual({
    status,
    body: {
      ok: false,
      error: { code, message: expect.any(String) },
      meta: { requestId: expect.any(String) },
    },
  });
  expect(header).toEqual({ type: 'application/json', id: body.meta.requestId });
  return body;
};

const STANDARD_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const schemes = [
  {
    name: 'standard-webhooks',
    scheme: standardWebhooks({ secret: STANDARD_SECRET }),
    impostor: standardWebhooks({ secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' }),
  },
  {
    name: 'codaiq',
    scheme: codaiq({ secret: 'cdaq_whsec_fetch_tests' }),
    impostor: codaiq({ secret: 'cdaq_whsec_someone_else' }),
  },
] as const;

const body = JSON.stringify({ type: 'order.paid', data: { id: 'ord_1', note: 'café ✓' } });
const MINUTE = 60_000;

describe.each(schemes)('withWebhook($name)', ({ name, scheme, impostor }) => {
  const json = { 'content-type': 'application/json' };

  it('hands a valid delivery to the handler as a new Request with the exact verified bytes', async () => {
    const { url, runs } = await start(scheme);
    const headers = await scheme.sign({ body });
    const response = await post(`${url}?source=test`, { ...headers, ...json }, body);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      method: 'POST',
      url: `${url}?source=test`,
      contentType: 'application/json',
      bytes: base64(Buffer.from(body)),
      sameBytes: true,
      text: body,
      json: JSON.parse(body),
      id: headers['webhook-id'] ?? null,
      type: 'order.paid',
      auth: { method: name, scopes: [] },
    });
    expect(runs()).toBe(1);
  });

  it('verifies a chunked body, whatever its content type', async () => {
    const { url, runs } = await start(scheme);
    const headers = { ...(await scheme.sign({ body })), 'content-type': 'text/plain' };
    const answer = await send(url, headers, [body.slice(0, 7), body.slice(7)]).answer;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ text: body, sameBytes: true });
    expect(runs()).toBe(1);
  });

  it.each<[string, number, string, () => Promise<[Record<string, string>, string]>]>([
    [
      'a tampered body',
      401,
      'signature_mismatch',
      async () => [await scheme.sign({ body }), `${body} `],
    ],
    [
      'another secret',
      401,
      'signature_mismatch',
      async () => [await impostor.sign({ body }), body],
    ],
    [
      'a stale timestamp',
      401,
      'timestamp_out_of_window',
      async () => [await scheme.sign({ body, timestamp: Date.now() - 10 * MINUTE }), body],
    ],
    [
      'a body that is not JSON',
      400,
      'invalid_payload',
      async () => [await scheme.sign({ body: 'paid' }), 'paid'],
    ],
  ])('refuses %s with %i %s and never runs the handler', async (_what, status, code, make) => {
    const { url, runs } = await start(scheme);
    const [headers, sent] = await make();
    await expectRefusal(await post(url, headers, sent), status, code);
    expect(runs()).toBe(0);
  });

  it('refuses each missing signed header with 400 missing_header before reading the body', async () => {
    const { url, runs } = await start(scheme);
    const headers = await scheme.sign({ body });
    for (const header of scheme.requiredHeaders[0] ?? []) {
      const { [header]: _, ...partial } = headers;
      const { answer } = send(url, { ...partial, 'content-length': String(64 << 20) }, ['{'], {
        end: false,
      });
      const refused = await answer;
      const envelope = await expectRefusal(refused, 400, 'missing_header');
      expect(JSON.stringify(envelope)).toContain(header);
      expect(refused.headers.connection).toBe('close');
    }
    expect(runs()).toBe(0);
  });

  it('accepts exactly `limit` bytes; one more is 413, declared or streamed, and closes', async () => {
    const { url, runs } = await start(scheme, { limit: 64 });
    const fits = JSON.stringify({ type: 'x'.repeat(64 - 11) });
    expect(fits).toHaveLength(64);
    expect((await post(url, await scheme.sign({ body: fits }), fits)).status).toBe(200);
    const over = `${fits} `;
    const declared = await send(url, await scheme.sign({ body: over }), [over]).answer;
    await expectRefusal(declared, 413, 'payload_too_large');
    expect(declared.headers.connection).toBe('close');
    // Chunked and never finished: refused as soon as the stream passes the limit.
    const streamed = await send(
      url,
      await scheme.sign({ body: over }),
      ['{"type":"', 'x'.repeat(200)],
      {
        end: false,
      },
    ).answer;
    await expectRefusal(streamed, 413, 'payload_too_large');
    expect(runs()).toBe(1);
  });
});

describe('withWebhook: request edges', () => {
  const scheme = schemes[0].scheme;

  it('refuses a body still arriving after bodyTimeoutMs with 408 body_timeout and closes', async () => {
    const { url, runs } = await start(scheme, { bodyTimeoutMs: 100 });
    const headers = { ...(await scheme.sign({ body })), 'content-length': String(body.length) };
    const refused = await send(url, headers, [body.slice(0, 3)], { end: false }).answer;
    await expectRefusal(refused, 408, 'body_timeout');
    expect(refused.headers.connection).toBe('close');
    expect(runs()).toBe(0);
  });

  it('sends the x-request-id it was given back, and a fresh id for one that is not a token', async () => {
    const { url } = await start(scheme);
    const given = await post(url, { 'x-request-id': 'req_42.a:b-c' }, body);
    expect((await expectRefusal(given, 400, 'missing_header')).meta.requestId).toBe('req_42.a:b-c');
    const odd = await post(url, { 'x-request-id': 'not a token' }, body);
    const { requestId } = (await expectRefusal(odd, 400, 'missing_header')).meta;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('passes the original URL to schemes that sign it', async () => {
    const { url, runs } = await start(scheme);
    const headers = await scheme.sign({ body });
    expect((await post(`${url}?a=1`, headers, body)).status).toBe(200);
    expect(runs()).toBe(1);
  });

  it('rethrows errors that are not hookguard refusals, for the runtime to answer', async () => {
    const exploding: WebhookScheme = {
      ...scheme,
      verify: async () => {
        throw new RangeError('scheme exploded');
      },
    };
    const { url, runs, escaped } = await start(exploding);
    expect((await post(url, await scheme.sign({ body }), body)).status).toBe(500);
    expect(escaped).toEqual([new RangeError('scheme exploded')]);
    expect(runs()).toBe(0);
  });

  it('rethrows what the handler throws', async () => {
    const { url, escaped } = await start(scheme, {}, () => {
      throw new Error('handler broke');
    });
    expect((await post(url, await scheme.sign({ body }), body)).status).toBe(500);
    expect(escaped).toEqual([new Error('handler broke')]);
  });

  it('answers refusals through onError, with connection: close when the body was left unread', async () => {
    const seen: string[] = [];
    const { url, runs } = await start(scheme, {
      limit: 16,
      onError: (error, request) => {
        seen.push(`${error.code} ${error.status} ${error instanceof WebhookVerificationError}`);
        seen.push(request.url);
        return new Response(`no: ${error.code}`, { status: 418 });
      },
    });
    const tampered = await post(url, await scheme.sign({ body: '{}' }), '{ }');
    expect([tampered.status, await tampered.text()]).toEqual([418, 'no: signature_mismatch']);
    const big = await send(url, await scheme.sign({ body }), [body]).answer;
    expect([big.status, big.body, big.headers.connection]).toEqual([
      418,
      'no: payload_too_large',
      'close',
    ]);
    expect(seen).toEqual(['signature_mismatch 401 true', url, 'payload_too_large 413 true', url]);
    expect(runs()).toBe(0);
  });

  it("gives the handler's request the client's abort signal", async () => {
    let entered = false;
    let aborted = false;
    const { url } = await start(scheme, {}, async (request) => {
      entered = true;
      await new Promise((resolve) => request.signal.addEventListener('abort', resolve));
      aborted = true;
      return new Response(null, { status: 204 });
    });
    const { answer, client } = send(url, await scheme.sign({ body }), [body]);
    answer.catch(() => {}); // the hang-up is the point
    await until(() => entered, 'the handler to start');
    expect(aborted).toBe(false);
    client.destroy();
    await until(() => aborted, "the handler's signal to abort");
  });

  it("closes after onError's answer even when its headers are immutable", async () => {
    const { url } = await start(scheme, {
      limit: 16,
      onError: () => Response.redirect('https://example.com/too-large', 303),
    });
    const big = await send(url, await scheme.sign({ body }), [body]).answer;
    expect([big.status, big.headers.location, big.headers.connection]).toEqual([
      303,
      'https://example.com/too-large',
      'close',
    ]);
  });

  it('checks its arguments at once, with TypeErrors, and never mutates the options', () => {
    const noop = () => new Response(null);
    expect(() => withWebhook({} as WebhookScheme, noop)).toThrow(/withWebhook\(\) needs a scheme/);
    expect(() => withWebhook(scheme, undefined as never)).toThrow(/needs a handler/);
    expect(() => withWebhook(scheme, noop, null as never)).toThrow(/options must be an object/);
    for (const limit of [-1, 1.5, Number.NaN]) {
      expect(() => withWebhook(scheme, noop, { limit })).toThrow(TypeError);
    }
    for (const bodyTimeoutMs of [0, -1, 1.5]) {
      expect(() => withWebhook(scheme, noop, { bodyTimeoutMs })).toThrow(/bodyTimeoutMs/);
    }
    expect(() => withWebhook(scheme, noop, { onError: 'x' as never })).toThrow(/onError/);
    expect(() => withWebhook(scheme, noop, { replay: { store: {} as never } })).toThrow(
      /replay\.store/,
    );
    const options = Object.freeze({
      limit: 10,
      bodyTimeoutMs: 500,
      replay: Object.freeze({ store: memoryReplayStore() }),
      onError: () => new Response(null),
    });
    const before = { ...options };
    const handler = withWebhook(scheme, noop, options);
    expect(handler).toBeTypeOf('function');
    expect(handler.name).toBe('webhookHandler');
    expect({ ...options }).toEqual(before);
  });
});

describe('withWebhook: any signed bytes (property)', () => {
  const encoder = new TextEncoder();
  // Standard Webhooks and Codaiq always parse JSON: random JSON text, every Unicode unit.
  const jsonBytes = fc
    .string({ unit: 'binary', maxLength: 200 })
    .map((data) => encoder.encode(JSON.stringify({ type: 'fuzz', data })));
  const cases = [
    { name: 'standard-webhooks', scheme: schemes[0].scheme, bytes: jsonBytes },
    { name: 'codaiq', scheme: schemes[1].scheme, bytes: jsonBytes },
    {
      // A form body is parsed as fields whatever its bytes, so any bytes at all verify.
      name: 'hmacScheme (any bytes)',
      scheme: hmacScheme({
        name: 'acme',
        secret: 'acme_fetch_tests',
        signatureHeader: 'x-acme-signature',
        encoding: 'hex',
      }),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 512 }),
    },
  ];

  it.each(cases)(
    '$name: accepts the exact signed bytes and refuses any one-byte flip',
    async ({ scheme, bytes: arbitrary }) => {
      const { url, runs } = await start(scheme);
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      await fc.assert(
        fc.asyncProperty(
          arbitrary,
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          async (bytes, at, flip) => {
            const headers = { ...(await scheme.sign({ body: bytes })), ...form };
            const accepted = await post(url, headers, bytes);
            expect(accepted.status).toBe(200);
            expect(await accepted.json()).toMatchObject({ bytes: base64(bytes), sameBytes: true });
            const flipped = bytes.slice();
            const index = at % bytes.length;
            flipped[index] = (flipped[index] ?? 0) ^ flip;
            await expectRefusal(await post(url, headers, flipped), 401, 'signature_mismatch');
          },
        ),
        { numRuns: 40 },
      );
      expect(runs()).toBe(40);
    },
  );
});

describe('withWebhook: API keys and anyOf', () => {
  const INSTANCE = 'ck_live_7Qm2xR9vK4pT1wZ8';
  const TOKEN = 'cdaq_live_W8eR4tY1uI7oP3aS';
  const signed = schemes[0].scheme;
  const trigger = anyOf(
    apiKey({
      name: 'instance-key',
      header: 'X-API-Key',
      query: 'api_key',
      prefix: 'ck_',
      keys: [{ key: INSTANCE, principal: { instance: 'i_1' }, scopes: ['runs:write'] }],
    }),
    apiKey({ name: 'api-token', bearer: true, prefix: 'cdaq_live_', keys: [TOKEN] }),
    signed,
  );

  const startTrigger = async (options?: WithWebhookOptions) => {
    let runs = 0;
    const served = await serveFetch(
      withWebhook<Payload>(
        trigger,
        async (request, delivery, auth) => {
          runs++;
          const text = request.method === 'POST' ? await request.text() : null;
          return Response.json({ url: request.url, id: delivery?.id ?? null, auth, text });
        },
        options,
      ),
    );
    return { ...served, runs: () => runs };
  };

  it('takes a key from its header, leaving the body for the handler to read', async () => {
    const { url } = await startTrigger();
    const response = await post(url, { 'x-api-key': INSTANCE }, body);
    expect(await response.json()).toEqual({
      url,
      id: null,
      auth: {
        method: 'instance-key',
        principal: { instance: 'i_1' },
        scopes: ['runs:write'],
        via: 'header',
      },
      text: body,
    });
  });

  it('decides a key request on its headers and never reads its body', async () => {
    // A 64 MiB upload that never finishes: only a handler that does not read it can answer.
    const { url, runs } = await serveFetch(
      withWebhook(trigger, (_request, delivery, auth) =>
        Response.json({ by: auth.method, delivery: delivery ?? null }),
      ),
    ).then((served) => ({ ...served, runs: () => served.received.length }));
    const { answer } = send(
      url,
      { 'x-api-key': INSTANCE, 'content-length': String(64 << 20) },
      ['{'],
      {
        end: false,
      },
    );
    const reply = await answer;
    expect([reply.status, JSON.parse(reply.body)]).toEqual([
      200,
      { by: 'instance-key', delivery: null },
    ]);
    expect(runs()).toBe(1);
  });

  it('takes a lone apiKey() as its guard, typing delivery as possibly undefined', async () => {
    const { url, runs } = await serveFetch(
      withWebhook<Payload>(
        apiKey({ header: 'x-api-key', keys: [INSTANCE] }),
        (_request, delivery, auth) => {
          expectTypeOf(delivery).toEqualTypeOf<VerifiedWebhook<Payload> | undefined>();
          return Response.json({ by: auth.method, delivery: delivery ?? null });
        },
      ),
    ).then((served) => ({ ...served, runs: () => served.received.length }));
    const ok = await fetch(url, { headers: { 'x-api-key': INSTANCE } });
    expect(await ok.json()).toEqual({ by: 'api-key', delivery: null });
    await expectRefusal(await fetch(url), 401, 'missing_credentials');
    expect(runs()).toBe(2);
  });

  it('takes a Bearer token', async () => {
    const { url } = await startTrigger();
    const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await response.json()).toMatchObject({ auth: { method: 'api-token', via: 'bearer' } });
  });

  it('takes ?api_key= and redacts it from the URL the handler and onError see', async () => {
    const urls: string[] = [];
    const { url } = await startTrigger({
      onError: (error, request) => {
        urls.push(request.url);
        return new Response(error.code, { status: error.status });
      },
    });
    const response = await post(`${url}?run=7&api_key=${INSTANCE}`, {}, body);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({
      url: `${url}?run=7&api_key=REDACTED`,
      auth: { method: 'instance-key', via: 'query' },
      text: body,
    });
    expect(text).not.toContain(INSTANCE);
    const wrong = await post(`${url}?api_key=ck_live_wrong_key_123`, {}, body);
    expect([wrong.status, await wrong.text()]).toEqual([401, 'invalid_credentials']);
    expect(urls).toEqual([`${url}?api_key=REDACTED`]);
  });

  it('hands a signed delivery on the same endpoint to the handler with its delivery', async () => {
    const { url } = await startTrigger();
    const headers = await signed.sign({ body });
    const response = await post(url, headers, body);
    expect(await response.json()).toEqual({
      url,
      id: headers['webhook-id'],
      auth: { method: 'standard-webhooks', scopes: [] },
      text: body,
    });
  });

  it('refuses a wrong key with 401 invalid_credentials, even beside a valid signature', async () => {
    const { url, runs } = await startTrigger();
    const headers = { ...(await signed.sign({ body })), 'x-api-key': 'ck_live_wrong' };
    const response = await post(url, headers, body);
    const text = await response.clone().text();
    await expectRefusal(response, 401, 'invalid_credentials');
    expect(text).not.toContain('ck_live_wrong');
    expect(runs()).toBe(0);
  });

  it('refuses a request without credentials with 401 missing_credentials, naming every way in', async () => {
    const { url, runs } = await startTrigger();
    const response = await fetch(url);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    const envelope = await expectRefusal(response, 401, 'missing_credentials');
    for (const way of ['X-API-Key', 'api_key', 'Authorization: Bearer', 'webhook-signature']) {
      expect(JSON.stringify(envelope)).toContain(way);
    }
    expect(runs()).toBe(0);
  });
});

describe('withWebhook: replay protection', () => {
  const scheme = schemes[0].scheme;
  const deferred = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((done) => {
      resolve = done;
    });
    return { promise, resolve };
  };

  /** A memory store that records each complete and release. */
  const watchedStore = (claimGate?: Promise<void>) => {
    const inner = memoryReplayStore();
    const events: string[] = [];
    let claims = 0;
    const store: ReplayStore = {
      claim: async (key, token, ttlMs) => {
        claims++;
        await claimGate;
        return inner.claim(key, token, ttlMs);
      },
      complete: async (key, token, ttlMs) => {
        await inner.complete(key, token, ttlMs);
        events.push(`complete ${ttlMs}`);
      },
      release: async (key, token) => {
        await inner.release(key, token);
        events.push('release');
      },
    };
    return { store, events, claims: () => claims };
  };

  const DUPLICATE = { ok: true, duplicate: true };

  it('answers a re-send after a 2xx as a duplicate without running the handler', async () => {
    const { store, events } = watchedStore();
    const { url, runs } = await start(scheme, { replay: { store } });
    const headers = await scheme.sign({ body });
    expect((await post(url, headers, body)).status).toBe(200);
    const again = await post(url, headers, body);
    expect([again.status, again.headers.get('content-type'), await again.json()]).toEqual([
      200,
      'application/json',
      DUPLICATE,
    ]);
    expect(runs()).toBe(1);
    expect(events).toEqual(['complete 600000']);
  });

  it('releases the delivery when the handler throws or answers non-2xx, so the retry runs', async () => {
    const { store, events } = watchedStore();
    const outcomes = ['throw', '500', 'ok'];
    const { url, runs, escaped } = await start(scheme, { replay: { store } }, async (...args) => {
      const next = outcomes.shift();
      if (next === 'throw') throw new Error('handler crashed');
      if (next === '500') return new Response('try again', { status: 500 });
      return echo(...args);
    });
    const headers = await scheme.sign({ body });
    const statuses = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      statuses.push((await post(url, headers, body)).status);
    }
    expect(statuses).toEqual([500, 500, 200, 200]);
    expect(escaped).toEqual([new Error('handler crashed')]);
    expect(runs()).toBe(3);
    expect(events).toEqual(['release', 'release', 'complete 600000']);
  });

  it('answers 409 delivery_in_progress while the first is still in the handler', async () => {
    const entered = deferred();
    const gate = deferred();
    const { url, runs } = await start(
      scheme,
      { replay: { store: memoryReplayStore() } },
      async (...args) => {
        entered.resolve();
        await gate.promise;
        return echo(...args);
      },
    );
    const headers = await scheme.sign({ body });
    const first = post(url, headers, body);
    await entered.promise;
    await expectRefusal(await post(url, headers, body), 409, 'delivery_in_progress');
    gate.resolve();
    expect((await first).status).toBe(200);
    expect(await (await post(url, headers, body)).json()).toEqual(DUPLICATE);
    expect(runs()).toBe(1);
  });

  it('releases, answers 499 and runs no handler when the client left while the store answered', async () => {
    const gate = deferred();
    const { store, events, claims } = watchedStore(gate.promise);
    const { url, runs, received } = await start(scheme, { replay: { store } });
    const headers = await scheme.sign({ body });
    const { answer, client } = send(url, headers, [body]);
    answer.catch(() => {}); // the hang-up is the point
    await until(() => claims() === 1, 'the claim to start');
    client.destroy();
    await until(() => received[0]?.signal.aborted === true, 'the server to see the hang-up');
    gate.resolve();
    await until(() => events.length === 1, 'the claim to settle');
    expect(events).toEqual(['release']);
    expect(runs()).toBe(0);
    expect((await post(url, headers, body)).status).toBe(200);
    expect(runs()).toBe(1);
  });

  it('answers 503 replay_store_unavailable when the store fails, without the handler', async () => {
    const failing: ReplayStore = {
      ...memoryReplayStore(),
      claim: () => Promise.reject(new Error('connection refused')),
    };
    const { url, runs } = await start(scheme, { replay: { store: failing } });
    await expectRefusal(
      await post(url, await scheme.sign({ body }), body),
      503,
      'replay_store_unavailable',
    );
    expect(runs()).toBe(0);
  });
});

/** Polls a condition a bounded number of times: tests wait for a state, never for a time. */
const until = async (condition: () => boolean, what: string) => {
  for (let attempt = 0; attempt < 400; attempt++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`Gave up waiting for ${what}.`);
};
