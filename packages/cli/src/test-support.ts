// Shared helpers for the CLI's tests (not part of the package: only tests import it).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { main } from './main.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with `stdin` as its input and `env` as its whole environment. */
export const run = async (
  argv: string[],
  {
    stdin = new Uint8Array(0),
    env = {},
  }: { stdin?: Uint8Array | string; env?: Record<string, string> } = {},
): Promise<Run> => {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdin: [typeof stdin === 'string' ? new TextEncoder().encode(stdin) : stdin],
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  });
  return { code, stdout, stderr };
};

/** `name: value` lines, as `hookguard sign` prints them, as a header record. */
export const headerLines = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => {
        const colon = line.indexOf(': ');
        return [line.slice(0, colon), line.slice(colon + 2)];
      }),
  );

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

let counter = 0;
/** Writes `content` to a fresh file in a per-suite temporary folder and returns its path. */
export const tempFile = async (name: string, content: Uint8Array | string): Promise<string> => {
  if (dirs.length === 0) dirs.push(await mkdtemp(join(tmpdir(), 'hookguard-cli-')));
  const path = join(dirs[0] as string, `${counter++}-${name}`);
  await writeFile(path, content);
  return path;
};

const endOfHead = (bytes: Buffer) => bytes.indexOf('\r\n\r\n');

/**
 * A real TCP server on 127.0.0.1 that records each HTTP/1.1 request's raw bytes off the wire
 * (request line, headers, body by Content-Length) and answers 200, as a capturing proxy would.
 */
export const captureServer = async () => {
  const captured: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const end = endOfHead(buffer);
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        const total = end + 4 + length;
        if (buffer.length < total) return;
        captured.push(Buffer.from(buffer.subarray(0, total)));
        buffer = buffer.subarray(total);
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"ok":true}',
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    port,
    captured,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};
