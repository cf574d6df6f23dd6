import type { WebhookVerificationError } from '../errors.js';
import { decodeHex, EMPTY } from './bytes.js';
import { digitsValue } from './headers.js';
import { MAX_SIGNATURES } from './options.js';

/** How one provider spells a `t=<time>,v1=<hex>` style header. */
export interface TimedSignatureFormat {
  /** The key of the signed time, such as `t` or `ts`. */
  time: string;
  /** The key of each hex signature, such as `v1` or `h1`. */
  signature: string;
  unit: 'seconds' | 'milliseconds';
  /** The header's shape, for the message: `comma-separated key=value pairs, like t=<s>,v1=<hex>`. */
  shape: string;
  /** The character between entries, such as `,` or `;`. */
  separator: string;
  /** Whether one space after a separator belongs to it (WorkOS writes `t=<ms>, v1=<hex>`). */
  spaced?: boolean;
  malformed(detail: string): WebhookVerificationError;
}

const SPACE = 0x20;

/**
 * The signed time (as sent, and its value) and every hex signature of a
 * `t=<time>,v1=<hex>[,v1=...]` header (Codaiq, Stripe, Paddle, WorkOS). Exactly one time,
 * digits only; unknown keys are ignored. The header is read in place, not split: a
 * signature decoded out of a slice costs V8 about twice as much per character.
 */
export const parseTimedSignatures = (header: string, format: TimedSignatureFormat) => {
  const { separator, malformed } = format;
  // Too many entries is reported before anything else wrong with the header.
  const refuse = (detail: string) => {
    const entries = header.split(separator).length;
    if (entries > MAX_SIGNATURES + 1) {
      return malformed(`has ${entries} entries; at most ${MAX_SIGNATURES + 1} are accepted`);
    }
    return malformed(detail);
  };
  let time: string | undefined;
  let timeValue = -1;
  const signatures: Uint8Array[] = [];
  let entries = 0;
  for (let start = 0; start <= header.length; ) {
    const next = header.indexOf(separator, start);
    const end = next === -1 ? header.length : next;
    if (++entries > MAX_SIGNATURES + 1) throw refuse('');
    if (format.spaced && header.charCodeAt(start) === SPACE) start++;
    const equals = header.indexOf('=', start);
    if (equals <= start || equals >= end) throw refuse(`must be ${format.shape}`);
    const keyLength = equals - start;
    if (keyLength === format.time.length && header.startsWith(format.time, start)) {
      if (time !== undefined) throw refuse(`has more than one ${format.time}= entry`);
      time = header.slice(equals + 1, end);
      timeValue = digitsValue(time);
      if (timeValue < 0) {
        throw refuse(`has a ${format.time}= value that is not whole ${format.unit}`);
      }
    } else if (
      keyLength === format.signature.length &&
      header.startsWith(format.signature, start)
    ) {
      // Undecodable hex stays as empty bytes: same comparison cost, never a match.
      signatures.push(decodeHex(header, equals + 1, end) ?? EMPTY);
    }
    start = end + 1;
  }
  if (time === undefined) throw refuse(`has no ${format.time}= timestamp`);
  return { time, timeValue, signatures };
};
