import { describe, expect, it } from 'vitest';
import { standardWebhooks } from './standard-webhooks.js';
import {
  expectRejection,
  type StandardWebhooksEd25519Vector,
  type StandardWebhooksHmacVector,
  standardWebhooksVectors as vectors,
} from './test-support.js';

const headersOf = (vector: { id: string; timestamp: number }, signature: string) => ({
  'webhook-id': vector.id,
  'webhook-timestamp': String(vector.timestamp),
  'webhook-signature': signature,
});

const schemeFor = (vector: StandardWebhooksHmacVector | StandardWebhooksEd25519Vector) =>
  standardWebhooks({
    ...('secret' in vector ? { secret: vector.secret } : { publicKey: vector.publicKey }),
    now: () => vector.timestamp * 1000,
  });

describe('Standard Webhooks 1.0.0 test vectors', () => {
  describe.each([...vectors.v1, ...vectors.v1a].map((v) => [v.name, v] as const))(
    '%s',
    (_name, vector) => {
      it('verifies the published signature', async () => {
        const delivery = await schemeFor(vector).verify({
          headers: headersOf(vector, vector.signature),
          body: vector.payload,
        });
        expect(delivery.id).toBe(vector.id);
        expect(delivery.timestamp?.getTime()).toBe(vector.timestamp * 1000);
        expect(delivery.payload).toEqual(JSON.parse(vector.payload));
        expect(new TextDecoder().decode(delivery.rawBody)).toBe(vector.payload);
      });

      it('verifies when the signature is listed among decoys', async () => {
        const header = [...vectors.decoys, vector.signature].join(' ');
        await expect(
          schemeFor(vector).verify({ headers: headersOf(vector, header), body: vector.payload }),
        ).resolves.toMatchObject({ id: vector.id });
      });

      it('rejects every decoy on its own', async () => {
        for (const decoy of vectors.decoys) {
          await expectRejection(
            schemeFor(vector).verify({ headers: headersOf(vector, decoy), body: vector.payload }),
            'signature_mismatch',
          );
        }
      });

      it('rejects the same signature over a body with one byte changed', async () => {
        const body = `${vector.payload.slice(0, -1)} }`;
        await expectRejection(
          schemeFor(vector).verify({ headers: headersOf(vector, vector.signature), body }),
          'signature_mismatch',
        );
      });
    },
  );

  it('signs v1 exactly as the reference libraries do', async () => {
    for (const vector of vectors.v1) {
      const headers = await standardWebhooks({ secret: vector.secret as string }).sign({
        body: vector.payload,
        id: vector.id,
        timestamp: vector.timestamp * 1000,
      });
      expect(headers).toEqual(headersOf(vector, vector.signature));
    }
  });

  it('signs v1a exactly as the Svix server does (Ed25519 is deterministic)', async () => {
    const vector = vectors.v1a.find((v) => v.privateKey !== undefined);
    expect(vector).toBeDefined();
    const { privateKey, id, timestamp, payload, signature } = vector as Required<
      typeof vector & {}
    >;
    const headers = await standardWebhooks({ privateKey }).sign({
      body: payload,
      id,
      timestamp: timestamp * 1000,
    });
    expect(headers['webhook-signature']).toBe(signature);
  });
});
