import type { WebhookVerificationError } from '../errors.js';
import { decodeHex, EMPTY } from './bytes.js';
import { isDigits } from './headers.js';
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
  /** The header split into its `key=value` entries. */
  entries(header: string): string[];
  malformed(detail: string): WebhookVerificationError;
}

/**
 * The signed time and every hex signature of a `t=<time>,v1=<hex>[,v1=...]` header (Codaiq,
 * Stripe, Paddle, WorkOS). Exactly one time, digits only; unknown keys are ignored.
 */
export const parseTimedSignatures = (header: string, format: TimedSignatureFormat) => {
  const { malformed } = format;
  const entries = format.entries(header);
  if (entries.length > MAX_SIGNATURES + 1) {
    throw malformed(`has ${entries.length} entries; at most ${MAX_SIGNATURES + 1} are accepted`);
  }
  let time: string | undefined;
  const signatures: Uint8Array[] = [];
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals < 1) throw malformed(`must be ${format.shape}`);
    const key = entry.slice(0, equals);
    const value = entry.slice(equals + 1);
    if (key === format.time) {
      if (time !== undefined) throw malformed(`has more than one ${format.time}= entry`);
      if (!isDigits(value)) {
        throw malformed(`has a ${format.time}= value that is not whole ${format.unit}`);
      }
      time = value;
    } else if (key === format.signature) {
      // Undecodable hex stays as empty bytes: same comparison cost, never a match.
      signatures.push(decodeHex(value) ?? EMPTY);
    }
  }
  if (time === undefined) throw malformed(`has no ${format.time}= timestamp`);
  return { time, signatures };
};
