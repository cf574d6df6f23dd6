import type { ClaimResult, ReplayStore } from '@hookguard/core';
import { commandSender, type RedisClientLike } from './redis-client.js';
import { RELEASE_SCRIPT, RELEASE_SCRIPT_SHA1 } from './release-script.js';

/**
 * Options for {@link redisReplayStore}.
 *
 * @example
 * ```ts
 * import type { RedisReplayStoreOptions } from '@hookguard/redis';
 * const options: RedisReplayStoreOptions = { prefix: 'billing-api:hookguard:' };
 * ```
 */
export interface RedisReplayStoreOptions {
  /** Put before every key, so several receivers (or apps) can share one Redis. Default `'hookguard:'`. */
  prefix?: string;
}

const DONE = 'done';

const text = (reply: unknown): string | null => {
  if (typeof reply === 'string') return reply;
  // node-redis answers with Buffers when the client was set up to map strings to them.
  if (reply instanceof Uint8Array) return new TextDecoder().decode(reply);
  return null;
};

const milliseconds = (ttlMs: number): string => {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError('ttlMs must be a positive number of milliseconds.');
  }
  // PX takes whole milliseconds; rounding up never expires a key early.
  return String(Math.ceil(ttlMs));
};

const isNoScript = (error: unknown): boolean =>
  error instanceof Error && error.message.startsWith('NOSCRIPT');

/**
 * A {@link ReplayStore} in Redis, shared by every receiver instance connected to it, so
 * each delivery is handled once across all of them.
 *
 * A claim is `SET <prefix><key> claim:<token> PX <ttl> NX` (atomic: of concurrent claims
 * exactly one wins), done is `SET <prefix><key> done PX <ttl>`, and a release deletes the
 * key in a Lua script only while it still holds this claim's token. Redis errors reject,
 * and `replayGuard` answers them with 503 so the sender retries.
 *
 * Give the client short reconnect delays and no offline queue (ioredis
 * `enableOfflineQueue: false`, node-redis `disableOfflineQueue: true`): otherwise a claim
 * queued during an outage can still be written after the guard gave up on it, and the
 * delivery's retries get 409 until that claim expires.
 *
 * @example
 * ```ts
 * import { redisReplayStore } from '@hookguard/redis';
 * import { Redis } from 'ioredis';
 *
 * const redis = new Redis('redis://127.0.0.1:6379', { enableOfflineQueue: false });
 * const store = redisReplayStore(redis, { prefix: 'billing-api:hookguard:' });
 * app.post('/webhooks', verifyWebhook(scheme, { replay: { store } }), handler);
 * ```
 */
export function redisReplayStore(
  client: RedisClientLike,
  options: RedisReplayStoreOptions = {},
): ReplayStore {
  const send = commandSender(client);
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('options must be an object.');
  }
  const prefix = options.prefix ?? 'hookguard:';
  if (typeof prefix !== 'string') throw new TypeError('prefix must be a string.');

  const deleteIfHolds = async (key: string, value: string) => {
    const args = ['1', key, value];
    try {
      await send(['EVALSHA', RELEASE_SCRIPT_SHA1, ...args]);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      // Redis forgot the script (restart, SCRIPT FLUSH); EVAL sends it again and caches it.
      await send(['EVAL', RELEASE_SCRIPT, ...args]);
    }
  };

  return {
    async claim(key, token, ttlMs): Promise<ClaimResult> {
      const name = prefix + key;
      const set = await send(['SET', name, `claim:${token}`, 'PX', milliseconds(ttlMs), 'NX']);
      if (text(set) === 'OK') return 'claimed';
      // null here means the key expired between SET and GET: answering in_progress only
      // makes the sender retry, where claiming without NX could grant two claims.
      return text(await send(['GET', name])) === DONE ? 'done' : 'in_progress';
    },
    async complete(key, _token, ttlMs) {
      await send(['SET', prefix + key, DONE, 'PX', milliseconds(ttlMs)]);
    },
    async release(key, token) {
      await deleteIfHolds(prefix + key, `claim:${token}`);
    },
  };
}
