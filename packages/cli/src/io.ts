import { readFile } from 'node:fs/promises';

/**
 * Where {@link main} reads and writes: the process's own streams by default, or any
 * stand-ins, so the CLI runs in-process (tests, scripts) exactly as it does in a shell.
 *
 * @example
 * ```ts
 * import { main, type CliIo } from 'hookguard';
 *
 * let out = '';
 * const io: CliIo = {
 *   stdin: [new TextEncoder().encode('{"type":"ping"}')],
 *   stdout: { write: (text) => (out += text) },
 *   stderr: process.stderr,
 *   env: { HOOKGUARD_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
 * };
 * await main(['sign', '--scheme', 'standard-webhooks'], io);
 * ```
 */
export interface CliIo {
  /** The body for `sign`, and for `--data @-`: read to the end, byte for byte. */
  stdin: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Environment for `HOOKGUARD_SECRET`. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The streams a command runs with, every one present. */
export interface Io {
  stdin: CliIo['stdin'];
  out: (line: string) => void;
  err: (line: string) => void;
  env: Readonly<Record<string, string | undefined>>;
}

export const toIo = (io: CliIo | undefined): Io => {
  const { stdin, stdout, stderr } = io ?? process;
  return {
    stdin,
    out: (line) => void stdout.write(`${line}\n`),
    err: (line) => void stderr.write(`${line}\n`),
    env: io ? (io.env ?? {}) : process.env,
  };
};

/** A wrong command line: the message, then a pointer to the command's usage; exit 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    public command?: string,
  ) {
    super(message);
  }
}

/** Input that cannot be used (unreadable file, bad secret, unparseable capture); exit 2. */
export class InputError extends Error {}

const encoder = new TextEncoder();

export const readAll = async (source: CliIo['stdin']): Promise<Uint8Array> => {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    chunks.push(bytes);
    size += bytes.byteLength;
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
};

const reasons: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
};

/** A file's bytes, or an {@link InputError} saying which file and why (never a stack). */
export const readBytes = async (path: string, what: string): Promise<Uint8Array> => {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    throw new InputError(`cannot read ${what} ${JSON.stringify(path)}: ${reasons[code] ?? code}`);
  }
};
