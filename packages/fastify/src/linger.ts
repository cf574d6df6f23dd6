import type { IncomingMessage } from 'node:http';

/** How long a refused upload's connection stays open for reading after its answer is sent. */
export const LINGER_MS = 500;

/**
 * For a refusal that leaves the body unread (413, 408): Node destroys the connection as soon
 * as the answer is written, and a client still sending then gets a reset (EPIPE, ECONNRESET)
 * that often comes before it reads the answer. Instead the answer goes out with a FIN, what
 * the client still sends is read and dropped, and the socket is destroyed when the client
 * closes or after {@link LINGER_MS} (a lingering close, as in Go's server and nginx).
 */
export const lingerOnClose = ({ socket }: IncomingMessage): void => {
  if (!socket || socket.destroyed) return;
  socket.destroySoon = function lingeringClose() {
    this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
  };
};
