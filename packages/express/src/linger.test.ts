import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { standardWebhooks } from '@hookguard/core';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { verifyWebhook } from './index.js';
import { serve } from './test-helpers.js';

const scheme = standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });

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

describe('a refused upload (413) while the client is still sending', () => {
  it.each([
    ['declared by Content-Length', false],
    ['chunked', true],
  ])('reaches every client as its 413, not as a reset (%s)', async (_label, chunked) => {
    const app = express();
    app.post('/hook', verifyWebhook(scheme, { limit: 1024 }), (_req, res) => res.json({}));
    const { port } = (await serve(app)).address() as AddressInfo;
    const headers = await scheme.sign({ body: '{}' });
    for (let round = 0; round < 3; round++) {
      const url = `http://127.0.0.1:${port}/hook`;
      const outcomes = await uploads(url, headers, 8 * 1024 * 1024, 20, chunked);
      expect(outcomes).toEqual(Array(20).fill('413'));
    }
  });
});
