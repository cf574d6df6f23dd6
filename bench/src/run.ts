import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { runHttp } from './http.js';
import { runMemory } from './memory.js';
import { describeMachine, QUICK_LABEL, renderReport } from './report.js';
import { runSchemes } from './schemes.js';
import { evaluateTargets } from './targets.js';
import { runVerify } from './verify.js';

// pnpm bench                      full run: prints the report, rewrites bench/RESULTS.md
// pnpm bench:quick                a few iterations of everything, to prove the code still runs
// options: --only verify,http,memory,schemes   --json <file> (results as JSON)   --no-write
const PARTS = ['verify', 'http', 'memory', 'schemes'] as const;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    json: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const only = values.only?.split(',') ?? [...PARTS];
const unknown = only.filter((part) => !(PARTS as readonly string[]).includes(part));
if (unknown.length > 0)
  throw new Error(`--only takes ${PARTS.join(', ')}; not ${unknown.join(', ')}`);
const runs = (part: (typeof PARTS)[number]) => only.includes(part);
const log = (line: string) => process.stderr.write(`${line}\n`);

if (quick) log(QUICK_LABEL);
const started = performance.now();
const machine = describeMachine();
const results = {
  verify: runs('verify') ? await runVerify({ quick, log }) : [],
  http: runs('http') ? await runHttp({ quick, log }) : [],
  memory: runs('memory') ? await runMemory({ quick, log }) : [],
  schemes: runs('schemes') ? await runSchemes({ quick, log }) : [],
};
const targets = evaluateTargets(results);
const report = renderReport(machine, results, targets, quick);
process.stdout.write(`${report}\n`);
log(`bench finished in ${((performance.now() - started) / 1000).toFixed(0)} s`);

if (values.json) {
  await writeFile(values.json, JSON.stringify({ quick, machine, ...results, targets }, null, 2));
}
// Only a complete full run may stand as the published results.
if (!quick && only.length === PARTS.length && !values['no-write']) {
  const findings = await readFile(new URL('../findings.md', import.meta.url), 'utf8');
  await writeFile(new URL('../RESULTS.md', import.meta.url), `${report}\n${findings}`);
  log('wrote bench/RESULTS.md');
}
