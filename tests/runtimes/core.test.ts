import { beforeAll, describe, expect, it } from 'vitest';
import { type ConformanceReport, runConformance } from './core-conformance.ts';
import {
  bundleWorker,
  fixture,
  type ProcessRuntime,
  readMarked,
  runScript,
  startWorker,
} from './launch.ts';

const WEB_BUILD = /\/packages\/core\/dist\/web\.js$/;
const NODE_BUILD = /\/packages\/core\/dist\/node\.js$/;

const failures = (report: ConformanceReport) =>
  report.cases.filter((result) => !result.ok).map(({ name, error }) => `${name}\n${error}`);

let node: ConformanceReport;

beforeAll(async () => {
  node = await runConformance();
});

const expectConformant = (report: ConformanceReport) => {
  expect(failures(report)).toEqual([]);
  expect(report.summary).toEqual({
    total: node.cases.length,
    passed: node.cases.length,
    failed: 0,
  });
  expect(report.cases.map((result) => result.name)).toEqual(node.cases.map(({ name }) => name));
};

describe('core conformance suite', () => {
  it('passes on Node, which loads dist/node.js', async () => {
    const resolved = import.meta.resolve('@hookguard/core');
    expect(resolved).toMatch(NODE_BUILD);
    expect(await import('@hookguard/core')).toBe(await import(/* @vite-ignore */ resolved));
    expect(failures(node)).toEqual([]);
    expect(node.summary.failed).toBe(0);
    expect(node.cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each<ProcessRuntime>(['bun', 'deno'])(
    'passes on %s, which loads dist/web.js',
    async (runtime) => {
      const output = await runScript(runtime, fixture('core-entry.ts'));
      const report = readMarked<ConformanceReport & { resolved: string; sameModule: boolean }>(
        output,
        'HOOKGUARD_CONFORMANCE',
      );
      expect(output.code).toBe(0);
      expect(report.resolved).toMatch(WEB_BUILD);
      expect(report.sameModule).toBe(true);
      expectConformant(report);
    },
  );

  it('passes on workerd (Miniflare), bundled with dist/web.js', async () => {
    const { script, inputs } = await bundleWorker(fixture('core-worker.ts'));
    // The published vectors come from packages/core/test/, so only the build is counted.
    const coreFiles = inputs.filter((input) => input.includes('/packages/core/dist/'));
    expect(coreFiles).toHaveLength(1);
    expect(coreFiles[0]).toMatch(WEB_BUILD);
    expect(inputs.some((input) => NODE_BUILD.test(input))).toBe(false);
    const worker = await startWorker(script);
    try {
      const response = await fetch(worker.url);
      expect(response.status).toBe(200);
      expectConformant((await response.json()) as ConformanceReport);
    } finally {
      await worker.stop();
    }
  });
});
