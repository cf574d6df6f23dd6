// Shared fixtures for the core tests (not part of the package: nothing imports it but tests).
import { expect } from 'vitest';
import type { ErrorCode } from './errors.js';
import { WebhookVerificationError } from './errors.js';

export type {
  CodaiqVector,
  StandardWebhooksEd25519Vector,
  StandardWebhooksHmacVector,
  StandardWebhooksVector,
} from '../test/vectors/index.js';
export { codaiqVectors, standardWebhooksVectors } from '../test/vectors/index.js';

/** A valid 32-byte Standard Webhooks secret for tests that need one. */
export const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const OTHER_SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

/** Flips bit `bit` (0..6, so the result stays ASCII) of character `index`. */
export const flipChar = (text: string, index: number, bit: number): string =>
  text.slice(0, index) +
  String.fromCharCode(text.charCodeAt(index) ^ (1 << bit)) +
  text.slice(index + 1);

export const flipByte = (bytes: Uint8Array, index: number, bit: number): Uint8Array => {
  const copy = bytes.slice();
  copy[index] = (copy[index] ?? 0) ^ (1 << bit);
  return copy;
};

/** Awaits a rejection and checks it is a `WebhookVerificationError` with one of `codes`. */
export const expectRejection = async (
  promise: Promise<unknown> | object,
  ...codes: ErrorCode[]
): Promise<WebhookVerificationError> => {
  const error = await Promise.resolve(promise).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(WebhookVerificationError);
  const typed = error as WebhookVerificationError;
  expect(codes).toContain(typed.code);
  return typed;
};
