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
        env: {
          ...process.env,
          STANDARD_WEBHOOKS_SECRET: '',
          CODAIQ_WEBHOOK_SECRET: '',
          INSTANCE_KEY: '',
        },
      },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ exitCode, output: `${stdout}${stderr ? `\n[stderr]\n${stderr}` : ''}` });
      },
    );
  });

// The table under the header line starting with `header`: its rows' cells, case first.
const tableAfter = (output: string, header: RegExp) => {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => header.test(line));
  if (start < 0) return [];
  const rows: string[][] = [];
  // Skip the header and its |---| rule; the table ends at the first line that is no row.
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('| ')) break;
    rows.push(
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
};

describe('pnpm demo', () => {
  it('starts the example receivers and gets every expected answer', async () => {
    const { exitCode, output } = await runDemo();
    const table = `pnpm demo printed:\n${output}`;

    // Adapter x case: 8 cases, each answered as expected by express, fastify and hono.
    const adapters = tableAfter(output, /^\| case +\| express +\| fastify +\| hono +\| expected/);
    expect(adapters.length, table).toBe(8);
    for (const cells of adapters) {
      expect(cells.length, table).toBe(5);
      expect(
        cells.slice(1, 4).every((cell) => cell.startsWith('✓')),
        table,
      ).toBe(true);
    }

    // examples/trigger: 8 ways in (or wrong ones) on one endpoint, then its logs' row.
    const trigger = tableAfter(output, /^\| case +\| answer +\| expected/);
    expect(trigger.length, table).toBe(9);
    for (const cells of trigger) {
      expect(cells.length, table).toBe(3);
      expect(cells[1], table).toMatch(/^✓/);
    }
    expect(trigger.at(-1)?.[0], table).toBe('query key in server logs');

    expect(output, table).not.toContain('✗');
    expect(output, table).toContain('Every answer was as expected.');
    expect(exitCode, table).toBe(0);
  });
});
