import { replayGuard } from '@hookguard/core';
import { Cluster, Redis } from 'ioredis';
import { Cluster as Cluster5 } from 'ioredis5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisReplayStore } from './redis-replay-store.js';
import { type RedisServer, skipWithoutRedisServer, startRedisServer } from './test-redis-server.js';
import { delivery, scheme, until } from './test-support.js';

const MINUTE = 60_000;

describe.skipIf(skipWithoutRedisServer())('redisReplayStore() over an ioredis Cluster', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer({ cluster: true });
    const admin = new Redis(server.port, server.host);
    try {
      await admin.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
      await until(
        async () => String(await admin.call('CLUSTER', 'INFO')).includes('cluster_state:ok'),
        'the one-node cluster to be ready',
      );
    } finally {
      admin.disconnect();
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  describe.each([
    ['ioredis 6', Cluster],
    ['ioredis 5', Cluster5],
  ] as const)('with %s', (name, ClusterClass) => {
    let clients: (Cluster | Cluster5)[] = [];
    beforeAll(async () => {
      clients = [0, 1].map(
        () => new ClusterClass([{ host: server.host, port: server.port }], { lazyConnect: true }),
      );
      await Promise.all(clients.map((client) => client.connect()));
    });
    afterAll(() => {
      for (const client of clients) client.disconnect();
    });

    it('claims, completes, releases only its own claim, and survives SCRIPT FLUSH', async () => {
      const [a, b] = clients.map((client) => redisReplayStore(client, { prefix: `${name}:` }));
      if (!a || !b) throw new Error('two clients expected');
      expect(await a.claim('k', 'first', MINUTE)).toBe('claimed');
      expect(await b.claim('k', 'second', MINUTE)).toBe('in_progress');
      await b.release('k', 'second');
      expect(await a.claim('k', 'third', MINUTE)).toBe('in_progress');
      await clients[0]?.call('SCRIPT', 'FLUSH');
      await a.release('k', 'first');
      expect(await b.claim('k', 'second', MINUTE)).toBe('claimed');
      await b.complete('k', 'second', MINUTE);
      expect(await a.claim('k', 'fourth', MINUTE)).toBe('done');
    });

    it('grants exactly one of 100 concurrent claims over two cluster connections', async () => {
      const stores = clients.map((client) => redisReplayStore(client, { prefix: `${name}:` }));
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) => stores[i % 2]?.claim('race', `t${i}`, MINUTE)),
      );
      expect(answers.filter((answer) => answer === 'claimed')).toHaveLength(1);
    });

    it('handles a delivery once through replayGuard', async () => {
      const store = redisReplayStore(clients[1] as Cluster, { prefix: `${name}:` });
      const guard = replayGuard(scheme, { store });
      const first = await guard.claim(await delivery('msg_cluster'));
      expect(first.duplicate).toBe(false);
      if (!first.duplicate) await first.settle(201);
      expect(await guard.claim(await delivery('msg_cluster'))).toEqual({ duplicate: true });
    });
  });
});
