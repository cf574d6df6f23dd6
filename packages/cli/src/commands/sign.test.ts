import { standardWebhooks } from '@hookguard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerLines, run, tempFile } from '../test-support.js';

const SECRETS = {
  'standard-webhooks': 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  codaiq: 'cdaq_whsec_sign_tests',
  ed25519: '',
};
const keys = await run(['secret', '--scheme', 'ed25519']);
const [SIGNING_KEY = '', PUBLIC_KEY = ''] = keys.stdout.trim().split('\n');
SECRETS.ed25519 = SIGNING_KEY;

const isJson = (bytes: Uint8Array) => {
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes));
    return true;
  } catch {
    return false;
  }
};

const bodies = fc.oneof(
  fc.json().map((text) => new TextEncoder().encode(text)),
  fc.uint8Array({ maxLength: 300 }),
);
const ids = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,40}$/);
// Unix seconds from 2001 to 2100.
const seconds = fc.integer({ min: 1_000_000_000, max: 4_102_444_800 });

describe.each(Object.keys(SECRETS) as (keyof typeof SECRETS)[])('hookguard sign, %s', (scheme) => {
  const secret = SECRETS[scheme];
  const verifyKey = scheme === 'ed25519' ? PUBLIC_KEY : secret;

  it('round-trips through hookguard verify for any body, id and timestamp', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, ids, seconds, async (body, id, t) => {
        const timestamp = scheme === 'codaiq' ? String(t * 1000 + 123) : String(t);
        // `--id=` form: an id may start with '-'.
        const idArgs = scheme === 'codaiq' ? [] : [`--id=${id}`];
        const signed = await run(
          ['sign', '--scheme', scheme, '--timestamp', timestamp, ...idArgs],
          {
            stdin: body,
            env: { HOOKGUARD_SECRET: secret },
          },
        );
        expect(signed.code).toBe(0);
        const headers = await tempFile('headers.txt', signed.stdout);
        const bodyFile = await tempFile('body.bin', body);
        const verified = await run([
          'verify',
          '--scheme',
          scheme,
          '--secret',
          verifyKey,
          '--headers',
          headers,
          '--body',
          bodyFile,
          '--now',
          String(t),
        ]);
        if (isJson(body)) {
          expect(verified.code).toBe(0);
          expect(verified.stdout).toMatch(
            new RegExp(`\\(unix ${t}\\), signed 0 s (before|after) now`),
          );
          if (scheme !== 'codaiq') expect(verified.stdout).toContain(`id:        ${id}\n`);
        } else {
          expect(verified.code).toBe(1);
          expect(verified.stdout).toContain('diagnosis: not JSON');
          expect(verified.stdout).toContain('The signature is valid');
        }
      }),
      { numRuns: 40 },
    );
  });

  it('signs the stdin bytes exactly, a trailing newline included', async () => {
    const headersOf = async (stdin: string) =>
      headerLines(
        (
          await run(
            [
              'sign',
              '--scheme',
              scheme,
              '--secret',
              secret,
              '--timestamp',
              '1700000000000',
              ...(scheme === 'codaiq' ? [] : ['--id', 'msg_1']),
            ],
            { stdin },
          )
        ).stdout,
      );
    const bare = await headersOf('{"a":1}');
    const newline = await headersOf('{"a":1}\n');
    const signatureHeader = scheme === 'codaiq' ? 'x-codaiq-signature' : 'webhook-signature';
    expect(bare[signatureHeader]).toBeDefined();
    expect(bare[signatureHeader]).not.toBe(newline[signatureHeader]);
  });
});

describe('hookguard sign options', () => {
  it('matches core: the same id, timestamp and body give the same headers', async () => {
    const secret = SECRETS['standard-webhooks'];
    const { stdout, code } = await run(
      [
        'sign',
        '--scheme',
        'standard-webhooks',
        '--secret',
        secret,
        '--id',
        'msg_x',
        '--timestamp',
        '1700000000',
      ],
      { stdin: '{"type":"ping"}' },
    );
    expect(code).toBe(0);
    const expected = await standardWebhooks({ secret }).sign({
      body: '{"type":"ping"}',
      id: 'msg_x',
      timestamp: 1_700_000_000_000,
    });
    expect(headerLines(stdout)).toEqual(expected);
  });

  it('takes the body from --data @file or a literal as well as stdin', async () => {
    const args = [
      'sign',
      '--scheme',
      'codaiq',
      '--secret',
      'cdaq_x',
      '--timestamp',
      '1700000000000',
    ];
    const fromStdin = await run(args, { stdin: '{"a":1}' });
    const fromFile = await run([...args, '--data', `@${await tempFile('b.json', '{"a":1}')}`]);
    const literal = await run([...args, '--data', '{"a":1}']);
    expect(fromFile.stdout).toBe(fromStdin.stdout);
    expect(literal.stdout).toBe(fromStdin.stdout);
  });

  it('refuses --id for Codaiq, a non-numeric --timestamp and a public key as signing key', async () => {
    const id = await run(['sign', '--scheme', 'codaiq', '--secret', 'cdaq_x', '--id', 'msg_1'], {
      stdin: '{}',
    });
    expect(id.code).toBe(2);
    expect(id.stderr).toContain('Codaiq signs no delivery id');
    const time = await run(
      ['sign', '--scheme', 'codaiq', '--secret', 'cdaq_x', '--timestamp', '17e11'],
      { stdin: '{}' },
    );
    expect(time.code).toBe(2);
    expect(time.stderr).toContain('--timestamp must be a whole number');
    const publicOnly = await run(['sign', '--scheme', 'ed25519', '--secret', PUBLIC_KEY], {
      stdin: '{}',
    });
    expect(publicOnly.code).toBe(2);
    expect(publicOnly.stderr).toContain('private key');
  });
});
