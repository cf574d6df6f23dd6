// Every ```ts block in the README is what a user pastes; each must compile under strict
// settings against the built packages, exactly as written.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match, index) => ({
  index,
  code: match[1] ?? '',
  line: readme.slice(0, match.index).split('\n').length + 1,
}));

// Inside tests/ so the snippets resolve packages from this workspace's node_modules.
const dir = await mkdtemp(join(here, '.snippets-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Declarations a snippet uses without defining, standing in for the reader's own code. */
const AMBIENT = `
declare const request: Request;
declare const req: import('node:http').IncomingMessage;
declare const rawBytes: Uint8Array;
declare const headers: Headers;
declare const body: string;
declare const app: any;
type OrderPaid = { type: 'order.paid'; data: { id: string } };
`;

describe('README TypeScript snippets', () => {
  it('has snippets to check', () => {
    expect(snippets.length).toBeGreaterThan(4);
  });

  it('all compile under strict TypeScript', async () => {
    const files: string[] = [];
    for (const { index, code } of snippets) {
      // A snippet that continues an earlier one (no imports) shares its declarations.
      const previous = snippets
        .slice(0, index)
        .reverse()
        .find((s) => s.code.includes('import '));
      const source = code.includes('import ') || !previous ? code : `${previous.code}\n${code}`;
      const file = join(dir, `snippet-${index}.ts`);
      await writeFile(file, `${source}\nexport {};\n`);
      files.push(file);
    }
    await writeFile(join(dir, 'ambient.d.ts'), AMBIENT);
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../../tsconfig.base.json',
        compilerOptions: { types: ['node'], noEmit: true, noUnusedLocals: false },
        include: ['*.ts'],
      }),
    );
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', dir]).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    const located = result.replace(
      /snippet-(\d+)\.ts/g,
      (_, i: string) => `README snippet at line ${snippets[Number(i)]?.line}`,
    );
    expect(located).toBe('');
  });
});
