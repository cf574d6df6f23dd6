import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import {
  findRedisServer,
  type RedisServer,
  skipWithoutRedisServer,
  startRedisServer,
} from './test-redis-server.js';

/** Sends PING over a raw socket: resolves with the reply line, or the connection error code. */
const ping = (port: number): Promise<string> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setEncoding('utf8');
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (reply: string) => {
      socket.destroy();
      resolve(reply.trim());
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });

describe.skipIf(skipWithoutRedisServer())('startRedisServer()', () => {
  const servers: RedisServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('finds a redis-server binary (with CI=true, a missing one fails here)', () => {
    expect(findRedisServer(), 'install redis-server or set REDIS_SERVER_BIN').toBeTruthy();
  });

  it('serves on loopback, refuses while stopped, and comes back on the same port', async () => {
    const server = await startRedisServer();
    servers.push(server);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await ping(server.port)).toBe('+PONG');
    await server.stop();
    expect(await ping(server.port)).toBe('ECONNREFUSED');
    await server.start();
    expect(await ping(server.port)).toBe('+PONG');
  });

  it('gives each server its own port and removes its folder on close', async () => {
    const [first, second] = await Promise.all([startRedisServer(), startRedisServer()]);
    if (!first || !second) throw new Error('both servers should start');
    servers.push(first, second);
    expect(first.port).not.toBe(second.port);
    const folder = String(await rawConfigDir(first.port));
    expect(existsSync(folder)).toBe(true);
    await first.close();
    expect(await ping(first.port)).toBe('ECONNREFUSED');
    expect(existsSync(folder)).toBe(false);
    expect(await ping(second.port)).toBe('+PONG');
  });
});

/** Asks the server for its working folder (CONFIG GET dir) in RESP over a raw socket. */
const rawConfigDir = (port: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.setEncoding('utf8');
    let reply = '';
    socket.once('connect', () => socket.write('CONFIG GET dir\r\n'));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      // *2 $3 dir $<n> <folder>: the folder is the fifth line.
      const lines = reply.split('\r\n');
      if (lines.length > 5) {
        socket.destroy();
        resolve(lines[4] ?? '');
      }
    });
    socket.once('error', reject);
  });
