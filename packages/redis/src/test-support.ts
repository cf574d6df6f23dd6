import { standardWebhooks, WebhookVerificationError } from '@hookguard/core';
import { expect } from 'vitest';

/**
 * Waits for `condition` by polling it a bounded number of times, so a test asserts on the
 * state it waits for rather than on how long anything took.
 *
 * @example
 * ```ts
 * await until(async () => (await command('EXISTS', key)) === 0, 'the claim to expire');
 * ```
 */
export async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`Gave up waiting for ${what}.`);
}

/**
 * A Standard Webhooks scheme with the example secret.
 *
 * @example
 * ```ts
 * const guard = replayGuard(scheme, { store });
 * ```
 */
export const scheme = standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });

/**
 * A verified delivery with webhook-id `id`, as an adapter would hand it to `replayGuard`.
 *
 * @example
 * ```ts
 * const claim = await guard.claim(await delivery('msg_1'));
 * ```
 */
export async function delivery(id: string) {
  const body = JSON.stringify({ type: 'order.paid', id });
  return scheme.verify({ headers: await scheme.sign({ body, id }), body });
}

/**
 * Asserts that `promise` rejects with a `WebhookVerificationError` of `code`.
 *
 * @example
 * ```ts
 * await expectCode(guard.claim(await delivery('msg_1')), 'replay_store_unavailable');
 * ```
 */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(WebhookVerificationError);
  expect((error as WebhookVerificationError).code).toBe(code);
}
