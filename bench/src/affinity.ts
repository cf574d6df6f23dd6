import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/**
 * Pins every thread of process `pid` to one CPU (or back to all of them) with `taskset`, so the
 * load generator and the server under test stop taking turns on the same core. Linux with two
 * or more CPUs only; elsewhere, or without taskset, it does nothing and says so.
 */
export const pin = (pid: number, cpu: number | 'all'): boolean => {
  const count = cpus().length;
  if (process.platform !== 'linux' || count < 2) return false;
  const list = cpu === 'all' ? `0-${count - 1}` : String(cpu % count);
  try {
    execFileSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
