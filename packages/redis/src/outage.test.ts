import { replayGuard } from '@hookguard/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisReplayStore } from './redis-replay-store.js';
import { clientKinds, type TestClient } from './test-clients.js';
import { type RedisServer, skipWithoutRedisServer, startRedisServer } from './test-redis-server.js';
import { delivery, expectCode, scheme, until } from './test-support.js';

const MINUTE = 60_000;

describe.skipIf(skipWithoutRedisServer())('redisReplayStore() when Redis goes down', () => {
  let server: RedisServer;
  let client: TestClient | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
    // A failed test must not leave the next one without a server.
    await server.start();
  });
  afterAll(async () => {
    await server?.close();
  });

  const reconnected = (store: ReturnType<typeof redisReplayStore>) =>
    until(
      () =>
        store.claim('probe', 'probe', 1000).then(
          () => true,
          () => false,
        ),
      'the client to reconnect',
    );

  describe.each(clientKinds)('with $name', (kind) => {
    it('rejects every operation while Redis is down, then works again once it is back', async () => {
      client = await kind.connect(server);
      const store = redisReplayStore(client.client, { prefix: `${kind.name}:fail-fast:` });
      const guard = replayGuard(scheme, { store, storeTimeoutMs: 1000 });
      expect(await store.claim('before', 't', MINUTE)).toBe('claimed');

      await server.stop();
      await expect(store.claim('during', 't', MINUTE)).rejects.toThrow();
      await expect(store.complete('during', 't', MINUTE)).rejects.toThrow();
      await expect(store.release('before', 't')).rejects.toThrow();
      await expectCode(guard.claim(await delivery('msg_outage')), 'replay_store_unavailable');

      await server.start();
      await reconnected(store);
      const claim = await guard.claim(await delivery('msg_outage'));
      expect(claim.duplicate).toBe(false);
      if (!claim.duplicate) await claim.settle(200);
      expect(await guard.claim(await delivery('msg_outage'))).toEqual({ duplicate: true });
    });

    it('answers replay_store_unavailable by timeout when the library queues commands offline', async () => {
      client = await kind.connect(server, { failFast: false });
      const store = redisReplayStore(client.client, { prefix: `${kind.name}:queued:` });
      const guard = replayGuard(scheme, { store, storeTimeoutMs: 200 });

      await server.stop();
      await expectCode(guard.claim(await delivery('msg_queued')), 'replay_store_unavailable');

      await server.start();
      await reconnected(store);
      const claim = await guard.claim(await delivery('msg_after_outage'));
      expect(claim.duplicate).toBe(false);
    });
  });
});
