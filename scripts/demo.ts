// `pnpm demo`: starts the three example receivers on loopback ports, sends each the same
// scripted deliveries, prints adapter x case -> status and code; then starts
// examples/trigger, whose one endpoint takes any of four ways in, prints what each way
// (and each wrong one) got and whether its logs kept the query key out. Exits non-zero on
// any unexpected answer.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ADAPTERS,
  attempt,
  cases,
  format,
  INSTANCE_KEY,
  matches,
  startReceiver,
  stopReceiver,
  triggerCases,
} from './demo-support.js';

const printTable = (header: string[], rows: string[][]) => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
};

const mark = (good: boolean, shown: string) => `${good ? '✓' : '✗ UNEXPECTED'} ${shown}`;

const main = async () => {
  let unexpected = 0;

  const receivers = await Promise.all(ADAPTERS.map(startReceiver));
  const rows: string[][] = [];
  try {
    for (const testCase of cases) {
      const row = [testCase.name];
      for (const { base } of receivers) {
        const answer = await attempt(testCase, base);
        const good = matches(answer, testCase.expected);
        if (!good) unexpected++;
        row.push(mark(good, format(answer)));
      }
      row.push(format(testCase.expected));
      rows.push(row);
    }
  } finally {
    for (const receiver of receivers) stopReceiver(receiver);
  }
  printTable(['case', ...ADAPTERS, 'expected'], rows);

  const trigger = await startReceiver('trigger');
  const triggerRows: string[][] = [];
  try {
    for (const testCase of triggerCases) {
      const answer = await attempt(testCase, trigger.base);
      const good = matches(answer, testCase.expected);
      if (!good) unexpected++;
      triggerRows.push([testCase.name, mark(good, format(answer)), format(testCase.expected)]);
    }
  } finally {
    stopReceiver(trigger);
  }
  // Its log lines are read once it has exited and its stdout closed (or after 5 s).
  await Promise.race([trigger.closed, sleep(5000)]);
  const logs = trigger.output.join('\n');
  // Absent only if the query request was logged at all, redacted.
  const inLogs = logs.includes(INSTANCE_KEY)
    ? 'present'
    : logs.includes('api_key=REDACTED')
      ? 'absent'
      : 'no query request logged';
  if (inLogs !== 'absent') unexpected++;
  triggerRows.push(['query key in server logs', mark(inLogs === 'absent', inLogs), 'absent']);
  console.log('\nexamples/trigger: one POST /trigger, anyOf(instance key, org key, signature)\n');
  printTable(['case', 'answer', 'expected'], triggerRows);

  console.log(
    unexpected === 0 ? '\nEvery answer was as expected.' : `\n${unexpected} unexpected answer(s).`,
  );
  process.exitCode = unexpected === 0 ? 0 : 1;
};

await main();
