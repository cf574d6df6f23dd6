// `pnpm demo` is the README's main job: run its script as a user would (after the build
// that `pnpm test` has already done) and hold it to its own table.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('pnpm demo', () => {
  it('starts the three example receivers and gets every expected answer', async () => {
    const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [tsx, 'scripts/demo.ts'], {
      cwd: root,
      env: { ...process.env, STANDARD_WEBHOOKS_SECRET: '', CODAIQ_WEBHOOK_SECRET: '' },
    });
    const rows = stdout.split('\n').filter((line) => /^\| (?!case|-)/.test(line));
    expect(rows.length).toBe(8);
    for (const row of rows) {
      const cells = row.split('|').slice(2, 5);
      expect(
        cells.every((cell) => cell.trim().startsWith('✓')),
        row,
      ).toBe(true);
    }
    expect(stdout).toContain('Every answer was as expected.');
  });
});
