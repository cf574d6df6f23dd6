import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printfFormat, shellQuote } from './shell.js';

const sh = async (script: string): Promise<Buffer> => {
  const { stdout } = await promisify(execFile)('sh', ['-c', script], { encoding: 'buffer' });
  return stdout;
};

describe('sh quoting, checked by a real sh', () => {
  it('shellQuote makes any string (without NUL) one word, unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0')),
        async (text) => {
          expect((await sh(`printf '%s' ${shellQuote(text)}`)).toString()).toBe(text);
        },
      ),
      { numRuns: 60 },
    );
  });

  it.each([
    ['-', '-'],
    ['-v', '-v'],
    ['--', '--'],
    ['-1', '-1'],
    ['a-b', 'a-b'],
  ])('printfFormat of %j is not read as a printf option', async (text, expected) => {
    const out = await sh(`printf ${shellQuote(printfFormat(Buffer.from(text)))}`);
    expect(out.toString()).toBe(expected);
  });

  it("printfFormat reproduces any bytes exactly with sh's printf", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        const out = await sh(`printf ${shellQuote(printfFormat(bytes))}`);
        expect(out.equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});
