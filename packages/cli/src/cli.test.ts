// End to end: the BUILT bin (`node dist/cli.js`, as npm links it) as a child process, against
// the three example receivers started as child processes on free loopback ports with their
// local-development secrets, and against a TCP server that records requests byte for byte.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureServer, tempFile } from './test-support.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(repo, 'packages/cli/dist/cli.js');
const tsx = join(repo, 'node_modules/.bin/tsx');

// The examples' built-in local-development secrets (examples/*/src/server.ts).
const LOCAL = {
  'standard-webhooks': 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  codaiq: 'cdaq_whsec_local_dev_only',
} as const;
type Scheme = keyof typeof LOCAL;
const SCHEMES = Object.keys(LOCAL) as Scheme[];

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js ...args`, feeding `stdin`, with `env` added to a clean environment. */
const hookguard = (
  args: string[],
  { stdin = '', env = {} }: { stdin?: string; env?: Record<string, string> } = {},
) =>
  new Promise<Result>((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(stdin);
  });

const sh = (script: string, env: Record<string, string>) =>
  new Promise<Result>((resolve) => {
    execFile(
      'sh',
      ['-c', script],
      { env: { PATH: process.env.PATH ?? '', ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr }),
    );
  });

interface Receiver {
  base: string;
  child: ChildProcess;
}

const children: ChildProcess[] = [];

/** Starts examples/<name> with `tsx` on 127.0.0.1, port 0; resolves once it prints its URL. */
const start = (name: string, env: Record<string, string> = {}) =>
  new Promise<Receiver>((resolve, reject) => {
    const { STANDARD_WEBHOOKS_SECRET: _s, CODAIQ_WEBHOOK_SECRET: _c, ...inherited } = process.env;
    const child = spawn(tsx, ['src/server.ts'], {
      cwd: join(repo, 'examples', name),
      env: { ...inherited, HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    children.push(child);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const url = /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (url) resolve({ base: url, child });
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`examples/${name} exited early (${code})`)));
  });

// tsx runs the example in a child of its own: signal the whole process group.
afterAll(() => {
  for (const child of children) {
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
  }
});

let curlHome: string;
beforeAll(async () => {
  expect(existsSync(bin), `${bin} is missing: run pnpm --filter hookguard build first`).toBe(true);
  // curl reads $CURL_HOME/.curlrc: make it print the status after the body, so the test can
  // read it without changing the command hookguard printed.
  curlHome = await mkdtemp(join(tmpdir(), 'hookguard-curl-'));
  await writeFile(join(curlHome, '.curlrc'), 'write-out = "\\nstatus=%{http_code}\\n"\n');
});
afterAll(() => rm(curlHome, { recursive: true, force: true }));

let delivery = 0;
/** A fresh JSON body, so each test's delivery is new to the receivers' replay stores. */
const body = () =>
  JSON.stringify({
    type: 'order.paid',
    data: { id: `o_${process.pid}_${++delivery}`, amount: 4200 },
  });

describe.each(['express', 'fastify', 'hono'])('examples/%s', (example) => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await start(example);
  }, 60_000);

  describe.each(SCHEMES)('%s', (scheme) => {
    const url = () => `${receiver.base}/webhooks/${scheme}`;
    const args = () => ['--scheme', scheme, '--secret', LOCAL[scheme]];

    it('send: a valid delivery is answered 200, exit 0', async () => {
      const { code, stdout, stderr } = await hookguard([
        'send',
        url(),
        ...args(),
        '--data',
        body(),
      ]);
      expect(stderr).toBe('');
      expect(stdout).toMatch(/^#1 200 ok \d+\.\d ms\n$/);
      expect(code).toBe(0);
    });

    it('send --tamper: the refusal code is printed, and exit 0 because it was refused', async () => {
      const { code, stdout } = await hookguard([
        'send',
        url(),
        ...args(),
        '--data',
        body(),
        '--tamper',
      ]);
      expect(stdout).toMatch(
        /^tampered: flipped the low bit of byte \d+ of \d+ after signing\n#1 401 signature_mismatch \d+\.\d ms\n$/,
      );
      expect(code).toBe(0);
    });

    it('send with the wrong secret: refused, exit 1', async () => {
      const wrong =
        scheme === 'codaiq' ? 'cdaq_whsec_not_this_one' : 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
      const { code, stdout } = await hookguard([
        'send',
        url(),
        '--scheme',
        scheme,
        '--secret',
        wrong,
        '--data',
        body(),
      ]);
      expect(stdout).toMatch(/^#1 401 signature_mismatch /);
      expect(code).toBe(1);
    });

    it('send --repeat 3: the same delivery is handled once, then answered as a duplicate', async () => {
      const { code, stdout } = await hookguard([
        'send',
        url(),
        ...args(),
        '--data',
        body(),
        '--repeat',
        '3',
      ]);
      const lines = stdout.trim().split('\n');
      expect(lines.slice(0, 3).map((line) => line.replace(/ [\d.]+ ms$/, ''))).toEqual([
        '#1 200 ok',
        '#2 200 duplicate',
        '#3 200 duplicate',
      ]);
      expect(lines[3]).toBe('3 requests: 1 x 200, 2 x 200 duplicate');
      expect(lines[4]).toMatch(/^time: min \d+\.\d ms, median \d+\.\d ms, max \d+\.\d ms$/);
      expect(code).toBe(0);
    });

    it('sign --curl: the printed command, run by sh with real curl, gets 200', async () => {
      const payload = `${body().slice(0, -1)},"note":"it's 100% \\"quoted\\"\\n"}`;
      const printed = await hookguard(['sign', ...args(), '--curl', url()], { stdin: payload });
      expect(printed.code).toBe(0);
      const { code, stdout } = await sh(printed.stdout, { CURL_HOME: curlHome });
      expect(code).toBe(0);
      expect(stdout).toMatch(/"ok":true/);
      expect(stdout).not.toContain('duplicate');
      expect(stdout.trim().split('\n').at(-1)).toBe('status=200');
      // Run again, it is the same delivery: answered as a duplicate.
      const again = await sh(printed.stdout, { CURL_HOME: curlHome });
      expect(again.stdout).toContain('"duplicate":true');
    });
  });
});

describe('a receiver configured with secrets from `hookguard secret`', () => {
  it('accepts deliveries signed with them', async () => {
    const sw = (await hookguard(['secret'])).stdout.trim();
    const cq = (await hookguard(['secret', '--scheme', 'codaiq'])).stdout.trim();
    const receiver = await start('hono', {
      STANDARD_WEBHOOKS_SECRET: sw,
      CODAIQ_WEBHOOK_SECRET: cq,
    });
    for (const [scheme, secret] of [
      ['standard-webhooks', sw],
      ['codaiq', cq],
    ] as const) {
      const ok = await hookguard(
        ['send', `${receiver.base}/webhooks/${scheme}`, '--scheme', scheme, '--data', body()],
        {
          env: { HOOKGUARD_SECRET: secret },
        },
      );
      expect(ok.stdout).toMatch(/^#1 200 ok /);
      // The local-development secret no longer works there.
      const old = await hookguard([
        'send',
        `${receiver.base}/webhooks/${scheme}`,
        '--scheme',
        scheme,
        '--secret',
        LOCAL[scheme],
        '--data',
        body(),
      ]);
      expect(old.stdout).toMatch(/^#1 401 signature_mismatch /);
    }
  }, 60_000);
});

describe('verify of captures written by a real server', () => {
  let capture: Awaited<ReturnType<typeof captureServer>>;
  beforeAll(async () => {
    capture = await captureServer();
  });
  afterAll(() => capture.close());

  const lastCapture = () => tempFile('wire.http', capture.captured.at(-1) as Buffer);

  it.each(SCHEMES)('%s: what `send` put on the wire verifies', async (scheme) => {
    const file = await tempFile('body.json', `${body()}\n`);
    const sent = await hookguard(
      [
        'send',
        capture.url,
        '--scheme',
        scheme,
        '--secret',
        LOCAL[scheme],
        '--data',
        `@${file}`,
        '--id',
        'msg_e2e',
      ].filter((arg, i, all) => scheme !== 'codaiq' || (arg !== '--id' && all[i - 1] !== '--id')),
    );
    expect(sent.code).toBe(0);
    const { code, stdout } = await hookguard([
      'verify',
      '--scheme',
      scheme,
      '--secret',
      LOCAL[scheme],
      '--request',
      await lastCapture(),
    ]);
    expect(stdout).toContain('verified:');
    expect(stdout).toContain(`scheme:    ${scheme}`);
    if (scheme !== 'codaiq') expect(stdout).toContain('id:        msg_e2e');
    expect(code).toBe(0);
  });

  it('what curl put on the wire (sign --curl --data @file) verifies', async () => {
    const file = await tempFile('body.json', body());
    const printed = await hookguard([
      'sign',
      '--scheme',
      'codaiq',
      '--secret',
      LOCAL.codaiq,
      '--data',
      `@${file}`,
      '--curl',
      capture.url,
    ]);
    expect(printed.stdout).toContain(`--data-binary '@${file}'`);
    expect((await sh(printed.stdout, { CURL_HOME: curlHome })).code).toBe(0);
    const { code, stdout } = await hookguard([
      'verify',
      '--scheme',
      'codaiq',
      '--secret',
      LOCAL.codaiq,
      '--request',
      await lastCapture(),
    ]);
    expect(stdout).toContain('verified: Codaiq');
    expect(code).toBe(0);
  });

  it('a capture behind a proxy that re-serializes the JSON is explained', async () => {
    // A real HTTP proxy that parses the JSON and forwards it pretty-printed, headers kept.
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const pretty = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString()), null, 2);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([name]) =>
          /^(webhook-|x-codaiq-|content-type)/.test(name),
        ),
      ) as Record<string, string>;
      const upstream = await fetch(capture.url, { method: 'POST', headers, body: pretty });
      res
        .writeHead(upstream.status, { 'content-type': 'application/json' })
        .end(await upstream.text());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = proxy.address() as { port: number };
      const sent = await hookguard([
        'send',
        `http://127.0.0.1:${port}/webhooks`,
        '--scheme',
        'standard-webhooks',
        '--secret',
        LOCAL['standard-webhooks'],
        '--data',
        body(),
      ]);
      expect(sent.code).toBe(0);
      const wire = await lastCapture();
      expect((await readFile(wire, 'latin1')).endsWith('\n}')).toBe(true);
      const { code, stdout } = await hookguard([
        'verify',
        '--scheme',
        'standard-webhooks',
        '--secret',
        LOCAL['standard-webhooks'],
        '--request',
        wire,
      ]);
      expect(stdout).toContain('refused: signature_mismatch');
      expect(stdout).toContain('diagnosis: body re-serialized');
      expect(stdout).toContain('JSON.stringify(JSON.parse(body)) (compact JSON)');
      expect(code).toBe(1);
    } finally {
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe('the bin itself', () => {
  it('exits 2 with usage on stderr for an unknown command, 0 with usage for --help', async () => {
    const unknown = await hookguard(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain(
      "hookguard: unknown command frobnicate\nRun 'hookguard --help' for usage.",
    );
    const help = await hookguard(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: hookguard <command>/);
  });

  it('signs stdin byte for byte, as in-process', async () => {
    const args = [
      'sign',
      '--scheme',
      'codaiq',
      '--secret',
      'cdaq_x',
      '--timestamp',
      '1700000000000',
    ];
    const a = await hookguard(args, { stdin: '{"a":1}' });
    const b = await hookguard(args, { stdin: '{"a":1}\n' });
    expect(a.stdout).toContain('t=1700000000000,v1=');
    expect(a.stdout).not.toBe(b.stdout);
  });

  it('an unreadable file is a one-line message, exit 2, no stack trace', async () => {
    const { code, stderr } = await hookguard([
      'verify',
      '--scheme',
      'codaiq',
      '--secret',
      'x',
      '--request',
      '/nonexistent',
    ]);
    expect(code).toBe(2);
    expect(stderr).toBe('hookguard: cannot read the capture "/nonexistent": no such file\n');
  });
});
