import { createHash } from 'node:crypto';
import { replayGuard } from '@hookguard/core';
import fc from 'fast-check';
import { Redis as Ioredis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisReplayStore } from './redis-replay-store.js';
import { RELEASE_SCRIPT, RELEASE_SCRIPT_SHA1 } from './release-script.js';
import { clientKinds, type TestClient } from './test-clients.js';
import { type RedisServer, skipWithoutRedisServer, startRedisServer } from './test-redis-server.js';
import { delivery, scheme, until } from './test-support.js';

const MINUTE = 60_000;

describe('redisReplayStore() options', () => {
  const client = new Ioredis({ lazyConnect: true });

  it.each([
    [{ prefix: 1 }, /prefix must be a string/],
    [null, /options must be an object/],
    ['hookguard:', /options must be an object/],
  ])('throws a TypeError for options %j', (options, message) => {
    expect(() => redisReplayStore(client, options as never)).toThrow(TypeError);
    expect(() => redisReplayStore(client, options as never)).toThrow(message);
  });

  it('throws a TypeError for something that is not a Redis client', () => {
    expect(() => redisReplayStore({} as never)).toThrow(TypeError);
  });

  it('does not modify the options it is given', () => {
    const options = Object.freeze({ prefix: 'app:' });
    expect(() => redisReplayStore(client, options)).not.toThrow();
    expect(options).toEqual({ prefix: 'app:' });
  });

  it('names the SHA-1 of its release script correctly', () => {
    expect(createHash('sha1').update(RELEASE_SCRIPT).digest('hex')).toBe(RELEASE_SCRIPT_SHA1);
  });
});

describe.skipIf(skipWithoutRedisServer())('redisReplayStore() over a real redis-server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  describe.each(clientKinds)('with $name', (kind) => {
    let a: TestClient;
    let b: TestClient;
    let tests = 0;
    // Each test gets its own keys, so tests never see each other's state.
    const unique = (name: string) => `${kind.name}:${tests++}:${name}`;
    const state = async (client: TestClient, name: string) => ({
      value: await client.command('GET', name),
      pttl: Number(await client.command('PTTL', name)),
    });

    beforeAll(async () => {
      a = await kind.connect(server);
      b = await kind.connect(server);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
    });

    it('claims a key, answers in_progress while it is claimed, and done once completed', async () => {
      const store = redisReplayStore(a.client);
      const key = unique('lifecycle');
      expect(await store.claim(key, 'first', MINUTE)).toBe('claimed');
      expect(await a.command('GET', `hookguard:${key}`)).toBe('claim:first');
      expect(await store.claim(key, 'second', MINUTE)).toBe('in_progress');
      await store.complete(key, 'first', 10 * MINUTE);
      expect(await a.command('GET', `hookguard:${key}`)).toBe('done');
      expect(await store.claim(key, 'third', MINUTE)).toBe('done');
    });

    it('keeps a claim for the claim TTL and done for the done TTL', async () => {
      const store = redisReplayStore(a.client, { prefix: '' });
      const key = unique('ttl');
      await store.claim(key, 't', MINUTE);
      const claimed = await state(a, key);
      expect(claimed.pttl).toBeGreaterThan(0);
      expect(claimed.pttl).toBeLessThanOrEqual(MINUTE);
      await store.complete(key, 't', 10 * MINUTE);
      const done = await state(a, key);
      expect(done.pttl).toBeGreaterThan(MINUTE);
      expect(done.pttl).toBeLessThanOrEqual(10 * MINUTE);
    });

    it('lets a claim expire after its TTL, so the delivery can be claimed again', async () => {
      const store = redisReplayStore(a.client, { prefix: '' });
      const key = unique('claim-expiry');
      expect(await store.claim(key, 'crashed', 50)).toBe('claimed');
      expect((await state(a, key)).pttl).toBeLessThanOrEqual(50);
      await until(async () => (await a.command('EXISTS', key)) === 0, 'the claim to expire');
      expect(await store.claim(key, 'retry', MINUTE)).toBe('claimed');
    });

    it('lets done expire after its TTL', async () => {
      const store = redisReplayStore(a.client, { prefix: '' });
      const key = unique('done-expiry');
      await store.claim(key, 't', MINUTE);
      await store.complete(key, 't', 50);
      expect(await store.claim(key, 'early', MINUTE)).toBe('done');
      expect((await state(a, key)).pttl).toBeLessThanOrEqual(50);
      await until(async () => (await a.command('EXISTS', key)) === 0, 'done to expire');
      expect(await store.claim(key, 'late', MINUTE)).toBe('claimed');
    });

    it('never lets a late release delete a newer claim', async () => {
      const store = redisReplayStore(a.client, { prefix: '' });
      const key = unique('late-release');
      await store.claim(key, 'old', 50);
      await until(async () => (await a.command('EXISTS', key)) === 0, 'the old claim to expire');
      expect(await store.claim(key, 'new', MINUTE)).toBe('claimed');
      await store.release(key, 'old');
      expect(await a.command('GET', key)).toBe('claim:new');
      expect(await store.claim(key, 'third', MINUTE)).toBe('in_progress');
      await store.release(key, 'new');
      expect(await a.command('EXISTS', key)).toBe(0);
      expect(await store.claim(key, 'third', MINUTE)).toBe('claimed');
    });

    it('never lets a release delete done, and releases an absent key quietly', async () => {
      const store = redisReplayStore(a.client, { prefix: '' });
      const key = unique('release-done');
      await store.claim(key, 't', MINUTE);
      await store.complete(key, 't', MINUTE);
      await store.release(key, 't');
      expect(await store.claim(key, 'u', MINUTE)).toBe('done');
      await expect(store.release(unique('absent'), 't')).resolves.toBeUndefined();
    });

    it('still releases after Redis forgot the script (EVALSHA falls back to EVAL)', async () => {
      const store = redisReplayStore(a.client, { prefix: '' });
      const key = unique('noscript');
      expect(await a.command('SCRIPT', 'FLUSH')).toBe('OK');
      await store.claim(key, 't', MINUTE);
      await store.release(key, 't');
      expect(await a.command('EXISTS', key)).toBe(0);
      expect(await a.command('SCRIPT', 'EXISTS', RELEASE_SCRIPT_SHA1)).toEqual([1]);
      expect(await a.command('SCRIPT', 'LOAD', RELEASE_SCRIPT)).toBe(RELEASE_SCRIPT_SHA1);
    });

    it('rounds a fractional TTL up to whole milliseconds', async () => {
      const store = redisReplayStore(a.client, { prefix: '' });
      const key = unique('fraction');
      expect(await store.claim(key, 't', MINUTE - 0.5)).toBe('claimed');
      expect((await state(a, key)).pttl).toBeLessThanOrEqual(MINUTE);
      await store.complete(key, 't', 2 * MINUTE + 0.25);
      expect((await state(a, key)).pttl).toBeGreaterThan(2 * MINUTE - 1000);
    });

    it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])(
      'rejects a TTL of %s with a RangeError and writes nothing',
      async (ttl) => {
        const store = redisReplayStore(a.client, { prefix: '' });
        const key = unique('bad-ttl');
        await expect(store.claim(key, 't', ttl)).rejects.toThrow(RangeError);
        await expect(store.complete(key, 't', ttl)).rejects.toThrow(RangeError);
        expect(await a.command('EXISTS', key)).toBe(0);
      },
    );

    it('keeps stores with different prefixes apart', async () => {
      const key = unique('shared');
      const tenantA = redisReplayStore(a.client, { prefix: 'tenant-a:' });
      const tenantB = redisReplayStore(b.client, { prefix: 'tenant-b:' });
      expect(await tenantA.claim(key, 't', MINUTE)).toBe('claimed');
      expect(await tenantB.claim(key, 't', MINUTE)).toBe('claimed');
      await tenantA.complete(key, 't', MINUTE);
      expect(await tenantB.claim(key, 'u', MINUTE)).toBe('in_progress');
      await tenantB.release(key, 't');
      expect(await a.command('GET', `tenant-a:${key}`)).toBe('done');
      expect(await a.command('EXISTS', `tenant-b:${key}`)).toBe(0);
      expect(await redisReplayStore(a.client).claim(key, 't', MINUTE)).toBe('claimed');
    });

    it('rejects with the Redis error when a key holds another type', async () => {
      const store = redisReplayStore(a.client, { prefix: '' });
      const key = unique('list');
      await a.command('RPUSH', key, 'not a replay entry');
      await expect(store.claim(key, 't', MINUTE)).rejects.toThrow(/WRONGTYPE/);
      await expect(store.release(key, 't')).rejects.toThrow(/WRONGTYPE/);
    });

    it('grants exactly one of 100 concurrent claims made over two connections', async () => {
      const stores = [redisReplayStore(a.client), redisReplayStore(b.client)];
      for (const key of [unique('race-1'), unique('race-2'), unique('race-3')]) {
        const answers = await Promise.all(
          Array.from({ length: 100 }, (_, i) => stores[i % 2]?.claim(key, `t${i}`, MINUTE)),
        );
        expect(answers.filter((answer) => answer === 'claimed')).toHaveLength(1);
        expect(answers.filter((answer) => answer === 'in_progress')).toHaveLength(99);
      }
    });

    it('handles a delivery once across two receivers sharing Redis (through replayGuard)', async () => {
      const prefix = `${unique('guard')}:`;
      const guards = [a, b].map((client) =>
        replayGuard(scheme, { store: redisReplayStore(client.client, { prefix }) }),
      );
      const first = await delivery('msg_guard');
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => guards[i % 2]?.claim(first)),
      );
      const handled = results.flatMap((result) =>
        result.status === 'fulfilled' && result.value && !result.value.duplicate
          ? [result.value]
          : [],
      );
      expect(handled).toHaveLength(1);
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason.code).toBe('delivery_in_progress');
      }
      await handled[0]?.settle(200);
      expect(await guards[1]?.claim(first)).toEqual({ duplicate: true });
      expect(await a.command('GET', `${prefix}standard-webhooks:msg_guard`)).toBe('done');
    });

    it('round-trips any key and token (unicode, spaces, colons) through claim, complete and release', async () => {
      const text = fc.oneof(
        fc.string({ unit: 'binary' }),
        fc.constantFrom('', ' ', ':', 'a b:c', '\r\n', '*', '[x]', '"', '✓ ünïcødé 🎉'),
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(text, text, text, text, async (key, sibling, token, other) => {
          fc.pre(key !== sibling && token !== other);
          const prefix = `${unique('prop')}:${run++}:`;
          const store = redisReplayStore(a.client, { prefix });
          const peer = redisReplayStore(b.client, { prefix });
          expect(await store.claim(key, token, MINUTE)).toBe('claimed');
          expect(await b.command('GET', prefix + key)).toBe(`claim:${token}`);
          expect(await peer.claim(key, other, MINUTE)).toBe('in_progress');
          await peer.release(key, other);
          expect(await peer.claim(key, other, MINUTE)).toBe('in_progress');
          await store.release(key, token);
          expect(await peer.claim(key, other, MINUTE)).toBe('claimed');
          await peer.complete(key, other, MINUTE);
          expect(await store.claim(key, token, MINUTE)).toBe('done');
          expect(await store.claim(sibling, token, MINUTE)).toBe('claimed');
        }),
        { numRuns: 50 },
      );
    });
  });

  it('shares state between every client library over one Redis', async () => {
    const clients = await Promise.all(clientKinds.map((kind) => kind.connect(server)));
    try {
      const stores = clients.map((client) => redisReplayStore(client.client, { prefix: 'mix:' }));
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          stores[i % stores.length]?.claim('one-key', `t${i}`, MINUTE),
        ),
      );
      expect(answers.filter((answer) => answer === 'claimed')).toHaveLength(1);
      await stores[0]?.complete('one-key', 't', MINUTE);
      for (const store of stores) expect(await store.claim('one-key', 'u', MINUTE)).toBe('done');
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  });
});
