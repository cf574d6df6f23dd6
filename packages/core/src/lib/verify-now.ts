import type { MaybePromise } from '../crypto/provider.js';
import type { VerifiedWebhook, VerifyInput, WebhookScheme } from '../types.js';

/** A scheme's check that answers at once when it can, and throws its refusal. */
export type VerifyNow = (input: VerifyInput) => MaybePromise<VerifiedWebhook>;

// Registered, so an adapter built against the other module instance (ESM or CJS) finds it.
const VERIFY_NOW: unique symbol = Symbol.for('hookguard.verifyNow');

type Carrier = WebhookScheme['verify'] & { readonly [VERIFY_NOW]?: VerifyNow };

/**
 * A scheme's `verify`: `check` made async, and carrying `check` for `verifyDelivery`. It
 * rides on the function rather than the scheme, so a copy that keeps `verify` keeps it and
 * one that replaces `verify` (to log, say) loses it and is called as written.
 */
export const verifyFrom = (check: VerifyNow): WebhookScheme['verify'] =>
  Object.assign(async (input: VerifyInput) => check(input), { [VERIFY_NOW]: check });

/** `next` applied to `value`: at once for a value, after it settles for a promise. */
export const thenNow = <T, R>(
  value: MaybePromise<T>,
  next: (value: T) => MaybePromise<R>,
): MaybePromise<R> => (value instanceof Promise ? value.then(next) : next(value));

/** The synchronous check behind `scheme.verify`, when a core scheme made it. */
export const verifyNowOf = (scheme: WebhookScheme): VerifyNow | undefined =>
  (scheme.verify as Carrier)[VERIFY_NOW];
