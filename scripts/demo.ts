// `pnpm demo`: starts the three example receivers on loopback ports, sends each the same
// scripted deliveries, prints adapter x case -> status and code, and exits non-zero on
// any unexpected answer.
import {
  ADAPTERS,
  attempt,
  cases,
  format,
  matches,
  startReceiver,
  stopReceiver,
} from './demo-support.js';

const main = async () => {
  const receivers = await Promise.all(ADAPTERS.map(startReceiver));
  let unexpected = 0;
  const rows: string[][] = [];
  try {
    for (const testCase of cases) {
      const row = [testCase.name];
      for (const { base } of receivers) {
        const answer = await attempt(testCase, base);
        const good = matches(answer, testCase.expected);
        if (!good) unexpected++;
        row.push(`${good ? '✓' : '✗ UNEXPECTED'} ${format(answer)}`);
      }
      row.push(format(testCase.expected));
      rows.push(row);
    }
  } finally {
    for (const receiver of receivers) stopReceiver(receiver);
  }
  const header = ['case', ...ADAPTERS, 'expected'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  console.log(
    unexpected === 0 ? '\nEvery answer was as expected.' : `\n${unexpected} unexpected answer(s).`,
  );
  process.exitCode = unexpected === 0 ? 0 : 1;
};

await main();
