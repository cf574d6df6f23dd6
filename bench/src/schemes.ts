import { isDeepStrictEqual } from 'node:util';
import { measure } from 'mitata';
import { createSchemeCases, type SchemeCase, type SchemeId, type Side } from './scheme-cases.js';
import { median } from './stats.js';
import { gc, settings, settle } from './verify.js';

/** One provider scheme (or API-key method) against its own bare baseline. Times in ns. */
export interface SchemeRow {
  id: SchemeId;
  title: string;
  signs: string;
  bodyBytes: number;
  /** hookguard's call, and what its baseline does. */
  label: string;
  baselineLabel: string;
  /** hookguard accepted the signed request and gave its payload (or the key's principal). */
  accepts: boolean;
  /** hookguard refused a tampered copy (one body byte changed, or an unlisted key). */
  rejectsTampered: boolean;
  /** The same two checks, of the baseline. */
  baselineAccepts: boolean;
  baselineRejectsTampered: boolean;
  /** Medians over rounds of mitata's p50. */
  nsPerOp: number;
  baselineNsPerOp: number;
  /** hookguard's time over its baseline's in the same round, median over rounds. */
  ratio: number;
  /** mitata's p50 in each round, hookguard and baseline, in ns. */
  rounds: number[];
  baselineRounds: number[];
}

export interface SchemesOptions {
  quick: boolean;
  log?: (line: string) => void;
}

// Quick mode as in part 1. Full mode: many short rounds, so that a row's two sides are timed a
// fraction of a second apart and drift on a shared VM moves both alike; batches of 256 calls
// (not mitata's 4,096) keep each measurement near its 80 ms of samples.
const schemeSettings = (quick: boolean) =>
  quick
    ? settings(true).direct
    : {
        rounds: 15,
        measure: { min_cpu_time: 80e6, min_samples: 12, batch_samples: 256, gc },
      };

/** Runs one side once on a valid and once on a tampered request, before any timing. */
const check = async (row: SchemeCase, side: Side) => {
  const valid = row.request();
  const good = await settle(side.make(valid));
  const accepts = good.ok && isDeepStrictEqual(side.outcome(good.value), row.expected(valid));
  const bad = await settle(side.make(row.tampered(valid)));
  return { accepts, rejectsTampered: !bad.ok };
};

type Checked = Awaited<ReturnType<typeof check>>;

const failed: Checked = { accepts: false, rejectsTampered: false };

/**
 * Part 4: every provider scheme of `@hookguard/core` at a 1 KiB body, and the API-key check,
 * each against its own bare `node:crypto` baseline. Each round signs a fresh request per row
 * (inside every window, Linear's 60 s included) and times the row's two sides back to back,
 * in alternating order; the ratio is taken within the round, and its median over rounds kept.
 */
export async function runSchemes(options: SchemesOptions): Promise<SchemeRow[]> {
  const { quick, log = () => {} } = options;
  const { rounds, measure: measureOptions } = schemeSettings(quick);
  const cases = await createSchemeCases();
  const checks = new Map<SchemeId, { hookguard: Checked; baseline: Checked }>();
  for (const row of cases) {
    checks.set(row.id, {
      hookguard: await check(row, row.hookguard),
      baseline: await check(row, row.baseline),
    });
  }
  const passed = (id: SchemeId) => {
    const { hookguard, baseline } = checks.get(id) ?? { hookguard: failed, baseline: failed };
    return (
      hookguard.accepts && hookguard.rejectsTampered && baseline.accepts && baseline.rejectsTampered
    );
  };
  const timed = cases.filter((row) => passed(row.id));
  const times = new Map(
    timed.map((row) => [row.id, { hookguard: [] as number[], base: [] as number[] }]),
  );
  for (let round = 0; round < rounds; round++) {
    for (const row of timed) {
      const request = row.request();
      const sides = round % 2 === 0 ? [row.baseline, row.hookguard] : [row.hookguard, row.baseline];
      const p50 = new Map<Side, number>();
      for (const side of sides)
        p50.set(side, (await measure(side.make(request), measureOptions)).p50);
      times.get(row.id)?.hookguard.push(p50.get(row.hookguard) ?? Number.NaN);
      times.get(row.id)?.base.push(p50.get(row.baseline) ?? Number.NaN);
    }
    log(`schemes: round ${round + 1} of ${rounds} done`);
  }
  return cases.map((row) => {
    const { hookguard, baseline } = checks.get(row.id) ?? {
      hookguard: failed,
      baseline: failed,
    };
    const { hookguard: rounds = [], base: baselineRounds = [] } = times.get(row.id) ?? {};
    return {
      id: row.id,
      title: row.title,
      signs: row.signs,
      bodyBytes: row.bodyBytes,
      label: row.hookguard.label,
      baselineLabel: row.baseline.label,
      accepts: hookguard.accepts,
      rejectsTampered: hookguard.rejectsTampered,
      baselineAccepts: baseline.accepts,
      baselineRejectsTampered: baseline.rejectsTampered,
      nsPerOp: median(rounds),
      baselineNsPerOp: median(baselineRounds),
      ratio: median(rounds.map((time, i) => time / (baselineRounds[i] as number))),
      rounds,
      baselineRounds,
    };
  });
}
