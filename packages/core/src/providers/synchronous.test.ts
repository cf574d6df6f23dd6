import { describe, expect, it } from 'vitest';
import { WebhookVerificationError } from '../errors.js';
import type { WebhookScheme } from '../types.js';
import { Refused, verifyDelivery } from '../verify-delivery.js';
import { discord } from './discord.js';
import { github } from './github.js';
import { lemonSqueezy } from './lemon-squeezy.js';
import { linear } from './linear.js';
import { paddle } from './paddle.js';
import { shopify } from './shopify.js';
import { slack } from './slack.js';
import { stripe } from './stripe.js';
import { twilio } from './twilio.js';
import { workos } from './workos.js';

const NOW = 1_717_420_000_000;
const now = () => NOW;
const enc = new TextEncoder();
const json = enc.encode(JSON.stringify({ type: 'ping', webhookTimestamp: NOW }));
const forged = enc.encode(JSON.stringify({ type: 'pong', webhookTimestamp: NOW }));
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const SMS_URL = 'https://api.example.com/twilio/sms?tenant=7';
const EVENTS_URL = `https://api.example.com/twilio/events?bodySHA256=${'0'.repeat(64)}`;
// RFC 8032 section 7.1: TEST 1's key pair, and TEST 2's public key.
const SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const PUBLIC_KEY = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const OTHER_KEY = '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c';

interface Case {
  /** Signs the delivery; a different scheme when the signer needs what the receiver lacks. */
  readonly signer: WebhookScheme;
  readonly scheme: WebhookScheme;
  readonly body: Uint8Array;
  readonly tampered: Uint8Array;
  readonly headers?: Record<string, string>;
  readonly url?: string;
}

const same = (scheme: WebhookScheme, extra: Partial<Case> = {}): Case => ({
  signer: scheme,
  scheme,
  body: json,
  tampered: forged,
  ...extra,
});

const cases: Record<string, Case> = {
  stripe: same(stripe({ secret: 'whsec_stripe-test', now })),
  github: same(github({ secret: 'gh-secret' })),
  slack: same(slack({ secret: 'slack-secret', now })),
  shopify: same(shopify({ secret: 'shopify-secret' })),
  paddle: same(paddle({ secret: 'pdl_ntfset_test', now })),
  linear: same(linear({ secret: 'lin_wh_test', now })),
  lemonSqueezy: same(lemonSqueezy({ secret: 'lemon-secret' })),
  workos: same(workos({ secret: 'workos-secret', now })),
  discord: same(discord({ publicKey: PUBLIC_KEY, privateKey: SEED, now })),
  'discord, rotating keys': {
    ...same(discord({ publicKey: PUBLIC_KEY, privateKey: SEED, now })),
    scheme: discord({ publicKey: [OTHER_KEY, PUBLIC_KEY], now }),
  },
  'twilio, form fields': {
    ...same(twilio({ secret: 'twilio-token', url: SMS_URL })),
    body: enc.encode('Body=hi&From=%2B14155550100'),
    tampered: enc.encode('Body=ho&From=%2B14155550100'),
    headers: FORM,
    url: SMS_URL,
  },
  'twilio, signed with the default port': {
    signer: twilio({ secret: 'twilio-token', url: SMS_URL.replace('.com/', '.com:443/') }),
    scheme: twilio({ secret: 'twilio-token' }),
    body: enc.encode('Body=hi'),
    tampered: enc.encode('Body=ho'),
    headers: FORM,
    url: SMS_URL,
  },
  'twilio, bodySHA256': {
    ...same(twilio({ secret: 'twilio-token', url: EVENTS_URL })),
    headers: { 'content-type': 'application/json' },
    url: EVENTS_URL,
  },
};

const sha256Hex = async (bytes: Uint8Array) =>
  [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))]
    .map((byte) => byte.toString(16).padStart(2, '0'))
    .join('');

// Twilio's JSON requests carry the body's hash in the URL they sign.
const withBodyHash = async (each: Case): Promise<Case> => {
  if (each.url !== EVENTS_URL) return each;
  const url = EVENTS_URL.replace('0'.repeat(64), await sha256Hex(each.body));
  const scheme = twilio({ secret: 'twilio-token', url });
  return { ...each, signer: scheme, scheme, url };
};

// On Node every provider's check answers at once, so verifyDelivery needs no promise for an
// accepted delivery or a refused one; the web backend's crypto answers through promises.
const sync = process.env.HOOKGUARD_CRYPTO !== 'web';

describe.each(Object.entries(cases))('%s', (_, given) => {
  it(`answers verifyDelivery ${sync ? 'at once' : 'through a promise'}, as verify() does`, async () => {
    const each = await withBodyHash(given);
    const headers = { ...each.headers, ...(await each.signer.sign({ body: each.body })) };
    const urlOf = () => each.url ?? 'https://unused.example.com/';

    for (const [body, accepted] of [
      [each.body, true],
      [each.tampered, false],
    ] as const) {
      const answer = verifyDelivery(each.scheme, headers, body, urlOf);
      expect(answer instanceof Promise).toBe(!sync);
      const settled = await answer;

      const verified = each.scheme.verify({ headers, body, ...(each.url && { url: each.url }) });
      expect(verified).toBeInstanceOf(Promise);
      const expected = await verified.then(
        (delivery) => delivery,
        (error: unknown) => new Refused(error),
      );

      if (accepted) {
        expect(settled).not.toBeInstanceOf(Refused);
        expect(settled).toMatchObject({ scheme: each.scheme.name, rawBody: body });
        expect(settled).toEqual(expected);
      } else {
        expect(settled).toBeInstanceOf(Refused);
        const { error } = settled as Refused;
        expect(error).toBeInstanceOf(WebhookVerificationError);
        expect((error as WebhookVerificationError).code).toBe('signature_mismatch');
        expect(expected).toBeInstanceOf(Refused);
        expect(error).toEqual((expected as Refused).error);
      }
    }
  });
});
