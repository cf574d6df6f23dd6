import * as nodeCore from '@hookguard/core';
import { verify as githubVerify } from '@octokit/webhooks-methods';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import { baselineMatches } from './baseline.js';
import { type Delivery, HEX_SECRET, STANDARD_KEY, STANDARD_SECRET } from './deliveries.js';

/** Every row of the verification benchmark, in table order. */
export const CASE_IDS = [
  'baseline',
  'baseline-no-parse',
  'hookguard-node',
  'hookguard-web',
  'subtle',
  'subtle-no-parse',
  'standardwebhooks',
  'svix',
  'hookguard-codaiq',
  'stripe',
  'octokit',
] as const;
export type CaseId = (typeof CASE_IDS)[number];

/** One verifier under test. */
export interface VerifierCase {
  id: CaseId;
  label: string;
  /** Whether the call also parses the body as JSON (and returns it, or an object holding it). */
  parses: boolean;
  /** Whether it waits on `crypto.subtle`, which Node runs on its thread pool. */
  pooled: boolean;
  /** The timed call for one delivery: it throws, rejects or returns `false` to refuse it. */
  make(delivery: Delivery): () => unknown;
  /** The parsed payload out of an accepting result, or `true`/`false` for a call that does not parse. */
  outcome(result: unknown): unknown;
}

type Core = typeof nodeCore;

/**
 * The Web Crypto build of core. `@hookguard/core` resolves to `dist/node.js` on Node and has no
 * subpath for the other build, so the benchmark imports `packages/core/dist/web.js` by file path.
 */
export const loadWebCore = async (): Promise<Core> =>
  (await import(new URL('../../packages/core/dist/web.js', import.meta.url).href)) as Core;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

const header = (headers: Record<string, string>, name: string): string => headers[name] ?? '';

const mismatch = () => new Error('signature mismatch');

// What a careful hand-written receiver does in constant time with Web Crypto only.
const equalBytes = (expected: Uint8Array, actual: Uint8Array): boolean => {
  let diff = expected.length ^ actual.length;
  for (let i = 0; i < expected.length; i++) diff |= (expected[i] ?? 0) ^ (actual[i] ?? 0);
  return diff === 0;
};

const fromBase64 = (text: string): Uint8Array => {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
};

const payloadOf = (result: unknown) => (result as { payload: unknown }).payload;
const same = (result: unknown) => result;
const accepted = (result: unknown) => result === true;

/** Builds every case once (keys imported, libraries constructed) so only verification is timed. */
export const createCases = async (): Promise<VerifierCase[]> => {
  const webCore = await loadWebCore();
  const subtleKey = await crypto.subtle.importKey(
    'raw',
    STANDARD_KEY,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const hookguardNode = nodeCore.standardWebhooks({ secret: STANDARD_SECRET });
  const hookguardWeb = webCore.standardWebhooks({ secret: STANDARD_SECRET });
  const hookguardCodaiq = nodeCore.codaiq({ secret: HEX_SECRET });
  const reference = new StandardWebhook(STANDARD_SECRET);
  const svix = new SvixWebhook(STANDARD_SECRET);
  const stripe = new Stripe('sk_test_hookguard_bench');

  const nodeHmacMatches = ({ standard, body }: Delivery) => baselineMatches(standard, body);

  const subtleMatches = async ({ standard, body }: Delivery): Promise<boolean> => {
    const prefix = encoder.encode(
      `${header(standard, 'webhook-id')}.${header(standard, 'webhook-timestamp')}.`,
    );
    const signed = new Uint8Array(prefix.byteLength + body.byteLength);
    signed.set(prefix);
    signed.set(body, prefix.byteLength);
    const expected = new Uint8Array(await crypto.subtle.sign('HMAC', subtleKey, signed));
    return equalBytes(expected, fromBase64(header(standard, 'webhook-signature').slice(3)));
  };

  return [
    {
      id: 'baseline',
      label: 'baseline: node:crypto HMAC + timingSafeEqual + JSON.parse',
      parses: true,
      pooled: false,
      make: (delivery) => () => {
        if (!nodeHmacMatches(delivery)) throw mismatch();
        return JSON.parse(delivery.body.toString());
      },
      outcome: same,
    },
    {
      id: 'baseline-no-parse',
      label: 'baseline without JSON.parse',
      parses: false,
      pooled: false,
      make: (delivery) => () => nodeHmacMatches(delivery),
      outcome: accepted,
    },
    {
      id: 'hookguard-node',
      label: 'hookguard standardWebhooks().verify (Node crypto)',
      parses: true,
      pooled: false,
      make:
        ({ standard, body }) =>
        () =>
          hookguardNode.verify({ headers: standard, body }),
      outcome: payloadOf,
    },
    {
      id: 'hookguard-web',
      label: 'hookguard standardWebhooks().verify (Web Crypto, dist/web.js)',
      parses: true,
      pooled: true,
      make:
        ({ standard, body }) =>
        () =>
          hookguardWeb.verify({ headers: standard, body }),
      outcome: payloadOf,
    },
    {
      id: 'subtle',
      label: 'baseline: crypto.subtle HMAC sign + compare + JSON.parse',
      parses: true,
      pooled: true,
      make: (delivery) => async () => {
        if (!(await subtleMatches(delivery))) throw mismatch();
        return JSON.parse(decoder.decode(delivery.body));
      },
      outcome: same,
    },
    {
      id: 'subtle-no-parse',
      label: 'baseline: crypto.subtle HMAC sign + compare',
      parses: false,
      pooled: true,
      make: (delivery) => () => subtleMatches(delivery),
      outcome: accepted,
    },
    {
      id: 'standardwebhooks',
      label: 'standardwebhooks Webhook.verify (reference library)',
      parses: true,
      pooled: false,
      make:
        ({ standard, body }) =>
        () =>
          reference.verify(body, standard),
      outcome: same,
    },
    {
      id: 'svix',
      label: 'svix 1.x Webhook.verify',
      parses: true,
      pooled: false,
      make:
        ({ standard, body }) =>
        () =>
          svix.verify(body, standard),
      outcome: same,
    },
    {
      id: 'hookguard-codaiq',
      label: 'hookguard codaiq().verify (Node crypto)',
      parses: true,
      pooled: false,
      make:
        ({ codaiq, body }) =>
        () =>
          hookguardCodaiq.verify({ headers: codaiq, body }),
      outcome: payloadOf,
    },
    {
      id: 'stripe',
      label: 'stripe webhooks.constructEvent',
      parses: true,
      pooled: false,
      make:
        ({ stripeSignature, body }) =>
        () =>
          stripe.webhooks.constructEvent(body, stripeSignature, HEX_SECRET),
      outcome: same,
    },
    {
      id: 'octokit',
      label: '@octokit/webhooks-methods verify (sha256 hex, no parse)',
      parses: false,
      pooled: false,
      // It takes only a string, so decoding the received bytes is part of its cost.
      make:
        ({ githubSignature, body }) =>
        () =>
          githubVerify(HEX_SECRET, body.toString(), githubSignature),
      outcome: accepted,
    },
  ];
};
