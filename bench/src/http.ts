import autocannon from 'autocannon';
import { pin } from './affinity.js';
import { ROUTE, type Variant, verifies } from './apps.js';
import { type ServerChild, startServer } from './child.js';
import { post } from './client.js';
import { sign } from './deliveries.js';
import { jsonPayload, tamper } from './payloads.js';
import { median } from './stats.js';

/**
 * The variants each framework is measured with: its plain JSON route, the bare minimum
 * verification by hand (the ceiling for any verifier), hookguard, and for Express the usual
 * `express.raw()` + `standardwebhooks` receiver.
 */
export const FRAMEWORKS = {
  express: [
    'express-json',
    'express-baseline',
    'express-hookguard',
    'express-raw-standardwebhooks',
  ],
  fastify: ['fastify-json', 'fastify-baseline', 'fastify-hookguard'],
  hono: ['hono-json', 'hono-baseline', 'hono-hookguard'],
} as const satisfies Record<string, readonly Variant[]>;
export type Framework = keyof typeof FRAMEWORKS;

/**
 * `valid`: every delivery correctly signed; `mixed`: every other one has a tampered body;
 * `tampered`: every one tampered (only on routes that verify: it prices a refusal alone).
 */
export const MODES = ['valid', 'mixed', 'tampered'] as const;
export type Mode = (typeof MODES)[number];

/** Whether `variant` is loaded in `mode`: a plain route checks nothing, so it has no refusals to price. */
export const measures = (variant: Variant, mode: Mode): boolean =>
  mode !== 'tampered' || verifies(variant);

/** Body size of every HTTP delivery. */
export const HTTP_BODY_BYTES = 1024;

export interface HttpRow {
  framework: Framework;
  variant: Variant;
  mode: Mode;
  /** Answered a valid delivery 200 with its payload, before timing. */
  accepts: boolean;
  /** Answered a tampered delivery 401 (a plain JSON route answers 200: it checks nothing). */
  rejectsTampered: boolean;
  requestsPerSecond: number;
  p99Ms: number;
  /** Server process CPU time (user + system) per answered request, in µs: immune to client noise. */
  serverCpuMicros: number;
  ok: number;
  refused: number;
  errors: number;
  /** Whether autocannon and the server ran pinned to separate CPUs (taskset). */
  pinned: boolean;
  /** `ok`/`refused` are what the mode calls for: all 2xx, or about half refused where verified. */
  statusesAsExpected: boolean;
}

export interface HttpOptions {
  quick: boolean;
  log?: (line: string) => void;
}

interface Request {
  headers: Record<string, string>;
  body: Buffer;
}

const POOL = 64;
const SECONDS = 3;
const ROUNDS = 4;

/** Signed now, so the whole run sits well inside the receivers' 300 s window. */
export const pool = (body: Buffer, mode: Mode): Request[] => {
  const now = Date.now();
  return Array.from({ length: POOL }, (_, i) => {
    const { standard } = sign(body, now, `msg_bench_${i}`);
    return {
      headers: {
        'content-type': 'application/json',
        'webhook-id': standard['webhook-id'] ?? '',
        'webhook-timestamp': standard['webhook-timestamp'] ?? '',
        'webhook-signature': standard['webhook-signature'] ?? '',
      },
      body: mode === 'tampered' || (mode === 'mixed' && i % 2 === 1) ? tamper(body) : body,
    };
  });
};

/** A valid delivery answered 200 with its payload, a tampered one 401 where the route verifies. */
export const check = async (server: ServerChild, body: Buffer) => {
  const [valid, forged] = pool(body, 'mixed');
  if (!valid || !forged) throw new Error('empty pool');
  const good = await post(server.url + ROUTE, valid.headers, valid.body);
  const bad = await post(server.url + ROUTE, forged.headers, forged.body);
  const type = (JSON.parse(body.toString()) as { type: string }).type;
  return {
    accepts: good.status === 200 && (JSON.parse(good.body) as { type?: string }).type === type,
    rejectsTampered: bad.status === (verifies(server.variant) ? 401 : 200),
  };
};

/** One autocannon run against `server`: requests/s, and the server's own CPU per answered request. */
export const load = async (
  server: ServerChild,
  body: Buffer,
  mode: Mode,
  quick: boolean,
  seconds = SECONDS,
) => {
  const requests = pool(body, mode);
  let next = 0;
  const cpuBefore = await server.cpu();
  const result = await autocannon({
    url: server.url + ROUTE,
    method: 'POST',
    connections: quick ? 4 : 16,
    ...(quick ? { amount: 100 } : { duration: seconds }),
    timeout: 10,
    requests: [
      {
        setupRequest: (request) => {
          const { headers, body } = requests[next++ % requests.length] as Request;
          return { ...request, headers, body };
        },
      },
    ],
  });
  const cpu = (await server.cpu()) - cpuBefore;
  const answered = result['2xx'] + result.non2xx;
  return {
    requestsPerSecond: answered / Math.max(result.duration, 1e-3),
    serverCpuMicros: cpu / Math.max(answered, 1),
    p99Ms: result.latency.p99,
    ok: result['2xx'],
    refused: result.non2xx,
    errors: result.errors,
  };
};

const asExpected = (variant: Variant, mode: Mode, { ok, refused, errors }: Partial<HttpRow>) => {
  if (errors !== 0) return false;
  if (mode === 'tampered') return ok === 0 && (refused ?? 0) > 0;
  if (!ok) return false;
  if (mode === 'valid' || !verifies(variant)) return refused === 0;
  // Requests take turns through the pool, so about half are refused.
  const total = ok + (refused ?? 0);
  return Math.abs((refused ?? 0) - ok) <= Math.max(32, total * 0.02);
};

/**
 * Part 2: each framework's plain JSON route against its hookguard route (and, for Express,
 * `express.raw()` + `standardwebhooks`), each server in its own process on 127.0.0.1, loaded
 * by autocannon from this one. Each round rotates the order so drift favours no route; figures are medians over rounds.
 */
export async function runHttp(options: HttpOptions): Promise<HttpRow[]> {
  const { quick, log = () => {} } = options;
  const rounds = quick ? 1 : ROUNDS;
  const body = jsonPayload(HTTP_BODY_BYTES);
  const rows: HttpRow[] = [];
  // The load generator on CPU 0, each server on CPU 1, where the machine allows.
  const pinned = pin(process.pid, 0);
  try {
    for (const [framework, variants] of Object.entries(FRAMEWORKS) as [
      Framework,
      readonly Variant[],
    ][]) {
      const servers: ServerChild[] = [];
      try {
        for (const variant of variants) {
          const server = await startServer(variant);
          servers.push(server);
          if (pinned) pin(server.pid, 1);
        }
        const checks = await Promise.all(servers.map((server) => check(server, body)));
        if (!quick) for (const server of servers) await load(server, body, 'valid', quick);
        const runs = new Map<string, Awaited<ReturnType<typeof load>>[]>();
        for (let round = 0; round < rounds; round++) {
          for (const mode of MODES) {
            const order = servers.map(
              (_, i) => servers[(i + round) % servers.length] as ServerChild,
            );
            for (const server of order) {
              if (!measures(server.variant, mode)) continue;
              const key = `${server.variant}/${mode}`;
              runs.set(key, [...(runs.get(key) ?? []), await load(server, body, mode, quick)]);
            }
          }
        }
        servers.forEach((server, i) => {
          for (const mode of MODES) {
            if (!measures(server.variant, mode)) continue;
            const measured = runs.get(`${server.variant}/${mode}`) ?? [];
            const sum = (pick: (run: (typeof measured)[number]) => number) =>
              measured.reduce((total, run) => total + pick(run), 0);
            const row = {
              framework,
              variant: server.variant,
              mode,
              ...(checks[i] ?? { accepts: false, rejectsTampered: false }),
              requestsPerSecond: median(measured.map((run) => run.requestsPerSecond)),
              p99Ms: median(measured.map((run) => run.p99Ms)),
              serverCpuMicros: median(measured.map((run) => run.serverCpuMicros)),
              ok: sum((run) => run.ok),
              refused: sum((run) => run.refused),
              errors: sum((run) => run.errors),
              pinned,
            };
            rows.push({ ...row, statusesAsExpected: asExpected(server.variant, mode, row) });
          }
        });
      } finally {
        await Promise.all(servers.map((server) => server.stop()));
      }
      log(`http: ${framework} done`);
    }
  } finally {
    if (pinned) pin(process.pid, 'all');
  }
  return rows;
}
