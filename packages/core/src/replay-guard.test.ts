import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryReplayStore } from './memory-replay-store.js';
import { replayGuard } from './replay-guard.js';
import { replayKey } from './replay-key.js';
import type { ReplayStore } from './replay-store.js';
import { standardWebhooks } from './standard-webhooks.js';
import { expectRejection, SECRET } from './test-support.js';

const NOW = 1_700_000_000_000;
const scheme = standardWebhooks({ secret: SECRET, now: () => NOW });
const body = '{"type":"ping"}';
const delivery = async (id = 'msg_1') =>
  scheme.verify({ headers: await scheme.sign({ body, id }), body });

/** Wraps a store and records every call, so tests can see what the guard asked of it. */
const recording = (store: ReplayStore) => {
  const calls: string[] = [];
  const wrapped: ReplayStore = {
    claim(key, token, ttl) {
      calls.push(`claim ${key} ${ttl}`);
      return store.claim(key, token, ttl);
    },
    complete(key, token, ttl) {
      calls.push(`complete ${key} ${ttl}`);
      return store.complete(key, token, ttl);
    },
    release(key, token) {
      calls.push(`release ${key}`);
      return store.release(key, token);
    },
  };
  return { store: wrapped, calls };
};

describe('replayGuard()', () => {
  it('claims a new delivery, marks it done on 2xx, and answers the re-send as a duplicate', async () => {
    const { store, calls } = recording(memoryReplayStore());
    const guard = replayGuard(scheme, { store });
    const first = await guard.claim(await delivery());
    expect(first.duplicate).toBe(false);
    if (!first.duplicate) await first.settle(204);
    expect(await guard.claim(await delivery())).toEqual({ duplicate: true });
    // done is kept for twice the scheme's tolerance by default; a claim for 60 s
    expect(calls).toEqual([
      'claim standard-webhooks:msg_1 60000',
      'complete standard-webhooks:msg_1 600000',
      'claim standard-webhooks:msg_1 60000',
    ]);
  });

  it.each([500, 404, 302, undefined])(
    'releases the claim after status %s, so the retry is handled',
    async (status) => {
      const guard = replayGuard(scheme, { store: memoryReplayStore() });
      const first = await guard.claim(await delivery());
      if (!first.duplicate) await first.settle(status);
      const retry = await guard.claim(await delivery());
      expect(retry.duplicate).toBe(false);
    },
  );

  it('answers delivery_in_progress (409) while the first claim is unsettled', async () => {
    const guard = replayGuard(scheme, { store: memoryReplayStore() });
    await guard.claim(await delivery());
    const error = await expectRejection(guard.claim(await delivery()), 'delivery_in_progress');
    expect(error.status).toBe(409);
  });

  it('keys a Codaiq delivery by t and the body, whichever rotated secret matched', async () => {
    const { codaiq } = await import('./codaiq.js');
    const [NEW, OLD] = ['cdaq_whsec_new', 'cdaq_whsec_old'];
    const codaiqScheme = codaiq({ secret: [NEW, OLD], now: () => NOW });
    const signedWith = async (secret: string) =>
      (await codaiq({ secret, now: () => NOW }).sign({ body }))['x-codaiq-signature'] as string;
    const [withNew, withOld] = [await signedWith(NEW), await signedWith(OLD)];
    const both = `${withNew},${withOld.split(',')[1]}`;
    const guard = replayGuard(codaiqScheme, { store: memoryReplayStore() });
    const claimWith = async (signature: string) =>
      guard.claim(
        await codaiqScheme.verify({ headers: { 'x-codaiq-signature': signature }, body }),
      );

    const first = await claimWith(both);
    if (!first.duplicate) await first.settle(200);
    for (const resent of [withNew, withOld, both, `${withOld},${withNew.split(',')[1]}`]) {
      expect(await claimWith(resent)).toEqual({ duplicate: true });
    }
    const other = await codaiqScheme.verify({
      headers: await codaiq({ secret: NEW, now: () => NOW }).sign({ body: `${body} ` }),
      body: `${body} `,
    });
    expect((await guard.claim(other)).duplicate).toBe(false);
  });

  it('keys deliveries that carry an id by scheme and id', async () => {
    expect(await replayKey(await delivery('msg_42'))).toBe('standard-webhooks:msg_42');
  });

  it('fails closed with replay_store_unavailable (503) when the store errors or hangs', async () => {
    const failing: ReplayStore = {
      claim: () => Promise.reject(new Error('ECONNREFUSED')),
      complete: () => Promise.resolve(),
      release: () => Promise.resolve(),
    };
    const hanging: ReplayStore = { ...failing, claim: () => new Promise(() => {}) };
    const throwing: ReplayStore = {
      ...failing,
      claim: () => {
        throw new Error('sync');
      },
    };
    for (const store of [failing, hanging, throwing]) {
      const guard = replayGuard(scheme, { store, storeTimeoutMs: 20 });
      const error = await expectRejection(
        guard.claim(await delivery()),
        'replay_store_unavailable',
      );
      expect(error.status).toBe(503);
    }
  });

  it('never rejects from settle, even when the store fails', async () => {
    const store: ReplayStore = {
      ...memoryReplayStore(),
      complete: () => Promise.reject(new Error('down')),
    };
    const claim = await replayGuard(scheme, { store }).claim(await delivery());
    expect(claim.duplicate).toBe(false);
    if (!claim.duplicate) await expect(claim.settle(200)).resolves.toBeUndefined();
  });

  it('lets exactly one of many concurrent identical deliveries through', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 2, max: 40 }), async (s, copies) => {
        const guard = replayGuard(scheme, { store: memoryReplayStore() });
        const verified = await delivery();
        const outcomes = Array.from({ length: copies }, () =>
          s.schedule(Promise.resolve()).then(() =>
            guard.claim(verified).then(
              (claim) => (claim.duplicate ? 'duplicate' : 'claimed'),
              (error: { code: string }) => error.code,
            ),
          ),
        );
        await s.waitAll();
        const results = await Promise.all(outcomes);
        expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
        expect(results.filter((r) => r === 'delivery_in_progress')).toHaveLength(copies - 1);
      }),
    );
  });

  it.each([
    ['no store', {}],
    ['a store without release', { store: { claim() {}, complete() {} } }],
    ['a zero ttl', { store: memoryReplayStore(), ttlSeconds: 0 }],
    ['a negative timeout', { store: memoryReplayStore(), storeTimeoutMs: -5 }],
  ])('throws a TypeError at once for %s', (_label, options) => {
    expect(() => replayGuard(scheme, options as never)).toThrow(TypeError);
  });
});
