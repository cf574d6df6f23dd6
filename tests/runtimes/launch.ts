// Launching helpers shared by the cross-runtime suites: Bun and Deno as child processes,
// workerd through Miniflare. Every server listens on 127.0.0.1 with an ephemeral port.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

export const testsDir = fileURLToPath(new URL('..', import.meta.url));
export const fixture = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

const bin = (name: string) =>
  fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

export type ProcessRuntime = 'bun' | 'deno';
export type Runtime = 'node' | ProcessRuntime | 'workerd';

// Deno resolves bare specifiers from the workspace's node_modules only (`manual`), never a
// registry or a remote URL; it gets network access to the loopback address alone, and
// only when it serves. Its cache stays inside the ignored node_modules.
const denoDir = fileURLToPath(new URL('../node_modules/.cache/deno', import.meta.url));

const commandFor = (runtime: ProcessRuntime, entry: string, serve: boolean): string[] =>
  runtime === 'bun'
    ? [bin('bun'), 'run', '--no-install', entry]
    : [
        bin('deno'),
        'run',
        '--node-modules-dir=manual',
        '--no-lock',
        '--no-remote',
        '--no-prompt',
        ...(serve ? ['--allow-net=127.0.0.1'] : []),
        entry,
      ];

// node_modules/.bin/{bun,deno} are shell shims that do not `exec`, so each child gets its
// own process group and is signalled as a group; whatever is still running when this
// process exits is killed too.
const groups = new Set<number>();
process.once('exit', () => {
  for (const group of groups) signalGroup(group, 'SIGKILL');
});

const signalGroup = (group: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-group, signal);
  } catch {
    // Already gone.
  }
};

const launch = (runtime: ProcessRuntime, entry: string, serve: boolean): ChildProcess => {
  const [command = '', ...args] = commandFor(runtime, entry, serve);
  const child = spawn(command, args, {
    cwd: testsDir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NO_COLOR: '1',
      DO_NOT_TRACK: '1',
      DENO_DIR: denoDir,
      DENO_NO_UPDATE_CHECK: '1',
    },
  });
  const group = child.pid;
  if (group !== undefined) {
    groups.add(group);
    child.once('exit', () => {
      // The shim is gone; make sure the runtime it started is too.
      signalGroup(group, 'SIGTERM');
      groups.delete(group);
    });
  }
  return child;
};

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `entry` to completion under `runtime` and collects its output. */
export const runScript = (runtime: ProcessRuntime, entry: string): Promise<Finished> =>
  new Promise((resolve, reject) => {
    const child = launch(runtime, entry, false);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

/** Finds the line `<marker> <json>` a fixture printed, and parses it. */
export const readMarked = <T>(output: Finished, marker: string): T => {
  const line = output.stdout.split('\n').find((text) => text.startsWith(`${marker} `));
  if (!line) {
    throw new Error(
      `No ${marker} line (exit ${output.code}).\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`,
    );
  }
  return JSON.parse(line.slice(marker.length + 1)) as T;
};

export interface Server {
  url: string;
  stop: () => Promise<void>;
}

/**
 * Starts `entry` under `runtime` and resolves once it prints `listening on <url>`;
 * rejects with its output if it exits first.
 */
export const serveScript = (runtime: ProcessRuntime, entry: string): Promise<Server> =>
  new Promise((resolve, reject) => {
    const child = launch(runtime, entry, true);
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    let output = '';
    let listening = false;
    // Both pipes stay drained for the child's whole life, so it never blocks on a full pipe.
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = listening ? null : /listening on (http:\/\/\S+)/.exec(output);
      if (!match?.[1]) return;
      listening = true;
      resolve({
        url: match[1],
        stop: async () => {
          if (child.pid !== undefined) signalGroup(child.pid, 'SIGTERM');
          await exited;
        },
      });
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', reject);
    child.once('exit', (code) => {
      if (!listening) reject(new Error(`${runtime} exited (${code}) before listening:\n${output}`));
    });
  });

export interface Bundle {
  script: string;
  /** Every file esbuild put in the bundle, relative to the tests folder. */
  inputs: string[];
}

/**
 * Bundles a worker the way Wrangler does for workerd: ESM, `workerd`/`worker`/`browser`
 * export conditions, everything inlined (fast-check and the vectors too).
 */
export const bundleWorker = async (entry: string): Promise<Bundle> => {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: testsDir,
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild produced nothing for ${entry}`);
  return { script: output.text, inputs: Object.keys(result.metafile.inputs) };
};

/** Runs a bundled module worker in workerd through Miniflare, listening on 127.0.0.1:0. */
export const startWorker = async (script: string): Promise<Server> => {
  const mf = new Miniflare({
    modules: true,
    script,
    host: '127.0.0.1',
    port: 0,
    compatibilityDate: '2025-07-01',
  });
  const url = await mf.ready;
  return { url: url.href.replace(/\/$/, ''), stop: () => mf.dispose() };
};
