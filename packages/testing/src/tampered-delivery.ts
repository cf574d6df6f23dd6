import { errorStatus, type WebhookScheme } from '@hookguard/core';
import * as fc from 'fast-check';
import { type Anatomy, anatomyOf } from './anatomy.js';
import type { Delivery, DeliveryOptions } from './delivery.js';
import type { ExpectedRefusal } from './expected-refusal.js';
import { deliver, printable, type Settings, settingsOf, settled } from './settings.js';

/**
 * The one change an attacker made to a signed delivery.
 *
 * @example
 * ```ts
 * import type { Tampering } from '@hookguard/testing';
 * const headerOnly: Tampering[] = ['changed-signature-character', 'signature-from-another-key'];
 * ```
 */
export type Tampering =
  | 'flipped-body-byte'
  | 'appended-body-byte'
  | 'removed-body-byte'
  | 'changed-signature-character'
  | 'signature-from-another-key'
  | 'signature-from-another-delivery'
  | 'changed-id';

/**
 * Every {@link Tampering}, in the order fast-check shrinks towards.
 *
 * @example
 * ```ts
 * import { tamperings } from '@hookguard/testing';
 * const bodyOnly = tamperings.filter((t) => t.endsWith('body-byte'));
 * ```
 */
export const tamperings: readonly Tampering[] = [
  'flipped-body-byte',
  'appended-body-byte',
  'removed-body-byte',
  'changed-signature-character',
  'signature-from-another-key',
  'signature-from-another-delivery',
  'changed-id',
];

/**
 * A signed delivery with exactly one change an attacker could make.
 *
 * @example
 * ```ts
 * import type { TamperedDelivery } from '@hookguard/testing';
 * const label = (delivery: TamperedDelivery) => `${delivery.tampering}: ${delivery.change}`;
 * ```
 */
export interface TamperedDelivery<Payload = unknown> extends Delivery<Payload> {
  tampering: Tampering;
  /** What changed, for the counterexample: `byte 3: 0x7b -> 0x3b`. */
  change: string;
  /** Always 401 `signature_mismatch`: a tampered delivery is refused before anything else looks at it. */
  expected: ExpectedRefusal;
}

/**
 * {@link DeliveryOptions}, plus which tamperings to make and whose key to forge with.
 *
 * @example
 * ```ts
 * import { standardWebhooks } from '@hookguard/core';
 * import type { TamperedDeliveryOptions } from '@hookguard/testing';
 *
 * const options: TamperedDeliveryOptions = {
 *   tamperings: ['signature-from-another-key'],
 *   impostor: standardWebhooks({ secret: 'whsec_dGhpcyBpcyBub3QgdGhlIHJlY2VpdmVyJ3Mga2V5' }),
 * };
 * ```
 */
export interface TamperedDeliveryOptions<Payload = Record<string, unknown>>
  extends DeliveryOptions<Payload> {
  /** The tamperings to make. Default: every one the scheme allows (see `tamperedDelivery`). */
  tamperings?: readonly Tampering[];
  /**
   * The same scheme configured with a key the receiver does not have, to sign
   * `signature-from-another-key` deliveries. Default: a signature of the right shape made of
   * random characters, which is what another key's signature looks like to the receiver.
   */
  impostor?: WebhookScheme;
}

const expected: ExpectedRefusal = {
  status: errorStatus.signature_mismatch,
  code: 'signature_mismatch',
};

// Tries per body tampering before moving on: a scheme that signs parsed form fields (Twilio)
// does not see every byte change.
const TRIES = 8;

const HEX = '0123456789abcdef';
const UPPER_HEX = '0123456789ABCDEF';
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64URL = `${BASE64.slice(0, 62)}-_`;
const ID_CHARS = '0123456789abcdefghijklmnopqrstuvwxyz';
const SIGNATURE_CHAR = /[A-Za-z0-9+/_-]/;

interface Segment {
  alphabet: string;
  /** Positions in the header value, inside this segment, that depend on the body. */
  varying: number[];
  /** Those of them whose change changes the signature's bytes for every decoder. */
  changeable: number[];
}

/** The runs of signature characters holding body-dependent positions: one per signature listed. */
const segmentsOf = (value: string, varying: readonly number[]): Segment[] => {
  const segments: Segment[] = [];
  let start = 0;
  for (let i = 0; i <= value.length; i++) {
    if (i < value.length && SIGNATURE_CHAR.test(value[i] as string)) continue;
    const text = value.slice(start, i);
    const positions = varying.filter((p) => p >= start && p < i);
    if (positions.length > 0) {
      const alphabet = /^[0-9a-f]+$/.test(text)
        ? HEX
        : /^[0-9A-F]+$/.test(text)
          ? UPPER_HEX
          : /[-_]/.test(text)
            ? BASE64URL
            : BASE64;
      // The last base64 character may hold padding bits a lenient decoder ignores.
      const usable =
        alphabet === HEX || alphabet === UPPER_HEX
          ? positions
          : positions.filter((p) => p !== i - 1);
      segments.push({
        alphabet,
        varying: positions,
        changeable: usable.length > 0 ? usable : positions,
      });
    }
    start = i + 1;
  }
  return segments;
};

const other = (alphabet: string, current: string, seed: number) => {
  const index = alphabet.indexOf(current);
  return alphabet[(index + 1 + (seed % (alphabet.length - 1))) % alphabet.length] as string;
};

const hex = (byte: number) => `0x${byte.toString(16).padStart(2, '0')}`;

const replaceAt = (text: string, at: number, char: string) =>
  text.slice(0, at) + char + text.slice(at + 1);

interface Draw<Payload> {
  payload: Payload;
  otherPayload: Payload;
  tampering: Tampering;
  at: number;
  mask: number;
  byte: number;
  noise: Uint8Array;
}

type Change = Pick<TamperedDelivery, 'tampering' | 'change'> & Partial<Omit<Delivery, 'payload'>>;

interface Context<Payload> {
  scheme: WebhookScheme;
  settings: Settings<Payload>;
  anatomy: Anatomy;
  original: Delivery<Payload>;
  draw: Draw<Payload>;
  impostor: WebhookScheme | undefined;
}

const signatureNames = (anatomy: Anatomy) => [...anatomy.signatures.keys()];

const signAgain = <Payload>(scheme: WebhookScheme, original: Delivery<Payload>, body: Uint8Array) =>
  scheme.sign({
    body,
    timestamp: original.timestamp,
    ...(original.id !== undefined && { id: original.id }),
  });

/** Signature headers of `headers` in place of the original's; undefined if nothing changed. */
const withSignatures = <Payload>(
  { anatomy, original }: Context<Payload>,
  headers: Record<string, string>,
): Record<string, string> | undefined => {
  const replaced = { ...original.headers };
  for (const name of signatureNames(anatomy)) {
    const value = headers[name];
    if (value === undefined) return undefined;
    replaced[name] = value;
  }
  const changed = signatureNames(anatomy).some((name) => replaced[name] !== original.headers[name]);
  return changed ? replaced : undefined;
};

// A body change is a tampering only if the sender would have signed the new body differently.
const bodyTampering = async <Payload>(
  context: Context<Payload>,
  tampering: Tampering,
  candidates: () => Iterable<{ body: Uint8Array<ArrayBuffer>; change: string }>,
): Promise<Change | undefined> => {
  let tries = 0;
  for (const { body, change } of candidates()) {
    if (++tries > TRIES) break;
    const resigned = await signAgain(context.scheme, context.original, body);
    if (withSignatures(context, resigned) !== undefined) return { tampering, change, body };
  }
  return undefined;
};

const tamper: {
  [K in Tampering]: <Payload>(context: Context<Payload>) => Promise<Change | undefined>;
} = {
  'flipped-body-byte': (context) => {
    const { body } = context.original;
    const { at, mask } = context.draw;
    return bodyTampering(context, 'flipped-body-byte', function* () {
      for (let k = 0; k < body.length; k++) {
        const i = (at + k) % body.length;
        const changed = body.slice();
        changed[i] = (body[i] as number) ^ mask;
        yield {
          body: changed,
          change: `byte ${i}: ${hex(body[i] as number)} -> ${hex(changed[i] as number)}`,
        };
      }
    });
  },
  'appended-body-byte': (context) => {
    const { body } = context.original;
    return bodyTampering(context, 'appended-body-byte', function* () {
      for (let k = 0; k < 256; k++) {
        const byte = (context.draw.byte + k) % 256;
        const changed = new Uint8Array(body.length + 1);
        changed.set(body);
        changed[body.length] = byte;
        yield { body: changed, change: `appended ${hex(byte)}` };
      }
    });
  },
  'removed-body-byte': (context) => {
    const { body } = context.original;
    return bodyTampering(context, 'removed-body-byte', function* () {
      for (let k = 0; k < body.length; k++) {
        const i = (context.draw.at + k) % body.length;
        const changed = new Uint8Array(body.length - 1);
        changed.set(body.subarray(0, i));
        changed.set(body.subarray(i + 1), i);
        yield { body: changed, change: `removed byte ${i} (${hex(body[i] as number)})` };
      }
    });
  },
  'changed-signature-character': async ({ anatomy, original, draw }) => {
    const headers = { ...original.headers };
    const changes: string[] = [];
    for (const [name, varying] of anatomy.signatures) {
      let value = headers[name] ?? '';
      // One character in each listed signature: a header listing two (v1 and v1a) still
      // verifies with one intact.
      for (const { alphabet, changeable } of segmentsOf(value, varying)) {
        const position = changeable[draw.at % changeable.length] as number;
        const current = value[position] as string;
        const replacement = other(alphabet, current, draw.mask);
        value = replaceAt(value, position, replacement);
        changes.push(`${name}[${position}] '${current}' -> '${replacement}'`);
      }
      headers[name] = value;
    }
    return { tampering: 'changed-signature-character', change: changes.join(', '), headers };
  },
  'signature-from-another-key': async (context) => {
    const { anatomy, original, draw, impostor, scheme } = context;
    if (impostor) {
      const headers = withSignatures(context, await signAgain(impostor, original, original.body));
      if (!headers) {
        throw new TypeError(
          `tamperedDelivery(${scheme.name}): the impostor signs with the receiver's key, or sends other headers. Give it a key the receiver does not have.`,
        );
      }
      return { tampering: 'signature-from-another-key', change: 'signed by the impostor', headers };
    }
    const forged: Record<string, string> = {};
    let k = 0;
    for (const [name, varying] of anatomy.signatures) {
      let value = original.headers[name] ?? '';
      for (const segment of segmentsOf(value, varying)) {
        for (const position of segment.varying) {
          const noise = draw.noise[k++ % draw.noise.length] as number;
          value = replaceAt(
            value,
            position,
            segment.alphabet[noise % segment.alphabet.length] as string,
          );
        }
      }
      forged[name] = value;
    }
    const headers = withSignatures(context, forged);
    return (
      headers && {
        tampering: 'signature-from-another-key',
        change: 'a signature of the right shape from a key the receiver does not have',
        headers,
      }
    );
  },
  'signature-from-another-delivery': async (context) => {
    const { original, settings, draw } = context;
    let body = settings.encode(draw.otherPayload, { timestamp: original.timestamp });
    if (
      body.length === original.body.length &&
      body.every((byte, i) => byte === original.body[i])
    ) {
      // Two equal payloads: the other delivery's body has a trailing space.
      body = new Uint8Array([...original.body, 0x20]);
    }
    const headers = withSignatures(context, await signAgain(context.scheme, original, body));
    return (
      headers && {
        tampering: 'signature-from-another-delivery',
        change: `the signature of another ${body.length}-byte body`,
        headers,
      }
    );
  },
  'changed-id': async ({ anatomy, original, draw }) => {
    const { idHeader } = anatomy;
    const id = original.id;
    if (!anatomy.idSigned || idHeader === undefined || id === undefined || id === '') {
      return undefined;
    }
    const at = draw.at % id.length;
    const changed = replaceAt(id, at, other(ID_CHARS, id[at] as string, draw.mask));
    return {
      tampering: 'changed-id',
      change: `${idHeader}: ${id} -> ${changed}`,
      headers: { ...original.headers, [idHeader]: changed },
      id: changed,
    };
  },
};

/**
 * Deliveries signed by `scheme.sign()` and then changed in exactly one way an attacker could:
 * a body byte flipped, appended or removed; a signature character changed; the signature
 * replaced by another key's, or by that of another delivery; or, when the scheme signs its
 * id, the id changed. Each carries its `tampering`, the `change` made, and `expected`: 401
 * `signature_mismatch`. Each value is a promise: await it inside `fc.asyncProperty`.
 *
 * Only changes that matter to the scheme are made, found from `scheme.sign()` alone: a body
 * change is kept only if the sender would sign the new body differently (Twilio signs form
 * fields, not bytes), and `changed-id` only for a scheme that signs its id. When the drawn
 * tampering does not apply, the next one in {@link tamperings} order that does is made.
 *
 * @example
 * ```ts
 * import fc from 'fast-check';
 * import { stripe, WebhookVerificationError } from '@hookguard/core';
 * import { tamperedDelivery } from '@hookguard/testing';
 *
 * const scheme = stripe({ secret: 'whsec_test_only' });
 * await fc.assert(
 *   fc.asyncProperty(tamperedDelivery(scheme), async (pending) => {
 *     const delivery = await pending;
 *     const error = await scheme.verify(delivery).catch((e: unknown) => e);
 *     if (!(error instanceof WebhookVerificationError) || error.code !== delivery.expected.code) {
 *       throw new Error(`accepted a delivery with ${delivery.tampering}: ${delivery.change}`);
 *     }
 *   }),
 * );
 * ```
 */
export function tamperedDelivery<Payload = Record<string, unknown>>(
  scheme: WebhookScheme,
  options: TamperedDeliveryOptions<Payload> = {},
): fc.Arbitrary<Promise<TamperedDelivery<Payload>>> {
  const settings = settingsOf('tamperedDelivery', scheme, options);
  const kinds = options.tamperings ?? tamperings;
  if (!Array.isArray(kinds) || kinds.length === 0 || !kinds.every((k) => tamperings.includes(k))) {
    throw new TypeError(`tamperings must be a non-empty list of: ${tamperings.join(', ')}.`);
  }
  const { impostor } = options;
  if (impostor !== undefined && typeof impostor?.sign !== 'function') {
    throw new TypeError('impostor must be a WebhookScheme with a key the receiver does not have.');
  }
  const draws = fc.record({
    payload: settings.payload,
    otherPayload: settings.payload,
    tampering: fc.constantFrom(...kinds),
    at: fc.nat(),
    mask: fc.integer({ min: 1, max: 255 }),
    byte: fc.integer({ min: 0, max: 255 }),
    noise: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  });
  return draws.map((draw) =>
    settled(
      (async (): Promise<TamperedDelivery<Payload>> => {
        const original = await deliver(scheme, settings, draw.payload, settings.now());
        const context = {
          scheme,
          settings,
          anatomy: await anatomyOf(scheme),
          original,
          draw,
          impostor,
        };
        const first = kinds.indexOf(draw.tampering);
        for (let k = 0; k < kinds.length; k++) {
          const tampering = kinds[(first + k) % kinds.length] as Tampering;
          const change = await tamper[tampering](context);
          if (change) return printable({ ...original, ...change, expected });
        }
        throw new TypeError(
          `tamperedDelivery(): none of ${kinds.join(', ')} applies to the ${scheme.name} scheme (changed-id needs a scheme that signs its id).`,
        );
      })(),
    ),
  );
}
