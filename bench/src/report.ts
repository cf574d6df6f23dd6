import { cpus, totalmem } from 'node:os';
import type { HttpRow } from './http.js';
import type { MemoryRow } from './memory.js';
import { formatSize } from './payloads.js';
import type { SchemeRow } from './schemes.js';
import type { Results, Target } from './targets.js';
import { CASE_IDS } from './verifiers.js';
import type { VerifyRow } from './verify.js';

/** Where and when the figures were taken. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  date: string;
}

export const describeMachine = (): Machine => ({
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 1024 ** 3),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  date: new Date().toISOString(),
});

const table = (head: string[], rows: string[][]): string =>
  [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ].join('\n');

const time = (ns: number) =>
  ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${(ns / 1e3).toFixed(ns >= 1e5 ? 0 : 1)} µs`;
const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

export const verifyTable = (rows: VerifyRow[]): string => {
  const sizes = [...new Set(rows.map((row) => row.size))];
  return table(
    ['verifier', ...sizes.map(formatSize)],
    CASE_IDS.filter((id) => rows.some((row) => row.id === id)).map((id) => {
      const cells = sizes.map((size) => {
        const row = rows.find((candidate) => candidate.id === id && candidate.size === size);
        if (!row) return '–';
        if (!row.accepts || !row.rejectsTampered) {
          return `FAILED CHECK (accepts ${row.accepts}, rejects tampered ${row.rejectsTampered})`;
        }
        return `${row.ratio.toFixed(2)}× · ${time(row.nsPerOp)}`;
      });
      return [rows.find((row) => row.id === id)?.label ?? id, ...cells];
    }),
  );
};

export const httpTable = (rows: HttpRow[]): string =>
  table(
    [
      'framework',
      'route',
      'deliveries',
      'req/s',
      'vs plain',
      'p99',
      'server CPU/req',
      '2xx / refused / errors',
      'checked',
    ],
    rows.map((row) => {
      const plain = rows.find((r) => r.variant === `${row.framework}-json` && r.mode === row.mode);
      return [
        row.framework,
        row.variant.slice(row.framework.length + 1),
        { valid: 'valid only', mixed: '50/50 valid/tampered', tampered: 'tampered only' }[row.mode],
        row.requestsPerSecond.toFixed(0),
        plain ? `${((100 * row.requestsPerSecond) / plain.requestsPerSecond).toFixed(0)}%` : '–',
        `${row.p99Ms.toFixed(0)} ms`,
        `${row.serverCpuMicros.toFixed(0)} µs`,
        `${row.ok} / ${row.refused} / ${row.errors}`,
        row.accepts && row.rejectsTampered && row.statusesAsExpected ? 'yes' : 'NO',
      ];
    }),
  );

export const memoryTable = (rows: MemoryRow[]): string =>
  table(
    [
      'scenario',
      'server',
      'load',
      'idle RSS',
      'peak RSS',
      'growth',
      'outcomes',
      'most bytes one client sent',
      'as expected',
    ],
    rows.map((row) => [
      row.scenario,
      row.variant,
      row.load,
      mib(row.idleRss),
      mib(row.peakRss),
      mib(row.growth),
      Object.entries(row.outcomes)
        .map(([outcome, count]) => `${outcome}: ${count}`)
        .join(', '),
      mib(row.maxSent),
      row.asExpected ? 'yes' : 'NO',
    ]),
  );

const checked = (accepts: boolean, rejects: boolean) =>
  accepts && rejects ? 'yes' : `FAILED CHECK (accepts ${accepts}, rejects tampered ${rejects})`;

export const schemesTable = (rows: SchemeRow[]): string =>
  table(
    ['scheme', 'signed', 'body', 'hookguard', 'bare baseline', 'ratio', 'checked'],
    rows.map((row) => {
      const ok =
        row.accepts && row.rejectsTampered && row.baselineAccepts && row.baselineRejectsTampered;
      return [
        row.title,
        row.signs,
        row.bodyBytes > 0 ? formatSize(row.bodyBytes) : 'none (one header)',
        `${row.label}: ${ok ? time(row.nsPerOp) : '–'}`,
        `${row.baselineLabel}: ${ok ? time(row.baselineNsPerOp) : '–'}`,
        ok ? `${row.ratio.toFixed(2)}×` : '–',
        ok
          ? 'yes'
          : `hookguard ${checked(row.accepts, row.rejectsTampered)}; baseline ${checked(row.baselineAccepts, row.baselineRejectsTampered)}`,
      ];
    }),
  );

const figure = (value: number, unit: Target['unit']) =>
  Number.isFinite(value)
    ? `${value.toFixed(unit === '%' ? 0 : 2)}${unit === 'MiB' ? ' MiB' : unit}`
    : 'n/a';

/** What a quick run says instead of met / not met: its few samples cannot decide. */
export const QUICK_VERDICT = '(quick: no verdict)';

/** A line heading a quick run's report, so its figures are never quoted as results. */
export const QUICK_LABEL = 'quick mode: few samples, ratios are indicative only';

export const targetTable = (targets: Target[], quick = false): string =>
  table(
    ['target', 'measured', 'bound', 'met', 'best possible (bare baseline, same figure)', 'context'],
    targets.map((t) => [
      t.description,
      figure(t.measured, t.unit),
      `${t.sense} ${figure(t.bound, t.unit)}`,
      quick ? QUICK_VERDICT : t.met ? 'met' : '**not met**',
      t.ceiling === undefined ? '' : figure(t.ceiling, t.unit),
      t.context ?? '',
    ]),
  );

/**
 * The full Markdown report: machine, method, the three tables and the targets. A quick
 * run (`pnpm bench:quick`) says so first and gives no met / not met verdicts.
 */
export const renderReport = (
  machine: Machine,
  results: Results,
  targets: Target[],
  quick = false,
): string =>
  [
    ...(quick ? [QUICK_LABEL, ''] : []),
    `# hookguard benchmark results${quick ? ' (quick mode)' : ''}`,
    '',
    `Run on ${machine.date} with \`pnpm ${quick ? 'bench:quick' : 'bench'}\`.`,
    '',
    ...(quick
      ? [
          'Quick mode takes a few samples of everything to prove the code still runs: the figures below are noisy, so no target is judged met or not. Run `pnpm bench` for figures to quote.',
          '',
        ]
      : []),
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node} (${machine.platform}).`,
    '',
    'Absolute times vary from machine to machine and run to run; the ratios, each taken against a baseline measured in the same process and round, are the figures to quote.',
    '',
    '## 1. Verification throughput',
    '',
    'Each cell: time over the baseline (`node:crypto` `createHmac` over `<id>.<timestamp>.` + body, `timingSafeEqual`, `JSON.parse`) · median time per verification. mitata p50, median of the rounds; every verifier accepted the signed delivery and refused a tampered copy before it was timed. The Web Crypto rows load `packages/core/dist/web.js` by file path (`@hookguard/core` resolves to `dist/node.js` on Node and has no subpath for the other build).',
    '',
    verifyTable(results.verify),
    '',
    '## 2. HTTP end to end',
    '',
    `autocannon on 127.0.0.1, 16 connections, 1 KiB signed JSON deliveries (signed at the start of each run), each server alone in its own process${results.http[0]?.pinned ? ' pinned to CPU 1, autocannon on CPU 0 (taskset)' : ''}; median of rotated rounds. Routes: \`json\` is the framework's plain JSON route (no verification, so not loaded with tampered deliveries only), \`baseline\` the bare minimum by hand (raw bytes, one node:crypto HMAC, timingSafeEqual, JSON.parse: the ceiling for any verifier), \`hookguard\` the adapter. "Server CPU/req" is the server process's own CPU time per answered request, which the load generator sharing this machine does not disturb the way it disturbs requests/s.`,
    '',
    httpTable(results.http),
    '',
    '## 3. Memory',
    '',
    'Peak RSS of the server process (a fresh process per row; `idle` is after warm-up and a full GC). Over-limit rows send uploads to a route with a 1 MiB limit; signed headers are present, so only the size refuses them.',
    '',
    memoryTable(results.memory),
    '',
    '## 4. Provider schemes and API keys',
    '',
    "Each provider scheme's `verify` at a 1 KiB body (the JSON of section 1; Linear's carries its `webhookTimestamp`; Twilio's is a 1 KiB SMS form), and `apiKey().authenticate` holding 1,000 keys (as a list of hashes, and behind `lookup`), each against its own bare baseline: `node:crypto` over exactly the signed bytes with the key made once (`createSecretKey`, or an Ed25519 `KeyObject`), the header's one signature decoded with `Buffer`, `timingSafeEqual`, `JSON.parse` (Twilio: `URLSearchParams`); for API keys, `createHash('sha256')` hex and `Map.get`. Baselines check no timestamp window and no header shape. Ratio: hookguard's time over its baseline's, both timed back to back in the same round, median of the rounds; times are medians of mitata's p50. Every row accepted a signed request and refused a tampered one (or an unlisted key), on both sides, before it was timed.",
    '',
    schemesTable(results.schemes),
    '',
    '## Targets',
    '',
    'Reported, never enforced: the test suite runs this benchmark in quick mode and checks only that it works.',
    '',
    targetTable(targets, quick),
    '',
  ].join('\n');
