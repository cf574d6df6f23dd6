// Each diagnosis is produced from a real capture: a delivery signed by core, broken the way
// senders and proxies break them, POSTed over loopback and recorded byte for byte by a TCP
// server, then verified by `hookguard verify`.
import { connect } from 'node:net';
import { codaiq, standardWebhooks, type WebhookScheme } from '@hookguard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureServer, run, tempFile } from '../test-support.js';

const NOW = 1_764_000_000;
const SW = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const SW_OTHER = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const CODAIQ = 'cdaq_whsec_cli_tests';
const CODAIQ_OTHER = 'cdaq_whsec_someone_else';
const payload = {
  type: 'order.paid',
  data: { id: 'o_1', amount: 4200, note: 'line one\nline two' },
};
const COMPACT = JSON.stringify(payload);
const PRETTY = JSON.stringify(payload, null, 2);

interface Case {
  name: 'standard-webhooks' | 'codaiq';
  secret: string;
  other: string;
  make: (secret: string) => WebhookScheme;
  /** The scheme's timestamp unit per second, for signing at NOW in the header's unit. */
  header: string;
}

const cases: Case[] = [
  {
    name: 'standard-webhooks',
    secret: SW,
    other: SW_OTHER,
    make: (secret) => standardWebhooks({ secret }),
    header: 'webhook-signature',
  },
  {
    name: 'codaiq',
    secret: CODAIQ,
    other: CODAIQ_OTHER,
    make: (secret) => codaiq({ secret }),
    header: 'x-codaiq-signature',
  },
];

let server: Awaited<ReturnType<typeof captureServer>>;
beforeAll(async () => {
  server = await captureServer();
});
afterAll(() => server.close());

/** POSTs `body` with `headers` to the capturing server; returns the capture file's path. */
const deliver = async (headers: Record<string, string>, body: string | Uint8Array) => {
  const before = server.captured.length;
  await (
    await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    })
  ).text();
  expect(server.captured.length).toBe(before + 1);
  return tempFile('capture.http', server.captured.at(-1) as Buffer);
};

const verify = (c: { name: string }, secret: string, capture: string, ...extra: string[]) =>
  run([
    'verify',
    '--scheme',
    c.name,
    '--secret',
    secret,
    '--request',
    capture,
    '--now',
    String(NOW),
    ...extra,
  ]);

const signAt = (scheme: WebhookScheme, body: string, ms: number, id = 'msg_cli_test') =>
  scheme.sign({ body, timestamp: ms, id });

describe.each(cases)('hookguard verify, $name', (c) => {
  const scheme = c.make(c.secret);

  it('verifies a real capture and prints the scheme, id and timestamp', async () => {
    const capture = await deliver(await signAt(scheme, COMPACT, NOW * 1000 - 5000), COMPACT);
    const { code, stdout, stderr } = await verify(c, c.secret, capture);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`scheme:    ${c.name}`);
    expect(stdout).toContain(c.name === 'codaiq' ? 'id:        (none' : 'id:        msg_cli_test');
    expect(stdout).toContain(`(unix ${NOW - 5}), signed 5 s before now`);
  });

  it('says "wrong secret" when the signature is well-formed but matches no secret', async () => {
    const capture = await deliver(await signAt(c.make(c.other), COMPACT, NOW * 1000), COMPACT);
    const { code, stdout } = await verify(c, c.secret, capture);
    expect(code).toBe(1);
    expect(stdout).toContain('refused: signature_mismatch (HTTP 401)');
    expect(stdout).toContain('diagnosis: wrong secret');
    expect(stdout).toContain('well-formed');
    expect(stdout).not.toContain('re-serialized');
  });

  it.each([
    [
      'compact JSON signed, 2-space JSON sent',
      COMPACT,
      PRETTY,
      'matches JSON.stringify(JSON.parse(body)) (compact JSON)',
    ],
    [
      '2-space JSON signed, compact JSON sent',
      PRETTY,
      COMPACT,
      'matches JSON.stringify(body, null, 2) (2-space indented JSON)',
    ],
    [
      'a trailing newline signed, none sent',
      `${COMPACT}\n`,
      COMPACT,
      'trailing newline (\\n) added',
    ],
    [
      'no trailing newline signed, one sent',
      COMPACT,
      `${COMPACT}\n`,
      'without its trailing newline',
    ],
    [
      'LF signed, CRLF sent',
      PRETTY,
      PRETTY.replaceAll('\n', '\r\n'),
      'CRLF line ends turned into LF',
    ],
  ])('says "body re-serialized" for %s', async (_, signed, sent, label) => {
    const capture = await deliver(await signAt(scheme, signed, NOW * 1000), sent);
    const { code, stdout } = await verify(c, c.secret, capture);
    expect(code).toBe(1);
    expect(stdout).toContain('refused: signature_mismatch');
    expect(stdout).toContain('diagnosis: body re-serialized');
    expect(stdout).toContain(label);
    expect(stdout).not.toContain('wrong secret');
  });

  it.each([
    [-412, 'signed 412 s before now, tolerance 300 s'],
    [412, 'signed 412 s after now, tolerance 300 s'],
  ])(
    'reports skew of %i s in seconds, and that the signature itself is valid',
    async (skew, words) => {
      const capture = await deliver(await signAt(scheme, COMPACT, (NOW + skew) * 1000), COMPACT);
      const { code, stdout } = await verify(c, c.secret, capture);
      expect(code).toBe(1);
      expect(stdout).toContain('refused: timestamp_out_of_window');
      expect(stdout).toContain('diagnosis: timestamp skew');
      expect(stdout).toContain(words);
      expect(stdout).toContain('The signature itself is valid');
      expect(stdout).toContain(`--now ${NOW + skew}`);
      expect(stdout).not.toContain('milliseconds');
      // Verified as of its own time, the same capture passes.
      expect(
        (
          await run([
            'verify',
            '--scheme',
            c.name,
            '--secret',
            c.secret,
            '--request',
            capture,
            '--now',
            String(NOW + skew),
          ])
        ).code,
      ).toBe(0);
    },
  );

  it('reports skew and a wrong secret together when both are wrong', async () => {
    const capture = await deliver(
      await signAt(c.make(c.other), COMPACT, (NOW - 1000) * 1000),
      COMPACT,
    );
    const { code, stdout } = await verify(c, c.secret, capture);
    expect(code).toBe(1);
    expect(stdout).toContain('signed 1000 s before now');
    expect(stdout).toContain('diagnosis: wrong secret');
    expect(stdout).not.toContain('The signature itself is valid');
  });

  it('recognizes a timestamp in the wrong unit (seconds vs milliseconds)', async () => {
    // Standard Webhooks sent in ms (the header is seconds); Codaiq sent in seconds (t= is ms).
    const wrongUnit = c.name === 'codaiq' ? NOW : NOW * 1000 * 1000;
    const capture = await deliver(await signAt(scheme, COMPACT, wrongUnit), COMPACT);
    const { code, stdout } = await verify(c, c.secret, capture);
    expect(code).toBe(1);
    expect(stdout).toContain('refused: timestamp_out_of_window');
    expect(stdout).toContain('diagnosis: seconds vs milliseconds');
    expect(stdout).toContain(
      c.name === 'codaiq'
        ? `t=${NOW} has 10 digits: it is seconds`
        : `${NOW}000 has 13 digits: it is milliseconds`,
    );
    expect(stdout).toContain('The signature itself is valid');
  });

  it('names the missing signature header', async () => {
    const { [c.header]: _, ...headers } = await signAt(scheme, COMPACT, NOW * 1000);
    const capture = await deliver(headers, COMPACT);
    const { code, stdout } = await verify(c, c.secret, capture);
    expect(code).toBe(1);
    expect(stdout).toContain('refused: missing_header (HTTP 400)');
    expect(stdout).toContain('diagnosis: missing header');
    expect(stdout).toContain(`missing ${c.header}`);
  });

  it('says a signed header was sent twice', async () => {
    const headers = await signAt(scheme, COMPACT, NOW * 1000);
    const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    const raw = `POST /webhooks HTTP/1.1\r\nhost: 127.0.0.1\r\n${lines.join('')}${c.header}: ${headers[c.header]}\r\ncontent-length: ${COMPACT.length}\r\n\r\n${COMPACT}`;
    const before = server.captured.length;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () => socket.write(raw));
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
    expect(server.captured.length).toBe(before + 1);
    const capture = await tempFile('twice.http', server.captured.at(-1) as Buffer);
    const { code, stdout } = await verify(c, c.secret, capture);
    expect(code).toBe(1);
    expect(stdout).toContain('refused: malformed_header');
    expect(stdout).toContain('diagnosis: duplicate header');
    expect(stdout).toContain(`${c.header} appears 2 times`);
  });

  it('says when two copies of a signed header were joined into one line', async () => {
    const headers = await signAt(scheme, COMPACT, NOW * 1000);
    const signature = headers[c.header] ?? '';
    const lines = Object.entries({ ...headers, [c.header]: `${signature}, ${signature}` });
    const headerFile = await tempFile('joined.txt', lines.map(([n, v]) => `${n}: ${v}`).join('\n'));
    const { code, stdout } = await run([
      'verify',
      '--scheme',
      c.name,
      '--secret',
      c.secret,
      '--headers',
      headerFile,
      '--body',
      await tempFile('b.json', COMPACT),
      '--now',
      String(NOW),
    ]);
    expect(code).toBe(1);
    expect(stdout).toContain('refused: malformed_header');
    expect(stdout).toContain(`${c.header} holds ', ': two copies of the header were joined`);
  });

  it('says the signature is valid but the body is not JSON', async () => {
    const capture = await deliver(
      await signAt(scheme, 'type=order.paid', NOW * 1000),
      'type=order.paid',
    );
    const { code, stdout } = await verify(c, c.secret, capture);
    expect(code).toBe(1);
    expect(stdout).toContain('refused: invalid_payload');
    expect(stdout).toContain('diagnosis: not JSON');
  });

  it('reads the same capture with LF line ends, and as a headers file plus a body file', async () => {
    const headers = await signAt(scheme, PRETTY, NOW * 1000);
    const raw = (await import('node:fs/promises')).readFile(await deliver(headers, PRETTY));
    const text = (await raw).toString('latin1');
    const split = text.indexOf('\r\n\r\n');
    const lf = `${text.slice(0, split).replaceAll('\r\n', '\n')}\n\n${text.slice(split + 4)}`;
    expect(
      (await verify(c, c.secret, await tempFile('lf.http', Buffer.from(lf, 'latin1')))).code,
    ).toBe(0);
    const headerFile = await tempFile('headers.txt', text.slice(0, split));
    const bodyFile = await tempFile('body.json', PRETTY);
    const split2 = await run([
      'verify',
      '--scheme',
      c.name,
      '--secret',
      c.secret,
      '--headers',
      headerFile,
      '--body',
      bodyFile,
      '--now',
      String(NOW),
    ]);
    expect(split2.code).toBe(0);
    // A body file with an editor's trailing newline is explained, not silently accepted.
    const edited = await tempFile('edited.json', `${PRETTY}\n`);
    const third = await run([
      'verify',
      '--scheme',
      c.name,
      '--secret',
      c.secret,
      '--headers',
      headerFile,
      '--body',
      edited,
      '--now',
      String(NOW),
    ]);
    expect(third.code).toBe(1);
    expect(third.stdout).toContain('without its trailing newline');
  });
});

describe('hookguard verify, scheme-specific diagnoses', () => {
  it('suggests --scheme codaiq for a Codaiq capture verified as Standard Webhooks', async () => {
    const capture = await deliver(
      await codaiq({ secret: CODAIQ }).sign({ body: COMPACT, timestamp: NOW * 1000 }),
      COMPACT,
    );
    const { code, stdout } = await verify({ name: 'standard-webhooks' }, SW, capture);
    expect(code).toBe(1);
    expect(stdout).toContain('diagnosis: wrong scheme');
    expect(stdout).toContain('--scheme codaiq');
  });

  it('recognizes a whsec_ secret keyed as its UTF-8 text', async () => {
    const textKeyed = standardWebhooks({ secret: new TextEncoder().encode(SW) });
    const capture = await deliver(
      await textKeyed.sign({ body: COMPACT, timestamp: NOW * 1000 }),
      COMPACT,
    );
    const { code, stdout } = await verify({ name: 'standard-webhooks' }, SW, capture);
    expect(code).toBe(1);
    expect(stdout).toContain('diagnosis: secret used as text');
  });

  it('says upper-case hex is not a Codaiq signature', async () => {
    const headers = await codaiq({ secret: CODAIQ }).sign({ body: COMPACT, timestamp: NOW * 1000 });
    const upper = (headers['x-codaiq-signature'] ?? '').replace(
      /v1=(\w+)/,
      (_, hex: string) => `v1=${hex.toUpperCase()}`,
    );
    const capture = await deliver({ ...headers, 'x-codaiq-signature': upper }, COMPACT);
    const { code, stdout } = await verify({ name: 'codaiq' }, CODAIQ, capture);
    expect(code).toBe(1);
    expect(stdout).toContain('diagnosis: malformed signature');
    expect(stdout).toContain('upper-case hex');
  });

  it('verifies ed25519 (v1a) with the public key, and explains a v1-only capture', async () => {
    const keys = await run(['secret', '--scheme', 'ed25519']);
    const [signing = '', publicKey = ''] = keys.stdout.trim().split('\n');
    const headers = await standardWebhooks({ privateKey: signing }).sign({
      body: COMPACT,
      timestamp: NOW * 1000,
    });
    const good = await verify({ name: 'ed25519' }, publicKey, await deliver(headers, COMPACT));
    expect(good.code).toBe(0);
    const v1only = await signAt(standardWebhooks({ secret: SW }), COMPACT, NOW * 1000);
    const bad = await verify({ name: 'ed25519' }, publicKey, await deliver(v1only, COMPACT));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('diagnosis: wrong scheme');
    expect(bad.stdout).toContain('--scheme standard-webhooks');
  });

  it('explains a capture with bytes past Content-Length and one that is truncated', async () => {
    const headers = await signAt(standardWebhooks({ secret: SW }), COMPACT, NOW * 1000);
    const text = (
      await (await import('node:fs/promises')).readFile(await deliver(headers, COMPACT))
    ).toString('latin1');
    const extra = await verify(
      { name: 'standard-webhooks' },
      SW,
      await tempFile('extra.http', `${text}\n`),
    );
    expect(extra.code).toBe(0);
    expect(extra.stdout).toContain('note: the capture holds 1 byte(s) after');
    const cut = await verify(
      { name: 'standard-webhooks' },
      SW,
      await tempFile('cut.http', text.slice(0, -3)),
    );
    expect(cut.code).toBe(1);
    expect(cut.stdout).toContain('looks truncated');
  });
});
