export type { RedisClientLike } from './redis-client.js';
export type { RedisReplayStoreOptions } from './redis-replay-store.js';
export { redisReplayStore } from './redis-replay-store.js';
