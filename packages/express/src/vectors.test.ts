import { codaiq, standardWebhooks, type WebhookScheme } from '@hookguard/core';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  codaiqVectors as codaiqJson,
  type StandardWebhooksEd25519Vector,
  type StandardWebhooksHmacVector,
  standardWebhooksVectors as standard,
} from '../../core/test/vectors/index.js';
import { expressVersions, type Headers, receiver } from './test-helpers.js';

const codaiqVectors = codaiqJson.v1;
type StandardVector = StandardWebhooksHmacVector | StandardWebhooksEd25519Vector;

interface Case {
  name: string;
  scheme: WebhookScheme;
  headers: Headers;
  payload: string;
}

const standardCase = (vector: StandardVector, signature = vector.signature): Case => ({
  name: vector.name,
  scheme: standardWebhooks({
    ...('secret' in vector ? { secret: vector.secret } : { publicKey: vector.publicKey }),
    now: () => vector.timestamp * 1000,
  }),
  headers: {
    'webhook-id': vector.id,
    'webhook-timestamp': String(vector.timestamp),
    'webhook-signature': signature,
  },
  payload: vector.payload,
});

const valid: Case[] = [
  ...standard.v1.map((vector) => standardCase(vector)),
  ...standard.v1a.map((vector) => standardCase(vector)),
  ...codaiqVectors.map((vector) => ({
    name: `codaiq ${vector.name}`,
    scheme: codaiq({ secret: vector.secret, now: () => vector.timestamp }),
    headers: {
      'x-codaiq-timestamp': String(vector.timestamp),
      'x-codaiq-signature': vector.signature,
    },
    payload: vector.payload,
  })),
];

const [reference] = standard.v1 as [StandardWebhooksHmacVector];
const decoys = standard.decoys.map((decoy) => ({
  ...standardCase(reference, decoy),
  name: `${reference.name} signed "${decoy}"`,
}));

describe.each(expressVersions)('%s with the published test vectors', (_version, express) => {
  it('has vectors to run', () => {
    expect(valid.length).toBeGreaterThanOrEqual(6);
    expect(decoys.length).toBeGreaterThanOrEqual(4);
  });

  it.each(valid)('accepts $name', async ({ scheme, headers, payload }) => {
    const { server, handled } = await receiver(express, scheme);
    const res = await request(server)
      .post('/webhooks')
      .set(headers)
      .set('content-type', 'application/json')
      .send(payload);
    expect(res.status).toBe(200);
    expect(res.body.body).toEqual(JSON.parse(payload));
    expect(res.body.id).toBe(headers['webhook-id'] ?? null);
    expect(handled).toHaveLength(1);
  });

  it.each(decoys)('refuses the decoy $name', async (decoy) => {
    const { server, handled } = await receiver(express, decoy.scheme);
    const res = await request(server)
      .post('/webhooks')
      .set(decoy.headers)
      .set('content-type', 'application/json')
      .send(decoy.payload);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('signature_mismatch');
    expect(handled).toEqual([]);
  });
});
