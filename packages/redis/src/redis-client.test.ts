import { Cluster, Redis as Ioredis } from 'ioredis';
import { Redis as Ioredis5 } from 'ioredis5';
import { createClient, createClientPool, createCluster, createSentinel } from 'redis';
import { createClient as createClient4, createCluster as createCluster4 } from 'redis4';
import { createClient as createClient5, createCluster as createCluster5 } from 'redis5';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { commandSender, type RedisClientLike } from './redis-client.js';

// None of these objects connect until told to, so no server is needed here; the
// Redis-backed suites check that the chosen method really sends commands.
const rootNodes = [{ url: 'redis://127.0.0.1:1' }];

describe('RedisClientLike', () => {
  it('accepts clients of every supported library and refuses node-redis clusters (types)', () => {
    expectTypeOf<Ioredis>().toExtend<RedisClientLike>();
    expectTypeOf<Ioredis5>().toExtend<RedisClientLike>();
    expectTypeOf<Cluster>().toExtend<RedisClientLike>();
    expectTypeOf<ReturnType<typeof createClient>>().toExtend<RedisClientLike>();
    expectTypeOf<ReturnType<typeof createClient5>>().toExtend<RedisClientLike>();
    expectTypeOf<ReturnType<typeof createClient4>>().toExtend<RedisClientLike>();
    expectTypeOf<ReturnType<typeof createClientPool>>().toExtend<RedisClientLike>();
    expectTypeOf<ReturnType<typeof createCluster>>().not.toExtend<RedisClientLike>();
    expectTypeOf<ReturnType<typeof createCluster4>>().not.toExtend<RedisClientLike>();
    expectTypeOf<ReturnType<typeof createSentinel>>().not.toExtend<RedisClientLike>();
  });
});

describe('commandSender()', () => {
  it.each([
    ['ioredis 6', () => new Ioredis({ lazyConnect: true })],
    ['ioredis 5', () => new Ioredis5({ lazyConnect: true })],
    ['ioredis Cluster', () => new Cluster([], { lazyConnect: true })],
    ['node-redis 6', () => createClient()],
    ['node-redis 5', () => createClient5()],
    ['node-redis 4', () => createClient4()],
    ['node-redis 6 pool', () => createClientPool()],
  ])('accepts a %s client', (_name, make) => {
    expect(commandSender(make())).toBeTypeOf('function');
  });

  it.each([
    ['node-redis 6 cluster', () => createCluster({ rootNodes })],
    ['node-redis 5 cluster', () => createCluster5({ rootNodes })],
    ['node-redis 4 cluster', () => createCluster4({ rootNodes })],
    [
      'node-redis 6 sentinel',
      () => createSentinel({ name: 'main', sentinelRootNodes: [{ host: '127.0.0.1', port: 1 }] }),
    ],
  ])('refuses a %s with a TypeError naming what to pass instead', (_name, make) => {
    expect(() => commandSender(make() as unknown as RedisClientLike)).toThrow(
      /cluster or sentinel is not supported; pass a client from createClient\(\)/,
    );
  });

  it.each([
    null,
    undefined,
    'redis://127.0.0.1:6379',
    {},
    { call: 'not a function' },
    { sendCommand: 1 },
  ])('refuses %j with a TypeError', (value) => {
    expect(() => commandSender(value as unknown as RedisClientLike)).toThrow(TypeError);
  });
});
