// The demo's oversized row once failed most runs on some machines (`0 write EPIPE`): each
// receiver answers 413 and closes while the body is still arriving, and the client lost
// that answer to the reset. Hammer that case against every example receiver, with the
// demo's own 2 MiB body and with one far larger than loopback socket buffers hold, so the
// receiver answers and resets mid-upload on any machine. Every attempt must read the 413.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADAPTERS,
  attempt,
  format,
  oversized,
  type Receiver,
  startReceiver,
  stopReceiver,
} from '../../scripts/demo-support.ts';

const RUNS = 50;
const MiB = 1024 * 1024;

describe.each(ADAPTERS)('the demo client against examples/%s', (adapter) => {
  let receiver: Receiver | undefined;
  beforeAll(async () => {
    receiver = await startReceiver(adapter);
  });
  afterAll(() => {
    if (receiver) stopReceiver(receiver);
  });

  it.each([2, 8])(`reads the 413 for a %i MiB body ${RUNS} times in a row`, async (size) => {
    const testCase = oversized(size * MiB);
    const base = receiver?.base ?? '';
    const answers: string[] = [];
    for (let run = 0; run < RUNS; run++) answers.push(format(await attempt(testCase, base)));
    const tally: Record<string, number> = {};
    for (const answer of answers) tally[answer] = (tally[answer] ?? 0) + 1;
    expect(tally).toEqual({ [format(testCase.expected)]: RUNS });
  });
});
