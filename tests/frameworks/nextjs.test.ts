// examples/nextjs, built with `next build` and served by `next start`: App Router route
// handlers exporting withWebhook(...) as POST, on the Node.js runtime.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, build, exampleDir, freePort, serve } from './app-server.ts';
import {
  chunked,
  exampleEnv,
  expectRefusal,
  paddedTo,
  post,
  receiverContract,
  signed,
} from './contract.ts';

const dir = exampleDir('nextjs');
const next = join(dir, 'node_modules/next/dist/bin/next');

// A small limit, given through the example's WEBHOOK_BODY_LIMIT, read when the server runs.
const LIMIT = 64 * 1024;

let server: AppServer | undefined;

beforeAll(async () => {
  await build({ script: next, args: ['build'], cwd: dir });
  const port = await freePort();
  server = await serve(
    {
      script: next,
      args: ['start', '-H', '127.0.0.1', '-p', String(port)],
      cwd: dir,
      env: { ...exampleEnv, WEBHOOK_BODY_LIMIT: String(LIMIT) },
    },
    `http://127.0.0.1:${port}/`,
  );
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

const base = () => {
  if (!server) throw new Error('next start did not come up (see beforeAll).');
  return server.url.replace(/\/$/, '');
};

describe('Next.js App Router (next build, next start)', () => {
  receiverContract(base, LIMIT);

  it('refuses an over-limit body sent without Content-Length (chunked) with 413', async () => {
    const body = paddedTo(LIMIT + 64 * 1024);
    const reply = await post(`${base()}/webhooks`, chunked(body), await signed(body));
    expectRefusal(reply, 413, 'payload_too_large');
  });

  it('routes only POST to the webhook handler: GET is 405 from Next.js itself', async () => {
    const response = await fetch(`${base()}/webhooks`);
    await response.arrayBuffer();
    expect(response.status).toBe(405);
  });

  it('accepts a signed form-encoded delivery too: Next.js has no CSRF check on route handlers', async () => {
    const body = JSON.stringify({ type: 'form.posted' });
    const reply = await post(`${base()}/webhooks`, body, {
      ...(await signed(body)),
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json.type).toBe('form.posted');
  });

  describe('the same handler on the edge runtime (deprecated in Next.js 16)', () => {
    const edge = () => `${base()}/webhooks/edge`;
    const body = JSON.stringify({ type: 'edge.checked', data: [1, 2, 3] });

    it('verifies with the Web Crypto build and runs the handler', async () => {
      const headers = await signed(body);
      const reply = await post(edge(), body, headers);
      expect(reply.status, reply.text).toBe(200);
      expect(reply.json).toEqual({
        ok: true,
        id: headers['webhook-id'],
        type: 'edge.checked',
        payload: JSON.parse(body),
        runtime: 'edge',
      });
    });

    it('refuses a tampered body with 401 and an oversized one with 413', async () => {
      const reply = await post(edge(), body.replace('3', '4'), await signed(body));
      expectRefusal(reply, 401, 'signature_mismatch');
      const over = paddedTo(LIMIT + 1);
      expectRefusal(await post(edge(), over, await signed(over)), 413, 'payload_too_large');
    });
  });
});
