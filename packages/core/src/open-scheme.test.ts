import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WebhookVerificationError } from './errors.js';
import { readHeader } from './lib/headers.js';
import { memoryReplayStore } from './memory-replay-store.js';
import { replayGuard } from './replay-guard.js';
import { replayKey } from './replay-key.js';
import { expectRejection } from './test-support.js';
import type { WebhookScheme } from './types.js';

// A third-party scheme written against the public interface only: HMAC-SHA256 of the body,
// hex in `x-acme-signature`, no id and no signed time (like GitHub or Shopify).
const acme = (secret: string): WebhookScheme => {
  const digest = (body: Uint8Array | string) => createHmac('sha256', secret).update(body).digest();
  return {
    name: 'acme',
    toleranceSeconds: 300,
    requiredHeaders: [['x-acme-signature']],
    async verify({ headers, body }) {
      const header = readHeader(headers, 'x-acme-signature');
      if (header === undefined) {
        throw new WebhookVerificationError('missing_header', 'x-acme-signature is missing.');
      }
      const rawBody =
        typeof body === 'string' ? new TextEncoder().encode(body) : new Uint8Array(body);
      const expected = digest(rawBody);
      const given = Buffer.from(header, 'hex');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new WebhookVerificationError(
          'signature_mismatch',
          'x-acme-signature does not match.',
        );
      }
      return { scheme: 'acme', payload: JSON.parse(new TextDecoder().decode(rawBody)), rawBody };
    },
    async sign({ body }) {
      return { 'x-acme-signature': digest(body).toString('hex') };
    },
  };
};

describe('a scheme implemented outside hookguard', () => {
  const scheme = acme('acme-secret');
  const body = '{"event":"invoice.paid"}';

  it('works with replayGuard, keyed by scheme and body hash when it signs no id or time', async () => {
    const delivery = await scheme.verify({ headers: await scheme.sign({ body }), body });
    const hash = createHash('sha256').update(body).digest('hex');
    expect(await replayKey(delivery)).toBe(`acme:${hash}`);
    const guard = replayGuard(scheme, { store: memoryReplayStore() });
    const first = await guard.claim(delivery);
    if (!first.duplicate) await first.settle(200);
    expect(first.duplicate).toBe(false);
    expect(await guard.claim(delivery)).toEqual({ duplicate: true });
  });

  it('refuses through the same typed errors', async () => {
    await expectRejection(
      scheme.verify({ headers: { 'x-acme-signature': '00' }, body }),
      'signature_mismatch',
    );
  });
});
