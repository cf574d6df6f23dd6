import { ROUTE, type Variant } from './apps.js';
import { startServer } from './child.js';
import { post, upload } from './client.js';
import { sign } from './deliveries.js';
import { jsonPayload } from './payloads.js';

const MiB = 1024 * 1024;

/** Servers whose memory is measured under concurrent 1 MiB deliveries. */
export const CONCURRENT_VARIANTS = [
  'express-hookguard',
  'fastify-hookguard',
  'hono-hookguard',
  'express-raw-standardwebhooks',
] as const satisfies readonly Variant[];

/** Servers (1 MiB limit) that must refuse oversized uploads without buffering them. */
export const OVER_LIMIT_VARIANTS = [
  'express-hookguard',
  'fastify-hookguard',
  'hono-hookguard',
] as const satisfies readonly Variant[];

/**
 * Oversized uploads, announced by `Content-Length` or streamed chunked (so only counting can
 * stop them). RSS is flat when each 50 MiB upload costs no more than the 2 MiB one.
 */
export const UPLOADS = [
  { load: 'declared 2 MiB', bytes: 2 * MiB, chunked: false },
  { load: 'declared 50 MiB', bytes: 50 * MiB, chunked: false },
  { load: 'chunked 2 MiB', bytes: 2 * MiB, chunked: true },
  { load: 'chunked 50 MiB', bytes: 50 * MiB, chunked: true },
] as const;

export interface MemoryRow {
  scenario: 'concurrent' | 'over-limit';
  variant: Variant;
  load: string;
  requests: number;
  /** RSS after warm-up and a full GC, then the highest RSS while the load ran, in bytes. */
  idleRss: number;
  peakRss: number;
  growth: number;
  /** Responses by status; `error:<code>` for connections that ended without one. */
  outcomes: Record<string, number>;
  /** Most bytes one client got to write before the server stopped it (over-limit only). */
  maxSent: number;
  /**
   * Every delivery answered 200 (concurrent); every upload refused, by a 413 or by the server
   * closing the connection while the client was still writing (EPIPE, ECONNRESET).
   */
  asExpected: boolean;
}

export interface MemoryOptions {
  quick: boolean;
  log?: (line: string) => void;
}

const count = (keys: readonly string[]) => {
  const outcomes: Record<string, number> = {};
  for (const key of keys) outcomes[key] = (outcomes[key] ?? 0) + 1;
  return outcomes;
};

const deliveries = (body: Buffer, requests: number) => {
  const now = Date.now();
  return Array.from({ length: requests }, (_, i) => sign(body, now, `msg_mem_${i}`).standard);
};

/** Peak RSS of a fresh `variant` server while it verifies `requests` concurrent 1 MiB deliveries. */
export const concurrent = async (variant: Variant, requests: number): Promise<MemoryRow> => {
  const body = jsonPayload(MiB);
  const server = await startServer(variant, MiB);
  try {
    const url = server.url + ROUTE;
    for (const headers of deliveries(body, 3)) await post(url, headers, body);
    const idleRss = await server.mark();
    const exchanges = await Promise.all(
      deliveries(body, requests).map((headers) => post(url, headers, body)),
    );
    const { peak } = await server.peak();
    const outcomes = count(exchanges.map(({ status }) => String(status)));
    return {
      scenario: 'concurrent',
      variant,
      load: `${requests} × 1 MiB, all at once`,
      requests,
      idleRss,
      peakRss: peak,
      growth: peak - idleRss,
      outcomes,
      maxSent: MiB,
      asExpected: outcomes['200'] === requests,
    };
  } finally {
    await server.stop();
  }
};

const overLimit = async (
  variant: Variant,
  { load, bytes, chunked }: (typeof UPLOADS)[number],
  requests: number,
): Promise<MemoryRow> => {
  const server = await startServer(variant, MiB);
  try {
    const url = server.url + ROUTE;
    const small = jsonPayload(1024);
    for (const headers of deliveries(small, 3)) await post(url, headers, small);
    const idleRss = await server.mark();
    // Signed headers (for another body): the refusal must come from the size, not a missing header.
    const [headers = {}] = deliveries(small, 1);
    const { 'content-length': _, ...signed } = headers;
    const uploads = await Promise.all(
      Array.from({ length: requests }, () => upload(url, signed, bytes, chunked)),
    );
    const { peak } = await server.peak();
    const outcomes = count(uploads.map((u) => (u.status ? String(u.status) : `error:${u.error}`)));
    const asExpected = uploads.every(
      (u) => u.status === 413 || (u.status === undefined && u.error !== 'timeout'),
    );
    return {
      scenario: 'over-limit',
      variant,
      load: `${requests} × ${load}, all at once`,
      requests,
      idleRss,
      peakRss: peak,
      growth: peak - idleRss,
      outcomes,
      maxSent: Math.max(...uploads.map((u) => u.sent)),
      asExpected,
    };
  } finally {
    await server.stop();
  }
};

/**
 * Part 3: peak RSS of the server process (a fresh one per measurement, so earlier peaks
 * cannot hide later ones) while it verifies concurrent 1 MiB deliveries, and while it
 * refuses uploads far over its 1 MiB limit.
 */
export async function runMemory(options: MemoryOptions): Promise<MemoryRow[]> {
  const { quick, log = () => {} } = options;
  const rows: MemoryRow[] = [];
  for (const variant of CONCURRENT_VARIANTS) {
    rows.push(await concurrent(variant, quick ? 20 : 200));
    log(`memory: ${variant} concurrent done`);
  }
  for (const variant of OVER_LIMIT_VARIANTS) {
    for (const upload of UPLOADS) rows.push(await overLimit(variant, upload, quick ? 4 : 20));
    log(`memory: ${variant} over-limit done`);
  }
  return rows;
}
