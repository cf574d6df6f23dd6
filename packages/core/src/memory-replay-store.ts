import type { ClaimResult, ReplayStore } from './replay-store.js';

/**
 * Options for {@link memoryReplayStore}.
 *
 * @example
 * ```ts
 * import type { MemoryReplayStoreOptions } from '@hookguard/core';
 * const options: MemoryReplayStoreOptions = { maxEntries: 50_000 };
 * ```
 */
export interface MemoryReplayStoreOptions {
  /** Most keys kept; when full, the oldest is evicted. Default 10 000. */
  maxEntries?: number;
  /** Clock in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

const DONE = 'done';

/**
 * A {@link ReplayStore} in this process's memory, for a single receiver instance (use
 * `@hookguard/redis` to share one across instances).
 *
 * Bounded: when `maxEntries` keys are held, the oldest is evicted, so under a flood a
 * very old delivery may be handled again rather than memory growing. Expired keys are
 * dropped when touched; there are no timers, so it never keeps a process alive. Every
 * operation is O(1).
 *
 * @example
 * ```ts
 * import { memoryReplayStore } from '@hookguard/core';
 * app.post('/webhooks', verifyWebhook(scheme, { replay: { store: memoryReplayStore() } }), handler);
 * ```
 */
export function memoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('maxEntries must be a whole number, 1 or more.');
  }
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new TypeError('now must be a function.');
  // A Map iterates in insertion order, so its first key is always the oldest entry.
  const entries = new Map<string, { value: string; expiresAt: number }>();

  const read = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  const write = (key: string, value: string, ttlMs: number) => {
    entries.delete(key);
    if (entries.size >= maxEntries) {
      const oldest = entries.keys().next();
      if (!oldest.done) entries.delete(oldest.value);
    }
    entries.set(key, { value, expiresAt: now() + ttlMs });
  };

  return {
    async claim(key, token, ttlMs): Promise<ClaimResult> {
      const entry = read(key);
      if (entry) return entry.value === DONE ? 'done' : 'in_progress';
      write(key, `claim:${token}`, ttlMs);
      return 'claimed';
    },
    async complete(key, _token, ttlMs) {
      write(key, DONE, ttlMs);
    },
    async release(key, token) {
      if (read(key)?.value === `claim:${token}`) entries.delete(key);
    },
  };
}
