import { readRawBody, WebhookVerificationError } from '@hookguard/core';
import type { HonoRequest } from 'hono';

const exactBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? (bytes.buffer as ArrayBuffer)
    : (bytes.slice().buffer as ArrayBuffer);

// Always a bounded read from the stream: a Request can carry more bytes than its
// Content-Length declares. The bytes then go into Hono's body cache, so c.req.json(),
// c.req.text() and c.req.arrayBuffer() serve the handler without reading twice.
export const readBody = async (req: HonoRequest, limit: number, timeoutMs: number) => {
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
  const body = await readRawBody(req.raw, { limit, timeoutMs });
  // Hono keeps promises in the cache, though its type names the resolved values.
  Object.assign(bodyCache, { arrayBuffer: Promise.resolve(exactBuffer(body)) });
  return body;
};
