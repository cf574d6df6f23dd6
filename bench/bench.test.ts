import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAMEWORKS, type HttpRow, MODES, measures } from './src/http.js';
import { CONCURRENT_VARIANTS, type MemoryRow, OVER_LIMIT_VARIANTS, UPLOADS } from './src/memory.js';
import { SIZES } from './src/payloads.js';
import { type Machine, QUICK_LABEL, QUICK_VERDICT } from './src/report.js';
import { SCHEME_IDS } from './src/scheme-cases.js';
import type { SchemeRow } from './src/schemes.js';
import type { Target } from './src/targets.js';
import { CASE_IDS } from './src/verifiers.js';
import type { VerifyRow } from './src/verify.js';

// Runs the whole benchmark in quick mode, as `pnpm bench:quick` does, and checks that every
// part produced every row from verifiers that really verify. Never asserts on speed.

interface QuickRun {
  quick: boolean;
  machine: Machine;
  verify: VerifyRow[];
  http: HttpRow[];
  memory: MemoryRow[];
  schemes: SchemeRow[];
  targets: Target[];
}

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const RUN = fileURLToPath(new URL('./src/run.ts', import.meta.url));

const runQuick = (json: string) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', TSX, '--expose-gc', RUN, '--quick', '--json', json],
      { cwd: fileURLToPath(new URL('.', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

const finite = (value: unknown) => typeof value === 'number' && Number.isFinite(value);

describe('bench (quick mode)', () => {
  let dir: string;
  let stdout: string;
  let run: QuickRun;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hookguard-bench-'));
    const json = join(dir, 'quick.json');
    const result = await runQuick(json);
    expect(result.code, result.stderr).toBe(0);
    stdout = result.stdout;
    run = JSON.parse(await readFile(json, 'utf8')) as QuickRun;
  }, 240_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the report tables and the machine', () => {
    for (const heading of [
      '## 1. Verification',
      '## 2. HTTP',
      '## 3. Memory',
      '## 4. Provider schemes',
      '## Targets',
    ]) {
      expect(stdout).toContain(heading);
    }
    expect(run.quick).toBe(true);
    expect(run.machine.cores).toBeGreaterThan(0);
    expect(run.machine.node).toBe(process.version);
  });

  it('labels itself quick and judges no target from its few samples', () => {
    expect(stdout.split('\n')[0]).toBe(QUICK_LABEL);
    expect(stdout).toContain('# hookguard benchmark results (quick mode)');
    expect(stdout).not.toContain('not met');
    const targetRows = stdout
      .slice(stdout.indexOf('## Targets'))
      .split('\n')
      .filter((line) => /^\| (?!target |--- )/.test(line));
    expect(targetRows).toHaveLength(run.targets.length);
    for (const row of targetRows) {
      expect(row).toContain(`| ${QUICK_VERDICT} |`);
      expect(row).not.toContain('| met |');
    }
  });

  it('times every verifier at every size, each checked to accept and to refuse', () => {
    for (const size of SIZES) {
      for (const id of CASE_IDS) {
        const row = run.verify.find((candidate) => candidate.size === size && candidate.id === id);
        expect(row, `${id} at ${size} B`).toBeDefined();
        expect(row?.accepts, `${id} at ${size} B accepts the signed delivery`).toBe(true);
        expect(row?.rejectsTampered, `${id} at ${size} B refuses a tampered one`).toBe(true);
        expect(finite(row?.nsPerOp) && (row?.nsPerOp ?? 0) > 0).toBe(true);
        expect(finite(row?.ratio) && (row?.ratio ?? 0) > 0).toBe(true);
      }
    }
    expect(run.verify).toHaveLength(SIZES.length * CASE_IDS.length);
    for (const row of run.verify.filter((candidate) => candidate.id === 'baseline')) {
      expect(row.ratio).toBe(1);
    }
  });

  it('times every provider scheme and the API-key check against its own baseline, both sides checked', () => {
    expect(run.schemes.map((row) => row.id)).toEqual([...SCHEME_IDS]);
    for (const row of run.schemes) {
      expect(row.accepts, `hookguard ${row.id} accepts a signed request`).toBe(true);
      expect(row.rejectsTampered, `hookguard ${row.id} refuses a tampered one`).toBe(true);
      expect(row.baselineAccepts, `baseline of ${row.id} accepts a signed request`).toBe(true);
      expect(row.baselineRejectsTampered, `baseline of ${row.id} refuses a tampered one`).toBe(
        true,
      );
      for (const figure of [row.nsPerOp, row.baselineNsPerOp, row.ratio]) {
        expect(finite(figure) && figure > 0, `${row.id} timed`).toBe(true);
      }
    }
    expect(stdout).not.toContain('FAILED CHECK');
  });

  it('loads every HTTP route in every mode it is measured in, with the answers each route must give', () => {
    for (const variant of Object.values(FRAMEWORKS).flat()) {
      expect(measures(variant, 'tampered'), variant).toBe(!variant.endsWith('-json'));
      for (const mode of MODES.filter((m) => measures(variant, m))) {
        const row = run.http.find((r) => r.variant === variant && r.mode === mode);
        expect(row, `${variant} ${mode}`).toBeDefined();
        expect(row?.accepts, `${variant} answers a valid delivery 200`).toBe(true);
        expect(row?.rejectsTampered, `${variant} answers a tampered one as it should`).toBe(true);
        expect(row?.statusesAsExpected, `${variant} ${mode}: statuses under load`).toBe(true);
        for (const figure of [row?.requestsPerSecond, row?.p99Ms, row?.serverCpuMicros]) {
          expect(finite(figure)).toBe(true);
        }
      }
    }
  });

  it('measures server memory for concurrent deliveries and refused oversized uploads', () => {
    for (const variant of CONCURRENT_VARIANTS) {
      const row = run.memory.find((r) => r.scenario === 'concurrent' && r.variant === variant);
      expect(row?.asExpected, `${variant}: every 1 MiB delivery answered 200`).toBe(true);
      expect(finite(row?.peakRss) && (row?.peakRss ?? 0) >= (row?.idleRss ?? 0)).toBe(true);
    }
    for (const variant of OVER_LIMIT_VARIANTS) {
      for (const { load } of UPLOADS) {
        const row = run.memory.find(
          (r) => r.scenario === 'over-limit' && r.variant === variant && r.load.includes(load),
        );
        expect(row?.asExpected, `${variant} refuses ${load}`).toBe(true);
        expect(finite(row?.growth)).toBe(true);
        // The server stops reading: a 50 MiB upload never gets through.
        if (load.includes('50 MiB')) expect(row?.maxSent).toBeLessThan(50 * 1024 * 1024);
      }
    }
  });

  it('reports every target as met or not, with a finite figure', () => {
    const ids = run.targets.map((target) => target.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([
        'standard-node-1 KiB',
        'standard-node-64 KiB',
        'standard-node-256 KiB',
        'standard-node-1 MiB',
        'vs-standardwebhooks-1 KiB',
        'vs-svix-1 KiB',
        'vs-standardwebhooks-64 KiB',
        'vs-svix-64 KiB',
        'codaiq-vs-stripe-1 KiB',
        'web-1 KiB',
        ...(['valid', 'mixed'] as const).flatMap((mode) => [
          ...Object.keys(FRAMEWORKS).map((framework) => `http-${framework}-${mode}`),
          ...Object.keys(FRAMEWORKS).map((framework) => `vs-baseline-${framework}-${mode}`),
          `http-express-vs-raw-${mode}`,
        ]),
        ...Object.keys(FRAMEWORKS).map((framework) => `refusal-cpu-${framework}`),
        ...CONCURRENT_VARIANTS.filter((v) => v !== 'express-raw-standardwebhooks').map(
          (variant) => `rss-concurrent-${variant}`,
        ),
        ...OVER_LIMIT_VARIANTS.flatMap((variant) =>
          ['declared', 'chunked'].map((how) => `flat-rss-${variant}-${how}`),
        ),
        ...SCHEME_IDS.map((id) => `scheme-${id}`),
      ]),
    );
    for (const target of run.targets) {
      expect(typeof target.met, target.id).toBe('boolean');
      expect(finite(target.measured), `${target.id} measured`).toBe(true);
      expect(finite(target.bound), `${target.id} bound`).toBe(true);
    }
  });
});
