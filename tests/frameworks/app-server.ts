// Builds a framework example with its own production build and starts its real server as
// a child process in its own process group, on 127.0.0.1 and a free port.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The folder of `examples/<name>`. */
export const exampleDir = (name: string): string =>
  fileURLToPath(new URL(`../../examples/${name}/`, import.meta.url));

// Whatever is still running when this process exits (a build cut short by a timeout, a
// server whose afterAll never ran) is killed with it.
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

interface Command {
  /** A JavaScript entry point, run with this process's Node. */
  script: string;
  args?: string[];
  cwd: string;
  /** Added to this process's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
}

const launch = ({ script, args = [], cwd, env = {} }: Command) => {
  const merged: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', NEXT_TELEMETRY_DISABLED: '1' };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  const child = spawn(process.execPath, [script, ...args], {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: merged,
  });
  const group = child.pid;
  if (group !== undefined) {
    groups.add(group);
    child.once('exit', () => {
      signalGroup(group, 'SIGTERM');
      groups.delete(group);
    });
  }
  let output = '';
  // Both pipes stay drained for the child's whole life, so it never blocks on a full pipe.
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, output: () => output };
};

/** Runs a build to completion; rejects with its output when it fails. */
export const build = async (command: Command): Promise<string> => {
  const { child, exited, output } = launch(command);
  const failed = new Promise<never>((_, reject) => child.once('error', reject));
  const code = await Promise.race([exited, failed]);
  if (code !== 0) throw new Error(`${command.script} exited ${code}:\n${output()}`);
  return output();
};

/** A port that was free a moment ago, for servers that cannot report the one they took. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });

export interface AppServer {
  url: string;
  /** Everything the server printed so far. */
  output: () => string;
  stop: () => Promise<void>;
}

const answers = async (url: string) => {
  try {
    await (await fetch(url)).arrayBuffer();
    return true;
  } catch {
    return false;
  }
};

/** Starts a server and resolves once `url` answers any HTTP request; rejects if it exits. */
export const serve = async (command: Command, url: string): Promise<AppServer> => {
  const { child, exited, output } = launch(command);
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  for (let attempt = 0; attempt < 600; attempt++) {
    if (gone) throw new Error(`${command.script} exited before answering:\n${output()}`);
    if (await answers(url)) {
      return {
        url,
        output,
        stop: async () => {
          if (child.pid !== undefined) signalGroup(child.pid, 'SIGTERM');
          await exited;
        },
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
  throw new Error(`${command.script} did not answer at ${url}:\n${output()}`);
};
