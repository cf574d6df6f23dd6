// examples/sveltekit, built with `vite build` (adapter-node) and served by `node build`:
// +server.ts endpoints passing event.request to withWebhook(...). Besides the shared
// contract, the two ways SvelteKit stops a delivery before the endpoint runs: its CSRF
// origin check and adapter-node's BODY_SIZE_LIMIT.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServer, build, exampleDir, freePort, serve } from './app-server.ts';
import {
  chunked,
  DEFAULT_LIMIT,
  exampleEnv,
  paddedTo,
  post,
  receiverContract,
  signed,
} from './contract.ts';

const dir = exampleDir('sveltekit');
const vite = join(dir, 'node_modules/vite/bin/vite.js');

const servers: Record<'main' | 'defaults' | 'strict', AppServer | undefined> = {
  main: undefined,
  defaults: undefined,
  strict: undefined,
};

const start = async (
  out: string,
  env: Record<string, string | undefined>,
  origin = true,
): Promise<AppServer> => {
  const port = await freePort();
  return serve(
    {
      script: out,
      cwd: dir,
      env: {
        ...exampleEnv,
        HOST: '127.0.0.1',
        PORT: String(port),
        ORIGIN: origin ? `http://127.0.0.1:${port}` : undefined,
        BODY_SIZE_LIMIT: undefined,
        WEBHOOK_BODY_LIMIT: undefined,
        ...env,
      },
    },
    `http://127.0.0.1:${port}/`,
  );
};

beforeAll(async () => {
  // The example as shipped (every origin trusted), then SvelteKit's default CSRF check.
  await build({ script: vite, args: ['build'], cwd: dir, env: { KIT_CSRF: undefined } });
  await build({ script: vite, args: ['build'], cwd: dir, env: { KIT_CSRF: 'strict' } });
  // BODY_SIZE_LIMIT above hookguard's 1 MiB limit, so hookguard answers oversized bodies.
  servers.main = await start('build', { BODY_SIZE_LIMIT: '2M' });
  // adapter-node's defaults: a 512K body limit, and no ORIGIN.
  servers.defaults = await start('build', {}, false);
  servers.strict = await start('build-strict-csrf', { BODY_SIZE_LIMIT: '2M' });
}, 300_000);

afterAll(async () => {
  await Promise.all(Object.values(servers).map((server) => server?.stop()));
});

const base = (name: keyof typeof servers) => () => {
  const server = servers[name];
  if (!server) throw new Error(`The ${name} SvelteKit server did not come up (see beforeAll).`);
  return server.url.replace(/\/$/, '');
};
const main = base('main');

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

describe('SvelteKit with adapter-node (vite build, node build)', () => {
  receiverContract(main, DEFAULT_LIMIT);

  describe('CSRF origin check (kit.csrf)', () => {
    it.each(FORM_TYPES)(
      'default config: a signed %s delivery (no Origin header) is refused with 403 before the endpoint',
      async (type) => {
        const body = JSON.stringify({ type: 'form.posted' });
        const reply = await post(`${base('strict')()}/webhooks`, body, {
          ...(await signed(body)),
          'content-type': type,
        });
        expect(reply.status).toBe(403);
        expect(reply.text).toBe('Cross-site POST form submissions are forbidden');
      },
    );

    it('default config: a signed application/json delivery is not checked, and is handled', async () => {
      const body = JSON.stringify({ type: 'json.posted' });
      const reply = await post(`${base('strict')()}/webhooks`, body, await signed(body));
      expect(reply.status, reply.text).toBe(200);
      expect(reply.json.type).toBe('json.posted');
    });

    it.each(FORM_TYPES)(
      "csrf.trustedOrigins ['*'] (the example): a signed %s delivery reaches hookguard",
      async (type) => {
        const body = JSON.stringify({ type: 'form.posted' });
        const headers = { ...(await signed(body)), 'content-type': type };
        const reply = await post(`${main()}/webhooks`, body, headers);
        expect(reply.status, reply.text).toBe(200);
        expect(reply.json.type).toBe('form.posted');
        const tampered = await post(`${main()}/webhooks`, `${body} `, headers);
        expect(tampered.status).toBe(401);
        expect(tampered.json.error?.code).toBe('signature_mismatch');
      },
    );
  });

  describe("adapter-node's BODY_SIZE_LIMIT (default 512K) against hookguard's limit (1 MiB)", () => {
    const body = paddedTo(600 * 1024);

    it('with BODY_SIZE_LIMIT above the limit, a signed 600 KiB delivery is handled', async () => {
      const reply = await post(`${main()}/webhooks`, body, await signed(body));
      expect(reply.status, reply.text.slice(0, 300)).toBe(200);
      expect(reply.json.type).toBe('padded');
    });

    it("with the default 512K, the same valid delivery is cut off by adapter-node's limit: 413, not 200", async () => {
      const reply = await post(`${base('defaults')()}/webhooks`, body, await signed(body));
      expect(reply.status, reply.text).toBe(413);
      expect(reply.json.error?.code).toBe('payload_too_large');
    });

    it('an over-limit body without Content-Length (chunked) is cut off by a reset, not answered 413', async () => {
      // hookguard stops at the limit and cancels request.body; adapter-node's stream cancel
      // destroys the socket, so the client sees a reset where Next.js sends the 413.
      const over = paddedTo(DEFAULT_LIMIT + 64 * 1024);
      await expect(post(`${main()}/webhooks`, chunked(over), await signed(over))).rejects.toThrow(
        'fetch failed',
      );
      const after = JSON.stringify({ type: 'after.reset' });
      const reply = await post(`${main()}/webhooks`, after, await signed(after));
      expect(reply.status, reply.text).toBe(200);
    });

    it('with the default 512K, a body over both limits still gets 413 from hookguard (Content-Length)', async () => {
      const over = paddedTo(DEFAULT_LIMIT + 1);
      const reply = await post(`${base('defaults')()}/webhooks`, over, await signed(over));
      expect(reply.status, reply.text).toBe(413);
      expect(reply.json.error?.code).toBe('payload_too_large');
    });
  });

  describe('the URL the endpoint sees', () => {
    it('with ORIGIN set, request.url is the real http:// URL', async () => {
      const reply = await post(
        `${main()}/webhooks/trigger?api_key=${exampleEnv.INSTANCE_API_KEY}`,
        '',
      );
      expect(reply.status, reply.text).toBe(200);
      expect(reply.json.url).toBe(`${main()}/webhooks/trigger?api_key=REDACTED`);
    });

    it('without ORIGIN (or PROTOCOL_HEADER), adapter-node reports https:// for a plain-HTTP request', async () => {
      const defaults = base('defaults')();
      const reply = await post(`${defaults}/webhooks/trigger`, '', {
        'X-API-Key': exampleEnv.INSTANCE_API_KEY,
      });
      expect(reply.status, reply.text).toBe(200);
      expect(reply.json.url).toBe(`${defaults.replace(/^http:/, 'https:')}/webhooks/trigger`);
    });
  });
});
