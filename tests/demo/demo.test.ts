// `pnpm demo` is the README's main job: run its script as a user would (after the build
// that `pnpm test` has already done) and hold it to its own table.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));

interface Run {
  exitCode: number;
  output: string;
}

// Resolves however the demo exits, with everything it printed, so a failure shows the table.
const runDemo = () =>
  new Promise<Run>((resolve) => {
    execFile(
      process.execPath,
      [tsx, 'scripts/demo.ts'],
      {
        cwd: root,
        env: { ...process.env, STANDARD_WEBHOOKS_SECRET: '', CODAIQ_WEBHOOK_SECRET: '' },
      },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ exitCode, output: `${stdout}${stderr ? `\n[stderr]\n${stderr}` : ''}` });
      },
    );
  });

describe('pnpm demo', () => {
  it('starts the three example receivers and gets every expected answer', async () => {
    const { exitCode, output } = await runDemo();
    const table = `pnpm demo printed:\n${output}`;
    const rows = output.split('\n').filter((line) => /^\| (?!case|-)/.test(line));
    expect(rows.length, table).toBe(8);
    for (const row of rows) {
      const cells = row.split('|').slice(2, 5);
      expect(
        cells.every((cell) => cell.trim().startsWith('✓')),
        table,
      ).toBe(true);
    }
    expect(output, table).toContain('Every answer was as expected.');
    expect(exitCode, table).toBe(0);
  });
});
