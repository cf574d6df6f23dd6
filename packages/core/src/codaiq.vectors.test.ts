import { describe, expect, it } from 'vitest';
import { codaiq } from './codaiq.js';
import { expectRejection, codaiqVectors as vectors } from './test-support.js';

describe('Codaiq webhook signing test vectors', () => {
  describe.each(vectors.v1.map((v) => [v.name, v] as const))('%s', (_name, vector) => {
    const scheme = codaiq({ secret: vector.secret, now: () => vector.timestamp });

    it('verifies the published signature, with and without X-Codaiq-Timestamp', async () => {
      for (const headers of [
        { 'X-Codaiq-Signature': vector.signature },
        { 'x-codaiq-signature': vector.signature, 'x-codaiq-timestamp': String(vector.timestamp) },
      ]) {
        const delivery = await scheme.verify({ headers, body: vector.payload });
        expect(delivery.scheme).toBe('codaiq');
        expect(delivery.id).toBeUndefined();
        expect(delivery.timestamp?.getTime()).toBe(vector.timestamp);
        expect(delivery.payload).toEqual(JSON.parse(vector.payload));
      }
    });

    it('signs exactly the published header', async () => {
      const headers = await scheme.sign({ body: vector.payload, timestamp: vector.timestamp });
      expect(headers).toEqual({
        'x-codaiq-timestamp': String(vector.timestamp),
        'x-codaiq-signature': vector.signature,
      });
    });

    it('rejects the signature under another secret or over another body', async () => {
      const other = codaiq({ secret: `${vector.secret}x`, now: () => vector.timestamp });
      const headers = { 'x-codaiq-signature': vector.signature };
      await expectRejection(other.verify({ headers, body: vector.payload }), 'signature_mismatch');
      await expectRejection(
        scheme.verify({ headers, body: `${vector.payload} ` }),
        'signature_mismatch',
      );
    });

    it('rejects an upper-case hex copy of the signature (one header, one meaning)', async () => {
      const [t, v1] = vector.signature.split(',') as [string, string];
      const headers = { 'x-codaiq-signature': `${t},${v1.toUpperCase().replace('V1=', 'v1=')}` };
      await expectRejection(scheme.verify({ headers, body: vector.payload }), 'signature_mismatch');
    });
  });
});
