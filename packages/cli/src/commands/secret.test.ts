import { codaiq, standardWebhooks } from '@hookguard/core';
import { describe, expect, it } from 'vitest';
import { run } from '../test-support.js';

const body = '{"type":"ping"}';

describe('hookguard secret', () => {
  it('prints a whsec_ secret of 32 random bytes that core signs and verifies with', async () => {
    const first = await run(['secret']);
    const second = await run(['secret', '--scheme', 'standard-webhooks']);
    expect([first.code, second.code]).toEqual([0, 0]);
    const secret = first.stdout.trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(second.stdout.trim()).not.toBe(secret);
    const scheme = standardWebhooks({ secret, now: () => 1_700_000_000_000 });
    const headers = await scheme.sign({ body });
    await expect(scheme.verify({ headers, body })).resolves.toMatchObject({
      payload: { type: 'ping' },
    });
    // A different generated secret does not verify it.
    const other = standardWebhooks({ secret: second.stdout.trim(), now: () => 1_700_000_000_000 });
    await expect(other.verify({ headers, body })).rejects.toMatchObject({
      code: 'signature_mismatch',
    });
  });

  it('prints a Codaiq secret that core accepts', async () => {
    const { code, stdout } = await run(['secret', '--scheme', 'codaiq']);
    expect(code).toBe(0);
    const secret = stdout.trim();
    expect(secret).toMatch(/^cdaq_whsec_[A-Za-z0-9_-]{43}$/);
    const scheme = codaiq({ secret, now: () => 1_700_000_000_000 });
    await expect(
      scheme.verify({ headers: await scheme.sign({ body }), body }),
    ).resolves.toMatchObject({
      scheme: 'codaiq',
    });
  });

  it('prints an Ed25519 pair: whsk_ signs v1a, whpk_ alone verifies it', async () => {
    const { code, stdout } = await run(['secret', '--scheme', 'ed25519']);
    expect(code).toBe(0);
    const [privateKey = '', publicKey = '', ...rest] = stdout.trim().split('\n');
    expect(rest).toEqual([]);
    expect(Buffer.from(privateKey.replace(/^whsk_/, ''), 'base64')).toHaveLength(64);
    expect(Buffer.from(publicKey.replace(/^whpk_/, ''), 'base64')).toHaveLength(32);
    // The whsk_ key's second half is the public key.
    expect(Buffer.from(privateKey.slice(5), 'base64').subarray(32).toString('base64')).toBe(
      publicKey.slice(5),
    );
    const now = () => 1_700_000_000_000;
    const headers = await standardWebhooks({ privateKey, now }).sign({ body });
    expect(headers['webhook-signature']).toMatch(/^v1a,/);
    await expect(
      standardWebhooks({ publicKey, now }).verify({ headers, body }),
    ).resolves.toMatchObject({
      id: headers['webhook-id'],
    });
  });

  it('refuses an unknown scheme and stray arguments with exit 2', async () => {
    const unknown = await run(['secret', '--scheme', 'hmac']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--scheme must be one of standard-webhooks, codaiq, ed25519');
    expect(unknown.stdout).toBe('');
    const stray = await run(['secret', 'extra']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('unexpected argument');
  });
});
