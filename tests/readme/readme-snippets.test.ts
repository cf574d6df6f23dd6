// Every ```ts block in the README is what a user pastes; each must compile under strict
// settings against the built packages, exactly as written.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { WebhookScheme } from '@hookguard/core';
import type { Express } from 'express';
import type { FastifyInstance } from 'fastify';
import type { Hono } from 'hono';
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

// The secrets the adapter snippets read from the environment.
const SECRETS = {
  WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  CODAIQ_WEBHOOK_SECRET: 'cdaq_whsec_readme_snippets',
};

/** The snippet that sets up `packageName` on its own (not the Redis replay one). */
const adapterSnippet = (packageName: string) => {
  const found = snippets.find(
    ({ code }) => code.includes(`from '${packageName}'`) && !code.includes('@hookguard/redis'),
  );
  if (!found) throw new Error(`the README has no ${packageName} snippet`);
  return found;
};

/** Imports a snippet as written, with its `app` and `scheme` exported for the test to drive. */
const load = async <App>(packageName: string): Promise<{ app: App; scheme: WebhookScheme }> => {
  Object.assign(process.env, SECRETS);
  const runDir = join(dir, 'run');
  await mkdir(runDir, { recursive: true });
  const file = join(runDir, `${packageName.replace(/\W+/g, '-')}.ts`);
  await writeFile(file, `${adapterSnippet(packageName).code}\nexport { app, scheme };\n`);
  return import(pathToFileURL(file).href);
};

const delivery = JSON.stringify({ type: 'order.paid', data: { id: 'ord_1042', amount: 4200 } });

// A field the route reads from a delivery that lacks it is undefined, and JSON drops it:
// the answer must be non-empty, with every field set.
const expectFilledAnswer = (status: number, answer: unknown) => {
  expect(status, JSON.stringify(answer)).toBe(200);
  expect(answer).toBeTypeOf('object');
  const fields = Object.entries(answer as Record<string, unknown>);
  expect(fields.length, `answered ${JSON.stringify(answer)}`).toBeGreaterThan(0);
  for (const [name, value] of fields) expect(value, `field ${name}`).not.toBeNull();
  expect(answer).toMatchObject({ type: 'order.paid' });
};

describe('README adapter snippets, run on a signed delivery', () => {
  it('Express answers with the fields it reads', async () => {
    const { app, scheme } = await load<Express>('@hookguard/express');
    const server = app.listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await scheme.sign({ body: delivery })) },
        body: delivery,
      });
      expectFilledAnswer(response.status, await response.json());
    } finally {
      server.close();
    }
  });

  it('Fastify (Codaiq, which sends no id) answers with the fields it reads', async () => {
    const { app, scheme } = await load<FastifyInstance>('@hookguard/fastify');
    try {
      const response = await app.inject({
        method: 'POST',
        url: '/webhooks',
        headers: { 'content-type': 'application/json', ...(await scheme.sign({ body: delivery })) },
        payload: delivery,
      });
      expectFilledAnswer(response.statusCode, response.json());
    } finally {
      await app.close();
    }
  });

  it('Hono answers with the fields it reads', async () => {
    const { app, scheme } = await load<Hono>('@hookguard/hono');
    const response = await app.request('/webhooks', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await scheme.sign({ body: delivery })) },
      body: delivery,
    });
    expectFilledAnswer(response.status, await response.json());
  });
});
