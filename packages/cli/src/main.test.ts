import { createPrivateKey } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureServer, run, tempFile } from './test-support.js';

const COMMANDS = ['secret', 'sign', 'send', 'verify'];

describe('help', () => {
  it.each([['--help'], ['-h'], ['help']])(
    '%s prints the top-level usage on stdout, exit 0',
    async (flag) => {
      const { code, stdout, stderr } = await run([flag]);
      expect(code).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toMatch(/^Usage: hookguard <command>/);
      for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
      expect(stdout).toContain('Exit codes: 0 success, 1 refused');
    },
  );

  it.each(COMMANDS)('%s --help, -h and `help %s` print that command’s usage', async (command) => {
    const long = await run([command, '--help']);
    const short = await run([command, '-h']);
    const topic = await run(['help', command]);
    expect([long.code, short.code, topic.code]).toEqual([0, 0, 0]);
    expect(long.stdout).toMatch(new RegExp(`^Usage: hookguard ${command}`));
    expect(short.stdout).toBe(long.stdout);
    expect(topic.stdout).toBe(long.stdout);
    expect(long.stdout).toContain('-h, --help');
  });

  it('--help wins over missing required options', async () => {
    const { code, stdout } = await run(['verify', '--scheme', 'codaiq', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: hookguard verify/);
  });
});

describe('usage errors: stderr, exit 2, nothing on stdout', () => {
  it.each([
    [[], 'no command given'],
    [['frobnicate'], 'unknown command frobnicate'],
    [['help', 'frobnicate'], 'no help for frobnicate: not a command'],
    [['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], 'unknown command (the first word)\n'],
    [['sign', '--Secret_9x!'], 'unknown option (that starts with -)\n'],
    [['--secret', 'x'], 'unknown option --secret'],
    [['sign', '--bogus'], 'hookguard sign: unknown option --bogus'],
    [['sign', '--secret'], 'hookguard sign: --secret needs a value'],
    [['sign', '--secret', 'x'], 'hookguard sign: --scheme is required'],
    [['sign', '--scheme', 'hmac', '--secret', 'x'], '--scheme must be one of'],
    [['sign', '--scheme', 'codaiq'], '--secret is required (or set HOOKGUARD_SECRET)'],
    [['sign', '--scheme', 'codaiq', '--secret', 'x', 'stray'], 'unexpected argument'],
    [
      ['send', '--scheme', 'codaiq', '--secret', 'x', '--data', '{}'],
      'the URL to send to is required',
    ],
    [
      ['send', 'ftp://example.test', '--scheme', 'codaiq', '--secret', 'x', '--data', '{}'],
      'must be http: or https:',
    ],
    [['send', 'http://127.0.0.1:9/', '--scheme', 'codaiq', '--secret', 'x'], '--data is required'],
    [
      [
        'send',
        'http://127.0.0.1:9/',
        '--scheme',
        'codaiq',
        '--secret',
        'x',
        '--data',
        '{}',
        '--repeat',
        '0',
      ],
      '--repeat must be 1 or more',
    ],
    [
      [
        'send',
        'http://127.0.0.1:9/',
        '--scheme',
        'codaiq',
        '--secret',
        'x',
        '--data',
        '{}',
        '--header',
        'nocolon',
      ],
      "--header must be 'Name: value'",
    ],
    [
      [
        'send',
        'http://127.0.0.1:9/',
        '--scheme',
        'codaiq',
        '--secret',
        'x',
        '--data',
        '',
        '--tamper',
      ],
      '--tamper needs a body',
    ],
    [
      ['verify', '--scheme', 'codaiq', '--secret', 'x'],
      'give --request <capture>, or both --headers and --body',
    ],
    [
      ['verify', '--scheme', 'codaiq', '--secret', 'x', '--request', 'a', '--body', 'b'],
      'not both',
    ],
    [
      ['verify', '--scheme', 'codaiq', '--secret', 'x', '--request', 'a', '--now', 'yesterday'],
      '--now must be a whole number',
    ],
    [['secret', '--help=yes'], '--help takes no value'],
  ])('%j', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toMatch(/Run 'hookguard( \w+)? --help' for usage\.\n$/);
  });
});

describe('bad input: a clear message, exit 2, never a stack trace', () => {
  const cases: [string, () => Promise<string[]>, string][] = [
    [
      'a capture that does not exist',
      async () => [
        'verify',
        '--scheme',
        'codaiq',
        '--secret',
        'x',
        '--request',
        '/nonexistent/capture.http',
      ],
      'cannot read the capture "/nonexistent/capture.http": no such file',
    ],
    [
      'a body file that is a directory',
      async () => [
        'send',
        'http://127.0.0.1:9/',
        '--scheme',
        'codaiq',
        '--secret',
        'x',
        '--data',
        '@/tmp',
      ],
      'cannot read the body file "/tmp": it is a directory',
    ],
    [
      'a whsec_ secret that is not base64',
      async () => [
        'sign',
        '--scheme',
        'standard-webhooks',
        '--secret',
        'whsec_not*base64',
        '--data',
        '{}',
      ],
      "bad --secret: A Standard Webhooks secret must be 'whsec_' followed by standard base64",
    ],
    [
      'a whsec_ secret that is too short',
      async () => [
        'sign',
        '--scheme',
        'standard-webhooks',
        '--secret',
        'whsec_c2hvcnQ=',
        '--data',
        '{}',
      ],
      'must be 24 to 75 bytes; this one is 5',
    ],
    [
      'a whsk_ key given to standard-webhooks',
      async () => [
        'sign',
        '--scheme',
        'standard-webhooks',
        '--secret',
        'whsk_AAAA',
        '--data',
        '{}',
      ],
      'use --scheme ed25519',
    ],
    [
      'a whsec_ secret given to ed25519',
      async () => [
        'sign',
        '--scheme',
        'ed25519',
        '--secret',
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        '--data',
        '{}',
      ],
      'takes a whsk_ signing key or a whpk_ public key',
    ],
    [
      'a header value outside Latin-1',
      async () => [
        'send',
        'http://127.0.0.1:9/',
        '--scheme',
        'codaiq',
        '--secret',
        'x',
        '--data',
        '{}',
        '--header',
        'X-Note: €',
      ],
      'a header cannot be sent',
    ],
    [
      'a capture with no request line',
      async () => [
        'verify',
        '--scheme',
        'codaiq',
        '--secret',
        'x',
        '--request',
        await tempFile('c.http', 'x-codaiq-signature: t=1\n\n{}'),
      ],
      'does not start with a request line',
    ],
    [
      'a capture with no blank line',
      async () => [
        'verify',
        '--scheme',
        'codaiq',
        '--secret',
        'x',
        '--request',
        await tempFile('c.http', 'POST / HTTP/1.1\nhost: x\n'),
      ],
      'no blank line after its headers',
    ],
    [
      'a header line without a colon',
      async () => [
        'verify',
        '--scheme',
        'codaiq',
        '--secret',
        'x',
        '--headers',
        await tempFile('h.txt', 'host: x\nbroken line\n'),
        '--body',
        await tempFile('b', '{}'),
      ],
      "line 2 of the headers is not 'Name: value'",
    ],
  ];
  it.each(cases)('%s', async (_, argv, message) => {
    const { code, stdout, stderr } = await run(await argv());
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('secrets never appear in any output', () => {
  const secrets = {
    'standard-webhooks': fc
      .uint8Array({ minLength: 24, maxLength: 75 })
      .map((bytes) => `whsec_${Buffer.from(bytes).toString('base64')}`),
    codaiq: fc.stringMatching(/^[A-Za-z0-9_~!-]{12,40}$/),
    // A whsk_ signing key from any 32-byte seed: the seed, then its public key.
    ed25519: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((seed) => {
      const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
      const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
      const publicKey = Buffer.from(key.export({ format: 'jwk' }).x ?? '', 'base64url');
      return `whsk_${Buffer.concat([seed, publicKey]).toString('base64')}`;
    }),
  };

  it.each(Object.keys(secrets) as (keyof typeof secrets)[])(
    '%s: sign, send (refused and accepted), verify (every diagnosis) and usage errors',
    async (scheme) => {
      const server = await captureServer();
      try {
        await fc.assert(
          fc.asyncProperty(
            secrets[scheme],
            secrets[scheme],
            fc.json(),
            fc.integer({ min: -1000, max: 1000 }),
            async (secret, other, json, skew) => {
              fc.pre(secret !== other);
              const now = 1_764_000_000;
              const ts = scheme === 'codaiq' ? String((now + skew) * 1000) : String(now + skew);
              const outputs: string[] = [];
              const keep = async (argv: string[], stdin?: string) => {
                const result = await run(argv, {
                  stdin: stdin ?? json,
                  env: { HOOKGUARD_SECRET: secret },
                });
                outputs.push(result.stdout, result.stderr);
                return result;
              };
              const signed = await keep(['sign', '--scheme', scheme, '--timestamp', ts]);
              await keep(['sign', '--scheme', scheme, '--secret', secret, '--curl', server.url]);
              await keep([
                'send',
                server.url,
                '--scheme',
                scheme,
                '--secret',
                secret,
                '--data',
                json,
                '--tamper',
              ]);
              // Usage errors with the secret in the wrong place, or as a stray argument.
              await keep(['sign', '--scheme', scheme, secret]);
              await keep([secret]);
              await keep(['help', secret]);
              await keep(['send', `--${secret}`]);
              await keep(['sign', '--scheme', 'nope', '--secret', secret]);
              await keep(['verify', `--secret=${secret}`, '--scheme', scheme]);
              const headers = await tempFile('h.txt', signed.stdout);
              for (const body of [json, `${json}\n`, JSON.stringify(JSON.parse(json), null, 2)]) {
                const bodyFile = await tempFile('b.json', body);
                for (const key of [secret, other]) {
                  await keep([
                    'verify',
                    '--scheme',
                    scheme,
                    '--secret',
                    key,
                    '--headers',
                    headers,
                    '--body',
                    bodyFile,
                    '--now',
                    String(now),
                  ]);
                }
              }
              // Neither secret, nor its key material without the prefix.
              for (const key of [secret, other]) {
                const material = key.replace(/^wh(sec|sk)_/, '');
                for (const text of outputs) {
                  expect(text).not.toContain(key);
                  expect(text).not.toContain(material);
                }
              }
            },
          ),
          { numRuns: 15 },
        );
      } finally {
        await server.close();
      }
    },
  );
});
