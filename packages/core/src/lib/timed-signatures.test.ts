import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebhookVerificationError } from '../errors.js';
import { workos } from '../providers/workos.js';
import { decodeHex, EMPTY } from './bytes.js';
import { MAX_SIGNATURES } from './options.js';
import { parseTimedSignatures, type TimedSignatureFormat } from './timed-signatures.js';

const malformed = (detail: string) => new WebhookVerificationError('malformed_header', detail);

// The header split into entries, then each entry parsed: the reading that in-place parsing
// must agree with on every header.
const bySplitting = (header: string, format: TimedSignatureFormat) => {
  const entries = header
    .split(format.separator)
    .map((entry) => (format.spaced && entry.startsWith(' ') ? entry.slice(1) : entry));
  if (entries.length > MAX_SIGNATURES + 1) {
    throw malformed(`has ${entries.length} entries; at most ${MAX_SIGNATURES + 1} are accepted`);
  }
  let time: string | undefined;
  const signatures: Uint8Array[] = [];
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals < 1) throw malformed(`must be ${format.shape}`);
    const key = entry.slice(0, equals);
    const value = entry.slice(equals + 1);
    if (key === format.time) {
      if (time !== undefined) throw malformed(`has more than one ${format.time}= entry`);
      if (!/^\d+$/.test(value)) {
        throw malformed(`has a ${format.time}= value that is not whole ${format.unit}`);
      }
      time = value;
    } else if (key === format.signature) signatures.push(decodeHex(value) ?? EMPTY);
  }
  if (time === undefined) throw malformed(`has no ${format.time}= timestamp`);
  return { time, timeValue: Number(time), signatures };
};

const outcome = (parse: () => unknown) => {
  try {
    return parse();
  } catch (error) {
    return (error as Error).message;
  }
};

const formats: [string, TimedSignatureFormat][] = [
  ['Stripe', { time: 't', signature: 'v1', separator: ',' }],
  ['Paddle', { time: 'ts', signature: 'h1', separator: ';' }],
  ['WorkOS', { time: 't', signature: 'v1', separator: ',', spaced: true }],
].map(([name, spec]) => [
  name as string,
  { ...(spec as object), unit: 'seconds', shape: 'key=value pairs', malformed },
]) as [string, TimedSignatureFormat][];

// Headers built from the pieces these formats are made of, so most are nearly valid.
const piece = fc.constantFrom(
  't',
  'ts',
  'v1',
  'h1',
  'x',
  '=',
  ',',
  ';',
  ' ',
  '17',
  'ab',
  '0f',
  'A',
);
const header = fc.oneof(
  fc.array(piece, { maxLength: 16 }).map((pieces) => pieces.join('')),
  fc
    .array(
      fc.tuple(fc.constantFrom('t', 'ts', 'v1', 'h1', 'k'), fc.stringMatching(/^[0-9a-f]{0,8}$/)),
    )
    .chain((pairs) =>
      fc
        .constantFrom(',', ';', ', ')
        .map((joint) => pairs.map(([k, v]) => `${k}=${v}`).join(joint)),
    ),
  fc.integer({ min: 30, max: 40 }).map((n) => `t=1${',v1=aa'.repeat(n)}`),
);

describe('parseTimedSignatures', () => {
  it.each(formats)('reads any %s-style header in place as splitting it would', (_, format) => {
    fc.assert(
      fc.property(header, (text) => {
        expect(outcome(() => parseTimedSignatures(text, format))).toEqual(
          outcome(() => bySplitting(text, format)),
        );
      }),
      { numRuns: 3000 },
    );
  });
});

describe('WorkOS joined copies', () => {
  // Two copies of the header joined by ", " show as a second t= entry.
  const twoTimes = (value: string) =>
    value
      .split(',')
      .map((entry) => (entry.startsWith(' ') ? entry.slice(1) : entry))
      .filter((entry) => entry.startsWith('t=')).length > 1;

  it('refuses a header as sent twice exactly when two of its entries are t=', async () => {
    const scheme = workos({ secret: 'wk_secret', now: () => 1 });
    await fc.assert(
      fc.asyncProperty(header, async (text) => {
        const message = await scheme
          .verify({ headers: { 'workos-signature': text }, body: '{}' })
          .then(
            () => '',
            (error: Error) => error.message,
          );
        expect(message.includes('sent more than once')).toBe(twoTimes(text));
      }),
      { numRuns: 1000 },
    );
  });
});
