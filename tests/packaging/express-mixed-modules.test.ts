// A TypeScript project under `nodenext` that imports @hookguard/express from an .mts and a .cts
// file loads both dist/index.d.ts and dist/index.d.cts. Each used to declare the global
// `req.webhook` augmentation itself, and the two declarations clashed (TS2717). This builds
// such a project outside the workspace against the built package and runs the repo's tsc.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const expressPackage = join(repo, 'packages/express');
const tsc = join(repo, 'node_modules/typescript/bin/tsc');

/** What the project's node_modules links to, all from this workspace: nothing is downloaded. */
const links: Record<string, string> = {
  '@hookguard/express': expressPackage,
  '@hookguard/core': join(repo, 'packages/core'),
  express: join(expressPackage, 'node_modules/express'),
  '@types/express': join(expressPackage, 'node_modules/@types/express'),
  '@types/node': join(repo, 'node_modules/@types/node'),
};

const sources = {
  'a.mts': `import { standardWebhooks } from '@hookguard/core';
import { verifyWebhook } from '@hookguard/express';
import express from 'express';

const scheme = standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
export const app = express();
app.post('/webhooks', verifyWebhook<{ type: string }>(scheme), (req, res) => {
  const id: string | undefined = req.webhook.id;
  const type: string = req.webhook.payload.type;
  res.json({ id, type });
});
`,
  'b.cts': `import { codaiq } from '@hookguard/core';
import { verifyWebhook } from '@hookguard/express';
import express = require('express');

const scheme = codaiq({ secret: 'codaiq-test-secret' });
export const app = express();
app.post('/webhooks', verifyWebhook(scheme), (req, res) => {
  const rawBody: Uint8Array = req.webhook.rawBody;
  res.json({ scheme: req.webhook.scheme, bytes: rawBody.byteLength });
});
`,
};

const tsconfig = {
  compilerOptions: {
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    strict: true,
    noEmit: true,
    // TS2717 is reported inside the package's declaration files, which skipLibCheck hides.
    skipLibCheck: false,
    types: ['node'],
  },
  files: Object.keys(sources),
};

let project = '';

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'hookguard-mixed-modules-'));
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({ name: 'mixed-modules', private: true, type: 'module' }),
  );
  await writeFile(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
  for (const [file, code] of Object.entries(sources)) await writeFile(join(project, file), code);
  for (const [name, target] of Object.entries(links)) {
    const path = join(project, 'node_modules', name);
    await mkdir(dirname(path), { recursive: true });
    // The real path, so each package's own dependencies resolve from where pnpm put them.
    await symlink(await realpath(target), path, 'junction');
  }
});

afterAll(async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

/** Runs the workspace's tsc in the project; resolves with its exit code and output. */
const runTsc = (...args: string[]) =>
  new Promise<{ code: number; output: string }>((resolve) => {
    execFile(process.execPath, [tsc, '-p', project, ...args], (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });

describe('@hookguard/express in one program from an .mts and a .cts file (nodenext)', () => {
  it('loads both the ESM and the CJS declaration files', async () => {
    const { code, output } = await runTsc('--listFilesOnly');
    expect(code).toBe(0);
    const files = output.split('\n').map((line) => line.trim().replaceAll('\\', '/'));
    const dist = `${(await realpath(expressPackage)).replaceAll('\\', '/')}/dist`;
    expect(files).toContain(`${dist}/index.d.ts`);
    expect(files).toContain(`${dist}/index.d.cts`);
  });

  it('type-checks under strict with no TS2717 and req.webhook typed in both', async () => {
    const { code, output } = await runTsc();
    expect(output).not.toContain('TS2717');
    expect({ code, output }).toEqual({ code: 0, output: '' });
  });
});
