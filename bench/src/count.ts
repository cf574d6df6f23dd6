import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { SCHEME_IDS } from './scheme-cases.js';

// Instructions per verify call, hookguard against its bare baseline, counted by callgrind:
//   pnpm bench:count --rows stripe,standard-webhooks-256 --json counts.json
// Timed ratios on a shared machine move by more than the targets' margins; these counts do not.
// Each side of each row runs alone (count-child.ts) for a short and a long loop of calls; the
// difference over the difference in calls cancels start-up and warm-up. Needs valgrind.
const { values } = parseArgs({
  options: {
    rows: {
      type: 'string',
      default: [...SCHEME_IDS, 'standard-webhooks-256', 'standard-webhooks-1024'].join(','),
    },
    calls: { type: 'string', default: '4000,36000' },
    json: { type: 'string' },
  },
});

const LOCK = '/tmp/hookguard-bench.lock';
const SIDES = ['hookguard', 'baseline'] as const;
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const CHILD = fileURLToPath(new URL('./count-child.ts', import.meta.url));

const rows = (values.rows ?? '').split(',').filter(Boolean);
const target = (row: string) => (row.startsWith('standard-webhooks-') ? 1.1 : 1.15);
const [short = Number.NaN, long = Number.NaN] = (values.calls ?? '').split(',').map(Number);
const known = (row: string) =>
  (SCHEME_IDS as readonly string[]).includes(row) || /^standard-webhooks-\d+$/.test(row);
if (rows.length === 0 || !rows.every(known) || !(short > 0 && long > short)) {
  throw new Error(
    `usage: count [--rows ${SCHEME_IDS.join(',')},standard-webhooks-<bytes>] [--calls <short>,<long>] [--json <file>]`,
  );
}
for (const tool of ['valgrind', 'flock']) {
  if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).error) {
    throw new Error(
      `pnpm bench:count needs ${tool} on the PATH (apt-get install ${tool === 'flock' ? 'util-linux' : tool})`,
    );
  }
}

// One lock for the whole table, so other counts on this machine never overlap ours: this
// process runs itself again under flock, once. Already holding the lock? Set the variable.
if (process.env.HOOKGUARD_BENCH_LOCKED !== '1') {
  const locked = spawnSync(
    'flock',
    [LOCK, process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, HOOKGUARD_BENCH_LOCKED: '1' } },
  );
  process.exit(locked.status ?? 1);
}

/** Instructions callgrind counted in a whole run of `calls` calls of one side of `row`. */
const total = (row: string, side: string, calls: number): number => {
  const dir = mkdtempSync(join(tmpdir(), 'hookguard-count-'));
  const out = join(dir, 'callgrind.out');
  try {
    const run = spawnSync(
      'valgrind',
      [
        '--tool=callgrind',
        // V8 writes machine code into memory it reuses: valgrind must see the new code.
        '--smc-check=all-non-file',
        `--callgrind-out-file=${out}`,
        // No background compiler or GC threads, whose work varies with the machine's load.
        process.execPath,
        '--single-threaded',
        '--import',
        TSX,
        CHILD,
        row,
        side,
        String(calls),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 },
    );
    if (run.status !== 0) {
      const reason = /Error: (.*)/.exec(run.stderr)?.[1] ?? run.stderr.trim().split('\n').pop();
      throw new Error(`${row} ${side} (${calls} calls) failed: ${reason}`);
    }
    return Number(/^totals:\s+(\d+)/m.exec(readFileSync(out, 'utf8'))?.[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const perCall = (row: string, side: string) =>
  (total(row, side, long) - total(row, side, short)) / (long - short);

// What is counted is core as built; others may rebuild it meanwhile, so note when it was.
const DIST = new URL('../../packages/core/dist/node.js', import.meta.url);
const built = statSync(DIST).mtime;
const core = execFileSync('git', ['log', '-1', '--format=%h', '--', 'packages/core/src'], {
  cwd: fileURLToPath(new URL('../..', import.meta.url)),
  encoding: 'utf8',
}).trim();
console.error(
  `Counting ${rows.length} rows, ${short} and ${long} calls per side, core at ${core} (dist built ${built.toISOString()})...`,
);

interface CountRow {
  row: string;
  /** Instructions per call, hookguard's side. */
  hookguard: number;
  /** Instructions per call, the bare baseline's side. */
  baseline: number;
  ratio: number;
  target: number;
  met: boolean;
  error?: string;
}

const results: CountRow[] = [];
for (const row of rows) {
  const started = Date.now();
  try {
    const [hookguard, baseline] = SIDES.map((side) => perCall(row, side)) as [number, number];
    const ratio = hookguard / baseline;
    results.push({
      row,
      hookguard,
      baseline,
      ratio,
      target: target(row),
      met: ratio <= target(row),
    });
  } catch (error) {
    const message = (error as Error).message;
    results.push({
      row,
      hookguard: Number.NaN,
      baseline: Number.NaN,
      ratio: Number.NaN,
      target: target(row),
      met: false,
      error: message,
    });
    console.error(message);
  }
  console.error(`${row}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

const k = (n: number) => (Number.isNaN(n) ? '—' : (n / 1000).toFixed(1));
const table = [
  ['row', 'hookguard k instr/call', 'baseline k instr/call', 'ratio', 'target', 'met'],
  ...results.map((r) => [
    r.row,
    k(r.hookguard),
    k(r.baseline),
    Number.isNaN(r.ratio) ? '—' : `${r.ratio.toFixed(3)}×`,
    `≤ ${r.target.toFixed(2)}×`,
    r.error ? 'error' : r.met ? 'met' : 'not met',
  ]),
];
const widths =
  table[0]?.map((_, column) => Math.max(...table.map((line) => line[column]?.length ?? 0))) ?? [];
for (const line of table) {
  console.log(
    line
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  '),
  );
}
if (statSync(DIST).mtime.getTime() !== built.getTime()) {
  console.error(
    'packages/core/dist was rebuilt during the count: rows may measure different builds.',
  );
}
if (values.json) {
  writeFileSync(
    values.json,
    `${JSON.stringify({ core, built, calls: [short, long], rows: results }, null, 2)}\n`,
  );
}
