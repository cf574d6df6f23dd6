import { parseArgs } from 'node:util';
import { pin } from './affinity.js';
import { VARIANTS, type Variant } from './apps.js';
import { type ServerChild, startServer } from './child.js';
import { check, HTTP_BODY_BYTES, load, MODES, type Mode, measures } from './http.js';
import { concurrent } from './memory.js';
import { jsonPayload } from './payloads.js';
import { median } from './stats.js';

// A few HTTP routes of part 2 alone, for before/after comparisons while changing an adapter:
//   pnpm bench:load fastify-baseline,fastify-hookguard --modes valid,tampered --rounds 5
// Prints req/s and server CPU per request (the figure the machine's other load disturbs least)
// per route and mode, medians of rotated rounds of --seconds each.
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    modes: { type: 'string', default: MODES.join(',') },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '3' },
    // Instead of load: part 3's concurrent 1 MiB deliveries, this many at once, per route.
    memory: { type: 'string' },
  },
});
const variants = (positionals[0] ?? '').split(',').filter(Boolean) as Variant[];
const modes = (values.modes ?? '').split(',') as Mode[];
const bad = [
  ...variants.filter((v) => !(VARIANTS as readonly string[]).includes(v)),
  ...modes.filter((m) => !(MODES as readonly string[]).includes(m)),
];
if (variants.length === 0 || bad.length > 0) {
  throw new Error(`usage: load <variant,...> [--modes ${MODES.join(',')}]; unknown: ${bad}`);
}

if (values.memory) {
  const MiB = 1024 * 1024;
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const variant of variants) {
      const row = await concurrent(variant, Number(values.memory));
      console.log(
        `${variant.padEnd(30)} idle ${(row.idleRss / MiB).toFixed(1)} MiB, peak ${(row.peakRss / MiB).toFixed(1)} MiB, growth ${(row.growth / MiB).toFixed(1)} MiB ${JSON.stringify(row.outcomes)}`,
      );
    }
  }
  process.exit(0);
}

const body = jsonPayload(HTTP_BODY_BYTES);
const pinned = pin(process.pid, 0);
const servers: ServerChild[] = [];
try {
  for (const variant of variants) {
    const server = await startServer(variant);
    servers.push(server);
    if (pinned) pin(server.pid, 1);
    const { accepts, rejectsTampered } = await check(server, body);
    if (!accepts || !rejectsTampered) throw new Error(`${variant} fails its check`);
    await load(server, body, 'valid', false); // warm-up
  }
  const runs = new Map<string, { rps: number; cpu: number; refused: number; ok: number }[]>();
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const mode of modes) {
      for (let i = 0; i < servers.length; i++) {
        const server = servers[(i + round) % servers.length] as ServerChild;
        if (!measures(server.variant, mode)) continue;
        const run = await load(server, body, mode, false, Number(values.seconds));
        const key = `${server.variant} ${mode}`;
        runs.set(key, [
          ...(runs.get(key) ?? []),
          {
            rps: run.requestsPerSecond,
            cpu: run.serverCpuMicros,
            ok: run.ok,
            refused: run.refused,
          },
        ]);
      }
    }
  }
  for (const [key, list] of runs) {
    const cpus = list.map((r) => r.cpu.toFixed(1)).join(' ');
    console.log(
      `${key.padEnd(42)} ${median(list.map((r) => r.rps))
        .toFixed(0)
        .padStart(6)} req/s  ` +
        `${median(list.map((r) => r.cpu))
          .toFixed(1)
          .padStart(6)} µs/req  [${cpus}]  ` +
        `2xx ${list.reduce((t, r) => t + r.ok, 0)} refused ${list.reduce((t, r) => t + r.refused, 0)}`,
    );
  }
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  if (pinned) pin(process.pid, 'all');
}
