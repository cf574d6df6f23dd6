import { Writable } from 'node:stream';
import { apiKey, redactQuery } from '@hookguard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from './index.js';
import { majors } from './test-support.js';

const KEY = 'ck_live_L0gS4f3Qw7Er2Ty9';
const instanceKey = apiKey({ header: 'x-api-key', query: 'api_key', prefix: 'ck_', keys: [KEY] });

/** Every line Fastify's pino logger writes, as text. */
const capture = () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, stream };
};

// What the README recommends: Fastify logs `incoming request` with the URL before any hook
// can redact it, so its request serializer must redact the key itself.
const redactingSerializers = {
  req: (req: { method: string; url: string }) => ({
    method: req.method,
    url: redactQuery(req.url, ['api_key']),
  }),
};

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe.each(majors)('fastify $major request logs', ({ create }) => {
  const start = async (serializers?: typeof redactingSerializers) => {
    const { lines, stream } = capture();
    const app = create({ logger: { level: 'info', stream, ...(serializers && { serializers }) } });
    await app.register(async (scope) => {
      await scope.register(verifyWebhook, { scheme: instanceKey });
      scope.get('/trigger', async (request) => {
        request.log.info({ seen: request.url }, 'handler ran');
        return { url: request.url, query: request.query };
      });
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    closers.push(() => app.close());
    const { port } = app.server.address() as { port: number };
    return { lines, url: `http://127.0.0.1:${port}/trigger?api_key=${KEY}&run=1` };
  };

  it('keeps a query key out of every log line with the redacting serializer', async () => {
    const { lines, url } = await start(redactingSerializers);
    const reply = await fetch(url);
    expect(reply.status).toBe(200);
    expect(await reply.json()).toMatchObject({ url: '/trigger?api_key=REDACTED&run=1' });
    const logged = lines.join('');
    expect(logged).toContain('api_key=REDACTED');
    expect(logged).toContain('handler ran');
    expect(logged).not.toContain(KEY);
  });

  it('without it, Fastify has logged the key before any hook ran (why the README says so)', async () => {
    const { lines, url } = await start();
    expect((await fetch(url)).status).toBe(200);
    const incoming = lines.filter((line) => line.includes('incoming request'));
    expect(incoming.join('')).toContain(KEY);
    // Everything logged from the handler on sees the redacted URL.
    const later = lines.filter((line) => !line.includes('incoming request'));
    expect(later.join('')).not.toContain(KEY);
  });
});
