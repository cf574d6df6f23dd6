// `pnpm release`: the release dry run. Builds every package from an empty dist/, packs each published one with
// `pnpm pack` (the tool that publishes, so workspace: ranges are rewritten as they will be),
// and checks the TARBALL, not the folder: publint --strict, attw, a manifest with no workspace:
// range, internal ranges that accept the versions released beside it, and the version
// `pnpm changeset version` wrote into package.json and CHANGELOG.md. One line per package;
// exit 1 on any problem. Nothing is published and the registry is never contacted.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import satisfies from 'semver/functions/satisfies.js';
import valid from 'semver/functions/valid.js';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../', import.meta.url));
const bin = (name: string) => join(repo, 'node_modules', '.bin', name);

/** The fields of a package.json this check reads. */
export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: unknown;
  main?: string;
  module?: string;
  types?: string;
  bin?: string | Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** A package from packages/ that is published (not `private`). */
export interface PublishedPackage {
  dir: string;
  manifest: Manifest;
}

/** What `pnpm pack` produced for one package, unpacked beside the tarball. */
export interface Packed {
  tarball: string;
  /** The unpacked `package/` folder. */
  root: string;
  manifest: Manifest;
  files: string[];
  bytes: number;
}

const dependencyFields = [
  'dependencies',
  'devDependencies',
  'peerDependencies',
  'optionalDependencies',
] as const;

/**
 * Every package under packages/ that npm would publish, read from its own package.json.
 *
 * @example
 * ```ts
 * const names = (await publishedPackages()).map(({ manifest }) => manifest.name);
 * ```
 */
export async function publishedPackages(root = repo): Promise<PublishedPackage[]> {
  const found: PublishedPackage[] = [];
  for (const folder of (await readdir(join(root, 'packages'))).sort()) {
    const dir = join(root, 'packages', folder);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest;
    if (!manifest.private) found.push({ dir, manifest });
  }
  return found;
}

/**
 * The newest version heading (`## 1.2.3`) of a changesets CHANGELOG.md, or undefined.
 *
 * @example
 * ```ts
 * changelogVersion('# @hookguard/core\n\n## 0.2.0\n\n### Minor Changes\n'); // '0.2.0'
 * ```
 */
export function changelogVersion(changelog: string): string | undefined {
  return /^## (\S+)\s*$/m.exec(changelog)?.[1];
}

/**
 * Packs `dir` with `pnpm pack` into `destination` and unpacks the tarball there, so the
 * manifest read is the one the registry would get.
 *
 * @example
 * ```ts
 * const { tarball, manifest } = await pack('packages/core', '/tmp/release');
 * ```
 */
export async function pack(dir: string, destination: string): Promise<Packed> {
  const { stdout } = await run('pnpm', ['pack', '--pack-destination', destination, '--json'], {
    cwd: dir,
  });
  const { filename } = JSON.parse(stdout) as { filename: string };
  const tarball = filename.startsWith('/') ? filename : join(destination, basename(filename));
  const into = join(destination, basename(tarball, '.tgz'));
  await mkdir(into, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', into]);
  const root = join(into, 'package');
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Manifest;
  const files = (await readdir(root, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) =>
      join(entry.parentPath, entry.name)
        .slice(root.length + 1)
        .replaceAll('\\', '/'),
    )
    .sort();
  return { tarball, root, manifest, files, bytes: (await stat(tarball)).size };
}

/**
 * What is wrong with a packed manifest: a name or version other than the source's, a version
 * that is not the newest in CHANGELOG.md, a `workspace:` (or `link:`/`file:`) range, or a range
 * on another published package that does not accept the version released beside it.
 *
 * @example
 * ```ts
 * manifestProblems({
 *   packed: { name: 'a', version: '0.2.0', dependencies: { b: '^0.1.0' } },
 *   source: { name: 'a', version: '0.2.0' },
 *   changelog: '0.2.0',
 *   released: new Map([['b', '0.2.0']]),
 * }); // ['dependencies b@^0.1.0 does not accept b@0.2.0, released with it']
 * ```
 */
export function manifestProblems({
  packed,
  source,
  changelog,
  released,
}: {
  packed: Manifest;
  source: Manifest;
  changelog: string | undefined;
  released: ReadonlyMap<string, string>;
}): string[] {
  const problems: string[] = [];
  if (packed.name !== source.name)
    problems.push(`packed name ${packed.name} is not ${source.name}`);
  if (!valid(packed.version)) problems.push(`packed version ${packed.version} is not semver`);
  if (packed.version !== source.version) {
    problems.push(`packed version ${packed.version} is not package.json's ${source.version}`);
  }
  if (changelog === undefined) problems.push('CHANGELOG.md has no version heading');
  else if (changelog !== packed.version) {
    problems.push(`packed version ${packed.version} is not CHANGELOG.md's newest ${changelog}`);
  }
  if (packed.private) problems.push('packed manifest is private');
  for (const field of dependencyFields) {
    for (const [name, range] of Object.entries(packed[field] ?? {})) {
      if (/^(workspace|link|file):/.test(range)) {
        problems.push(`${field} ${name}@${range} is not a registry range`);
        continue;
      }
      const version = released.get(name);
      if (version !== undefined && !satisfies(version, range)) {
        problems.push(
          `${field} ${name}@${range} does not accept ${name}@${version}, released with it`,
        );
      }
    }
  }
  return problems;
}

const alwaysShipped = /^(package\.json|(readme|license|licence|changelog)(\.[a-z]+)?)$/i;
const relative = [
  /\b(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g,
  /\brequire\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g,
  /^\/\/\/\s*<reference\s+path=["']([^"']+)["']/gm,
  /^\/\/# sourceMappingURL=(?!data:)(\S+)$/gm,
];

/** The paths a relative specifier in `from` can name: as written, or as its declaration file. */
const candidates = (from: string, specifier: string): string[] => {
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  const declaration = /\.d\.[cm]?ts$/.test(from);
  const swapped = declaration ? base.replace(/\.([cm]?)js$/, '.d.$1ts') : base;
  return [swapped, base, `${base}.js`, `${base}.d.ts`, `${base}/index.js`, `${base}/index.d.ts`];
};

/**
 * Files in a tarball that nothing reaches: not package.json, README, LICENSE or CHANGELOG, and
 * not reachable from an entry point (`exports`, `main`, `module`, `types`, `bin`) through
 * relative imports, requires, `/// <reference path>` or source maps. Usually left by an older
 * build in a dist/ that was not emptied.
 *
 * @example
 * ```ts
 * const text = new Map([['dist/index.js', ''], ['dist/chunk-OLD.js', '']]);
 * unreachableFiles({ name: 'a', version: '1.0.0', main: './dist/index.js' }, [...text.keys()], (f) => text.get(f));
 * // ['dist/chunk-OLD.js']
 * ```
 */
export function unreachableFiles(
  manifest: Manifest,
  files: readonly string[],
  read: (path: string) => string | undefined,
): string[] {
  const shipped = new Set(files);
  const reached = new Set<string>();
  const pending: string[] = [];
  const visit = (path: string) => {
    if (shipped.has(path) && !reached.has(path)) {
      reached.add(path);
      pending.push(path);
    }
  };
  const walk = (value: unknown): void => {
    if (typeof value === 'string') visit(posix.normalize(value));
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
  };
  walk([manifest.exports, manifest.main, manifest.module, manifest.types, manifest.bin]);
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (!/\.([cm]?js|[cm]?ts)$/.test(path)) continue;
    const text = read(path) ?? '';
    for (const pattern of relative) {
      for (const [, specifier = ''] of text.matchAll(pattern)) {
        const found = candidates(path, specifier).find((candidate) => shipped.has(candidate));
        if (found !== undefined) visit(found);
      }
    }
  }
  return files.filter((path) => !reached.has(path) && !alwaysShipped.test(path));
}

/** Runs a linter on the tarball; its output when it fails, nothing when it passes. */
const lint = async (command: string, args: string[]): Promise<string[]> => {
  try {
    await run(bin(command), args, { cwd: repo, env: { ...process.env, NO_COLOR: '1' } });
    return [];
  } catch (error) {
    const {
      stdout = '',
      stderr = '',
      message,
    } = error as Error & {
      stdout?: string;
      stderr?: string;
    };
    return [`${command} failed:\n${`${stdout}${stderr}`.trim() || message}`];
  }
};

/**
 * publint in strict mode (warnings fail) on a packed tarball.
 *
 * @example
 * ```ts
 * const problems = await publintTarball('/tmp/release/hookguard-core-0.2.0.tgz'); // [] when clean
 * ```
 */
export function publintTarball(tarball: string): Promise<string[]> {
  return lint('publint', ['run', tarball, '--strict']);
}

/**
 * Are the Types Wrong? (default strict profile) on a packed tarball.
 *
 * @example
 * ```ts
 * const problems = await attwTarball('/tmp/release/hookguard-core-0.2.0.tgz'); // [] when clean
 * ```
 */
export function attwTarball(tarball: string): Promise<string[]> {
  return lint('attw', [tarball, '--format', 'ascii', '--no-emoji']);
}

/** One published package's dry-run result. */
export interface PackageReport {
  name: string;
  version: string;
  packed: Packed;
  problems: string[];
}

/**
 * Packs one package and runs every check on its tarball.
 *
 * @example
 * ```ts
 * const packages = await publishedPackages();
 * const released = new Map(packages.map(({ manifest }) => [manifest.name, manifest.version]));
 * const report = await checkPackage(packages[0], released, '/tmp/release', { attw: true });
 * ```
 */
export async function checkPackage(
  { dir, manifest }: PublishedPackage,
  released: ReadonlyMap<string, string>,
  destination: string,
  { attw }: { attw: boolean },
): Promise<PackageReport> {
  const packed = await pack(dir, destination);
  const changelog = await readFile(join(dir, 'CHANGELOG.md'), 'utf8').then(
    changelogVersion,
    () => undefined,
  );
  const problems = manifestProblems({
    packed: packed.manifest,
    source: manifest,
    changelog,
    released,
  });
  const texts = new Map<string, string>();
  for (const file of packed.files.filter((path) => /\.([cm]?js|[cm]?ts)$/.test(path))) {
    texts.set(file, await readFile(join(packed.root, file), 'utf8'));
  }
  for (const file of unreachableFiles(packed.manifest, packed.files, (path) => texts.get(path))) {
    problems.push(`ships ${file}, which no entry point reaches (left by an older build?)`);
  }
  problems.push(...(await publintTarball(packed.tarball)));
  if (attw) problems.push(...(await attwTarball(packed.tarball)));
  return { name: manifest.name, version: manifest.version, packed, problems };
}

const fieldLabel = {
  dependencies: '',
  devDependencies: 'dev:',
  peerDependencies: 'peer:',
  optionalDependencies: 'optional:',
} as const;

const internalRanges = ({ manifest }: Packed, released: ReadonlyMap<string, string>) =>
  dependencyFields.flatMap((field) =>
    Object.entries(manifest[field] ?? {})
      .filter(([name]) => released.has(name))
      .map(([name, range]) => `${fieldLabel[field]}${name}@${range}`),
  );

/** One line per package: verdict, name@version, tarball, size, internal ranges. */
const summary = (report: PackageReport, released: ReadonlyMap<string, string>) => {
  const { packed } = report;
  const size = `${(packed.bytes / 1024).toFixed(1)} kB`;
  const changelog = packed.files.includes('CHANGELOG.md') ? 'CHANGELOG.md in tarball' : '';
  const ranges = internalRanges(packed, released);
  return [
    report.problems.length === 0 ? 'ok  ' : 'FAIL',
    `${report.name}@${report.version}`.padEnd(28),
    `${basename(packed.tarball)} (${packed.files.length} files, ${size})`,
    ranges.length > 0 ? `deps ${ranges.join(' ')}` : '',
    changelog,
  ]
    .filter(Boolean)
    .join('  ');
};

const main = async (argv: string[]): Promise<number> => {
  const packages = await publishedPackages();
  if (!argv.includes('--no-build')) {
    // From scratch: tsup's clean does not always empty dist/ (core's held chunks of an older
    // build), and anything left there would be published with the new build.
    console.log('building packages/* from an empty dist/ ...');
    for (const { dir } of packages) await rm(join(dir, 'dist'), { recursive: true, force: true });
    await run('pnpm', ['--filter', './packages/*', 'run', 'build'], {
      cwd: repo,
      maxBuffer: 64 * 1024 * 1024,
    });
  }
  const released = new Map(packages.map(({ manifest }) => [manifest.name, manifest.version]));
  const destination = await mkdtemp(join(tmpdir(), 'hookguard-release-'));
  let failed = 0;
  try {
    for (const pkg of packages) {
      const report = await checkPackage(pkg, released, destination, { attw: true });
      console.log(summary(report, released));
      for (const problem of report.problems)
        console.log(`      ${problem.replaceAll('\n', '\n      ')}`);
      if (report.problems.length > 0) failed++;
    }
  } finally {
    await rm(destination, { recursive: true, force: true });
  }
  console.log(
    failed === 0
      ? `${packages.length} packages ready to publish (dry run: nothing was published)`
      : `${failed} of ${packages.length} packages have problems`,
  );
  return failed === 0 ? 0 : 1;
};

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    return 1;
  });
}
