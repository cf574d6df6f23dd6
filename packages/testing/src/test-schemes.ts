// Schemes the test files share (not part of the package: tsup builds src/index.ts only).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  codaiq,
  discord,
  github,
  hmacScheme,
  lemonSqueezy,
  linear,
  paddle,
  shopify,
  slack,
  standardWebhooks,
  stripe,
  twilio,
  type WebhookScheme,
  workos,
} from '@hookguard/core';
import fc from 'fast-check';
import type { DeliveryOptions } from './index.js';

const ed25519 = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  return { seed, pub };
};

const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;
const whsk = () => {
  const { seed, pub } = ed25519();
  return `whsk_${Buffer.concat([seed, pub]).toString('base64')}`;
};
const discordKeys = () => {
  const { seed, pub } = ed25519();
  return { privateKey: seed.toString('hex'), publicKey: pub.toString('hex') };
};

export interface SchemeCase {
  name: string;
  /** The scheme with a fresh key: a second call makes an impostor. */
  make: () => WebhookScheme;
  options?: DeliveryOptions<unknown>;
  /** Whether the sender signs a time, known from the provider's documentation. */
  signsTime: boolean;
  /** Whether the sender signs its delivery id. */
  signsId: boolean;
}

const TWILIO_URL = 'https://receiver.example/twilio/sms?account=a1';

const form = fc.dictionary(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,8}$/),
  fc.string({ maxLength: 12, unit: 'grapheme' }),
  { minKeys: 1, maxKeys: 4 },
);

const linearOptions: DeliveryOptions<Record<string, unknown>> = {
  encode: (payload, { timestamp }) => JSON.stringify({ ...payload, webhookTimestamp: timestamp }),
};

const twilioOptions: DeliveryOptions<Record<string, string>> = {
  payload: form,
  encode: (payload) => new URLSearchParams(payload).toString(),
  contentType: 'application/x-www-form-urlencoded',
  url: TWILIO_URL,
};

// The arbitraries are generic over the payload; the cases hold several payload types.
const loose = <P>(options: DeliveryOptions<P>) => options as unknown as DeliveryOptions<unknown>;

export const schemeCases: SchemeCase[] = [
  {
    name: 'standard webhooks v1',
    make: () => standardWebhooks({ secret: whsec() }),
    signsTime: true,
    signsId: true,
  },
  {
    name: 'standard webhooks v1a',
    make: () => standardWebhooks({ privateKey: whsk() }),
    signsTime: true,
    signsId: true,
  },
  {
    name: 'standard webhooks v1 and v1a in one header',
    make: () => standardWebhooks({ secret: whsec(), privateKey: whsk() }),
    signsTime: true,
    signsId: true,
  },
  {
    name: 'codaiq',
    make: () => codaiq({ secret: randomBytes(24).toString('hex') }),
    signsTime: true,
    signsId: false,
  },
  {
    name: 'stripe',
    make: () => stripe({ secret: `whsec_${randomBytes(24).toString('hex')}` }),
    signsTime: true,
    signsId: false,
  },
  {
    name: 'paddle',
    make: () => paddle({ secret: `pdl_ntfset_${randomBytes(16).toString('hex')}` }),
    signsTime: true,
    signsId: false,
  },
  {
    name: 'workos',
    make: () => workos({ secret: randomBytes(24).toString('hex') }),
    signsTime: true,
    signsId: false,
  },
  {
    name: 'slack',
    make: () => slack({ secret: randomBytes(24).toString('hex') }),
    signsTime: true,
    signsId: false,
  },
  {
    name: 'discord',
    make: () => discord(discordKeys()),
    signsTime: true,
    signsId: false,
  },
  {
    name: 'linear',
    make: () => linear({ secret: randomBytes(24).toString('hex') }),
    options: loose(linearOptions),
    signsTime: true,
    signsId: false,
  },
  {
    name: 'github',
    make: () => github({ secret: randomBytes(24).toString('hex') }),
    signsTime: false,
    signsId: false,
  },
  {
    name: 'shopify',
    make: () => shopify({ secret: randomBytes(24).toString('hex') }),
    signsTime: false,
    signsId: false,
  },
  {
    name: 'lemon squeezy',
    make: () => lemonSqueezy({ secret: randomBytes(24).toString('hex') }),
    signsTime: false,
    signsId: false,
  },
  {
    name: 'twilio',
    make: () => twilio({ secret: randomBytes(16).toString('hex'), url: TWILIO_URL }),
    options: loose(twilioOptions),
    signsTime: false,
    signsId: false,
  },
  {
    name: 'hmacScheme with a signed id and time',
    make: () =>
      hmacScheme({
        name: 'acme',
        secret: randomBytes(24),
        signatureHeader: 'x-acme-signature',
        prefix: 'v1=',
        encoding: 'base64',
        timestampHeader: 'x-acme-timestamp',
        timestampUnit: 'ms',
        idHeader: 'x-acme-id',
        signedContent: ({ id, timestamp, body }) => [id, '.', timestamp, '.', body],
      }),
    signsTime: true,
    signsId: true,
  },
];
