import {
  type lingerOnClose,
  type NodeRequestLike,
  readRawBody,
  WebhookVerificationError,
} from '@hookguard/core';
import type { Context, HonoRequest } from 'hono';

/** A Node request as @hono/node-server passes it, with what this adapter needs of it. */
export type Incoming = NodeRequestLike &
  Parameters<typeof lingerOnClose>[0] & { readonly method?: string; rawBody?: Uint8Array };

const exactBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer);

/** The Node request @hono/node-server passes as `c.env.incoming`; none on other runtimes. */
export const nodeRequest = (c: Context): Incoming | undefined => {
  const incoming = (c.env as { incoming?: Incoming } | undefined)?.incoming;
  return typeof incoming?.on === 'function' && typeof incoming.headers === 'object'
    ? incoming
    : undefined;
};

// @hono/node-server builds c.req.raw lazily over the Node request. While c.req.raw is still
// that lazy object (no Request built from it, none swapped in), reading the Node stream and
// headers directly skips the web stream, the undici Request and its Headers, which cost more
// than verifying. Anywhere else: the Fetch Request.
export const nodeIncoming = (c: Context): Incoming | undefined => {
  const incoming = nodeRequest(c);
  if (!incoming) return undefined;
  let lazy = false;
  for (const key of Object.getOwnPropertySymbols(c.req.raw)) {
    if (key.description === 'requestCache') return undefined;
    if (key.description === 'incomingKey') lazy = true;
  }
  return lazy ? incoming : undefined;
};

/** Whether a refusal before reading leaves body bytes unread, so the connection should close. */
export const bodyUnread = (c: Context, incoming: Incoming | undefined): boolean => {
  if (!incoming) return c.req.raw.body !== null && !c.req.raw.bodyUsed;
  const { method } = c.req;
  return method !== 'GET' && method !== 'HEAD' && !incoming.readableEnded;
};

// Always a bounded read from the stream: a Request can carry more bytes than its
// Content-Length declares. The bytes then go into Hono's body cache, so c.req.json(),
// c.req.text() and c.req.arrayBuffer() serve the handler without reading twice.
export const readBody = async (
  req: HonoRequest,
  incoming: Incoming | undefined,
  limit: number,
  timeoutMs: number,
) => {
  const { bodyCache } = req;
  const cached = Object.keys(bodyCache);
  // An earlier c.req.arrayBuffer() kept exact bytes; any other cached form (parsed JSON,
  // decoded text) has lost them, and readRawBody refuses the used body below.
  if (cached.length === 1 && bodyCache.arrayBuffer) {
    const bytes = new Uint8Array(await bodyCache.arrayBuffer);
    if (bytes.byteLength > limit) {
      throw new WebhookVerificationError(
        'payload_too_large',
        `The request body is larger than the ${limit}-byte limit.`,
      );
    }
    return bytes;
  }
  const body = await readRawBody(incoming ?? req.raw, { limit, timeoutMs });
  // @hono/node-server builds c.req.raw's body from `rawBody` when present: c.req.raw.text()
  // in the handler then gets these bytes, not an emptied stream.
  if (incoming) incoming.rawBody = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  // Hono keeps promises in the cache, though its type names the resolved values.
  Object.assign(bodyCache, { arrayBuffer: Promise.resolve(exactBuffer(body)) });
  return body;
};
