import { WebhookVerificationError } from './errors.js';
import { concat } from './lib/bytes.js';
import { unwatch, watch } from './lib/deadlines.js';
import { isDigits } from './lib/headers.js';

/**
 * The parts of Node's `IncomingMessage` that {@link readRawBody} uses; any readable
 * request stream with headers fits.
 *
 * @example
 * ```ts
 * import type { NodeRequestLike } from '@hookguard/core';
 * const source: NodeRequestLike = req; // an http.IncomingMessage
 * ```
 */
export interface NodeRequestLike {
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly readableEnded?: boolean;
  readonly readableDidRead?: boolean;
  on(event: 'data', listener: (chunk: Uint8Array | string) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/**
 * Options for {@link readRawBody}.
 *
 * @example
 * ```ts
 * import type { ReadRawBodyOptions } from '@hookguard/core';
 * const options: ReadRawBodyOptions = { limit: 256 * 1024 };
 * ```
 */
export interface ReadRawBodyOptions {
  /** Most bytes to accept. Default 1 MiB. */
  limit?: number;
  /**
   * Longest time, in ms, for the whole body to arrive; a body still arriving then is
   * refused with `body_timeout` (408). Default 30 000. Bounds the total, not the idle
   * time, so a client trickling a byte at a time cannot hold the read open. On Node one
   * sweep serves every read, so the refusal may come up to a tenth of `timeoutMs` late.
   */
  timeoutMs?: number;
}

/**
 * The default body limit, 1 MiB.
 *
 * @example
 * ```ts
 * import { DEFAULT_BODY_LIMIT, readRawBody } from '@hookguard/core';
 * const bytes = await readRawBody(request, { limit: DEFAULT_BODY_LIMIT / 4 });
 * ```
 */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * The default body read timeout, 30 seconds.
 *
 * @example
 * ```ts
 * import { DEFAULT_BODY_TIMEOUT_MS, readRawBody } from '@hookguard/core';
 * const bytes = await readRawBody(request, { timeoutMs: DEFAULT_BODY_TIMEOUT_MS / 3 });
 * ```
 */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;

const tooLarge = (limit: number) =>
  new WebhookVerificationError(
    'payload_too_large',
    `The request body is larger than the ${limit}-byte limit.`,
  );

const unavailable = () =>
  new WebhookVerificationError(
    'raw_body_unavailable',
    'The request body was already consumed before the webhook verifier could read its raw bytes. Mount the verifier before any body parser, or have the parser keep the raw bytes.',
  );

const incomplete = (cause?: unknown) =>
  new WebhookVerificationError(
    'invalid_payload',
    'The request body could not be read to its end (the client aborted or the stream failed).',
    { cause },
  );

// A server may cut the body for its own size limit before hookguard's (SvelteKit's
// adapter-node past BODY_SIZE_LIMIT errors the stream with a 413): that is a body too large,
// not a broken one.
const unreadable = (cause: unknown) =>
  (cause as { status?: unknown } | null)?.status === 413
    ? new WebhookVerificationError(
        'payload_too_large',
        'The request body is larger than this server accepts; it refused the body while it was being read.',
        { cause },
      )
    : incomplete(cause);

const timedOut = (timeoutMs: number) =>
  new WebhookVerificationError(
    'body_timeout',
    `The request body did not arrive in full within ${timeoutMs} ms.`,
  );

const checkLimit = (limit: number | undefined): number => {
  const value = limit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TypeError('limit must be a whole number of bytes, 0 or more.');
  }
  return value;
};

const checkTimeout = (timeoutMs: number | undefined): number => {
  const value = timeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError('timeoutMs must be a whole number of milliseconds, more than 0.');
  }
  return value;
};

// Refuses before reading anything when the client already declares too many bytes.
const checkDeclaredLength = (declared: unknown, limit: number): void => {
  if (typeof declared === 'string' && isDigits(declared) && Number(declared) > limit) {
    throw tooLarge(limit);
  }
};

const isFetchRequest = (source: Request | NodeRequestLike): source is Request =>
  typeof (source as Request).arrayBuffer === 'function' && 'bodyUsed' in source;

/**
 * Reads a request body as raw bytes, refusing it with `payload_too_large` as soon as
 * it passes `limit` (or when `Content-Length` already says it will) without buffering
 * further, and with `body_timeout` when it has not arrived in full within `timeoutMs`.
 * Works on a Node `IncomingMessage` and on a Fetch `Request`.
 *
 * Rejects with `raw_body_unavailable` when something else already consumed the body,
 * and with `invalid_payload` when the client aborts; it never hangs on either.
 *
 * @example
 * ```ts
 * import { readRawBody, standardWebhooks } from '@hookguard/core';
 *
 * const scheme = standardWebhooks({ secret: process.env.WEBHOOK_SECRET });
 * const body = await readRawBody(request, { limit: 512 * 1024 });
 * const delivery = await scheme.verify({ headers: request.headers, body });
 * ```
 */
export function readRawBody(
  source: Request | NodeRequestLike,
  options: ReadRawBodyOptions = {},
): Promise<Uint8Array> {
  // Not `async`: returning readNode's promise from an async function costs two more turns
  // of the microtask queue per request. Every error still arrives as a rejection.
  try {
    const limit = checkLimit(options.limit);
    const timeoutMs = checkTimeout(options.timeoutMs);
    if (isFetchRequest(source)) {
      checkDeclaredLength(source.headers.get('content-length') ?? undefined, limit);
      return readFetch(source, limit, timeoutMs);
    }
    checkDeclaredLength(source.headers['content-length'], limit);
    return readNode(source, limit, timeoutMs);
  } catch (error) {
    return Promise.reject(error);
  }
}

const readFetch = async (
  request: Request,
  limit: number,
  timeoutMs: number,
): Promise<Uint8Array> => {
  if (request.bodyUsed) throw unavailable();
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  let expired = false;
  // Cancelling makes the pending read resolve as done; `expired` tells that from an end.
  const timer = setTimeout(() => {
    expired = true;
    reader.cancel().catch(() => {});
  }, timeoutMs);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (cause) {
        throw expired ? timedOut(timeoutMs) : unreadable(cause);
      }
      if (expired) throw timedOut(timeoutMs);
      if (result.done) return concat(chunks);
      size += result.value.byteLength;
      if (size > limit) {
        reader.cancel().catch(() => {});
        throw tooLarge(limit);
      }
      chunks.push(result.value);
    }
  } finally {
    clearTimeout(timer);
  }
};

const readNode = (
  request: NodeRequestLike,
  limit: number,
  timeoutMs: number,
): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    // Ended, or some bytes already taken by someone else: what is left is not the body.
    if (request.readableEnded || request.readableDidRead) {
      reject(unavailable());
      return;
    }
    // Chunks are kept as they came and joined once at the end, so memory follows the bytes
    // that arrived: a buffer of the declared length, allocated at the first chunk, made
    // 200 concurrent 1 MiB uploads hold 200 MiB at once and raised peak RSS by about a
    // quarter (bench/findings.md, part 9). A body that comes whole is kept uncopied.
    const chunks: Uint8Array[] = [];
    let size = 0;
    const expire = () => {
      // Stop pulling from the socket; the caller answers 408 and closes.
      request.pause();
      settle(timedOut(timeoutMs));
    };
    const settle = (error?: WebhookVerificationError) => {
      unwatch(expire);
      request.removeListener('data', onData);
      request.removeListener('end', onEnd);
      request.removeListener('error', onError);
      request.removeListener('close', onClose);
      if (error) reject(error);
      else resolve(concat(chunks));
    };
    const onData = (chunk: Uint8Array | string) => {
      // A decoded string has lost the exact bytes; verifying it would be a guess.
      if (typeof chunk === 'string') return settle(unavailable());
      if (size + chunk.byteLength > limit) {
        // Stop pulling from the socket; the caller answers 413 and closes.
        request.pause();
        return settle(tooLarge(limit));
      }
      chunks.push(chunk);
      size += chunk.byteLength;
    };
    const onEnd = () => settle();
    const onError = (error: Error) => settle(incomplete(error));
    const onClose = () => settle(incomplete());
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
    watch(expire, timeoutMs);
    // A 'data' listener alone does not restart a stream someone paused explicitly.
    request.resume();
  });
