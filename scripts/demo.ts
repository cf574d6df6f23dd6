// `pnpm demo`: starts the three example receivers on loopback ports, sends each the same
// scripted deliveries, prints adapter x case -> status and code, and exits non-zero on
// any unexpected answer.
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { codaiq, standardWebhooks, type WebhookScheme } from '@hookguard/core';

const STANDARD_SECRET =
  process.env.STANDARD_WEBHOOKS_SECRET || 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const CODAIQ_SECRET = process.env.CODAIQ_WEBHOOK_SECRET || 'cdaq_whsec_local_dev_only';
const ADAPTERS = ['express', 'fastify', 'hono'] as const;

interface Answer {
  status: number;
  code: string;
}
interface Case {
  name: string;
  expected: Answer;
  send(base: string): Promise<Answer>;
}

const post = (url: string, headers: Record<string, string>, body: string | Uint8Array) =>
  new Promise<Answer>((resolve, reject) => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const req = request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': bytes.byteLength,
        ...headers,
      },
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let code = '-';
        try {
          const json = JSON.parse(text) as { error?: { code?: string }; duplicate?: boolean };
          code = json.error?.code ?? (json.duplicate ? 'duplicate' : '-');
        } catch {}
        resolve({ status: res.statusCode ?? 0, code });
      });
    });
    // A receiver that refuses a huge body closes the socket mid-upload; its answer counts.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    req.end(bytes);
  });

const standard = standardWebhooks({ secret: STANDARD_SECRET });
const wrongSecret = standardWebhooks({ secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' });
const codaiqScheme = codaiq({ secret: CODAIQ_SECRET });
const event = JSON.stringify({ type: 'invoice.paid', data: { id: 'in_1042', amount: 4200 } });

const signed = async (
  scheme: WebhookScheme,
  route: string,
  options: { body?: string; timestamp?: number } = {},
) => {
  const headers = await scheme.sign({ body: options.body ?? event, timestamp: options.timestamp });
  return (base: string, body = options.body ?? event) => post(`${base}${route}`, headers, body);
};

const ok = (code = '-'): Answer => ({ status: 200, code });
const refused = (status: number, code: string): Answer => ({ status, code });

const cases: Case[] = [
  {
    name: 'valid Standard Webhooks',
    expected: ok(),
    send: async (base) => (await signed(standard, '/webhooks/standard-webhooks'))(base),
  },
  {
    name: 'valid Codaiq',
    expected: ok(),
    send: async (base) => (await signed(codaiqScheme, '/webhooks/codaiq'))(base),
  },
  {
    name: 'tampered body',
    expected: refused(401, 'signature_mismatch'),
    send: async (base) =>
      (await signed(standard, '/webhooks/standard-webhooks'))(base, event.replace('4200', '9999')),
  },
  {
    name: 'wrong secret',
    expected: refused(401, 'signature_mismatch'),
    send: async (base) => (await signed(wrongSecret, '/webhooks/standard-webhooks'))(base),
  },
  {
    name: 'stale timestamp (10 min)',
    expected: refused(401, 'timestamp_out_of_window'),
    send: async (base) =>
      (await signed(codaiqScheme, '/webhooks/codaiq', { timestamp: Date.now() - 600_000 }))(base),
  },
  {
    name: 'missing header',
    expected: refused(400, 'missing_header'),
    send: (base) => post(`${base}/webhooks/standard-webhooks`, {}, event),
  },
  {
    name: 'same delivery sent twice',
    expected: ok('duplicate'),
    send: async (base) => {
      const send = await signed(standard, '/webhooks/standard-webhooks');
      const first = await send(base);
      return first.status === 200 ? send(base) : first;
    },
  },
  {
    name: 'oversized body (2 MiB)',
    expected: refused(413, 'payload_too_large'),
    send: async (base) => {
      const body = JSON.stringify({ type: 'bulk', data: 'x'.repeat(2 * 1024 * 1024) });
      return (await signed(standard, '/webhooks/standard-webhooks', { body }))(base);
    },
  },
];

const start = (adapter: string) =>
  new Promise<{ child: ChildProcess; base: string }>((resolve, reject) => {
    const child = spawn('pnpm', ['--silent', '--filter', `example-${adapter}`, 'start'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match?.[1]) resolve({ child, base: match[1] });
    });
    child.on('exit', (code) => reject(new Error(`example-${adapter} exited early (${code})`)));
  });

const stop = (child: ChildProcess) => {
  // The example runs under pnpm and tsx; signal the whole process group.
  if (child.pid) process.kill(-child.pid, 'SIGTERM');
};

const format = (answer: Answer) =>
  `${answer.status} ${answer.code === '-' && answer.status === 200 ? 'handled' : answer.code}`;

const main = async () => {
  const servers = await Promise.all(ADAPTERS.map(start));
  let unexpected = 0;
  const rows: string[][] = [];
  try {
    for (const testCase of cases) {
      const row = [testCase.name];
      for (const { base } of servers) {
        const answer = await testCase
          .send(base)
          .catch((error: Error) => ({ status: 0, code: error.message }));
        const good =
          answer.status === testCase.expected.status && answer.code === testCase.expected.code;
        if (!good) unexpected++;
        row.push(`${good ? '✓' : '✗ UNEXPECTED'} ${format(answer)}`);
      }
      row.push(format(testCase.expected));
      rows.push(row);
    }
  } finally {
    for (const { child } of servers) stop(child);
  }
  const header = ['case', ...ADAPTERS, 'expected'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  console.log(
    unexpected === 0 ? '\nEvery answer was as expected.' : `\n${unexpected} unexpected answer(s).`,
  );
  process.exitCode = unexpected === 0 ? 0 : 1;
};

await main();
