// Each package's README is the page npm shows: it must say how to install the package, point to
// the full guide and name the license, and its TypeScript example must compile under strict
// settings against the built packages, exactly as written.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const packages = await readdir(join(repo, 'packages'));
const guide = 'https://github.com/hookguard/hookguard#readme';

const readmes = new Map<string, string>();
const names = new Map<string, string>();
for (const dir of packages) {
  readmes.set(dir, await readFile(join(repo, 'packages', dir, 'README.md'), 'utf8'));
  const manifest = JSON.parse(await readFile(join(repo, 'packages', dir, 'package.json'), 'utf8'));
  names.set(dir, (manifest as { name: string }).name);
}
const snippetsOf = (text: string) => [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

// Inside tests/ so the snippets resolve packages from this workspace's node_modules.
const dir = await mkdtemp(join(here, '.snippets-packages-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each(packages)('packages/%s/README.md', (folder) => {
  const text = readmes.get(folder) ?? '';
  const name = names.get(folder) ?? '';

  it('names the package, its install line, the full guide and the license', () => {
    expect(text.startsWith(`# ${name}\n`)).toBe(true);
    expect(text).toMatch(new RegExp(`^npm install ${name}( |$)`, 'm'));
    expect(text).toContain(`(${guide})`);
    expect(text).toMatch(/^## License\n\nMIT$/m);
  });

  it('has a TypeScript example that imports the package', () => {
    const snippets = snippetsOf(text);
    expect(snippets.length).toBeGreaterThan(0);
    expect(snippets.some((code) => code?.includes(`from '${name}'`))).toBe(true);
  });
});

describe('package README examples', () => {
  it('all compile under strict TypeScript', async () => {
    const files: string[] = [];
    for (const name of packages) {
      for (const [index, code] of snippetsOf(readmes.get(name) ?? '').entries()) {
        const file = `${name}-${index}.ts`;
        await writeFile(join(dir, file), `${code}\nexport {};\n`);
        files.push(file);
      }
    }
    expect(files.length).toBeGreaterThanOrEqual(packages.length);
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../../tsconfig.base.json',
        compilerOptions: { types: ['node'], noEmit: true },
        files,
      }),
    );
    const tsc = join(repo, 'node_modules/typescript/bin/tsc');
    const output = await new Promise<string>((resolve) => {
      execFile(process.execPath, [tsc, '-p', dir], (error, stdout, stderr) => {
        resolve(error === null ? '' : `${stdout}${stderr}`.trim() || String(error));
      });
    });
    expect(output).toBe('');
  });
});
