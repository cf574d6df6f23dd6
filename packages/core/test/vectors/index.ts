// The published test vectors, typed. Every suite that needs them (core on both crypto
// backends, the adapters, the cross-runtime conformance suite) imports this one module, so
// the JSON is read in one place. It imports nothing but the JSON beside it, so Node, Bun,
// Deno and workerd's bundler all load it as it is.
import codaiqJson from './codaiq.json' with { type: 'json' };
import standardJson from './standard-webhooks.json' with { type: 'json' };

export interface StandardWebhooksVector {
  name: string;
  id: string;
  /** Seconds since the epoch. */
  timestamp: number;
  payload: string;
  signature: string;
}

/** A `v1` (HMAC-SHA256) vector: the secret is a `whsec_` string. */
export interface StandardWebhooksHmacVector extends StandardWebhooksVector {
  secret: string;
}

/** A `v1a` (Ed25519) vector: a `whpk_` public key, and the `whsk_` private key when published. */
export interface StandardWebhooksEd25519Vector extends StandardWebhooksVector {
  publicKey: string;
  privateKey?: string;
}

export interface CodaiqVector {
  name: string;
  secret: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  payload: string;
  signature: string;
}

export const standardWebhooksVectors: {
  v1: StandardWebhooksHmacVector[];
  v1a: StandardWebhooksEd25519Vector[];
  /** Signatures that must never verify against any vector. */
  decoys: string[];
} = standardJson;

export const codaiqVectors: { v1: CodaiqVector[] } = codaiqJson;
