import { replayKey } from '@hookguard/core';
import { redisReplayStore } from '@hookguard/redis';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type RedisServer,
  skipWithoutRedisServer,
  startRedisServer,
} from '../../packages/redis/src/test-redis-server.ts';
import {
  type Handling,
  type Payload,
  type Receiver,
  type SchemeName,
  schemes,
  startExpressReceiver,
  startHonoReceiver,
} from './receivers.ts';
import { until } from './until.ts';

const PREFIX = 'replay-suite:';

/** A fail-fast client: no offline queue and no resent commands, so an outage rejects at once. */
const connect = async (server: RedisServer): Promise<Redis> => {
  const client = new Redis({
    host: server.host,
    port: server.port,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 25,
  });
  // Connection errors during the outage test are expected; unheard, ioredis logs them.
  client.on('error', () => {});
  await client.connect();
  return client;
};

interface Delivery {
  scheme: SchemeName;
  id: string;
  headers: Record<string, string>;
  body: string;
  /** The key the receivers claim in Redis. */
  key: string;
}

let sequence = 0;
const signed = async (scheme: SchemeName, failFirst?: Payload['failFirst']): Promise<Delivery> => {
  const id = `evt_${scheme}_${sequence++}`;
  const payload: Payload = { id, type: 'order.paid', ...(failFirst ? { failFirst } : {}) };
  const body = JSON.stringify(payload);
  const headers = await schemes[scheme].sign({ body, id: `msg_${id}` });
  const key = PREFIX + (await replayKey(await schemes[scheme].verify({ headers, body })));
  return { scheme, id, headers, body, key };
};

type Answer =
  | { kind: 'handled'; by: string }
  | { kind: 'duplicate' | 'in_progress' | 'store_unavailable' }
  | { kind: 'other'; status: number; body: string };

const send = async (receiver: Receiver, delivery: Delivery): Promise<Answer> => {
  const response = await fetch(`${receiver.origin}/${delivery.scheme}`, {
    method: 'POST',
    headers: { ...delivery.headers, 'content-type': 'application/json' },
    body: delivery.body,
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json')
    ? (JSON.parse(text) as Record<string, unknown>)
    : {};
  const code = (json.error as { code?: string } | undefined)?.code;
  if (response.status === 200 && json.handled === delivery.id) {
    return { kind: 'handled', by: String(json.by) };
  }
  if (response.status === 200 && text === '{"ok":true,"duplicate":true}')
    return { kind: 'duplicate' };
  if (response.status === 409 && code === 'delivery_in_progress') return { kind: 'in_progress' };
  if (response.status === 503 && code === 'replay_store_unavailable') {
    return { kind: 'store_unavailable' };
  }
  return { kind: 'other', status: response.status, body: text };
};

describe.skipIf(skipWithoutRedisServer())(
  'replay across Hono and Express instances sharing one Redis',
  () => {
    let server: RedisServer;
    let inspector: Redis;
    const clients: Redis[] = [];
    const receivers: Receiver[] = [];
    const handling: Handling = { calls: new Map(), holds: new Map() };
    const { calls } = handling;

    beforeAll(async () => {
      server = await startRedisServer();
      inspector = await connect(server);
      const replay = async () => {
        const client = await connect(server);
        clients.push(client);
        return { store: redisReplayStore(client, { prefix: PREFIX }), storeTimeoutMs: 1000 };
      };
      receivers.push(await startHonoReceiver(await replay(), handling));
      receivers.push(await startExpressReceiver(await replay(), handling));
    });

    afterEach(async () => {
      // A test that failed during the outage must not leave the next one without Redis.
      await server.start();
    });

    afterAll(async () => {
      await Promise.all(receivers.map((receiver) => receiver.close()));
      for (const client of [...clients, inspector]) client?.disconnect();
      await server?.close();
    });

    const [hono, express] = [() => receivers[0] as Receiver, () => receivers[1] as Receiver];
    /** Express settles a claim once its response has ended, so the sender can be quicker. */
    const stateIs = (delivery: Delivery, state: 'done' | 'absent') =>
      until(
        () =>
          inspector.get(delivery.key).then(
            (value) => value === (state === 'done' ? 'done' : null),
            () => false,
          ),
        `${delivery.key} to be ${state} in Redis`,
      );

    describe.each(Object.keys(schemes) as SchemeName[])('with %s', (scheme) => {
      it('runs the handler once for 100 concurrent copies spread over both instances', async () => {
        const delivery = await signed(scheme);
        const answers = await Promise.all(
          Array.from({ length: 100 }, (_, index) =>
            send(receivers[index % 2] as Receiver, delivery),
          ),
        );
        expect(calls.get(delivery.id)).toBe(1);
        expect(answers.filter((answer) => answer.kind === 'handled')).toHaveLength(1);
        for (const answer of answers) {
          expect(['handled', 'duplicate', 'in_progress']).toContain(answer.kind);
        }
        await stateIs(delivery, 'done');
        expect([await send(hono(), delivery), await send(express(), delivery)]).toEqual([
          { kind: 'duplicate' },
          { kind: 'duplicate' },
        ]);
        expect(calls.get(delivery.id)).toBe(1);
      });

      it('answers 409 on both instances while one of them is still handling it', async () => {
        const delivery = await signed(scheme);
        let open = () => {};
        handling.holds.set(delivery.id, new Promise<void>((resolve) => (open = resolve)));
        let answered = 0;
        const pending = Array.from({ length: 100 }, (_, index) =>
          send(receivers[index % 2] as Receiver, delivery).then((answer) => {
            answered++;
            return { answer, by: receivers[index % 2]?.name };
          }),
        );
        try {
          // The held handler answers last, so 99 answers come while it is still running.
          await until(async () => answered === 99, '99 answers while the handler is held');
        } finally {
          open();
        }
        const answers = await Promise.all(pending);
        const handled = answers.filter(({ answer }) => answer.kind === 'handled');
        expect(handled).toHaveLength(1);
        const handler = handled[0]?.by;
        const busy = answers.filter(({ answer }) => answer.kind === 'in_progress');
        expect(busy.filter(({ by }) => by === handler)).toHaveLength(49);
        expect(busy.filter(({ by }) => by !== handler)).toHaveLength(50);
        expect(calls.get(delivery.id)).toBe(1);
        await stateIs(delivery, 'done');
        expect([await send(hono(), delivery), await send(express(), delivery)]).toEqual([
          { kind: 'duplicate' },
          { kind: 'duplicate' },
        ]);
      });

      it.each([
        ['Hono', 'Express', 'status'],
        ['Express', 'Hono', 'status'],
        ['Hono', 'Express', 'throw'],
        ['Express', 'Hono', 'throw'],
      ] as const)(
        'handles the retry on %s after the handler on %s failed (%s)',
        async (retriedOn, failedOn, failure) => {
          const byName = { Hono: hono, Express: express };
          const first = byName[failedOn]();
          const second = byName[retriedOn]();
          const delivery = await signed(scheme, failure);
          expect(await send(first, delivery)).toMatchObject({ kind: 'other', status: 500 });
          await stateIs(delivery, 'absent');
          expect(await send(second, delivery)).toEqual({ kind: 'handled', by: second.name });
          await stateIs(delivery, 'done');
          expect([await send(first, delivery), await send(second, delivery)]).toEqual([
            { kind: 'duplicate' },
            { kind: 'duplicate' },
          ]);
          expect(calls.get(delivery.id)).toBe(2);
        },
      );
    });

    it('answers 503 while Redis is down without running handlers, and handles retries once it is back', async () => {
      const before = await signed('standard-webhooks');
      expect(await send(hono(), before)).toEqual({ kind: 'handled', by: 'hono' });

      await server.stop();
      const refused = [await signed('standard-webhooks'), await signed('codaiq')];
      for (const delivery of refused) {
        for (const receiver of receivers) {
          expect(await send(receiver, delivery)).toEqual({ kind: 'store_unavailable' });
        }
        expect(calls.get(delivery.id)).toBeUndefined();
      }

      await server.start();
      // Each instance has its own client; a fresh delivery gets through once that one reconnected.
      for (const receiver of receivers) {
        const probe = await signed('codaiq');
        let answer: Awaited<ReturnType<typeof send>> = { kind: 'store_unavailable' };
        await until(async () => {
          answer = await send(receiver, probe);
          return answer.kind !== 'store_unavailable';
        }, `${receiver.name} to reach Redis again`);
        expect(answer).toEqual({ kind: 'handled', by: receiver.name });
        expect(calls.get(probe.id)).toBe(1);
      }

      const [standard, codaiq] = refused as [Delivery, Delivery];
      expect(await send(express(), standard)).toEqual({ kind: 'handled', by: 'express' });
      expect(await send(hono(), codaiq)).toEqual({ kind: 'handled', by: 'hono' });
      for (const delivery of refused) {
        await stateIs(delivery, 'done');
        for (const receiver of receivers) {
          expect(await send(receiver, delivery)).toEqual({ kind: 'duplicate' });
        }
        expect(calls.get(delivery.id)).toBe(1);
      }
    });
  },
);
