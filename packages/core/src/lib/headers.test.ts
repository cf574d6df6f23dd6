import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDigits } from './headers.js';

describe('isDigits', () => {
  it('agrees with /^\\d+$/ on any text, digit-heavy or not', () => {
    const digitsAndNoise = fc.string({
      unit: fc.oneof(fc.constantFrom(...'0123456789'), fc.constantFrom('/', ':', ' ', '٣', '-')),
    });
    fc.assert(
      fc.property(fc.oneof(digitsAndNoise, fc.string({ unit: 'binary' })), (text) => {
        expect(isDigits(text)).toBe(/^\d+$/.test(text));
      }),
      { numRuns: 500 },
    );
  });
});
