import { createHmac } from 'node:crypto';
import { tamper } from './payloads.js';

/** The Standard Webhooks secret the examples use by default (test value, not a real key). */
export const STANDARD_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
/** The raw key bytes of {@link STANDARD_SECRET}. */
export const STANDARD_KEY = Buffer.from(STANDARD_SECRET.slice('whsec_'.length), 'base64');
/** One secret for Codaiq, Stripe and GitHub signatures, used as its UTF-8 bytes by all three. */
export const HEX_SECRET = 'cdaq_whsec_local_dev_only';

/** Headers as Node's `IncomingMessage` hands them over: lower-case names, plus the usual others. */
export type NodeHeaders = Record<string, string>;

/** One body signed every way the benchmark needs, with the headers each verifier reads. */
export interface Delivery {
  body: Buffer;
  /** `webhook-id`, `webhook-timestamp`, `webhook-signature` (Standard Webhooks, v1). */
  standard: NodeHeaders;
  /** `x-codaiq-signature: t=<ms>,v1=<hex>`. */
  codaiq: NodeHeaders;
  /** Stripe's `t=<s>,v1=<hex>` header value. */
  stripeSignature: string;
  /** GitHub's `sha256=<hex>` header value. */
  githubSignature: string;
}

const common = (body: Uint8Array): NodeHeaders => ({
  host: '127.0.0.1',
  'user-agent': 'hookguard-bench/1.0',
  'content-type': 'application/json',
  'content-length': String(body.byteLength),
  accept: '*/*',
});

const hmac = (key: string | Buffer, ...parts: (string | Uint8Array)[]) => {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

/** Signs `body` at `nowMs` (independently of hookguard, with `node:crypto`). */
export const sign = (
  body: Buffer,
  nowMs = Date.now(),
  id = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
): Delivery => {
  const seconds = String(Math.floor(nowMs / 1000));
  const standard = hmac(STANDARD_KEY, `${id}.${seconds}.`, body).toString('base64');
  const codaiq = hmac(HEX_SECRET, `${nowMs}.`, body).toString('hex');
  const stripe = hmac(HEX_SECRET, `${seconds}.`, body).toString('hex');
  return {
    body,
    standard: {
      ...common(body),
      'webhook-id': id,
      'webhook-timestamp': seconds,
      'webhook-signature': `v1,${standard}`,
    },
    codaiq: {
      ...common(body),
      'x-codaiq-timestamp': String(nowMs),
      'x-codaiq-signature': `t=${nowMs},v1=${codaiq}`,
    },
    stripeSignature: `t=${seconds},v1=${stripe}`,
    githubSignature: `sha256=${hmac(HEX_SECRET, body).toString('hex')}`,
  };
};

/** The same delivery with one body byte changed: every signature is now wrong. */
export const tampered = (delivery: Delivery): Delivery => ({
  ...delivery,
  body: tamper(delivery.body),
});
