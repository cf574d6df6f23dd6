import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type KeyObject,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import * as core from '@hookguard/core';
import type { NodeHeaders } from './deliveries.js';
import { jsonPayload, tamper } from './payloads.js';

/** Every row of the schemes benchmark, in table order: the provider schemes, then API keys. */
export const SCHEME_IDS = [
  'stripe',
  'github',
  'slack',
  'shopify',
  'discord',
  'paddle',
  'linear',
  'lemon-squeezy',
  'workos',
  'twilio',
  'hmac-scheme',
  'api-key-list',
  'api-key-lookup',
] as const;
export type SchemeId = (typeof SCHEME_IDS)[number];

/** The body size every provider scheme is measured at. */
export const SCHEME_BODY_BYTES = 1024;

/** How many keys the API-key rows hold. */
export const API_KEY_COUNT = 1000;

/** A request as a receiver sees it: Node-style headers, the raw body, the URL the sender used. */
export interface SchemeRequest {
  headers: NodeHeaders;
  body: Buffer;
  url: string;
}

/** One way of checking a request: hookguard's, or its bare baseline. */
export interface Side {
  label: string;
  /** The timed call for one request: it throws or rejects to refuse it. */
  make(request: SchemeRequest): () => unknown;
  /** What an accepting call gave: the parsed payload, or the key's principal. */
  outcome(result: unknown): unknown;
}

/** One row: a hookguard scheme (or API-key method) and the bare baseline it is held to. */
export interface SchemeCase {
  id: SchemeId;
  title: string;
  /** What the sender signs, or what the method checks. */
  signs: string;
  /** Body bytes; 0 for the API-key rows, which read one header only. */
  bodyBytes: number;
  /** A correctly signed request, made now so that it lies inside the scheme's window. */
  request(): SchemeRequest;
  /** A request both sides must refuse: one body byte changed, or a key not on the list. */
  tampered(request: SchemeRequest): SchemeRequest;
  /** What both sides must give for `request`. */
  expected(request: SchemeRequest): unknown;
  hookguard: Side;
  baseline: Side;
}

// Test secrets, local to this benchmark (none is a real key).
const SECRETS = {
  stripe: 'whsec_hookguard_bench_stripe_local_only',
  github: 'hookguard-bench-github-secret',
  slack: '8f742231b10e8888abcd99yyyzzz85a5',
  shopify: 'shpss_hookguard_bench_local_only',
  paddle: 'pdl_ntfset_01hookguardbench_localonly',
  linear: 'lin_wh_hookguard_bench_local_only',
  lemonSqueezy: 'hookguard-bench-lemon-squeezy',
  workos: 'hookguard-bench-workos-secret',
  twilio: '0123456789abcdef0123456789abcdef',
  acme: 'hookguard-bench-acme-secret',
} as const;

// RFC 8032 section 7.1, TEST 1: a published Ed25519 key pair, as core's Discord tests use.
const ED25519_SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';
const ED25519_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const PKCS8_PREFIX = '302e020100300506032b657004220420';

const TWILIO_URL = 'https://hooks.example.com/twilio/sms?tenant=7';
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

// ---- Signing, independently of hookguard (node:crypto), as each provider documents it.

const hmac = (algorithm: 'sha256' | 'sha1', secret: string, ...parts: (string | Uint8Array)[]) => {
  const mac = createHmac(algorithm, secret);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

const received = (type: string, body: Uint8Array): NodeHeaders => ({
  host: 'hooks.example.com',
  'user-agent': 'hookguard-bench/1.0',
  'content-type': type,
  'content-length': String(body.byteLength),
  accept: '*/*',
});

const ed25519Private = createPrivateKey({
  key: Buffer.from(PKCS8_PREFIX + ED25519_SEED, 'hex'),
  format: 'der',
  type: 'pkcs8',
});

/** A 1 KiB JSON body whose first field is Linear's signed time, `webhookTimestamp` in ms. */
const linearBody = (ms: number): Buffer => {
  const head = `{"webhookTimestamp":${ms},`;
  const rest = jsonPayload(SCHEME_BODY_BYTES - head.length + 1).subarray(1);
  return Buffer.concat([Buffer.from(head), rest]);
};

/** A Twilio SMS webhook's form fields, `Body` padded so the form is exactly 1 KiB. */
const twilioForm = (): Buffer => {
  const fields: Record<string, string> = {
    ToCountry: 'US',
    ToState: 'CA',
    SmsMessageSid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f',
    NumMedia: '0',
    ToCity: 'SAN FRANCISCO',
    FromZip: '94105',
    SmsSid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f',
    FromState: 'CA',
    SmsStatus: 'received',
    FromCity: 'SAN FRANCISCO',
    Body: 'Order 4417 shipped, see you soon ',
    FromCountry: 'US',
    To: '+14155550199',
    MessagingServiceSid: 'MG9752274e9e519418a7406176694466fa',
    ToZip: '94107',
    NumSegments: '1',
    MessageSid: 'SM1f0e8ae6ade43cb3c0ce4525424e404f',
    AccountSid: 'AC3f5d1f2ab4e8c7d6e5f4a3b2c1d0e9f8',
    From: '+14155550100',
    ApiVersion: '2010-04-01',
  };
  const length = new URLSearchParams(fields).toString().length;
  fields.Body += 'x'.repeat(SCHEME_BODY_BYTES - length);
  const form = Buffer.from(new URLSearchParams(fields).toString());
  if (form.byteLength !== SCHEME_BODY_BYTES) throw new Error(`Twilio form is ${form.byteLength} B`);
  return form;
};

/** What Twilio signs: the URL, then each field's name and value, sorted by name. */
const twilioSigned = (url: string, form: Buffer): string => {
  const params = new URLSearchParams(form.toString());
  params.sort();
  let text = url;
  for (const [name, value] of params) text += name + value;
  return text;
};

// ---- The bare baselines: node:crypto over exactly the signed bytes, keyed once up front, the
// header's one signature decoded by Buffer, timingSafeEqual, then JSON.parse (or
// URLSearchParams). No timestamp window, no second signature, no header checks.

const header = (headers: NodeHeaders, name: string): string => headers[name] ?? '';

const mismatch = () => new Error('signature mismatch');

const accept = (expected: Buffer, actual: Buffer): void => {
  if (actual.length !== expected.length || !timingSafeEqual(expected, actual)) throw mismatch();
};

const keyOf = (secret: string): KeyObject => createSecretKey(Buffer.from(secret));

const payloadOf = (result: unknown) => (result as core.VerifiedWebhook).payload;
const same = (result: unknown) => result;
const principalOf = (result: unknown) => (result as { principal: unknown }).principal;

const verifying = (scheme: core.WebhookScheme, label: string): Side => ({
  label,
  make:
    ({ headers, body }) =>
    () =>
      scheme.verify({ headers, body }),
  outcome: payloadOf,
});

/** The baseline of a scheme that signs the body alone: one HMAC-SHA256, its header decoded. */
const bodyHmacBaseline = (
  key: KeyObject,
  name: string,
  encoding: 'hex' | 'base64',
  prefix = '',
): Side => ({
  label: `node:crypto HMAC over the body, ${encoding}, timingSafeEqual, JSON.parse`,
  make:
    ({ headers, body }) =>
    () => {
      accept(
        createHmac('sha256', key).update(body).digest(),
        Buffer.from(header(headers, name).slice(prefix.length), encoding),
      );
      return JSON.parse(body.toString());
    },
  outcome: same,
});

const bodyTampered = (request: SchemeRequest): SchemeRequest => ({
  ...request,
  body: tamper(request.body),
});

const parsedJson = ({ body }: SchemeRequest) => JSON.parse(body.toString());

/** A JSON-body provider row: the 1 KiB payload, signed fresh by `headers`. */
const jsonRow = (
  spec: Pick<SchemeCase, 'id' | 'title' | 'signs' | 'hookguard' | 'baseline'> & {
    headers: (body: Buffer, nowMs: number) => NodeHeaders;
    body?: (nowMs: number) => Buffer;
  },
): SchemeCase => {
  const fixed = jsonPayload(SCHEME_BODY_BYTES);
  const bodyAt = spec.body ?? (() => fixed);
  return {
    id: spec.id,
    title: spec.title,
    signs: spec.signs,
    bodyBytes: SCHEME_BODY_BYTES,
    request: () => {
      const nowMs = Date.now();
      const body = bodyAt(nowMs);
      return {
        headers: { ...received(JSON_TYPE, body), ...spec.headers(body, nowMs) },
        body,
        url: 'https://hooks.example.com/webhooks',
      };
    },
    tampered: bodyTampered,
    expected: parsedJson,
    hookguard: spec.hookguard,
    baseline: spec.baseline,
  };
};

const secondsOf = (nowMs: number) => String(Math.floor(nowMs / 1000));

/** An API key as the benchmark's key holders would have it: `ck_live_` and 32 hex digits. */
const apiKeyAt = (index: number, salt = 'listed') =>
  `ck_live_${createHash('sha256').update(`${salt}-${index}`).digest('hex').slice(0, 32)}`;

/**
 * Builds every row once (schemes configured, keys imported, 1,000 API keys hashed) so only
 * verification is timed.
 */
export const createSchemeCases = async (): Promise<SchemeCase[]> => {
  const keys = {
    stripe: keyOf(SECRETS.stripe),
    github: keyOf(SECRETS.github),
    slack: keyOf(SECRETS.slack),
    shopify: keyOf(SECRETS.shopify),
    paddle: keyOf(SECRETS.paddle),
    linear: keyOf(SECRETS.linear),
    lemonSqueezy: keyOf(SECRETS.lemonSqueezy),
    workos: keyOf(SECRETS.workos),
    twilio: keyOf(SECRETS.twilio),
    acme: keyOf(SECRETS.acme),
  };
  const ed25519Public = createPublicKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      x: Buffer.from(ED25519_PUBLIC, 'hex').toString('base64url'),
    },
    format: 'jwk',
  });

  // API keys: 1,000 listed by hash, and the same 1,000 behind a lookup.
  const listed = Array.from({ length: API_KEY_COUNT }, (_, index) => apiKeyAt(index));
  const grants = new Map<string, { principal: unknown; scopes: readonly string[] }>();
  const entries: core.ApiKeyEntry[] = [];
  for (const [index, key] of listed.entries()) {
    const grant = { principal: { org: `org_${index}` }, scopes: ['leads:write'] };
    const hash = await core.hashApiKey(key);
    entries.push({ hash, ...grant });
    grants.set(hash, grant);
  }
  const presented = listed[617] as string;
  const unknownKey = apiKeyAt(617, 'unlisted');
  const apiKeyList = core.apiKey({ header: 'x-api-key', prefix: 'ck_', keys: entries });
  const apiKeyLookup = core.apiKey({
    header: 'x-api-key',
    prefix: 'ck_',
    lookup: async (hash) => grants.get(hash),
  });
  const apiKeyBaseline: Side = {
    label: 'node:crypto createHash(sha256) hex of the key + Map.get',
    make:
      ({ headers }) =>
      () => {
        const hash = createHash('sha256').update(header(headers, 'x-api-key')).digest('hex');
        const grant = grants.get(hash);
        if (grant === undefined) throw new Error('unknown key');
        return grant;
      },
    outcome: principalOf,
  };
  const apiKeyRow = (
    id: 'api-key-list' | 'api-key-lookup',
    title: string,
    method: core.CredentialMethod,
    label: string,
  ): SchemeCase => ({
    id,
    title,
    signs: '`x-api-key: ck_...` header, SHA-256 hex of the key found by hash',
    bodyBytes: 0,
    request: () => ({
      headers: { ...received(JSON_TYPE, new Uint8Array(0)), 'x-api-key': presented },
      body: Buffer.alloc(0),
      url: '/leads',
    }),
    tampered: (request) => ({
      ...request,
      headers: { ...request.headers, 'x-api-key': unknownKey },
    }),
    expected: () => ({ org: 'org_617' }),
    hookguard: {
      label,
      make:
        ({ headers }) =>
        () =>
          method.authenticate({ headers }),
      outcome: principalOf,
    },
    baseline: apiKeyBaseline,
  });

  const twilioBody = twilioForm();
  const twilioScheme = core.twilio({ secret: SECRETS.twilio });

  return [
    jsonRow({
      id: 'stripe',
      title: 'Stripe',
      signs: 'HMAC-SHA256 of `<t>.` + body, `Stripe-Signature: t=<s>,v1=<hex>`',
      headers: (body, nowMs) => {
        const t = secondsOf(nowMs);
        return {
          'stripe-signature': `t=${t},v1=${hmac('sha256', SECRETS.stripe, `${t}.`, body).toString('hex')}`,
        };
      },
      hookguard: verifying(core.stripe({ secret: SECRETS.stripe }), 'hookguard stripe().verify'),
      baseline: {
        label: 'node:crypto HMAC over `<t>.` + body, hex, timingSafeEqual, JSON.parse',
        make:
          ({ headers, body }) =>
          () => {
            const value = header(headers, 'stripe-signature');
            const comma = value.indexOf(',');
            const t = value.slice('t='.length, comma);
            accept(
              createHmac('sha256', keys.stripe).update(`${t}.`).update(body).digest(),
              Buffer.from(value.slice(comma + ',v1='.length), 'hex'),
            );
            return JSON.parse(body.toString());
          },
        outcome: same,
      },
    }),
    jsonRow({
      id: 'github',
      title: 'GitHub',
      signs: 'HMAC-SHA256 of the body, `X-Hub-Signature-256: sha256=<hex>`',
      headers: (body) => ({
        'x-github-event': 'push',
        'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        'x-hub-signature-256': `sha256=${hmac('sha256', SECRETS.github, body).toString('hex')}`,
      }),
      hookguard: verifying(core.github({ secret: SECRETS.github }), 'hookguard github().verify'),
      baseline: bodyHmacBaseline(keys.github, 'x-hub-signature-256', 'hex', 'sha256='),
    }),
    jsonRow({
      id: 'slack',
      title: 'Slack (Events API, JSON)',
      signs: 'HMAC-SHA256 of `v0:<ts>:` + body, `X-Slack-Signature: v0=<hex>`',
      headers: (body, nowMs) => {
        const ts = secondsOf(nowMs);
        return {
          'x-slack-request-timestamp': ts,
          'x-slack-signature': `v0=${hmac('sha256', SECRETS.slack, `v0:${ts}:`, body).toString('hex')}`,
        };
      },
      hookguard: verifying(core.slack({ secret: SECRETS.slack }), 'hookguard slack().verify'),
      baseline: {
        label: 'node:crypto HMAC over `v0:<ts>:` + body, hex, timingSafeEqual, JSON.parse',
        make:
          ({ headers, body }) =>
          () => {
            const ts = header(headers, 'x-slack-request-timestamp');
            accept(
              createHmac('sha256', keys.slack).update(`v0:${ts}:`).update(body).digest(),
              Buffer.from(header(headers, 'x-slack-signature').slice('v0='.length), 'hex'),
            );
            return JSON.parse(body.toString());
          },
        outcome: same,
      },
    }),
    jsonRow({
      id: 'shopify',
      title: 'Shopify',
      signs: 'HMAC-SHA256 of the body, `X-Shopify-Hmac-Sha256: <base64>`',
      headers: (body) => ({
        'x-shopify-topic': 'orders/create',
        'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
        'x-shopify-hmac-sha256': hmac('sha256', SECRETS.shopify, body).toString('base64'),
      }),
      hookguard: verifying(core.shopify({ secret: SECRETS.shopify }), 'hookguard shopify().verify'),
      baseline: bodyHmacBaseline(keys.shopify, 'x-shopify-hmac-sha256', 'base64'),
    }),
    jsonRow({
      id: 'discord',
      title: 'Discord (Ed25519)',
      signs: 'Ed25519 over `<ts>` + body, `X-Signature-Ed25519: <hex>`',
      headers: (body, nowMs) => {
        const ts = secondsOf(nowMs);
        return {
          'x-signature-timestamp': ts,
          'x-signature-ed25519': sign(
            null,
            Buffer.concat([Buffer.from(ts), body]),
            ed25519Private,
          ).toString('hex'),
        };
      },
      hookguard: verifying(
        core.discord({ publicKey: ED25519_PUBLIC }),
        'hookguard discord().verify',
      ),
      baseline: {
        label: 'node:crypto verify (Ed25519 KeyObject) over `<ts>` + body, hex, JSON.parse',
        make:
          ({ headers, body }) =>
          () => {
            const signed = Buffer.concat([
              Buffer.from(header(headers, 'x-signature-timestamp')),
              body,
            ]);
            const signature = Buffer.from(header(headers, 'x-signature-ed25519'), 'hex');
            if (!verify(null, signed, ed25519Public, signature)) throw mismatch();
            return JSON.parse(body.toString());
          },
        outcome: same,
      },
    }),
    jsonRow({
      id: 'paddle',
      title: 'Paddle',
      signs: 'HMAC-SHA256 of `<ts>:` + body, `Paddle-Signature: ts=<s>;h1=<hex>`',
      headers: (body, nowMs) => {
        const ts = secondsOf(nowMs);
        return {
          'paddle-signature': `ts=${ts};h1=${hmac('sha256', SECRETS.paddle, `${ts}:`, body).toString('hex')}`,
        };
      },
      hookguard: verifying(core.paddle({ secret: SECRETS.paddle }), 'hookguard paddle().verify'),
      baseline: {
        label: 'node:crypto HMAC over `<ts>:` + body, hex, timingSafeEqual, JSON.parse',
        make:
          ({ headers, body }) =>
          () => {
            const value = header(headers, 'paddle-signature');
            const semicolon = value.indexOf(';');
            const ts = value.slice('ts='.length, semicolon);
            accept(
              createHmac('sha256', keys.paddle).update(`${ts}:`).update(body).digest(),
              Buffer.from(value.slice(semicolon + ';h1='.length), 'hex'),
            );
            return JSON.parse(body.toString());
          },
        outcome: same,
      },
    }),
    jsonRow({
      id: 'linear',
      title: 'Linear',
      signs: 'HMAC-SHA256 of the body (time in its `webhookTimestamp`), `Linear-Signature: <hex>`',
      body: linearBody,
      headers: (body) => ({
        'linear-delivery': '234d1a4e-b617-4388-90fe-adc3633d6b72',
        'linear-event': 'Issue',
        'linear-signature': hmac('sha256', SECRETS.linear, body).toString('hex'),
      }),
      hookguard: verifying(core.linear({ secret: SECRETS.linear }), 'hookguard linear().verify'),
      baseline: bodyHmacBaseline(keys.linear, 'linear-signature', 'hex'),
    }),
    jsonRow({
      id: 'lemon-squeezy',
      title: 'Lemon Squeezy',
      signs: 'HMAC-SHA256 of the body, `X-Signature: <hex>`',
      headers: (body) => ({
        'x-event-name': 'order_created',
        'x-signature': hmac('sha256', SECRETS.lemonSqueezy, body).toString('hex'),
      }),
      hookguard: verifying(
        core.lemonSqueezy({ secret: SECRETS.lemonSqueezy }),
        'hookguard lemonSqueezy().verify',
      ),
      baseline: bodyHmacBaseline(keys.lemonSqueezy, 'x-signature', 'hex'),
    }),
    jsonRow({
      id: 'workos',
      title: 'WorkOS',
      signs: 'HMAC-SHA256 of `<t>.` + body, `WorkOS-Signature: t=<ms>, v1=<hex>`',
      headers: (body, nowMs) => {
        const t = String(nowMs);
        return {
          'workos-signature': `t=${t}, v1=${hmac('sha256', SECRETS.workos, `${t}.`, body).toString('hex')}`,
        };
      },
      hookguard: verifying(core.workos({ secret: SECRETS.workos }), 'hookguard workos().verify'),
      baseline: {
        label: 'node:crypto HMAC over `<t>.` + body, hex, timingSafeEqual, JSON.parse',
        make:
          ({ headers, body }) =>
          () => {
            const value = header(headers, 'workos-signature');
            const comma = value.indexOf(', ');
            const t = value.slice('t='.length, comma);
            accept(
              createHmac('sha256', keys.workos).update(`${t}.`).update(body).digest(),
              Buffer.from(value.slice(comma + ', v1='.length), 'hex'),
            );
            return JSON.parse(body.toString());
          },
        outcome: same,
      },
    }),
    {
      id: 'twilio',
      title: 'Twilio (form body)',
      signs:
        'HMAC-SHA1 of the URL + sorted form fields (name, value), `X-Twilio-Signature: <base64>`',
      bodyBytes: SCHEME_BODY_BYTES,
      request: () => ({
        headers: {
          ...received(FORM, twilioBody),
          'i-twilio-idempotency-token': 'b2fd8a0e-8f16-4ad4-9a62-5d0b4a7b2f3e',
          'x-twilio-signature': hmac(
            'sha1',
            SECRETS.twilio,
            twilioSigned(TWILIO_URL, twilioBody),
          ).toString('base64'),
        },
        body: twilioBody,
        url: TWILIO_URL,
      }),
      tampered: bodyTampered,
      expected: ({ body }) => Object.fromEntries(new URLSearchParams(body.toString())),
      hookguard: {
        label: 'hookguard twilio().verify({ headers, body, url })',
        make:
          ({ headers, body, url }) =>
          () =>
            twilioScheme.verify({ headers, body, url }),
        outcome: payloadOf,
      },
      baseline: {
        label:
          'URLSearchParams + sort, node:crypto HMAC-SHA1 over URL + fields, base64, timingSafeEqual, fields as an object',
        make:
          ({ headers, body, url }) =>
          () => {
            const params = new URLSearchParams(body.toString());
            params.sort();
            let signed = url;
            for (const [name, value] of params) signed += name + value;
            accept(
              createHmac('sha1', keys.twilio).update(signed).digest(),
              Buffer.from(header(headers, 'x-twilio-signature'), 'base64'),
            );
            return Object.fromEntries(params);
          },
        outcome: same,
      },
    },
    jsonRow({
      id: 'hmac-scheme',
      title: 'hmacScheme (user-described: id, timestamp, `sha256=` hex)',
      signs: 'HMAC-SHA256 of `<id>.<ts>.` + body, `X-Acme-Signature: sha256=<hex>`',
      headers: (body, nowMs) => {
        const id = 'dlv_2KWPBgLlAfxdpx2AI54pPJ85f4W';
        const ts = secondsOf(nowMs);
        return {
          'x-acme-delivery': id,
          'x-acme-timestamp': ts,
          'x-acme-signature': `sha256=${hmac('sha256', SECRETS.acme, `${id}.${ts}.`, body).toString('hex')}`,
        };
      },
      hookguard: verifying(
        core.hmacScheme({
          name: 'acme',
          secret: SECRETS.acme,
          signatureHeader: 'x-acme-signature',
          prefix: 'sha256=',
          encoding: 'hex',
          timestampHeader: 'x-acme-timestamp',
          idHeader: 'x-acme-delivery',
          signedContent: ({ id, timestamp, body }) => [id, '.', timestamp, '.', body],
        }),
        'hookguard hmacScheme({ ... }).verify',
      ),
      baseline: {
        label: 'node:crypto HMAC over `<id>.<ts>.` + body, hex, timingSafeEqual, JSON.parse',
        make:
          ({ headers, body }) =>
          () => {
            const id = header(headers, 'x-acme-delivery');
            const ts = header(headers, 'x-acme-timestamp');
            accept(
              createHmac('sha256', keys.acme).update(`${id}.${ts}.`).update(body).digest(),
              Buffer.from(header(headers, 'x-acme-signature').slice('sha256='.length), 'hex'),
            );
            return JSON.parse(body.toString());
          },
        outcome: same,
      },
    }),
    apiKeyRow(
      'api-key-list',
      'API key, list of 1,000 hashed keys',
      apiKeyList,
      'hookguard apiKey({ keys: [1,000 × { hash }] }).authenticate',
    ),
    apiKeyRow(
      'api-key-lookup',
      'API key, lookup(hash) over a Map of 1,000',
      apiKeyLookup,
      'hookguard apiKey({ lookup }).authenticate',
    ),
  ];
};
