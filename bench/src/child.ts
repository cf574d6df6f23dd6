import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Variant } from './apps.js';
import type { FromServer, ToServer } from './server.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

/** A server variant running in its own process on 127.0.0.1. */
export interface ServerChild {
  variant: Variant;
  pid: number;
  url: string;
  /** Collects garbage, then starts a new peak; resolves with the RSS at that point, in bytes. */
  mark(): Promise<number>;
  /** Peak RSS since the last mark, and RSS now, in bytes. */
  peak(): Promise<{ peak: number; rss: number }>;
  /** CPU time the server process has used so far (user + system), in µs. */
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

type Reply<T extends FromServer['type']> = Extract<FromServer, { type: T }>;

const reply = <T extends FromServer['type']>(child: ChildProcess, type: T): Promise<Reply<T>> =>
  new Promise((resolve, reject) => {
    const onMessage = (message: FromServer) => {
      if (message.type !== type) return;
      cleanup();
      resolve(message as Reply<T>);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`server process exited (${code}) while waiting for '${type}'`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`server process sent no '${type}' within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });

/** Forks `server.ts` for `variant` (TypeScript through tsx, `--expose-gc` for clean marks). */
export async function startServer(variant: Variant, limit = 1024 * 1024): Promise<ServerChild> {
  const child = fork(SERVER, [variant, String(limit)], {
    execArgv: ['--import', TSX, '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let listening: Reply<'listening'>;
  try {
    listening = await reply(child, 'listening');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const ask = <T extends FromServer['type']>(message: ToServer, type: T) => {
    const answer = reply(child, type);
    child.send(message);
    return answer;
  };
  return {
    variant,
    pid: child.pid ?? 0,
    url: `http://127.0.0.1:${listening.port}`,
    mark: async () => (await ask({ type: 'mark' }, 'marked')).rss,
    peak: async () => {
      const { peak, rss } = await ask({ type: 'peak' }, 'peak');
      return { peak, rss };
    },
    cpu: async () => (await ask({ type: 'cpu' }, 'cpu')).micros,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.send({ type: 'stop' } satisfies ToServer);
      await exited;
      clearTimeout(timer);
    },
  };
}
