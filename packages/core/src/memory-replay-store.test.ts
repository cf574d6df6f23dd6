import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryReplayStore } from './memory-replay-store.js';

const clock = (start = 0) => {
  let time = start;
  return { now: () => time, advance: (ms: number) => (time += ms) };
};

describe('memoryReplayStore()', () => {
  it('moves a key from claimed to done and remembers it', async () => {
    const store = memoryReplayStore();
    expect(await store.claim('k', 'a', 1000)).toBe('claimed');
    expect(await store.claim('k', 'b', 1000)).toBe('in_progress');
    await store.complete('k', 'a', 1000);
    expect(await store.claim('k', 'c', 1000)).toBe('done');
  });

  it('releases only the claim made with the same token', async () => {
    const time = clock();
    const store = memoryReplayStore({ now: time.now });
    await store.claim('k', 'old', 100);
    time.advance(100); // the old claim expired...
    expect(await store.claim('k', 'new', 100)).toBe('claimed'); // ...and someone else claimed it
    await store.release('k', 'old'); // a late release from the first claimant
    expect(await store.claim('k', 'third', 100)).toBe('in_progress');
    await store.release('k', 'new');
    expect(await store.claim('k', 'third', 100)).toBe('claimed');
  });

  it('expires claims and done marks after their TTL', async () => {
    const time = clock(1_000);
    const store = memoryReplayStore({ now: time.now });
    await store.claim('k', 'a', 50);
    time.advance(49);
    expect(await store.claim('k', 'b', 50)).toBe('in_progress');
    time.advance(1);
    expect(await store.claim('k', 'b', 50)).toBe('claimed');
    await store.complete('k', 'b', 500);
    time.advance(499);
    expect(await store.claim('k', 'c', 50)).toBe('done');
    time.advance(1);
    expect(await store.claim('k', 'c', 50)).toBe('claimed');
  });

  it('evicts the oldest key when full, and never holds more than maxEntries', async () => {
    const store = memoryReplayStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) await store.claim(key, 't', 10_000);
    await store.complete('a', 't', 10_000); // rewriting a key makes it the newest
    await store.claim('d', 't', 10_000); // evicts b, now the oldest
    expect(await store.claim('b', 't2', 10_000)).toBe('claimed'); // evicts c
    expect(await store.claim('a', 't2', 10_000)).toBe('done');
    expect(await store.claim('d', 't2', 10_000)).toBe('in_progress');
    expect(await store.claim('c', 't2', 10_000)).toBe('claimed');
  });

  it('grants exactly one claim per key however concurrent claims interleave', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.constantFrom('k1', 'k2', 'k3'), { minLength: 1, maxLength: 30 }),
        async (s, keys) => {
          const store = memoryReplayStore();
          const answers = keys.map((key, i) =>
            s
              .schedule(Promise.resolve(), `claim ${key}`)
              .then(() => store.claim(key, `t${i}`, 1000)),
          );
          await s.waitAll();
          const results = await Promise.all(answers);
          for (const key of new Set(keys)) {
            const forKey = results.filter((_, i) => keys[i] === key);
            expect(forKey.filter((r) => r === 'claimed')).toHaveLength(1);
            expect(forKey.filter((r) => r === 'in_progress')).toHaveLength(forKey.length - 1);
          }
        },
      ),
    );
  });

  it.each([0, -1, 1.5])('throws a TypeError for maxEntries %s', (maxEntries) => {
    expect(() => memoryReplayStore({ maxEntries })).toThrow(TypeError);
  });
});
