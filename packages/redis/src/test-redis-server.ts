import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * A throwaway `redis-server` on a loopback port, for tests. It keeps its port across
 * {@link RedisServer.stop} and {@link RedisServer.start}, so connected clients reconnect
 * to it after an outage.
 *
 * @example
 * ```ts
 * const server = await startRedisServer();
 * const client = new Redis(server.port, server.host);
 * await server.stop(); // outage
 * await server.start(); // same port, empty data
 * await server.close();
 * ```
 */
export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Stops it for good and removes its working folder. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const running = new Set<ChildProcess>();
// A test run that dies before afterAll must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

const isExecutable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * Path of the `redis-server` binary: `$REDIS_SERVER_BIN`, else the first on `PATH`.
 *
 * @example
 * ```ts
 * if (!findRedisServer()) console.warn('redis-server is not installed');
 * ```
 */
export function findRedisServer(): string | undefined {
  const explicit = process.env.REDIS_SERVER_BIN;
  if (explicit) return isExecutable(explicit) ? explicit : undefined;
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((folder) => join(folder, 'redis-server'))
    .find(isExecutable);
}

/**
 * Whether a suite needing `redis-server` should be skipped: only when the binary is missing
 * and `CI` is not `'true'` (in CI a missing binary must fail the suite, not hide it). Says
 * why on the console when it skips.
 *
 * @example
 * ```ts
 * describe.skipIf(skipWithoutRedisServer())('over a real Redis', () => {…});
 * ```
 */
export function skipWithoutRedisServer(): boolean {
  if (findRedisServer() || process.env.CI === 'true') return false;
  console.warn(
    'Skipping the Redis suite: no redis-server binary on PATH (or at $REDIS_SERVER_BIN). Install Redis to run it; with CI=true it fails instead.',
  );
  return true;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });

class PortInUse extends Error {}

// Without announce-ip a lone node reports an empty address in CLUSTER SLOTS, which clients
// cannot connect to; a short node timeout lets it reach cluster_state:ok within seconds.
const clusterArguments = [
  '--cluster-enabled',
  'yes',
  '--cluster-config-file',
  'nodes.conf',
  '--cluster-announce-ip',
  HOST,
  '--cluster-node-timeout',
  '500',
];

const spawnServer = (
  binary: string,
  port: number,
  dir: string,
  cluster: boolean,
): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      binary,
      [
        ...(cluster ? clusterArguments : []),
        '--port',
        String(port),
        '--bind',
        HOST,
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    running.add(child);
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not become ready on port ${port}:\n${output}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      running.delete(child);
      const Failure = /address already in use/i.test(output) ? PortInUse : Error;
      reject(new Failure(`redis-server exited (${code}) on port ${port}:\n${output}`));
    });
  });

const alive = (child: ChildProcess | undefined): child is ChildProcess =>
  child !== undefined && child.exitCode === null && child.signalCode === null;

const stopChild = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (!alive(child)) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Options for {@link startRedisServer}.
 *
 * @example
 * ```ts
 * const node = await startRedisServer({ cluster: true });
 * ```
 */
export interface StartRedisServerOptions {
  /**
   * Start it in cluster mode. It owns no hash slots yet: send it
   * `CLUSTER ADDSLOTSRANGE 0 16383` to make it a one-node cluster.
   */
  cluster?: boolean;
}

/**
 * Starts `redis-server` on a free loopback port with persistence off, picking another port
 * if another process took the first one meanwhile.
 *
 * @example
 * ```ts
 * let server: RedisServer;
 * beforeAll(async () => { server = await startRedisServer(); });
 * afterAll(() => server.close());
 * ```
 */
export async function startRedisServer(
  options: StartRedisServerOptions = {},
): Promise<RedisServer> {
  const cluster = options.cluster ?? false;
  const binary = findRedisServer();
  if (!binary) {
    throw new Error(
      'redis-server was not found on PATH (or at $REDIS_SERVER_BIN); install Redis to run these tests.',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'hookguard-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    try {
      child = await spawnServer(binary, port, dir, cluster);
    } catch (error) {
      if (!(error instanceof PortInUse) || attempt === 5) throw error;
    }
  }

  const server: RedisServer = {
    host: HOST,
    port,
    url: `redis://${HOST}:${port}`,
    async stop() {
      if (child) await stopChild(child);
      child = undefined;
    },
    async start() {
      if (alive(child)) return;
      child = undefined;
      // The port was ours a moment ago; a short wait covers a slow release of it.
      for (let attempt = 1; !child; attempt++) {
        try {
          child = await spawnServer(binary, port, dir, cluster);
        } catch (error) {
          if (!(error instanceof PortInUse) || attempt === 20) throw error;
          await sleep(50);
        }
      }
    },
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
