// The release dry run (`pnpm release`, scripts/release-check.ts) kept green by CI: each published
// package packed by `pnpm pack` carries the version changesets wrote (package.json and the newest
// CHANGELOG.md heading), no workspace: range, internal ranges that accept the versions released
// with it, no file that no entry point reaches, and passes publint --strict as a tarball. attw
// runs in `pnpm run packaging` and in `pnpm release`; tarballs.test.ts covers which files each
// tarball must hold.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  changelogVersion,
  checkPackage,
  type Manifest,
  manifestProblems,
  pack,
  publintTarball,
  publishedPackages,
  unreachableFiles,
} from '../../scripts/release-check.ts';

const packages = await publishedPackages();
const released = new Map(packages.map(({ manifest }) => [manifest.name, manifest.version]));
const destination = await mkdtemp(join(tmpdir(), 'hookguard-release-test-'));
afterAll(() => rm(destination, { recursive: true, force: true }));

const fields = ['dependencies', 'devDependencies', 'peerDependencies'] as const;

describe.each(packages.map((pkg) => [pkg.manifest.name, pkg] as const))('%s', (_name, pkg) => {
  it('packs as released: changelog version, registry ranges, publint --strict clean', async () => {
    const report = await checkPackage(pkg, released, destination, { attw: false });
    expect(report.problems).toEqual([]);

    // pnpm's documented rewriting of each workspace: range, checked against what was packed.
    for (const field of fields) {
      for (const [name, range] of Object.entries(pkg.manifest[field] ?? {})) {
        const version = released.get(name);
        if (!range.startsWith('workspace:') || version === undefined) continue;
        const expected = { 'workspace:^': `^${version}`, 'workspace:~': `~${version}` }[range];
        expect(report.packed.manifest[field]?.[name]).toBe(expected ?? version);
      }
    }
  });
});

describe('the release checks', () => {
  const version = fc
    .tuple(fc.nat(20), fc.nat(20), fc.nat(20))
    .map(([major, minor, patch]) => `${major}.${minor}.${patch}`);
  const clean = (v: string): Manifest => ({ name: 'a', version: v });

  it('accept a manifest that matches its source and changelog', () => {
    fc.assert(
      fc.property(version, version, (own, dependency) => {
        const packed = { ...clean(own), dependencies: { b: `^${dependency}` } };
        const problems = manifestProblems({
          packed,
          source: clean(own),
          changelog: own,
          released: new Map([['b', dependency]]),
        });
        expect(problems).toEqual([]);
      }),
    );
  });

  it('refuse any workspace:, link: or file: range, in any dependency field', () => {
    const local = fc.oneof(
      fc.constantFrom('workspace:^', 'workspace:~', 'workspace:*'),
      version.map((v) => `workspace:${v}`),
      fc.constantFrom('link:../b', 'file:../b'),
    );
    fc.assert(
      fc.property(version, local, fc.constantFrom(...fields), (own, range, field) => {
        const problems = manifestProblems({
          packed: { ...clean(own), [field]: { b: range } },
          source: clean(own),
          changelog: own,
          released: new Map([['b', own]]),
        });
        expect(problems).toEqual([`${field} b@${range} is not a registry range`]);
      }),
    );
  });

  it('refuse a 0.x caret range left on the previous minor', () => {
    const problems = manifestProblems({
      packed: { ...clean('0.2.0'), peerDependencies: { '@hookguard/core': '^0.1.0' } },
      source: clean('0.2.0'),
      changelog: '0.2.0',
      released: new Map([['@hookguard/core', '0.2.0']]),
    });
    expect(problems).toEqual([
      'peerDependencies @hookguard/core@^0.1.0 does not accept @hookguard/core@0.2.0, released with it',
    ]);
  });

  it('refuse a version that is not the source version or the newest changelog entry', () => {
    expect(
      manifestProblems({
        packed: clean('0.2.0'),
        source: clean('0.1.0'),
        changelog: '0.1.0',
        released: new Map(),
      }),
    ).toEqual([
      "packed version 0.2.0 is not package.json's 0.1.0",
      "packed version 0.2.0 is not CHANGELOG.md's newest 0.1.0",
    ]);
    expect(
      manifestProblems({
        packed: clean('0.2.0'),
        source: clean('0.2.0'),
        changelog: undefined,
        released: new Map(),
      }),
    ).toEqual(['CHANGELOG.md has no version heading']);
  });

  it('read the newest version of a changesets changelog', () => {
    fc.assert(
      fc.property(fc.uniqueArray(version, { minLength: 1, maxLength: 5 }), (versions) => {
        const text = `# a\n\n${versions.map((v) => `## ${v}\n\n### Patch Changes\n\n- x\n`).join('\n')}`;
        expect(changelogVersion(text)).toBe(versions[0]);
      }),
    );
    expect(changelogVersion('# a\n\n### Minor Changes\n')).toBeUndefined();
  });

  it('find shipped files that no entry point reaches', () => {
    const text = new Map([
      ['dist/index.js', 'import { a } from "./chunk-A.js";\n//# sourceMappingURL=index.js.map'],
      ['dist/index.js.map', '{}'],
      ['dist/index.cjs', 'const a = require("./chunk-B.cjs");'],
      [
        'dist/index.d.ts',
        '/// <reference path="../types/extra.d.ts" />\nexport * from "./shared.js";',
      ],
      ['dist/shared.d.ts', 'export declare const a: 1;'],
      ['types/extra.d.ts', 'export {};'],
      ['dist/chunk-A.js', 'export const a = await import("./lazy.js");'],
      ['dist/lazy.js', ''],
      ['dist/chunk-B.cjs', ''],
      ['dist/cli.js', ''],
      ['dist/chunk-OLD.js', 'import "./chunk-A.js";'],
      ['dist/old.js.map', '{}'],
      ['LICENSE', ''],
      ['README.md', ''],
      ['CHANGELOG.md', ''],
      ['package.json', '{}'],
    ]);
    const manifest = {
      name: 'a',
      version: '1.0.0',
      exports: { '.': { import: './dist/index.js', require: './dist/index.cjs' } },
      types: './dist/index.d.ts',
      bin: { a: './dist/cli.js' },
    };
    expect(unreachableFiles(manifest, [...text.keys()], (path) => text.get(path))).toEqual([
      'dist/chunk-OLD.js',
      'dist/old.js.map',
    ]);
  });

  it('run publint on the tarball and report what it finds', async () => {
    const dir = join(destination, 'broken-package');
    await mkdir(dir, { recursive: true });
    const manifest = {
      name: 'broken-package',
      version: '1.0.0',
      type: 'module',
      exports: './dist/missing.js',
    };
    await writeFile(join(dir, 'package.json'), JSON.stringify(manifest));
    const packed = await pack(dir, destination);
    expect(packed.manifest.version).toBe('1.0.0');
    const problems = await publintTarball(packed.tarball);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('./dist/missing.js');
  });
});
