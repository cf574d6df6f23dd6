import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digitsValue, isDigits } from './headers.js';

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

describe('digitsValue', () => {
  it('is the number a digit string spells, and -1 for anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }).map(String),
          fc.string({ unit: fc.constantFrom(...'0123456789 +-.e:x'.split('')), maxLength: 12 }),
        ),
        (text) => {
          expect(digitsValue(text)).toBe(/^\d+$/.test(text) ? Number(text) : -1);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
