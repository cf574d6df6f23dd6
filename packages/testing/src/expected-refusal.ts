import type { ErrorCode } from '@hookguard/core';

/**
 * How a receiver built on hookguard must answer a tampered or stale delivery: the HTTP status
 * and the stable error code (`{"ok":false,"error":{"code":...}}` from every adapter).
 *
 * @example
 * ```ts
 * import type { ExpectedRefusal } from '@hookguard/testing';
 *
 * const refusedAsExpected = (status: number, body: { error?: { code?: string } }, expected: ExpectedRefusal) =>
 *   status === expected.status && body.error?.code === expected.code;
 * ```
 */
export interface ExpectedRefusal {
  status: number;
  code: ErrorCode;
}
