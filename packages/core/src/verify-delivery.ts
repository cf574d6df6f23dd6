import type { MaybePromise } from './crypto/provider.js';
import { verifyNowOf } from './lib/verify-now.js';
import type { HeadersLike, VerifiedWebhook, VerifyInput, WebhookScheme } from './types.js';

/**
 * A rejection of {@link verifyDelivery}, handed back as a value.
 *
 * @example
 * ```ts
 * import { Refused, verifyDelivery } from '@hookguard/core';
 * const result = await verifyDelivery(scheme, req.headers, body, () => url);
 * if (result instanceof Refused) throw result.error;
 * ```
 */
export class Refused {
  constructor(readonly error: unknown) {}
}

// `url` is a prototype getter: an object literal with a getter costs a runtime call per
// request (about 0.9 µs against 0.04 µs here), and only schemes that sign the URL read it.
class AdapterInput implements VerifyInput {
  readonly #urlOf: () => string;

  constructor(
    readonly headers: HeadersLike,
    readonly body: Uint8Array,
    urlOf: () => string,
  ) {
    this.#urlOf = urlOf;
  }

  get url(): string {
    return this.#urlOf();
  }
}

const asValue = (error: unknown): Refused => new Refused(error);

/**
 * For framework adapters: verifies a delivery's raw `body` with `scheme`, working out the
 * request URL (`urlOf`) only for a scheme that reads it (Twilio signs it), and answers with
 * the delivery or with its rejection as a {@link Refused} value: at once when the scheme can
 * check synchronously (every hookguard scheme on Node), else as a promise, which never
 * rejects. A refusal is never thrown through a promise: a rejection with no handler yet
 * costs Node's unhandled-rejection bookkeeping, and forged traffic must not cost more to
 * refuse than valid traffic to accept.
 *
 * @example
 * ```ts
 * import { Refused, verifyDelivery } from '@hookguard/core';
 * let result = verifyDelivery(scheme, req.headers, body, () => `https://${req.headers.host}${req.url}`);
 * if (result instanceof Promise) result = await result;
 * if (result instanceof Refused) return refuse(result.error);
 * req.webhook = result;
 * ```
 */
export function verifyDelivery(
  scheme: WebhookScheme,
  headers: HeadersLike,
  body: Uint8Array,
  urlOf: () => string,
): MaybePromise<VerifiedWebhook | Refused> {
  const input = new AdapterInput(headers, body, urlOf);
  const check = verifyNowOf(scheme);
  if (check === undefined) return scheme.verify(input).catch(asValue);
  try {
    const delivery = check(input);
    return delivery instanceof Promise ? delivery.catch(asValue) : delivery;
  } catch (error) {
    return new Refused(error);
  }
}
