import { sign } from './deliveries.js';
import { jsonPayload } from './payloads.js';
import { CASE_IDS, type CaseId, createCases } from './verifiers.js';

// Runs one verifier in a tight loop for a CPU profile (from bench/):
//   pnpm bench:profile hookguard-node 1024 5   (node --cpu-prof into profiles/)
//   pnpm bench:hot-frames profiles            (self time per function, busiest profile there)
const [id = 'hookguard-node', size = '1024', seconds = '5'] = process.argv.slice(2);
if (!(CASE_IDS as readonly string[]).includes(id)) {
  throw new Error(`Unknown case ${id}; one of: ${CASE_IDS.join(', ')}`);
}
const verifier = (await createCases()).find((candidate) => candidate.id === (id as CaseId));
if (!verifier) throw new Error(`No case ${id}`);
const call = verifier.make(sign(jsonPayload(Number(size))));
const end = performance.now() + Number(seconds) * 1000;
let calls = 0;
while (performance.now() < end) {
  for (let i = 0; i < 1000; i++) await call();
  calls += 1000;
}
console.log(
  `${id} at ${size} B: ${calls} calls, ${((Number(seconds) * 1e9) / calls).toFixed(0)} ns/call`,
);
