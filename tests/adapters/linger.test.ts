// A refused upload (413) while the client is still sending: each adapter must close with a
// lingering close, so every client reads its 413 instead of a reset (EPIPE, ECONNRESET).
import { execFile } from 'node:child_process';
import { anyOf, apiKey, standardWebhooks } from '@hookguard/core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { receivers } from './receivers.ts';

const scheme = standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
// A signed delivery whose URL carries a key parameter: the adapters redact it from the
// request before reading the body (Hono then reads through a new Fetch Request).
const redacting = anyOf(scheme, apiKey({ query: 'key', keys: ['ck_linger'] }));

// The clients run in their own process, as real ones do: in this one, the server's reset
// and the client's read would take turns on one event loop and the race never shows.
const CLIENTS = `
import { request } from 'node:http';
const [url, headers, size, count, chunked] = JSON.parse(process.argv[1]);
const upload = () => new Promise((resolve) => {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const req = request(url, { method: 'POST', agent: false,
    headers: chunked ? headers : { ...headers, 'content-length': String(size) } });
  let sent = 0;
  let done = false;
  const finish = (outcome) => { done = true; resolve(outcome); req.destroy(); };
  const pump = () => {
    while (!done && sent < size) {
      sent += chunk.byteLength;
      if (!req.write(chunk)) return void req.once('drain', pump);
    }
    if (!done) req.end();
  };
  req.on('error', (error) => done || finish(error.code ?? 'error'));
  req.on('response', (res) => { res.resume(); finish(String(res.statusCode)); });
  pump();
});
console.log(JSON.stringify(await Promise.all(Array.from({ length: count }, upload))));
`;

/** `count` uploads of `size` bytes at once, each written as fast as the socket takes it. */
const uploads = (
  url: string,
  headers: Record<string, string>,
  size: number,
  count: number,
  chunked: boolean,
) =>
  new Promise<string[]>((resolve, reject) => {
    const args = JSON.stringify([url, headers, size, count, chunked]);
    execFile(process.execPath, ['--input-type=module', '--eval', CLIENTS, args], (error, stdout) =>
      error ? reject(error) : resolve(JSON.parse(stdout) as string[]),
    );
  });

// One per adapter that answers on a Node request; the framework majors share its code.
const NODE_ADAPTERS = new Set(['express 5', 'fastify 5', 'hono']);

describe.each(receivers.filter(([name]) => NODE_ADAPTERS.has(name)))(
  '%s: a refused upload (413) while the client is still sending',
  (_name, start) => {
    it.each([
      ['declared by Content-Length', false, ''],
      ['chunked', true, ''],
      ['a key parameter redacted from the URL', false, '?key=ck_other'],
    ])('reaches every client as its 413, not as a reset (%s)', async (_label, chunked, query) => {
      const receiver = await start(query ? redacting : scheme, { limit: 1024 });
      onTestFinished(() => receiver.close());
      const headers = await scheme.sign({ body: '{}' });
      for (let round = 0; round < 3; round++) {
        const url = `${receiver.url}${query}`;
        const outcomes = await uploads(url, headers, 8 * 1024 * 1024, 20, chunked);
        expect(outcomes).toEqual(Array(20).fill('413'));
      }
    });
  },
);
