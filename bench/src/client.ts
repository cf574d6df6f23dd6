import { request } from 'node:http';

const TIMEOUT_MS = 30_000;

/** A finished exchange. */
export interface Exchange {
  status: number;
  body: string;
}

/** One POST on its own connection; rejects on a network error or after 30 s. */
export const post = (
  url: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Promise<Exchange> =>
  new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: false, headers, timeout: TIMEOUT_MS });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.end(body);
  });

/** How an oversized upload ended: the status if the server answered, else the socket error. */
export interface Upload {
  status?: number;
  error?: string;
  /** Bytes the client had handed to the socket when it stopped. */
  sent: number;
}

/**
 * Streams `size` bytes (declaring them in `Content-Length` unless `chunked`) as fast as the
 * socket takes them, and stops as soon as the server answers or drops the connection.
 */
export const upload = (
  url: string,
  headers: Record<string, string>,
  size: number,
  chunked: boolean,
): Promise<Upload> =>
  new Promise((resolve) => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const req = request(url, {
      method: 'POST',
      agent: false,
      timeout: TIMEOUT_MS,
      headers: chunked ? headers : { ...headers, 'content-length': String(size) },
    });
    let sent = 0;
    let done = false;
    const finish = (outcome: Omit<Upload, 'sent'>) => {
      if (done) return;
      done = true;
      resolve({ ...outcome, sent });
      req.destroy();
    };
    const pump = () => {
      while (!done && sent < size) {
        const piece = chunk.subarray(0, Math.min(chunk.byteLength, size - sent));
        sent += piece.byteLength;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!done) req.end();
    };
    req.on('timeout', () => finish({ error: 'timeout' }));
    req.on('error', (error: NodeJS.ErrnoException) =>
      finish({ error: error.code ?? error.message }),
    );
    req.on('response', (res) => {
      res.resume();
      finish({ status: res.statusCode ?? 0 });
    });
    pump();
  });
