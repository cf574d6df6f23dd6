import type { Io } from './io.js';

/** One `hookguard <name>` command: its help text and what it does (resolving to the exit code). */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: Io): Promise<number>;
}

/** Exit codes, the same for every command. */
export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;
