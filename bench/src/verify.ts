import { isDeepStrictEqual } from 'node:util';
import { measure } from 'mitata';
import { sign, tampered } from './deliveries.js';
import { jsonPayload, SIZES } from './payloads.js';
import { median } from './stats.js';
import { type CaseId, createCases, type VerifierCase } from './verifiers.js';

/** One verifier at one payload size. Times are medians over rounds of mitata's p50, in ns. */
export interface VerifyRow {
  size: number;
  id: CaseId;
  label: string;
  parses: boolean;
  /** Accepted the correctly signed delivery and returned its payload (or `true`). */
  accepts: boolean;
  /** Refused the same delivery with one body byte changed. */
  rejectsTampered: boolean;
  nsPerOp: number;
  /** Time over the `baseline` row's time in the same round, median over rounds. */
  ratio: number;
  /** mitata's p50 in each round, in ns: rows of one group can be related round by round. */
  rounds: number[];
}

export interface VerifyOptions {
  quick: boolean;
  sizes?: readonly number[];
  log?: (line: string) => void;
}

export type Settled = { ok: true; value: unknown } | { ok: false };

export const settle = async (call: () => unknown): Promise<Settled> => {
  try {
    return { ok: true, value: await call() };
  } catch {
    return { ok: false };
  }
};

/** Runs the case once on a valid and once on a tampered delivery, before any timing. */
const check = async (verifier: VerifierCase, body: Buffer) => {
  const valid = sign(body);
  const good = await settle(verifier.make(valid));
  const expected = verifier.parses ? JSON.parse(body.toString()) : true;
  const accepts = good.ok && isDeepStrictEqual(verifier.outcome(good.value), expected);
  const bad = await settle(verifier.make(tampered(valid)));
  const rejectsTampered = !bad.ok || (!verifier.parses && verifier.outcome(bad.value) === false);
  return { accepts, rejectsTampered };
};

// mitata's fallback for a missing \`gc\` allocates 1 GiB per measurement; run with --expose-gc.
export const gc = typeof globalThis.gc === 'function' ? () => globalThis.gc?.() : false;

// Quick mode only proves the code runs; full mode takes enough samples for stable medians.
// crypto.subtle rows wait on Node's thread pool, whose wake-up latency on a VM drifts over
// seconds: they get many short rounds, back to back, so rows compared are measured close in time.
export const settings = (quick: boolean) => {
  const brief = {
    min_cpu_time: 1e6,
    min_samples: 2,
    max_samples: 3,
    warmup_samples: 1,
    batch_samples: 16,
    gc,
  };
  return quick
    ? { direct: { rounds: 1, measure: brief }, pooled: { rounds: 1, measure: brief } }
    : {
        direct: { rounds: 5, measure: { min_cpu_time: 250e6, min_samples: 12, gc } },
        pooled: { rounds: 15, measure: { min_cpu_time: 50e6, min_samples: 12, gc } },
      };
};

type Group = ReturnType<typeof settings>['direct'];

/**
 * Times `cases` (the baseline first among them) in `rounds` rotated rounds on fresh
 * deliveries; per case, mitata's p50 of each round and its ratio to that round's baseline.
 */
const timeGroup = async (
  cases: VerifierCase[],
  body: Buffer,
  { rounds, measure: options }: Group,
) => {
  const times = new Map<CaseId, number[]>(cases.map((verifier) => [verifier.id, []]));
  const ratios = new Map<CaseId, number[]>(cases.map((verifier) => [verifier.id, []]));
  for (let round = 0; round < rounds; round++) {
    const delivery = sign(body);
    const p50 = new Map<CaseId, number>();
    for (let i = 0; i < cases.length; i++) {
      const verifier = cases[(i + round) % cases.length] as VerifierCase;
      p50.set(verifier.id, (await measure(verifier.make(delivery), options)).p50);
    }
    const base = p50.get('baseline') ?? Number.NaN;
    for (const [id, time] of p50) {
      times.get(id)?.push(time);
      ratios.get(id)?.push(time / base);
    }
  }
  return { times, ratios };
};

/**
 * Part 1: every verifier on every payload size, side by side in one process. Each round signs
 * fresh deliveries (they stay inside every verifier's timestamp window), measures every case
 * in a rotated order, and relates each time to the baseline of that same round.
 */
export async function runVerify(options: VerifyOptions): Promise<VerifyRow[]> {
  const { quick, sizes = SIZES, log = () => {} } = options;
  const groups = settings(quick);
  const cases = await createCases();
  const baseline = cases.find((verifier) => verifier.id === 'baseline');
  if (!baseline) throw new Error('no baseline case');
  const rows: VerifyRow[] = [];
  for (const size of sizes) {
    const body = jsonPayload(size);
    const checks = new Map<CaseId, Awaited<ReturnType<typeof check>>>();
    for (const verifier of cases) checks.set(verifier.id, await check(verifier, body));
    const timed = cases.filter((verifier) => {
      const { accepts, rejectsTampered } = checks.get(verifier.id) ?? {};
      return accepts && rejectsTampered;
    });
    const direct = await timeGroup(
      timed.filter((verifier) => !verifier.pooled),
      body,
      groups.direct,
    );
    const pooled = await timeGroup(
      [baseline, ...timed.filter((verifier) => verifier.pooled)],
      body,
      groups.pooled,
    );
    for (const verifier of cases) {
      const { accepts = false, rejectsTampered = false } = checks.get(verifier.id) ?? {};
      const ok = accepts && rejectsTampered;
      const { times, ratios } = verifier.pooled ? pooled : direct;
      rows.push({
        size,
        id: verifier.id,
        label: verifier.label,
        parses: verifier.parses,
        accepts,
        rejectsTampered,
        nsPerOp: ok ? median(times.get(verifier.id) ?? []) : Number.NaN,
        ratio: ok ? median(ratios.get(verifier.id) ?? []) : Number.NaN,
        rounds: times.get(verifier.id) ?? [],
      });
    }
    log(`verify: ${size} B done`);
  }
  return rows;
}
