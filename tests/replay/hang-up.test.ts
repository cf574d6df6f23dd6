// A client that hangs up must not get a delivery handled twice: once a handler has started,
// its own outcome settles the claim, never the socket. Run on every adapter, with the
// in-memory store and with a real Redis.
import { request } from 'node:http';
import { memoryReplayStore, type ReplayStore, replayKey } from '@hookguard/core';
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
  startFastifyReceiver,
  startHonoReceiver,
} from './receivers.ts';
import { until } from './until.ts';

/** A store that logs settle calls, counts operations in flight and can hold claims. */
const watched = (store: ReplayStore) => {
  const log: string[] = [];
  let inFlight = 0;
  let claimGate: Promise<void> | undefined;
  const track = async <T>(entry: string, operation: () => Promise<T>): Promise<T> => {
    inFlight++;
    try {
      return await operation();
    } finally {
      inFlight--;
      log.push(entry);
    }
  };
  const wrapped: ReplayStore = {
    claim: (key, token, ttl) =>
      track(`claim ${key}`, async () => {
        await claimGate;
        return store.claim(key, token, ttl);
      }),
    complete: (key, token, ttl) => track(`complete ${key}`, () => store.complete(key, token, ttl)),
    release: (key, token) => track(`release ${key}`, () => store.release(key, token)),
  };
  return {
    store: wrapped,
    log,
    inFlight: () => inFlight,
    holdClaims(gate: Promise<void> | undefined) {
      claimGate = gate;
    },
  };
};

type Watched = ReturnType<typeof watched>;

const gate = () => {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
};

interface Delivery {
  scheme: SchemeName;
  id: string;
  headers: Record<string, string>;
  body: string;
  key: string;
}

let sequence = 0;
const signed = async (failFirst?: Payload['failFirst']): Promise<Delivery> => {
  const scheme: SchemeName = sequence % 2 === 0 ? 'standard-webhooks' : 'codaiq';
  const id = `evt_hang_up_${sequence++}`;
  const body = JSON.stringify({ id, type: 'order.paid', ...(failFirst ? { failFirst } : {}) });
  const headers = await schemes[scheme].sign({ body, id: `msg_${id}` });
  const key = await replayKey(await schemes[scheme].verify({ headers, body }));
  return { scheme, id, headers, body, key };
};

/** One request on its own connection; `abort()` hangs up without waiting for the answer. */
const open = (receiver: Receiver, delivery: Delivery) => {
  let answered = false;
  const clientRequest = request(`${receiver.origin}/${delivery.scheme}`, {
    method: 'POST',
    agent: false,
    headers: { ...delivery.headers, 'content-type': 'application/json' },
  });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    clientRequest.on('error', reject);
    clientRequest.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        answered = true;
        resolve({ status: response.statusCode ?? 0, body });
      });
    });
  });
  clientRequest.end(delivery.body);
  return {
    answer,
    answered: () => answered,
    abort() {
      answer.catch(() => {}); // the hang-up is the point
      clientRequest.destroy();
    },
  };
};

const send = (receiver: Receiver, delivery: Delivery) => open(receiver, delivery).answer;

const DUPLICATE = { status: 200, body: '{"ok":true,"duplicate":true}' };

type Start = typeof startHonoReceiver;
const adapters: [string, Start][] = [
  ['Express', startExpressReceiver],
  ['Fastify', startFastifyReceiver],
  ['Hono', startHonoReceiver],
];

const suite = (storeName: string, makeStore: () => ReplayStore) =>
  describe.each(adapters)(`%s with the ${storeName} store`, (_name, start) => {
    let receiver: Receiver;
    let watch: Watched;
    const handling: Handling = { calls: new Map(), holds: new Map() };
    const { calls } = handling;

    afterEach(async () => {
      await receiver?.close();
    });

    const startReceiver = async () => {
      watch = watched(makeStore());
      receiver = await start({ store: watch.store }, handling);
    };

    /** The server saw the hang-up, and every store call it caused has finished. */
    const hungUp = async () => {
      await until(async () => receiver.openConnections() === 0, 'the server to see the hang-up');
      // Node reports the response's 'close' on a later turn than the socket's.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      await until(async () => watch.inFlight() === 0, 'the store calls to finish');
    };

    /** Re-sends and returns its answer, or `undefined` if the handler ran again instead. */
    const resendWhileHeld = async (delivery: Delivery) => {
      const resent = open(receiver, delivery);
      await until(
        async () => resent.answered() || calls.get(delivery.id) !== 1,
        'an answer to the re-send, or a second handler run',
      );
      return resent.answered() ? resent.answer : undefined;
    };

    it('keeps the claim while the handler runs after the client hung up, then marks it done', async () => {
      await startReceiver();
      const delivery = await signed();
      const held = gate();
      handling.holds.set(delivery.id, held.promise);
      const first = open(receiver, delivery);
      try {
        await until(async () => calls.get(delivery.id) === 1, 'the handler to start');
        first.abort();
        await hungUp();
        const answer = await resendWhileHeld(delivery);
        expect(calls.get(delivery.id)).toBe(1);
        expect(answer?.status).toBe(409);
        expect(answer?.body).toContain('"delivery_in_progress"');
      } finally {
        held.open();
      }
      await until(async () => watch.log.includes(`complete ${delivery.key}`), 'the handler to end');
      expect(await send(receiver, delivery)).toEqual(DUPLICATE);
      expect(calls.get(delivery.id)).toBe(1);
      expect(watch.log).not.toContain(`release ${delivery.key}`);
    });

    it.each(['throw', 'status'] as const)(
      'releases it when the handler fails (%s) after the client hung up, so the retry is handled',
      async (failure) => {
        await startReceiver();
        const delivery = await signed(failure);
        const held = gate();
        handling.holds.set(delivery.id, held.promise);
        const first = open(receiver, delivery);
        try {
          await until(async () => calls.get(delivery.id) === 1, 'the handler to start');
          first.abort();
          await hungUp();
          expect((await resendWhileHeld(delivery))?.status).toBe(409);
        } finally {
          held.open();
        }
        await until(async () => watch.log.includes(`release ${delivery.key}`), 'the release');
        expect(JSON.parse((await send(receiver, delivery)).body)).toMatchObject({
          ok: true,
          handled: delivery.id,
        });
        expect(calls.get(delivery.id)).toBe(2);
      },
    );

    it('releases it without running the handler when the client left before it started', async () => {
      await startReceiver();
      const delivery = await signed();
      const claims = gate();
      watch.holdClaims(claims.promise);
      const first = open(receiver, delivery);
      await until(async () => watch.inFlight() === 1, 'the claim to reach the store');
      first.abort();
      await until(async () => receiver.openConnections() === 0, 'the server to see the hang-up');
      watch.holdClaims(undefined);
      claims.open();
      await until(async () => watch.log.includes(`release ${delivery.key}`), 'the release');
      expect(calls.get(delivery.id)).toBeUndefined();
      expect(JSON.parse((await send(receiver, delivery)).body)).toMatchObject({
        handled: delivery.id,
      });
      expect(calls.get(delivery.id)).toBe(1);
    });
  });

suite('in-memory', () => memoryReplayStore());

describe.skipIf(skipWithoutRedisServer())('over a real Redis', () => {
  let server: RedisServer;
  const clients: Redis[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server?.close();
  });

  suite('Redis', () => {
    const client = new Redis({ host: server.host, port: server.port });
    clients.push(client);
    return redisReplayStore(client, { prefix: `hang-up:${sequence}:` });
  });
});
