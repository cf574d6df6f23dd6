// What `pnpm demo` (scripts/demo.ts) and its tests (tests/demo/) share: the example
// receivers, the HTTP client that talks to them, and the scripted requests.
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { codaiq, standardWebhooks, type WebhookScheme } from '@hookguard/core';

const STANDARD_SECRET =
  process.env.STANDARD_WEBHOOKS_SECRET || 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const CODAIQ_SECRET = process.env.CODAIQ_WEBHOOK_SECRET || 'cdaq_whsec_local_dev_only';
// examples/trigger's keys: the instance key as it reads it, its two built-in org keys.
export const INSTANCE_KEY = process.env.INSTANCE_KEY || 'ck_local_dev_instance_0001';
const ORG_KEY = 'cko_local_dev_org_0001';
const READ_ONLY_ORG_KEY = 'cko_local_dev_readonly_0001';

export const ADAPTERS = ['express', 'fastify', 'hono'] as const;
export type Adapter = (typeof ADAPTERS)[number];
/** The example receivers under examples/: one per adapter, and the anyOf() trigger. */
export type Example = Adapter | 'trigger';

export interface Answer {
  status: number;
  code: string;
  /** examples/trigger's `by`: the method that let the request in. */
  by?: string;
  /** examples/trigger's `url`: the URL as its handler saw it. */
  url?: string;
}

export interface Case {
  name: string;
  expected: Answer;
  send(base: string): Promise<Answer>;
}

// The child process that writes each request (see `post`): it copies its stdin to the
// connection on fd 3 and exits once all of it is written or the connection fails. It
// never reads (readable: false), so the answer stays the parent's, and never half-closes,
// so a receiver never sees the request end early.
const WRITER = `
const out = new (require('node:net').Socket)({ fd: 3, readable: false });
out.on('error', () => process.exit(0));
process.stdin.pipe(out, { end: false });
process.stdin.on('end', () => out.write('', () => process.exit(0)));
`;

const HEAD_END = Buffer.from('\r\n\r\n');

/** The final (non-1xx) response in what a connection received, if it arrived whole. */
const parseResponse = (data: Buffer): { status: number; body: Buffer } | undefined => {
  let start = 0;
  for (;;) {
    const end = data.indexOf(HEAD_END, start);
    if (end < 0) return undefined;
    const [statusLine = '', ...lines] = data.subarray(start, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3}) /.exec(statusLine)?.[1] ?? Number.NaN);
    if (Number.isNaN(status)) return undefined;
    start = end + HEAD_END.length;
    if (status < 200) continue; // 100 Continue and other interim responses
    const field = (name: string) =>
      lines
        .find((line) => line.toLowerCase().startsWith(`${name}:`))
        ?.slice(name.length + 1)
        .trim();
    const rest = data.subarray(start);
    const length = field('content-length');
    if (length !== undefined) {
      return rest.byteLength >= Number(length)
        ? { status, body: rest.subarray(0, Number(length)) }
        : undefined;
    }
    if (field('transfer-encoding')?.toLowerCase() !== 'chunked') return { status, body: rest };
    const chunks: Buffer[] = [];
    for (let at = 0; ; ) {
      const sizeEnd = rest.indexOf('\r\n', at);
      if (sizeEnd < 0) return undefined;
      const size = Number.parseInt(rest.subarray(at, sizeEnd).toString('latin1'), 16);
      if (size === 0) return { status, body: Buffer.concat(chunks) };
      if (!(size > 0) || rest.byteLength < sizeEnd + 2 + size) return undefined;
      chunks.push(rest.subarray(sizeEnd + 2, sizeEnd + 2 + size));
      at = sizeEnd + 2 + size + 2;
    }
  }
};

const answerOf = (status: number, text: string): Answer => {
  let code = '-';
  try {
    const json = JSON.parse(text) as {
      error?: { code?: string };
      duplicate?: boolean;
      by?: unknown;
      url?: unknown;
    };
    code = json.error?.code ?? (json.duplicate ? 'duplicate' : '-');
    if (typeof json.by === 'string' && typeof json.url === 'string') {
      return { status, code, by: json.by, url: json.url };
    }
  } catch {}
  return { status, code };
};

/**
 * POSTs `body` (with `connection: close`) and resolves with the receiver's answer.
 *
 * A receiver may answer before it reads the body (413 on `Content-Length` alone) and
 * close while the body is still arriving, which resets the connection. Its answer is
 * already in this side's socket buffer by then (Linux keeps what arrived before a reset
 * readable), but Node destroys a socket, closing its descriptor, on its first failed
 * write: whenever the reset lands before the answer was read, the answer is gone,
 * however the writes are paced. So the request is written by a child process through
 * its own copy of the descriptor and this socket only reads: a reset can stop the
 * writer, never the reader, and the answer is read every time. A connection that ends
 * with no whole answer rejects, with the socket's error if any.
 */
export const post = (url: string, headers: Record<string, string>, body: string | Uint8Array) =>
  new Promise<Answer>((resolve, reject) => {
    const { host, hostname, port, pathname, search } = new URL(url);
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const fields: Record<string, string> = {
      host,
      'content-type': 'application/json',
      'content-length': String(bytes.byteLength),
      connection: 'close',
      ...headers,
    };
    const head = Object.entries(fields).map(([name, value]) => `${name}: ${value}\r\n`);
    const request = Buffer.concat([
      Buffer.from(`POST ${pathname}${search} HTTP/1.1\r\n${head.join('')}\r\n`, 'latin1'),
      bytes,
    ]);

    const received: Buffer[] = [];
    let failure: Error | undefined;
    const socket = connect({ host: hostname, port: Number(port) });
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    // Once the answer is in, a reset is only the receiver refusing the rest of the body.
    socket.on('error', (error) => {
      failure = error;
    });
    socket.on('close', () => {
      const response = parseResponse(Buffer.concat(received));
      if (response) resolve(answerOf(response.status, response.body.toString('utf8')));
      else reject(failure ?? new Error('the connection closed without a whole answer'));
    });
    socket.once('connect', () => {
      const writer = spawn(process.execPath, ['-e', WRITER], {
        stdio: ['pipe', 'ignore', 'inherit', socket],
      });
      // Node stops reading a socket it hands to a child; here the child only writes.
      socket.resume();
      writer.on('error', (error) => socket.destroy(error));
      writer.on('exit', (code) => {
        if (code) socket.destroy(new Error(`the request writer exited with code ${code}`));
      });
      socket.once('close', () => writer.kill());
      // When the receiver hangs up, the writer exits and its stdin refuses the rest.
      writer.stdin?.on('error', () => {});
      writer.stdin?.end(request);
    });
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

/** A signed delivery of `bytes` bytes, past every adapter's default 1 MiB limit. */
export const oversized = (bytes: number): Case => {
  // Built and signed once: the same delivery may be sent many times (tests/demo/).
  let send: Promise<(base: string) => Promise<Answer>> | undefined;
  return {
    name: `oversized body (${bytes / (1024 * 1024)} MiB)`,
    expected: refused(413, 'payload_too_large'),
    send: async (base) => {
      send ??= signed(standard, '/webhooks/standard-webhooks', {
        body: JSON.stringify({ type: 'bulk', data: 'x'.repeat(bytes) }),
      });
      return (await send)(base);
    },
  };
};

export const cases: readonly Case[] = [
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
  oversized(2 * 1024 * 1024),
];

const WRONG_KEY = 'ck_local_dev_not_a_key';
const trigger =
  (headers: Record<string, string>, query = '') =>
  (base: string) =>
    post(`${base}/trigger${query}`, headers, event);
const by = (method: string, url = '/trigger'): Answer => ({
  status: 200,
  code: '-',
  by: method,
  url,
});

/** examples/trigger's one endpoint, which accepts anyOf(instance key, org key, signature). */
export const triggerCases: readonly Case[] = [
  {
    name: 'instance key (X-API-Key)',
    expected: by('instance-key'),
    send: trigger({ 'x-api-key': INSTANCE_KEY }),
  },
  {
    name: 'org key (X-Process-Manager-Key)',
    expected: by('org-key'),
    send: trigger({ 'x-process-manager-key': ORG_KEY }),
  },
  {
    name: 'Standard Webhooks signature',
    expected: by('standard-webhooks'),
    send: async (base) => (await signed(standard, '/trigger'))(base),
  },
  {
    name: 'query key (?api_key=)',
    // The handler, and every log line after Fastify's first, see the URL redacted.
    expected: by('instance-key', '/trigger?api_key=REDACTED'),
    send: trigger({}, `?api_key=${INSTANCE_KEY}`),
  },
  {
    name: 'wrong key',
    expected: refused(401, 'invalid_credentials'),
    send: trigger({ 'x-api-key': WRONG_KEY }),
  },
  {
    name: 'wrong key beside a valid signature',
    // The key is the first way in the request carries, so it decides: no fall-through.
    expected: refused(401, 'invalid_credentials'),
    send: async (base) =>
      trigger({ ...(await standard.sign({ body: event })), 'x-api-key': WRONG_KEY })(base),
  },
  {
    name: 'no credentials',
    expected: refused(401, 'missing_credentials'),
    send: trigger({}),
  },
  {
    name: 'read-only org key',
    expected: refused(403, 'insufficient_scope'),
    send: trigger({ 'x-process-manager-key': READ_ONLY_ORG_KEY }),
  },
];

export interface Receiver {
  example: Example;
  base: string;
  child: ChildProcess;
  /** Every line it has printed to stdout so far (examples/trigger's log lines among them). */
  output: string[];
  /** Settles once its stdout has closed, so `output` holds all it printed. */
  closed: Promise<void>;
}

/** Starts `examples/<example>` on a free loopback port; resolves once it listens. */
export const startReceiver = (example: Example) =>
  new Promise<Receiver>((resolve, reject) => {
    const child = spawn('pnpm', ['--silent', '--filter', `example-${example}`, 'start'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    const output: string[] = [];
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const closed = new Promise<void>((done) => lines.once('close', done));
    // Every line is kept: with its logger on, a receiver prints JSON log lines too.
    lines.on('line', (line) => {
      output.push(line);
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match?.[1]) resolve({ example, base: match[1], child, output, closed });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`example-${example} exited early (${code})`)));
  });

export const stopReceiver = ({ child }: Receiver) => {
  // The example runs under pnpm and tsx; signal the whole process group.
  if (child.pid && child.exitCode === null && child.signalCode === null) {
    process.kill(-child.pid, 'SIGTERM');
  }
};

/** Sends a case, turning a failure to get any answer into a row the table can show. */
export const attempt = (testCase: Case, base: string): Promise<Answer> =>
  testCase.send(base).catch((error: Error) => ({ status: 0, code: error.message }));

export const matches = (answer: Answer, expected: Answer) =>
  answer.status === expected.status &&
  answer.code === expected.code &&
  answer.by === expected.by &&
  (expected.url === undefined || answer.url === expected.url);

/** How a URL the handler saw reads in the table: only one with a query string is shown. */
const seen = (url: string | undefined) => {
  if (!url?.includes('?')) return '';
  if (url.includes(INSTANCE_KEY)) return ', URL SHOWS THE KEY';
  return url.includes('=REDACTED') ? ', url redacted' : `, url ${url}`;
};

export const format = (answer: Answer) =>
  `${answer.status} ${answer.by ?? (answer.code === '-' && answer.status === 200 ? 'handled' : answer.code)}${seen(answer.url)}`;
