/**
 * A connected Redis client: an `ioredis` 5 or 6 instance (`Redis` or `Cluster`), or a
 * `redis` (node-redis) 4, 5 or 6 client or client pool.
 *
 * Only the raw-command method each library has is used, so neither library is loaded by
 * hookguard: ioredis's `call(command, ...args)`, or node-redis's `sendCommand(args)`.
 * node-redis cluster and sentinel objects take other `sendCommand` arguments and are refused.
 *
 * @example
 * ```ts
 * import type { RedisClientLike } from '@hookguard/redis';
 * import { Redis } from 'ioredis';
 * import { createClient } from 'redis';
 *
 * const viaIoredis: RedisClientLike = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * const nodeRedis = createClient({ url: process.env.REDIS_URL });
 * await nodeRedis.connect(); // node-redis sends nothing until connected
 * const viaNodeRedis: RedisClientLike = nodeRedis;
 * ```
 */
export type RedisClientLike =
  | { call(command: string, ...args: string[]): Promise<unknown> }
  | { sendCommand(args: string[]): Promise<unknown> };

/**
 * Sends one command, as `['SET', key, value, …]`, and resolves with Redis's reply.
 *
 * @example
 * ```ts
 * const send: SendCommand = commandSender(client);
 * await send(['GET', 'hookguard:standard-webhooks:msg_1']);
 * ```
 */
export type SendCommand = (args: [command: string, ...args: string[]]) => Promise<unknown>;

const method = (client: object, name: string): boolean =>
  typeof (client as Record<string, unknown>)[name] === 'function';

/**
 * Picks how to send raw commands through `client`, by what it can do: ioredis clients have
 * `call` (they also have a `sendCommand` that takes a command object, so `call` is checked
 * first); node-redis clients have `sendCommand` and no `call`. Throws a TypeError for
 * anything else.
 *
 * @example
 * ```ts
 * const send = commandSender(new Redis());
 * await send(['PING']); // 'PONG'
 * ```
 */
export function commandSender(client: RedisClientLike): SendCommand {
  if (typeof client !== 'object' || client === null) {
    throw new TypeError('client must be an ioredis or node-redis client.');
  }
  if ('call' in client && method(client, 'call')) {
    return ([command, ...args]) => client.call(command, ...args);
  }
  if ('sendCommand' in client && method(client, 'sendCommand')) {
    if (method(client, 'getSlotMaster') || method(client, 'getMasterNode')) {
      throw new TypeError(
        'A node-redis cluster or sentinel is not supported; pass a client from createClient() (or an ioredis Cluster).',
      );
    }
    return (args) => client.sendCommand(args);
  }
  throw new TypeError(
    'client must be an ioredis or node-redis client (with call() or sendCommand()).',
  );
}
