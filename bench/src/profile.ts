import { sign } from './deliveries.js';
import { jsonPayload } from './payloads.js';
import { createSchemeCases, SCHEME_IDS, type SchemeId } from './scheme-cases.js';
import { CASE_IDS, type CaseId, createCases } from './verifiers.js';

// Runs one verifier in a tight loop for a CPU profile (from bench/):
//   pnpm bench:profile hookguard-node 1024 5   (node --cpu-prof into profiles/)
//   pnpm bench:profile scheme:twilio           (a row of part 4; scheme:twilio:baseline for its baseline)
//   pnpm bench:hot-frames profiles            (self time per function, busiest profile there)
const [id = 'hookguard-node', size = '1024', seconds = '5'] = process.argv.slice(2);

const schemeCall = async (spec: string) => {
  const [, row = '', side = 'hookguard'] = spec.split(':');
  if (
    !(SCHEME_IDS as readonly string[]).includes(row) ||
    !['hookguard', 'baseline'].includes(side)
  ) {
    throw new Error(`Unknown row ${spec}; scheme:<row>[:baseline], rows: ${SCHEME_IDS.join(', ')}`);
  }
  const found = (await createSchemeCases()).find((candidate) => candidate.id === (row as SchemeId));
  if (!found) throw new Error(`No row ${row}`);
  // The body size is fixed (1 KiB); Linear's window is 60 s, so profile it for less than that.
  return (side === 'baseline' ? found.baseline : found.hookguard).make(found.request());
};

const verifierCall = async () => {
  if (!(CASE_IDS as readonly string[]).includes(id)) {
    throw new Error(`Unknown case ${id}; one of: ${CASE_IDS.join(', ')}, or scheme:<row>`);
  }
  const verifier = (await createCases()).find((candidate) => candidate.id === (id as CaseId));
  if (!verifier) throw new Error(`No case ${id}`);
  return verifier.make(sign(jsonPayload(Number(size))));
};

const call = id.startsWith('scheme:') ? await schemeCall(id) : await verifierCall();
const end = performance.now() + Number(seconds) * 1000;
let calls = 0;
while (performance.now() < end) {
  for (let i = 0; i < 1000; i++) await call();
  calls += 1000;
}
console.log(
  `${id} at ${size} B: ${calls} calls, ${((Number(seconds) * 1e9) / calls).toFixed(0)} ns/call`,
);
