import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unwatch, watch } from './deadlines.js';

describe('deadlines', () => {
  it('fires each watched deadline once, never before its time, and never a cancelled one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ ms: fc.integer({ min: 1, max: 80 }), cancel: fc.boolean() }), {
          minLength: 1,
          maxLength: 12,
        }),
        async (reads) => {
          const started = Date.now();
          const fired: number[][] = reads.map(() => []);
          const expires = reads.map((_, i) => () => void fired[i]?.push(Date.now() - started));
          for (const [i, { ms }] of reads.entries()) watch(expires[i] as () => void, ms);
          for (const [i, { cancel }] of reads.entries()) {
            if (cancel) unwatch(expires[i] as () => void);
          }
          const longest = Math.max(...reads.map(({ ms }) => ms));
          // Past every live deadline plus its sweep's lateness; the assertions are on order only.
          await new Promise((resolve) => setTimeout(resolve, longest + 40));
          for (const [i, { ms, cancel }] of reads.entries()) {
            if (cancel) expect(fired[i]).toEqual([]);
            else {
              expect(fired[i]).toHaveLength(1);
              expect(fired[i]?.[0]).toBeGreaterThanOrEqual(ms);
            }
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it('lets a deadline be cancelled from inside another one as it fires', async () => {
    const fired: string[] = [];
    const second = () => fired.push('second');
    watch(() => {
      fired.push('first');
      unwatch(second);
    }, 5);
    watch(second, 5);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(fired).toEqual(['first']);
  });
});
