import fc from 'fast-check';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { expressVersions, type Headers, receiver, schemeCases } from './test-helpers.js';

const RUNS = 25;

describe.each(expressVersions)('%s', (_version, express) => {
  describe.each(schemeCases)('$name', ({ scheme, impostor, withoutSignature, malformed }) => {
    const send = (
      server: Parameters<typeof request>[0],
      headers: Headers,
      body: string | Buffer,
      contentType = 'application/json',
    ) => request(server).post('/webhooks').set(headers).set('content-type', contentType).send(body);

    it('hands any JSON payload to the handler exactly as sent', async () => {
      const { server, handled } = await receiver(express, scheme);
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), fc.boolean(), async (value, spaced) => {
          const body = JSON.stringify(value, null, spaced ? 2 : undefined);
          const res = await send(server, await scheme.sign({ body }), body);
          expect(res.status).toBe(200);
          expect(res.body.body).toEqual(JSON.parse(body));
          expect(res.body.sameObject).toBe(true);
          expect(res.body.rawBody).toBe(Buffer.from(body).toString('base64'));
        }),
        { numRuns: RUNS },
      );
      expect(handled).toHaveLength(RUNS);
    });

    it('refuses any body with one byte changed, and accepts it unchanged', async () => {
      const { server, handled } = await receiver(express, scheme);
      const payload = fc.jsonValue({ maxDepth: 2 });
      const flip = fc.integer({ min: 1, max: 255 });
      await fc.assert(
        fc.asyncProperty(payload, fc.nat(), flip, async (value, at, mask) => {
          const bytes = Buffer.from(JSON.stringify(value));
          const headers = await scheme.sign({ body: bytes });
          const tampered = Buffer.from(bytes);
          const index = at % tampered.length;
          tampered.writeUInt8(tampered.readUInt8(index) ^ mask, index);
          const refused = await send(server, headers, tampered, 'application/octet-stream');
          expect(refused.status).toBe(401);
          expect(refused.body.error.code).toBe('signature_mismatch');
          const accepted = await send(server, headers, bytes, 'application/octet-stream');
          expect(accepted.status).toBe(200);
        }),
        { numRuns: RUNS },
      );
      expect(handled).toHaveLength(RUNS);
    });

    it('handles 200 concurrent mixed deliveries: each valid one once, every invalid one refused', async () => {
      const { server, handled } = await receiver(express, scheme, { limit: 4096 });
      const kinds = {
        valid: { status: 200, code: undefined },
        'valid as text/plain': { status: 200, code: undefined },
        tampered: { status: 401, code: 'signature_mismatch' },
        impostor: { status: 401, code: 'signature_mismatch' },
        stale: { status: 401, code: 'timestamp_out_of_window' },
        'missing header': { status: 400, code: 'missing_header' },
        'malformed header': { status: 400, code: 'malformed_header' },
        oversized: { status: 413, code: 'payload_too_large' },
      };
      const names = Object.keys(kinds) as (keyof typeof kinds)[];
      const results = await Promise.all(
        Array.from({ length: 200 }, async (_, seq) => {
          const kind = names[seq % names.length] ?? 'valid';
          const pad = kind === 'oversized' ? 'x'.repeat(5000) : '';
          const body = JSON.stringify({ seq, kind, pad });
          const signer = kind === 'impostor' ? impostor : scheme;
          const timestamp = Date.now() - (kind === 'stale' ? 3_600_000 : 0);
          let headers = await signer.sign({ body, timestamp });
          if (kind === 'missing header') headers = withoutSignature(headers);
          if (kind === 'malformed header') headers = malformed(headers);
          const sent = kind === 'tampered' ? body.replace(`"seq":${seq}`, '"seq":-1') : body;
          const type = kind === 'valid as text/plain' ? 'text/plain' : 'application/json';
          const res = await send(server, headers, sent, type);
          return { seq, kind, status: res.status, code: res.body?.error?.code };
        }),
      );

      const calls = new Map<number, number>();
      for (const { body } of handled) {
        const { seq } = body as { seq: number };
        calls.set(seq, (calls.get(seq) ?? 0) + 1);
      }
      let valid = 0;
      for (const { seq, kind, status, code } of results) {
        expect({ seq, status, code }).toEqual({ seq, ...kinds[kind] });
        if (kinds[kind].status === 200) valid++;
        expect(calls.get(seq)).toBe(kinds[kind].status === 200 ? 1 : undefined);
      }
      expect(valid).toBe(50);
      expect(handled).toHaveLength(valid);
    });
  });
});
