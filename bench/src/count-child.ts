import { isDeepStrictEqual } from 'node:util';

// One side of one row, called `calls` times in a loop, for count.ts to run under callgrind:
//   node --single-threaded --import tsx src/count-child.ts stripe hookguard 36000
// Rows are scheme-cases.ts's ids, or standard-webhooks-<bytes> (verifiers.ts's hookguard-node
// against its baseline, on a delivery of that many bytes).
const [row = '', side = '', callsArg = ''] = process.argv.slice(2);
const calls = Number(callsArg);
if (!['hookguard', 'baseline'].includes(side) || !Number.isSafeInteger(calls) || calls < 1) {
  throw new Error('usage: count-child <row> hookguard|baseline <calls>');
}

/** What the loop calls, and what it must give for the valid request and the tampered one. */
interface Subject {
  call: () => unknown;
  refused: () => unknown;
  outcome(result: unknown): unknown;
  expected: unknown;
}

const STANDARD = /^standard-webhooks-(\d+)$/;

const subject = async (): Promise<Subject> => {
  const size = STANDARD.exec(row)?.[1];
  // Each kind of row loads only its own modules: the rest would only slow start-up under valgrind.
  if (size !== undefined) {
    const [{ sign, tampered }, { jsonPayload }, { createCases }] = await Promise.all([
      import('./deliveries.js'),
      import('./payloads.js'),
      import('./verifiers.js'),
    ]);
    const id = side === 'hookguard' ? 'hookguard-node' : 'baseline';
    const verifier = (await createCases()).find((candidate) => candidate.id === id);
    if (!verifier) throw new Error(`No verifier ${id}`);
    const body = jsonPayload(Number(size));
    const delivery = sign(body);
    return {
      call: verifier.make(delivery),
      refused: verifier.make(tampered(delivery)),
      outcome: verifier.outcome,
      expected: JSON.parse(body.toString()),
    };
  }
  const { createSchemeCases } = await import('./scheme-cases.js');
  const found = (await createSchemeCases()).find((candidate) => candidate.id === row);
  if (!found) throw new Error(`No row ${row}`);
  const chosen = side === 'hookguard' ? found.hookguard : found.baseline;
  const request = found.request();
  return {
    call: chosen.make(request),
    refused: chosen.make(found.tampered(request)),
    outcome: chosen.outcome,
    expected: found.expected(request),
  };
};

// verify.ts has one too, but importing it loads every verifier's library.
const settle = async (run: () => unknown) => {
  try {
    return { ok: true, value: await run() } as const;
  } catch {
    return { ok: false } as const;
  }
};

const { call, refused, outcome, expected } = await subject();
const first = call();
const good = await settle(() => first);
if (!good.ok || !isDeepStrictEqual(outcome(good.value), expected)) {
  throw new Error(`${row} ${side} does not accept its valid request`);
}
if ((await settle(refused)).ok) throw new Error(`${row} ${side} accepts the tampered request`);

// Called as a receiver calls it: awaited if it answers with a promise, plainly if not. Each
// result is read, so no call can be dropped as unused.
const field = Object.keys(expected as object)[0] ?? '';
const read = (result: unknown) =>
  (outcome(result) as Record<string, unknown>)[field] === undefined ? 0 : 1;
let sink = 0;
if (first instanceof Promise) {
  for (let i = 0; i < calls; i++) sink += read(await call());
} else {
  for (let i = 0; i < calls; i++) sink += read(call());
}
if (sink !== calls) throw new Error(`${row} ${side}: ${calls - sink} results lacked ${field}`);
