// What each published package's tarball holds, as `pnpm pack` (the publishing tool) lists it:
// the license, the README npm shows, the build, every file the declarations reference, and
// no tests.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const packages = await readdir(join(repo, 'packages'));
const rootLicense = await readFile(join(repo, 'LICENSE'), 'utf8');

const pack = async (dir: string): Promise<string[]> => {
  const { stdout } = await promisify(execFile)('pnpm', ['pack', '--dry-run', '--json'], {
    cwd: dir,
  });
  const { files } = JSON.parse(stdout) as { files: { path: string }[] };
  return files.map(({ path }) => path.replaceAll('\\', '/')).sort();
};

const packed = new Map<string, Promise<string[]>>();
/** The paths `pnpm pack` would put in the package's tarball, relative to its folder. */
const packedFiles = (dir: string): Promise<string[]> => {
  const files = packed.get(dir) ?? pack(dir);
  packed.set(dir, files);
  return files;
};

/** Every relative path in a package.json `exports`/`main`/`module`/`types` entry. */
const entryPoints = (manifest: Record<string, unknown>): string[] => {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.startsWith('./')) found.push(posix.normalize(value));
    } else if (typeof value === 'object' && value !== null) {
      for (const inner of Object.values(value)) walk(inner);
    }
  };
  walk([manifest.exports, manifest.main, manifest.module, manifest.types]);
  return found;
};

describe.each(packages)('packages/%s tarball', (name) => {
  const dir = join(repo, 'packages', name);

  it('ships LICENSE (the root MIT text), README.md, CHANGELOG.md, package.json and the build', async () => {
    const files = await packedFiles(dir);
    expect(files).toEqual(
      expect.arrayContaining(['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json']),
    );
    expect(files.some((path) => path.startsWith('dist/'))).toBe(true);
    expect(await readFile(join(dir, 'LICENSE'), 'utf8')).toBe(rootLicense);
  });

  it('ships every entry point package.json names', async () => {
    const files = await packedFiles(dir);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const entries = entryPoints(manifest).filter((path) => path !== 'package.json');
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.filter((path) => !files.includes(path))).toEqual([]);
  });

  it('ships every file its declaration files reference', async () => {
    const files = await packedFiles(dir);
    const missing: string[] = [];
    for (const file of files.filter((path) => /\.d\.c?ts$/.test(path))) {
      const text = await readFile(join(dir, file), 'utf8');
      for (const [, target = ''] of text.matchAll(/^\/\/\/ <reference path="([^"]+)"/gm)) {
        const resolved = posix.join(posix.dirname(file), target);
        if (!files.includes(resolved)) missing.push(`${file} -> ${resolved}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('ships no tests, test folders or sources', async () => {
    const files = await packedFiles(dir);
    const unwanted = files.filter(
      (path) =>
        /\.(test|spec)\.[cm]?[jt]sx?$/.test(path) ||
        /(^|\/)(tests?|__tests__)\//.test(path) ||
        path.startsWith('src/'),
    );
    expect(unwanted).toEqual([]);
  });
});
