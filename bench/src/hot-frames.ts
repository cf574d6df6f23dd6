import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

// Self time per function from a V8 .cpuprofile (node --cpu-prof), largest first. Given a
// folder, it reads the busiest profile there (tsx adds a mostly idle loader thread).
const [path, top = '25'] = process.argv.slice(2);
if (!path) throw new Error('usage: tsx hot-frames.ts <file.cpuprofile | folder> [top]');
const load = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
const busy = (nodes: ProfileNode[]) =>
  nodes.reduce(
    (sum, node) => sum + (node.callFrame.functionName === '(idle)' ? 0 : (node.hitCount ?? 0)),
    0,
  );
const profile = statSync(path).isDirectory()
  ? readdirSync(path)
      .filter((name) => name.endsWith('.cpuprofile'))
      .map((name) => load(join(path, name)))
      .sort((a, b) => busy(b.nodes) - busy(a.nodes))[0]
  : load(path);
if (!profile) throw new Error(`No .cpuprofile in ${path}`);
const hits = new Map<string, number>();
let total = 0;
for (const { callFrame, hitCount = 0 } of profile.nodes) {
  const where = callFrame.url.replace(/^.*\/(node_modules|packages|bench)\//, '$1/');
  const name = `${callFrame.functionName || '(anonymous)'} ${where}:${callFrame.lineNumber + 1}`;
  hits.set(name, (hits.get(name) ?? 0) + hitCount);
  total += hitCount;
}
const rows = [...hits].sort((a, b) => b[1] - a[1]).slice(0, Number(top));
for (const [name, count] of rows) {
  console.log(`${((100 * count) / total).toFixed(1).padStart(5)}%  ${name}`);
}
