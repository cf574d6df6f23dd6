import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookVerificationError } from './errors.js';
import { DEFAULT_BODY_LIMIT, readRawBody } from './read-raw-body.js';
import { expectRejection } from './test-support.js';

type Outcome = { bytes?: Uint8Array; code?: string; error?: unknown };

let server: Server | undefined;
afterEach(async () => {
  const running = server;
  server = undefined;
  if (!running) return;
  running.closeAllConnections();
  await new Promise((resolve) => running.close(resolve));
});

/** A real HTTP server whose handler hands each request to `read` and reports the outcome. */
const listen = async (read: (req: IncomingMessage) => Promise<Uint8Array>) => {
  const outcomes: Promise<Outcome>[] = [];
  server = createServer((req, res) => {
    const outcome = read(req).then(
      (bytes): Outcome => ({ bytes }),
      (error: unknown) => ({
        error,
        code: error instanceof WebhookVerificationError ? error.code : 'other',
      }),
    );
    outcomes.push(outcome);
    void outcome.then((o) => {
      res
        .writeHead(o.code === 'payload_too_large' ? 413 : 200, { connection: 'close' })
        .end(o.code ?? 'ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { port, outcomes };
};

const send = (port: number, chunks: Uint8Array[], headers: Record<string, string | number> = {}) =>
  new Promise<number>((resolve, reject) => {
    const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });

const bytes = (size: number, fill = 0x61) => new Uint8Array(size).fill(fill);

describe('readRawBody(IncomingMessage)', () => {
  it('returns the exact bytes of a chunked body', async () => {
    const { port, outcomes } = await listen((req) => readRawBody(req));
    const chunks = [bytes(10, 1), Uint8Array.of(0xff, 0xfe, 0x00), bytes(70_000, 2)];
    expect(await send(port, chunks)).toBe(200);
    const [outcome] = await Promise.all(outcomes);
    expect(outcome?.bytes).toEqual(Uint8Array.from(chunks.flatMap((chunk) => [...chunk])));
  });

  it('accepts exactly `limit` bytes and refuses one more, without Content-Length', async () => {
    const { port, outcomes } = await listen((req) => readRawBody(req, { limit: 1000 }));
    expect(await send(port, [bytes(600), bytes(400)])).toBe(200);
    expect(await send(port, [bytes(600), bytes(401)])).toBe(413);
    const [ok, over] = await Promise.all(outcomes);
    expect(ok?.bytes?.byteLength).toBe(1000);
    expect(over?.code).toBe('payload_too_large');
  });

  it('refuses from Content-Length alone, before any body byte arrives', async () => {
    const { port, outcomes } = await listen((req) => readRawBody(req, { limit: 1000 }));
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { port, host: '127.0.0.1', method: 'POST', headers: { 'content-length': 10_000_000 } },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.on('error', reject);
      req.flushHeaders(); // headers only: the body never comes, so a reader that waited would hang
    });
    expect(status).toBe(413);
    expect((await outcomes[0])?.code).toBe('payload_too_large');
  });

  it('reads a stream that something paused before it', async () => {
    const { port, outcomes } = await listen((req) => {
      req.pause();
      return readRawBody(req);
    });
    expect(await send(port, [bytes(10), bytes(20)])).toBe(200);
    expect((await outcomes[0])?.bytes?.byteLength).toBe(30);
  });

  it('uses a 1 MiB default limit', async () => {
    expect(DEFAULT_BODY_LIMIT).toBe(1024 * 1024);
    const { port, outcomes } = await listen((req) => readRawBody(req));
    expect(await send(port, [bytes(DEFAULT_BODY_LIMIT)])).toBe(200);
    expect(await send(port, [bytes(DEFAULT_BODY_LIMIT + 1)])).toBe(413);
    const [ok, over] = await Promise.all(outcomes);
    expect(ok?.bytes?.byteLength).toBe(DEFAULT_BODY_LIMIT);
    expect(over?.code).toBe('payload_too_large');
  });

  it('rejects, and does not hang, when the client aborts mid-body', async () => {
    const { port, outcomes } = await listen((req) => readRawBody(req));
    const req = httpRequest({
      port,
      host: '127.0.0.1',
      method: 'POST',
      headers: { 'content-length': 1000 },
    });
    req.on('error', () => {});
    req.write(bytes(100));
    while (outcomes.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    req.destroy();
    expect((await outcomes[0])?.code).toBe('invalid_payload');
  });

  it('refuses a body still arriving after timeoutMs with body_timeout, and stops reading it', async () => {
    const { port, outcomes } = await listen((req) => readRawBody(req, { timeoutMs: 50 }));
    const req = httpRequest({
      port,
      host: '127.0.0.1',
      method: 'POST',
      headers: { 'content-length': 1000 },
    });
    req.on('error', () => {});
    req.write(bytes(1));
    const outcome = await new Promise<Outcome>((resolve) => {
      const poll = () => (outcomes[0] ? void outcomes[0].then(resolve) : setTimeout(poll, 5));
      poll();
    });
    req.destroy();
    expect(outcome.code).toBe('body_timeout');
    expect((outcome.error as WebhookVerificationError).status).toBe(408);
    expect((outcome.error as Error).message).toContain('50 ms');
  });

  // Bodies already parsed whole before anyone reads them: the stream still ends after the read.
  const whenComplete = (req: IncomingMessage) =>
    new Promise<IncomingMessage>((resolve) => {
      const poll = () => (req.complete ? resolve(req) : setTimeout(poll, 2));
      poll();
    });

  it('takes a body already buffered whole, exactly, and the request still ends', async () => {
    const ended: boolean[] = [];
    const { port, outcomes } = await listen(async (req) => {
      const bytes = await readRawBody(await whenComplete(req));
      await new Promise((resolve) => setImmediate(resolve));
      ended.push(req.readableEnded);
      return bytes;
    });
    const chunks = [bytes(3, 1), Uint8Array.of(0xff, 0x00), bytes(5000, 2)];
    expect(await send(port, chunks, { 'content-length': 5005 })).toBe(200);
    expect(await send(port, chunks)).toBe(200); // chunked
    expect(await send(port, [])).toBe(200);
    const [declared, chunked, empty] = await Promise.all(outcomes);
    const whole = Buffer.concat(chunks);
    expect(Buffer.compare(declared?.bytes ?? whole.subarray(1), whole)).toBe(0);
    expect(Buffer.compare(chunked?.bytes ?? whole.subarray(1), whole)).toBe(0);
    expect(empty?.bytes?.byteLength).toBe(0);
    expect(ended).toEqual([true, true, true]);
  });

  it('refuses a body buffered whole past the limit, and one read already', async () => {
    const { port, outcomes } = await listen(async (req) => {
      await whenComplete(req);
      if (req.url === '/read') req.read(); // something took the buffered bytes first
      return readRawBody(req, req.url === '/read' ? {} : { limit: 99 });
    });
    expect(await send(port, [bytes(60), bytes(40)])).toBe(413);
    const reread = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/read' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(bytes(10));
    });
    expect(reread).toBe(200);
    const [over, read] = await Promise.all(outcomes);
    expect(over?.code).toBe('payload_too_large');
    expect(read?.code).toBe('raw_body_unavailable');
  });

  it('holds only the bytes that arrived, not what Content-Length promises', async () => {
    const declared = 32 * 1024 * 1024;
    let report: (held: number) => void = () => {};
    const held = new Promise<number>((resolve) => {
      report = resolve;
    });
    const reader = createServer((req) => {
      const before = process.memoryUsage().arrayBuffers;
      readRawBody(req, { limit: declared }).catch(() => {});
      // Registered after readRawBody's own listener, so it runs once that one has the chunk.
      req.once('data', () => report(process.memoryUsage().arrayBuffers - before));
    });
    server = reader;
    reader.listen(0, '127.0.0.1');
    await once(reader, 'listening');
    const { port } = reader.address() as AddressInfo;
    const client = httpRequest({
      port,
      host: '127.0.0.1',
      method: 'POST',
      headers: { 'content-length': declared },
    });
    client.on('error', () => {});
    client.write(bytes(1024));
    // A client that declares 32 MiB and sends 1 KiB must not cost the server 32 MiB.
    expect(await held).toBeLessThan(4 * 1024 * 1024);
    client.destroy();
  });

  it('returns the exact bytes of a declared body arriving in pieces', async () => {
    const { port, outcomes } = await listen((req) => readRawBody(req, { limit: 200_000 }));
    const pieces = [bytes(1, 7), bytes(65_536, 8), Uint8Array.of(0, 0xff), bytes(100_000, 9)];
    const size = pieces.reduce((total, piece) => total + piece.byteLength, 0);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { port, host: '127.0.0.1', method: 'POST', headers: { 'content-length': size } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      const next = (i: number) => {
        if (i === pieces.length) return void req.end();
        req.write(pieces[i]);
        setTimeout(() => next(i + 1), 5); // separate packets: the reader sees several chunks
      };
      next(0);
    });
    expect(status).toBe(200);
    const bytesRead = (await outcomes[0])?.bytes ?? new Uint8Array(0);
    expect(Buffer.compare(bytesRead, Buffer.concat(pieces))).toBe(0);
    expect(bytesRead.byteLength).toBe(size);
  });

  it('checks timeoutMs', async () => {
    const { port, outcomes } = await listen((req) => readRawBody(req, { timeoutMs: -1 }));
    await send(port, [bytes(1)]);
    expect((await outcomes[0])?.error).toBeInstanceOf(TypeError);
  });

  it('reports raw_body_unavailable when the stream was already consumed', async () => {
    const { port, outcomes } = await listen(async (req) => {
      for await (const _ of req) {
        // a body parser that ran first
      }
      return readRawBody(req);
    });
    await send(port, [bytes(10)]);
    expect((await outcomes[0])?.code).toBe('raw_body_unavailable');
  });
});

describe('readRawBody(Request)', () => {
  const streamed = (chunks: Uint8Array[]) =>
    new Request('http://localhost/', {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(chunk);
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);

  it('returns the exact bytes, or an empty array for no body', async () => {
    const body = Uint8Array.of(0, 1, 0xff);
    await expect(
      readRawBody(new Request('http://localhost/', { method: 'POST', body })),
    ).resolves.toEqual(body);
    await expect(readRawBody(new Request('http://localhost/'))).resolves.toEqual(new Uint8Array(0));
  });

  it('stops at the limit on a stream without Content-Length', async () => {
    let pulled = 0;
    const endless = new Request('http://localhost/', {
      method: 'POST',
      body: new ReadableStream({
        pull(controller) {
          pulled++;
          controller.enqueue(bytes(1000));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    await expectRejection(readRawBody(endless, { limit: 10_000 }), 'payload_too_large');
    expect(pulled).toBeLessThan(20);
    await expect(
      readRawBody(streamed([bytes(5000), bytes(5000)]), { limit: 10_000 }),
    ).resolves.toHaveLength(10_000);
  });

  it('refuses from Content-Length alone', async () => {
    const request = new Request('http://localhost/', {
      method: 'POST',
      body: 'small',
      headers: { 'content-length': '99999999' },
    });
    await expectRejection(readRawBody(request, { limit: 100 }), 'payload_too_large');
    expect(request.bodyUsed).toBe(false);
  });

  it('refuses a stream still open after timeoutMs with body_timeout, and cancels it', async () => {
    let cancelled = false;
    const stalled = new Request('http://localhost/', {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(bytes(1));
        },
        cancel() {
          cancelled = true;
        },
      }),
      duplex: 'half',
    } as RequestInit);
    const error = await expectRejection(readRawBody(stalled, { timeoutMs: 20 }), 'body_timeout');
    expect(error.status).toBe(408);
    expect(cancelled).toBe(true);
  });

  it('stops at the limit even when Content-Length declares less', async () => {
    let pulled = 0;
    const lying = new Request('http://localhost/', {
      method: 'POST',
      headers: { 'content-length': '10' },
      body: new ReadableStream({
        pull(controller) {
          pulled++;
          controller.enqueue(bytes(1000));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    await expectRejection(readRawBody(lying, { limit: 5000 }), 'payload_too_large');
    expect(pulled).toBeLessThan(10);
  });

  it('reports raw_body_unavailable when the body was already used', async () => {
    const request = new Request('http://localhost/', { method: 'POST', body: '{}' });
    await request.text();
    await expectRejection(readRawBody(request), 'raw_body_unavailable');
  });

  it('rejects with invalid_payload when the stream errors', async () => {
    const broken = new Request('http://localhost/', {
      method: 'POST',
      body: new ReadableStream({
        pull(controller) {
          controller.error(new Error('connection reset'));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    await expectRejection(readRawBody(broken), 'invalid_payload');
  });

  it('answers payload_too_large when the server cut the stream for its own size limit (413)', async () => {
    // As SvelteKit's adapter-node does past BODY_SIZE_LIMIT: the stream errors with a 413.
    const cut = (reason: unknown) =>
      new Request('http://localhost/', {
        method: 'POST',
        body: new ReadableStream({
          pull(controller) {
            controller.enqueue(bytes(100));
            controller.error(reason);
          },
        }),
        duplex: 'half',
      } as RequestInit);
    const tooLarge = Object.assign(new Error('Content-length of 614400 exceeds limit'), {
      status: 413,
    });
    const error = await readRawBody(cut(tooLarge)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'payload_too_large', status: 413, cause: tooLarge });
    // Any other status, or none, is still an unreadable body.
    for (const other of [Object.assign(new Error('x'), { status: 400 }), 'reset', null]) {
      await expectRejection(readRawBody(cut(other)), 'invalid_payload');
    }
  });

  it.each([-1, 1.5, Number.NaN, '10'])('throws a TypeError for limit %s', async (limit) => {
    await expect(
      readRawBody(new Request('http://localhost/'), { limit: limit as number }),
    ).rejects.toThrow(TypeError);
  });
});
