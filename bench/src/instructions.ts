import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ROUTE, VARIANTS, type Variant } from './apps.js';
import { HTTP_BODY_BYTES, MODES, type Mode, pool } from './http.js';
import { jsonPayload } from './payloads.js';

// Instructions the server executes per request, counted by valgrind's callgrind: unlike
// requests/s or CPU time it does not move when other processes share the machine.
//   pnpm bench:instructions fastify-hookguard --modes valid,tampered --requests 2000
// Each variant runs alone under callgrind (instrumentation off), takes --warmup requests
// so V8 has optimised the hot path, then counts only the next --requests, 4 keep-alive
// connections at a time. Needs valgrind; takes about a minute per variant.
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    modes: { type: 'string', default: 'valid,tampered' },
    warmup: { type: 'string', default: '3000' },
    requests: { type: 'string', default: '2000' },
    // Instead of counting: a V8 CPU profile of the same traffic into this folder (no valgrind).
    'cpu-prof': { type: 'string' },
    // Keep each callgrind output here (callgrind_annotate reads it), named <variant>-<mode>.out.
    keep: { type: 'string' },
  },
});
const variants = (positionals[0] ?? '').split(',').filter(Boolean) as Variant[];
const modes = (values.modes ?? '').split(',') as Mode[];
if (
  variants.length === 0 ||
  !variants.every((v) => (VARIANTS as readonly string[]).includes(v)) ||
  !modes.every((m) => (MODES as readonly string[]).includes(m))
) {
  throw new Error(`usage: instructions <variant,...> [--modes ${MODES.join(',')}]`);
}

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
const body = jsonPayload(HTTP_BODY_BYTES);

const send = (agent: Agent, url: string, mode: Mode, count: number) => {
  const requests = pool(body, mode);
  let next = 0;
  const one = (): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      const { headers, body: payload } = requests[next++ % requests.length] as (typeof requests)[0];
      const req = request(url, { method: 'POST', agent, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      // A keep-alive socket the server closed while valgrind held it up: send again.
      req.on('error', (error: NodeJS.ErrnoException) =>
        error.code === 'ECONNRESET' && req.reusedSocket ? resolve(one()) : reject(error),
      );
      req.end(payload);
    });
  const worker = async () => {
    const statuses: number[] = [];
    while (next < count) statuses.push(await one());
    return statuses;
  };
  return Promise.all([worker(), worker(), worker(), worker()]).then((all) => all.flat());
};

const count = async (variant: Variant, mode: Mode) => {
  const dir = mkdtempSync(join(tmpdir(), 'hookguard-callgrind-'));
  const out = join(dir, 'callgrind.out');
  const profiles = values['cpu-prof'];
  const node = [process.execPath, '--import', TSX, SERVER, variant];
  const valgrind = [
    '--tool=callgrind',
    '--instr-atstart=no',
    '--smc-check=all-non-file',
    // One file per thread: V8's background compiler and GC threads do more or less work
    // with the machine's load, the main thread's count does not move with it.
    '--separate-threads=yes',
    `--callgrind-out-file=${out}`,
  ];
  const child = profiles
    ? spawn(process.execPath, [`--cpu-prof`, `--cpu-prof-dir=${profiles}`, ...node.slice(1)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn('valgrind', [...valgrind, ...node], { stdio: ['ignore', 'pipe', 'pipe'] });
  const control = (on: boolean) => {
    if (!profiles) {
      execFileSync('callgrind_control', ['-i', on ? 'on' : 'off', String(child.pid)], {
        stdio: 'ignore',
      });
    }
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const found = /http:\/\/[\d.:]+/.exec(chunk.toString());
        if (found) resolve(found[0] + ROUTE);
      });
      child.on('exit', (code) => reject(new Error(`${variant} exited (${code})`)));
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    await send(agent, url, mode, Number(values.warmup));
    control(true);
    const statuses = await send(agent, url, mode, Number(values.requests));
    control(false);
    agent.destroy();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
    const totals = (file: string) =>
      Number(/^totals:\s+(\d+)/m.exec(readFileSync(join(dir, file), 'utf8'))?.[1] ?? Number.NaN);
    const files = readdirSync(dir).filter((name) => name.startsWith('callgrind.out'));
    const main = profiles ? Number.NaN : totals('callgrind.out-01');
    // The file without a thread suffix holds no totals when threads are counted apart.
    const all = files.map(totals).reduce((sum, n) => (Number.isNaN(n) ? sum : sum + n), 0);
    const counted = statuses.length;
    const refused = statuses.filter((status) => status !== 200).length;
    return { perRequest: main / counted, allThreads: all / counted, counted, refused };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    // The main thread's counts: with --separate-threads that is the file suffixed -01.
    const mainOut = `${out}-01`;
    if (values.keep && existsSync(mainOut))
      copyFileSync(mainOut, join(values.keep, `${variant}-${mode}.out`));
    rmSync(dir, { recursive: true, force: true });
  }
};

for (const variant of variants) {
  for (const mode of modes) {
    const { perRequest, allThreads, counted, refused } = await count(variant, mode);
    console.log(
      `${`${variant} ${mode}`.padEnd(40)} ${(perRequest / 1000).toFixed(0).padStart(7)} k instructions/request on the main thread, ${(allThreads / 1000).toFixed(0)} k on all  (${counted} counted, ${refused} refused)`,
    );
  }
}
