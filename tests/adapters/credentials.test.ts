// The adapter contract for credential methods and anyOf(): what every adapter does with the
// four ways a trigger endpoint is called (instance key, organization key, Standard Webhooks
// signature, ?api_key=), plus a scoped Bearer token, over real sockets.
import { Agent, request } from 'node:http';
import { anyOf, apiKey, hashApiKey, memoryReplayStore, standardWebhooks } from '@hookguard/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { type Receiver, type ReceiverOptions, receivers } from './receivers.ts';

const INSTANCE = 'ck_live_7Qm2xR9vK4pT1wZ8';
const ORG = 'cko_live_B3nH6jL0sD5fG2qY';
const TOKEN = 'cdaq_live_W8eR4tY1uI7oP3aS';
const READ_ONLY = 'cdaq_live_Z5xC9vB2nM6lK0jH';

const grants = new Map([
  [await hashApiKey(ORG), { principal: { org: 'acme' }, scopes: ['admin'] }],
  [await hashApiKey(TOKEN), { principal: { user: 'u_1' }, scopes: ['write'] }],
  [await hashApiKey(READ_ONLY), { principal: { user: 'u_2' }, scopes: ['leads:read'] }],
]);
const lookup = async (hash: string) => grants.get(hash);

const signed = standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
const trigger = anyOf(
  apiKey({
    name: 'instance-key',
    header: 'X-API-Key',
    query: 'api_key',
    prefix: 'ck_',
    keys: [{ key: INSTANCE, principal: { instance: 'i_1' }, scopes: ['runs:write'] }],
  }),
  apiKey({ name: 'org-key', header: 'X-Process-Manager-Key', prefix: 'cko_', lookup }),
  apiKey({
    name: 'api-token',
    bearer: true,
    prefix: 'cdaq_live_',
    scopes: ['leads:write'],
    lookup,
  }),
  signed,
);

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: {
    ok: boolean;
    error?: { code: string; message: string };
    meta?: { requestId: string };
    [key: string]: unknown;
  };
  text: string;
}

/** One request over a fresh socket; `end: false` leaves an upload unfinished. */
const call = (
  url: string,
  {
    method = 'GET',
    headers = {},
    body,
  }: { method?: string; headers?: Record<string, string>; body?: string },
  { end = true } = {},
) => {
  const client = request(url, { method, headers, agent: false });
  const reply = new Promise<Reply>((resolve, reject) => {
    client.on('error', reject);
    client.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          json: JSON.parse(text),
          text,
        }),
      );
    });
  });
  if (body !== undefined) client.write(body);
  if (end) client.end();
  return { reply, client };
};

const get = (url: string, headers: Record<string, string> = {}) => call(url, { headers }).reply;

const postJson = (url: string, headers: Record<string, string>, body: string) =>
  call(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      ...headers,
    },
    body,
  }).reply;

const refusedWith = (reply: Reply, status: number, code: string) => {
  expect({ status: reply.status, code: reply.json.error?.code, ok: reply.json.ok }).toEqual({
    status,
    code,
    ok: false,
  });
  expect(reply.json.meta?.requestId).toEqual(expect.any(String));
  expect(reply.headers['x-request-id']).toBe(reply.json.meta?.requestId);
};

const body = JSON.stringify({ workflow: 'wf_1', input: { lead: 'l_9' } });

describe.each(receivers)('%s', (_name, start) => {
  let receiver: Receiver | undefined;
  const started = async (options?: ReceiverOptions) => {
    receiver = await start(trigger, options);
    return receiver;
  };
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('lets in a GET with a valid instance key, reading no body, with who it is', async () => {
    const { url } = await started();
    const reply = await get(url, { 'x-api-key': INSTANCE });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      id: null,
      auth: {
        method: 'instance-key',
        principal: { instance: 'i_1' },
        scopes: ['runs:write'],
        via: 'header',
      },
      url: '/hook',
    });
  });

  it("leaves a key request's JSON body to the framework's parsing", async () => {
    const { url, handled } = await started();
    const reply = await postJson(url, { 'x-process-manager-key': ORG }, body);
    expect(reply.status).toBe(200);
    expect(reply.json.auth).toMatchObject({ method: 'org-key', principal: { org: 'acme' } });
    expect(handled).toEqual([JSON.parse(body)]);
  });

  it('accepts a Standard Webhooks delivery on the same endpoint, handling a re-send once', async () => {
    const { url, handled } = await started({ replay: { store: memoryReplayStore() } });
    const headers = await signed.sign({ body });
    const first = await postJson(url, headers, body);
    expect(first.json).toMatchObject({
      ok: true,
      id: headers['webhook-id'],
      auth: { method: 'standard-webhooks' },
    });
    const again = await postJson(url, headers, body);
    expect(again.json).toEqual({ ok: true, duplicate: true });
    expect(handled).toEqual([JSON.parse(body)]);
  });

  it('takes a key from ?api_key= and redacts it from the URL the handler and loggers see', async () => {
    const { url } = await started();
    const reply = await get(`${url}?run=7&api_key=${INSTANCE}`);
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      auth: { method: 'instance-key', via: 'query' },
      url: '/hook?run=7&api_key=REDACTED',
      query: { run: '7', api_key: 'REDACTED' },
    });
    expect(reply.text).not.toContain(INSTANCE);
  });

  it('refuses a wrong key with 401 invalid_credentials, even beside a valid signature', async () => {
    const { url, handled } = await started();
    const headers = await signed.sign({ body });
    const reply = await postJson(url, { ...headers, 'x-api-key': 'ck_live_wrong' }, body);
    refusedWith(reply, 401, 'invalid_credentials');
    expect(reply.text).not.toContain('ck_live_wrong');
    expect(handled).toEqual([]);
  });

  it('refuses a request with no credential, listing every way in, with a Bearer challenge', async () => {
    const { url, handled } = await started();
    const reply = await get(url, { 'x-request-id': 'req_42' });
    refusedWith(reply, 401, 'missing_credentials');
    expect(reply.json.meta).toEqual({ requestId: 'req_42' });
    for (const way of [
      'X-API-Key',
      'api_key',
      'X-Process-Manager-Key',
      'Authorization: Bearer',
      'webhook-signature',
    ]) {
      expect(reply.json.error?.message).toContain(way);
    }
    expect(reply.headers['www-authenticate']).toBe('Bearer');
    expect(handled).toEqual([]);
  });

  it('refuses a valid token lacking a scope with 403 insufficient_scope and its challenge', async () => {
    const { url, handled } = await started();
    refusedWith(
      await get(url, { authorization: `Bearer ${READ_ONLY}` }),
      403,
      'insufficient_scope',
    );
    const ok = await get(url, { authorization: `Bearer ${TOKEN}` });
    expect(ok.json.auth).toMatchObject({ method: 'api-token', scopes: ['write'], via: 'bearer' });
    const reply = await get(url, { authorization: `Bearer ${READ_ONLY}` });
    expect(reply.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", scope="leads:write"',
    );
    expect(handled).toHaveLength(1);
  });

  it('refuses a wrong key on an unfinished upload at once, without reading the body', async () => {
    const { url, handled } = await started();
    const { reply, client } = call(
      url,
      {
        method: 'POST',
        headers: { 'x-api-key': 'ck_live_wrong', 'content-length': String(64 * 1024 * 1024) },
        body: '{"pad":"',
      },
      { end: false },
    );
    const refused = await reply;
    client.destroy();
    refusedWith(refused, 401, 'invalid_credentials');
    expect(refused.headers.connection).toBe('close');
    expect(handled).toEqual([]);
  });

  it('keeps the connection open after refusing a request that had no body to leave unread', async () => {
    const { url } = await started();
    const agent = new Agent({ keepAlive: true });
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) =>
      request(url, { agent, headers: { 'x-api-key': 'ck_live_wrong' } }, (response) => {
        response.resume();
        resolve({ status: response.statusCode, connection: response.headers.connection });
      })
        .on('error', reject)
        .end(),
    );
    agent.destroy();
    expect(headers).toEqual({ status: 401, connection: 'keep-alive' });
  });

  it('never lets in, nor echoes, any key it was not given (property)', async () => {
    const { url, handled } = await started();
    const key = fc.stringMatching(/^[\x21-\x7e]{1,80}$/);
    const where = fc.constantFrom('x-api-key', 'x-process-manager-key', 'authorization', 'query');
    await fc.assert(
      fc.asyncProperty(key, where, async (guess, place) => {
        fc.pre(![INSTANCE, ORG, TOKEN, READ_ONLY].includes(guess));
        const reply =
          place === 'query'
            ? await get(`${url}?api_key=${encodeURIComponent(guess)}`)
            : await get(url, { [place]: place === 'authorization' ? `Bearer ${guess}` : guess });
        expect(reply.status).toBeGreaterThanOrEqual(400);
        expect(reply.status).toBeLessThan(500);
        if (guess.length >= 8) expect(reply.text).not.toContain(JSON.stringify(guess).slice(1, -1));
      }),
      { numRuns: 40 },
    );
    expect(handled).toEqual([]);
  });
});
