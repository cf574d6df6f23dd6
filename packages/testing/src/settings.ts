import type { WebhookScheme } from '@hookguard/core';
import * as fc from 'fast-check';
import { anatomyOf } from './anatomy.js';
import type { Delivery, DeliveryOptions } from './delivery.js';
import { jsonObject } from './json-object.js';

/** The options with their defaults filled in. */
export interface Settings<Payload> {
  payload: fc.Arbitrary<Payload>;
  encode: (payload: Payload, signing: { timestamp: number }) => Uint8Array<ArrayBuffer>;
  contentType: string;
  now: () => number;
  url: string | undefined;
}

const encoder = new TextEncoder();

export const settingsOf = <Payload>(
  factory: string,
  scheme: WebhookScheme,
  options: DeliveryOptions<Payload> = {},
): Settings<Payload> => {
  if (typeof scheme?.sign !== 'function' || typeof scheme.toleranceSeconds !== 'number') {
    throw new TypeError(
      `${factory}() needs a WebhookScheme, such as standardWebhooks({ secret }).`,
    );
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${factory}(scheme, options): options must be an object.`);
  }
  const { encode = (payload: Payload) => JSON.stringify(payload), now = Date.now } = options;
  if (typeof encode !== 'function') throw new TypeError('encode must be a function.');
  if (typeof now !== 'function') throw new TypeError('now must be a function returning ms.');
  return {
    payload: options.payload ?? (jsonObject() as unknown as fc.Arbitrary<Payload>),
    encode: (payload, signing) => {
      const body = encode(payload, signing);
      if (typeof body === 'string') return encoder.encode(body);
      if (body instanceof Uint8Array) return body.slice();
      throw new TypeError(
        'encode must return the body as a string or a Uint8Array (JSON.stringify(undefined) is undefined: use a payload that encodes).',
      );
    },
    contentType: options.contentType ?? 'application/json',
    // sign() takes whole milliseconds.
    now: () => Math.floor(now()),
    url: options.url,
  };
};

/** Signs `payload` at `timestamp` through `scheme.sign()` and nothing else. */
export const deliver = async <Payload>(
  scheme: WebhookScheme,
  settings: Settings<Payload>,
  payload: Payload,
  timestamp: number,
): Promise<Delivery<Payload>> => {
  const body = settings.encode(payload, { timestamp });
  const [signed, anatomy] = await Promise.all([
    scheme.sign({ body, timestamp }),
    anatomyOf(scheme),
  ]);
  const id = anatomy.idHeader === undefined ? undefined : signed[anatomy.idHeader];
  return {
    headers: { 'content-type': settings.contentType, ...signed },
    body,
    payload,
    ...(id !== undefined && { id }),
    timestamp,
    ...(settings.url !== undefined && { url: settings.url }),
  };
};

// A value fast-check generates but the property never awaits (a failed precondition, say)
// must not surface as an unhandled rejection; awaiting it still throws.
export const settled = <T>(promise: Promise<T>): Promise<T> => {
  promise.catch(() => {});
  return promise;
};

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

const readable = (body: Uint8Array): string | Uint8Array => {
  try {
    return strictUtf8.decode(body);
  } catch {
    return body;
  }
};

const LABELS = ['tampering', 'change', 'stale', 'beyondToleranceMs', 'expected'];

/**
 * In fast-check's counterexamples, shows what was done to the delivery first and the body as
 * text when it is UTF-8, rather than as a list of byte values; the property still gets bytes.
 */
export const printable = <T extends Delivery<unknown>>(delivery: T): T => {
  const labels = Object.fromEntries(
    LABELS.filter((key) => key in delivery).map((key) => [
      key,
      (delivery as unknown as Record<string, unknown>)[key],
    ]),
  );
  return Object.defineProperty(delivery, fc.toStringMethod, {
    value: () => fc.stringify({ ...labels, ...delivery, body: readable(delivery.body) }),
  });
};
