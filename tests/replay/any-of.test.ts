// One anyOf() endpoint on five instances (Express 4/5, Fastify 4/5, Hono) sharing one real
// Redis: a signed delivery is handled once across all of them, and key requests, which are
// not deliveries, are never claimed.
import { anyOf, apiKey, replayKey, standardWebhooks } from '@hookguard/core';
import { redisReplayStore } from '@hookguard/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RedisServer,
  skipWithoutRedisServer,
  startRedisServer,
} from '../../packages/redis/src/test-redis-server.ts';
import { type Receiver, receivers } from '../adapters/receivers.ts';
import { until } from './until.ts';

const PREFIX = 'any-of-suite:';
const KEY = 'ck_live_R3d1sSh4r3d0001';
const signed = standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
const trigger = anyOf(apiKey({ header: 'x-api-key', prefix: 'ck_', keys: [KEY] }), signed);

const post = async (receiver: Receiver, headers: Record<string, string>, body: string) => {
  const response = await fetch(receiver.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const json = (await response.json()) as { duplicate?: boolean; error?: { code: string } };
  if (response.status === 200) return json.duplicate ? 'duplicate' : 'handled';
  return `${response.status} ${json.error?.code}`;
};

describe.skipIf(skipWithoutRedisServer())('anyOf across five instances sharing one Redis', () => {
  let server: RedisServer;
  const clients: Redis[] = [];
  const instances: Receiver[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    for (const [, start] of receivers) {
      const client = new Redis({ host: server.host, port: server.port });
      clients.push(client);
      const store = redisReplayStore(client, { prefix: PREFIX });
      instances.push(await start(trigger, { replay: { store } }));
    }
  });

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    for (const client of clients) client.disconnect();
    await server?.close();
  });

  const handledCount = () => instances.reduce((sum, { handled }) => sum + handled.length, 0);
  const inspector = () => clients[0] as Redis;

  it('handles a signed delivery sent to every instance at once exactly once', async () => {
    const body = JSON.stringify({ run: 'wf_1' });
    const headers = await signed.sign({ body, id: 'msg_any_of_1' });
    const before = handledCount();
    const answers = await Promise.all(instances.map((instance) => post(instance, headers, body)));
    expect(answers.filter((answer) => answer === 'handled')).toHaveLength(1);
    for (const answer of answers) {
      expect(['handled', 'duplicate', '409 delivery_in_progress']).toContain(answer);
    }
    expect(handledCount() - before).toBe(1);
    const key = PREFIX + (await replayKey(await signed.verify({ headers, body })));
    // The claim settles as the handler's answer ends, which the client may see first.
    await until(async () => (await inspector().get(key)) === 'done', `${key} to be done`);
  });

  it('never claims a key request: each one is handled, and Redis holds no key for it', async () => {
    const body = JSON.stringify({ run: 'wf_2' });
    const before = handledCount();
    const keysBefore = (await inspector().keys(`${PREFIX}*`)).length;
    for (let round = 0; round < 2; round++) {
      const answers = await Promise.all(
        instances.map((instance) => post(instance, { 'x-api-key': KEY }, body)),
      );
      expect(answers).toEqual(instances.map(() => 'handled'));
    }
    expect(handledCount() - before).toBe(instances.length * 2);
    expect((await inspector().keys(`${PREFIX}*`)).length).toBe(keysBefore);
  });
});
