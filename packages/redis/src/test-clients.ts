import { Redis as Ioredis } from 'ioredis';
import { Redis as Ioredis5 } from 'ioredis5';
import { createClient, createClientPool, RESP_TYPES } from 'redis';
import { createClient as createClient4 } from 'redis4';
import { createClient as createClient5 } from 'redis5';
import type { RedisClientLike } from './redis-client.js';
import type { RedisServer } from './test-redis-server.js';

/**
 * A connected client of one library, as the tests use it.
 *
 * @example
 * ```ts
 * const { client, command, close } = await kind.connect(server);
 * await command('PTTL', 'hookguard:k');
 * ```
 */
export interface TestClient {
  readonly client: RedisClientLike;
  /** Sends a raw command, to look at Redis directly in assertions. */
  command(...args: [string, ...string[]]): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * One Redis client library (and major version) the store must work with.
 *
 * @example
 * ```ts
 * describe.each(clientKinds)('with $name', (kind) => { … });
 * ```
 */
export interface ClientKind {
  readonly name: string;
  /**
   * Connects to `server`. `failFast` (the default) turns the offline queue off and
   * retries nothing, so commands reject at once while Redis is down; `false` keeps the
   * library's defaults (commands wait in a queue). Either way it reconnects every 25 ms.
   */
  connect(server: RedisServer, options?: { failFast?: boolean }): Promise<TestClient>;
}

const RECONNECT_MS = 25;
const ignore = () => {};

interface IoredisOptions {
  host: string;
  port: number;
  lazyConnect: true;
  retryStrategy: () => number;
  enableOfflineQueue?: boolean;
  maxRetriesPerRequest?: number;
}

interface IoredisClient {
  on(event: 'error', listener: () => void): unknown;
  connect(): Promise<void>;
  call(command: string, ...args: string[]): Promise<unknown>;
  disconnect(): void;
}

const ioredisKind = (
  name: string,
  open: (options: IoredisOptions) => IoredisClient,
): ClientKind => ({
  name,
  async connect(server, { failFast = true } = {}) {
    const client = open({
      host: server.host,
      port: server.port,
      lazyConnect: true,
      retryStrategy: () => RECONNECT_MS,
      ...(failFast && { enableOfflineQueue: false, maxRetriesPerRequest: 0 }),
    });
    // Connection errors during an outage are expected; without a listener they are logged.
    client.on('error', ignore);
    await client.connect();
    return {
      client,
      command: (command, ...args) => client.call(command, ...args),
      close: async () => client.disconnect(),
    };
  },
});

/** Buffers read back as text, so assertions read the same for every client. */
const strings = (reply: unknown): unknown =>
  Buffer.isBuffer(reply)
    ? reply.toString('utf8')
    : Array.isArray(reply)
      ? reply.map(strings)
      : reply;

interface NodeRedisOptions {
  socket: { host: string; port: number; reconnectStrategy: () => number };
  disableOfflineQueue: boolean;
}

interface NodeRedisClient {
  on(event: 'error', listener: () => void): unknown;
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  /** v5 and later */
  destroy?(): void;
  /** v4 (pools have only `destroy`) */
  disconnect?(): Promise<void>;
}

const nodeRedisKind = (
  name: string,
  open: (options: NodeRedisOptions) => NodeRedisClient,
): ClientKind => ({
  name,
  async connect(server, { failFast = true } = {}) {
    const client = open({
      socket: { host: server.host, port: server.port, reconnectStrategy: () => RECONNECT_MS },
      disableOfflineQueue: failFast,
    });
    // Without an error listener, node-redis would crash the process on a lost connection.
    client.on('error', ignore);
    await client.connect();
    return {
      client,
      command: async (...args) => strings(await client.sendCommand(args)),
      async close() {
        if (client.destroy) client.destroy();
        else await client.disconnect?.().catch(ignore);
      },
    };
  },
});

/**
 * Every client the store is tested with: ioredis 6 and 5, node-redis 6, 5 and 4, a
 * node-redis 6 client pool, and a node-redis 6 client on RESP3 that answers with Buffers.
 *
 * @example
 * ```ts
 * describe.each(clientKinds)('with $name', (kind) => { … });
 * ```
 */
export const clientKinds: readonly ClientKind[] = [
  ioredisKind('ioredis 6', (options) => new Ioredis(options)),
  ioredisKind('ioredis 5', (options) => new Ioredis5(options)),
  nodeRedisKind('node-redis 6', (options) => createClient(options)),
  nodeRedisKind('node-redis 5', (options) => createClient5(options)),
  nodeRedisKind('node-redis 4', (options) => createClient4(options)),
  nodeRedisKind('node-redis 6 pool', (options) => createClientPool(options)),
  nodeRedisKind('node-redis 6 (RESP3, Buffer replies)', (options) =>
    createClient({ ...options, RESP: 3 }).withTypeMapping({
      [RESP_TYPES.SIMPLE_STRING]: Buffer,
      [RESP_TYPES.BLOB_STRING]: Buffer,
    }),
  ),
];
