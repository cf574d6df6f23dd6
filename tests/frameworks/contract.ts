// What every framework example answers, over real HTTP to its production server: the
// webhook route (`POST /webhooks`) and the trigger route (`POST /webhooks/trigger`, an
// instance key or a signature). Each framework's suite calls this beside its own pitfalls.
import { randomBytes } from 'node:crypto';
import { standardWebhooks } from '@hookguard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** What the tests give the example through its environment. */
export const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
export const INSTANCE_KEY = `ck_test_${randomBytes(18).toString('base64url')}`;
export const exampleEnv = { STANDARD_WEBHOOKS_SECRET: SECRET, INSTANCE_API_KEY: INSTANCE_KEY };

export const scheme = standardWebhooks({ secret: SECRET });

/** hookguard's default body limit, which the examples keep unless WEBHOOK_BODY_LIMIT is set. */
export const DEFAULT_LIMIT = 1024 * 1024;

export interface Envelope {
  ok: boolean;
  error?: { code: string; message: string };
  meta?: { requestId: string };
  [field: string]: unknown;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: Envelope;
}

/** One POST; the body goes out exactly as given (a string, bytes or a stream). */
export const post = async (
  url: string,
  body: string | Uint8Array | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
): Promise<Reply> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await response.text();
  let json: Envelope;
  try {
    json = JSON.parse(text) as Envelope;
  } catch {
    json = { ok: false };
  }
  return { status: response.status, headers: response.headers, text, json };
};

/** A delivery signed now (or at `timestamp`, in ms) with the example's secret. */
export const signed = async (body: string | Uint8Array, timestamp?: number) =>
  scheme.sign(timestamp === undefined ? { body } : { body, timestamp });

export const expectRefusal = (reply: Reply, status: number, code: string) => {
  expect(reply.status, reply.text).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  expect(reply.json.ok).toBe(false);
  expect(reply.json.error?.code, reply.text).toBe(code);
  expect(reply.json.error?.message).toEqual(expect.any(String));
  expect(reply.json.meta?.requestId).toEqual(expect.any(String));
};

/** A body whose bytes are those of `payload`, then `size` bytes in all (spaces are JSON). */
export const paddedTo = (size: number) => {
  const head = '{"type":"padded","pad":"';
  const tail = '"}';
  return `${head}${'x'.repeat(size - head.length - tail.length)}${tail}`;
};

/** Streams `text` in 16 KiB chunks with no Content-Length (chunked transfer encoding). */
export const chunked = (text: string): ReadableStream<Uint8Array> => {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + 16 * 1024));
      offset += 16 * 1024;
    },
  });
};

const ORDER = JSON.stringify({ type: 'order.paid', data: { id: 'ord_1042', amount: 4200 } });

/**
 * Registers the shared cases against the server `base()` returns (set in beforeAll), whose
 * webhook route refuses bodies over `limit` bytes.
 */
export const receiverContract = (base: () => string, limit: number) => {
  const webhooks = () => `${base()}/webhooks`;
  const trigger = () => `${base()}/webhooks/trigger`;

  describe('POST /webhooks (Standard Webhooks)', () => {
    it('runs the handler for a signed delivery, whose request.json() gets the exact payload', async () => {
      const headers = await signed(ORDER);
      const reply = await post(webhooks(), ORDER, headers);
      expect(reply.status, reply.text).toBe(200);
      expect(reply.json).toEqual({
        ok: true,
        id: headers['webhook-id'],
        type: 'order.paid',
        payload: JSON.parse(ORDER),
      });
    });

    it('refuses a tampered body with 401 signature_mismatch, and never runs the handler', async () => {
      const headers = await signed(ORDER);
      const reply = await post(webhooks(), ORDER.replace('4200', '9999'), headers);
      expectRefusal(reply, 401, 'signature_mismatch');
      expect(reply.text).not.toContain('9999');
    });

    it('refuses a delivery signed by another secret with 401 signature_mismatch', async () => {
      const other = standardWebhooks({ secret: `whsec_${randomBytes(32).toString('base64')}` });
      const reply = await post(webhooks(), ORDER, await other.sign({ body: ORDER }));
      expectRefusal(reply, 401, 'signature_mismatch');
      expect(reply.text).not.toContain(SECRET);
    });

    it('refuses a delivery signed 10 minutes ago with 401 timestamp_out_of_window', async () => {
      const reply = await post(webhooks(), ORDER, await signed(ORDER, Date.now() - 600_000));
      expectRefusal(reply, 401, 'timestamp_out_of_window');
    });

    it('refuses a delivery without its signature headers with 400 missing_header', async () => {
      expectRefusal(await post(webhooks(), ORDER), 400, 'missing_header');
      const { 'webhook-signature': _, ...unsigned } = await signed(ORDER);
      const reply = await post(webhooks(), ORDER, unsigned);
      expectRefusal(reply, 400, 'missing_header');
      expect(reply.json.error?.message).toContain('webhook-signature');
    });

    it('refuses a signed body one byte over the limit with 413 payload_too_large', async () => {
      const body = paddedTo(limit + 1);
      const reply = await post(webhooks(), body, await signed(body));
      expectRefusal(reply, 413, 'payload_too_large');
      expect(reply.headers.get('connection')).toBe('close');
    });

    it('accepts a signed body of exactly the limit', async () => {
      const body = paddedTo(limit);
      const reply = await post(webhooks(), body, await signed(body));
      expect(reply.status, reply.text.slice(0, 500)).toBe(200);
      expect(reply.json.type).toBe('padded');
    });

    it('answers with the caller x-request-id in the envelope and the header', async () => {
      const reply = await post(webhooks(), ORDER, { 'x-request-id': 'req_frameworks-42' });
      expectRefusal(reply, 400, 'missing_header');
      expect(reply.json.meta?.requestId).toBe('req_frameworks-42');
      expect(reply.headers.get('x-request-id')).toBe('req_frameworks-42');
    });

    it('property: any signed JSON payload is handled and echoed; one flipped byte is 401', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.json({ maxDepth: 3 }),
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          async (text, at, mask) => {
            const bytes = new TextEncoder().encode(text);
            const headers = await signed(bytes);
            const ok = await post(webhooks(), bytes, headers);
            expect(ok.status, ok.text).toBe(200);
            // JSON.stringify on both sides: -0 and 0 are the same JSON.
            expect(JSON.stringify(ok.json.payload)).toBe(JSON.stringify(JSON.parse(text)));
            expect(ok.json.id).toBe(headers['webhook-id']);

            const flipped = bytes.slice();
            const index = at % flipped.length;
            flipped[index] = (flipped[index] ?? 0) ^ mask;
            expectRefusal(await post(webhooks(), flipped, headers), 401, 'signature_mismatch');
          },
        ),
        { numRuns: 20 },
      );
    });
  });

  describe('POST /webhooks/trigger (an instance key or a signature)', () => {
    it('accepts a valid X-API-Key header without reading the body', async () => {
      const reply = await post(trigger(), 'not json, never read', { 'X-API-Key': INSTANCE_KEY });
      expect(reply.status, reply.text).toBe(200);
      expect(reply.json).toMatchObject({
        ok: true,
        method: 'instance-key',
        via: 'header',
        id: null,
      });
      expect(new URL(String(reply.json.url)).pathname).toBe('/webhooks/trigger');
    });

    it('accepts ?api_key= and hands the handler a URL with the key redacted', async () => {
      const query = `?team=ops&api_key=${encodeURIComponent(INSTANCE_KEY)}&n=1`;
      const reply = await post(`${trigger()}${query}`, '{}');
      expect(reply.status, reply.text).toBe(200);
      expect(reply.json).toMatchObject({ ok: true, method: 'instance-key', via: 'query' });
      const seen = new URL(String(reply.json.url));
      expect(seen.pathname).toBe('/webhooks/trigger');
      expect(seen.searchParams.get('api_key')).toBe('REDACTED');
      expect(seen.searchParams.get('team')).toBe('ops');
      expect(seen.searchParams.get('n')).toBe('1');
      expect(reply.text).not.toContain(INSTANCE_KEY);
    });

    it('refuses a wrong key with 401 invalid_credentials, even beside a valid signature', async () => {
      expectRefusal(
        await post(trigger(), '{}', { 'X-API-Key': 'ck_test_not-the-key' }),
        401,
        'invalid_credentials',
      );
      const withSignature = await post(trigger(), ORDER, {
        ...(await signed(ORDER)),
        'X-API-Key': 'ck_test_not-the-key',
      });
      expectRefusal(withSignature, 401, 'invalid_credentials');
      expect(withSignature.text).not.toContain('ck_test_not-the-key');
    });

    it('refuses a request with no credentials with 401 missing_credentials', async () => {
      expectRefusal(await post(trigger(), '{}'), 401, 'missing_credentials');
    });

    it('accepts a signed delivery instead of a key', async () => {
      const headers = await signed(ORDER);
      const reply = await post(trigger(), ORDER, headers);
      expect(reply.status, reply.text).toBe(200);
      expect(reply.json).toMatchObject({
        ok: true,
        method: 'standard-webhooks',
        via: null,
        id: headers['webhook-id'],
      });
    });
  });
};
