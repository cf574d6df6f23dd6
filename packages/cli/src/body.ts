import type { DataSource } from './args.js';
import { type Io, readAll, readBytes } from './io.js';

const encoder = new TextEncoder();

/** The body bytes from `--data` (a file, stdin or a literal), exactly as they are. */
export const readBody = async (source: DataSource, io: Io): Promise<Uint8Array> => {
  if ('file' in source) return readBytes(source.file, 'the body file');
  if ('stdin' in source) return readAll(io.stdin);
  return encoder.encode(source.literal);
};
