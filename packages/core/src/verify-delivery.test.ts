import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codaiq } from './codaiq.js';
import { WebhookVerificationError } from './errors.js';
import { github } from './providers/github.js';
import { hmacScheme } from './providers/hmac-scheme.js';
import { twilio } from './providers/twilio.js';
import { standardWebhooks } from './standard-webhooks.js';
import { flipByte, SECRET } from './test-support.js';
import { Refused, verifyDelivery } from './verify-delivery.js';

const scheme = standardWebhooks({ secret: SECRET });
const enc = new TextEncoder();

describe('verifyDelivery', () => {
  it('resolves with the delivery, or with a tampered one refused as a value', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue().map((value) => enc.encode(JSON.stringify(value))),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        async (body, at, bit) => {
          const headers = await scheme.sign({ body });
          const delivery = await verifyDelivery(scheme, headers, body, () => 'unused');
          expect(delivery).not.toBeInstanceOf(Refused);
          expect(delivery).toMatchObject({ id: headers['webhook-id'], rawBody: body });

          const tampered = flipByte(body, at % body.byteLength, bit);
          const refused = await verifyDelivery(scheme, headers, tampered, () => 'unused');
          expect(refused).toBeInstanceOf(Refused);
          const { error } = refused as Refused;
          expect(error).toBeInstanceOf(WebhookVerificationError);
          expect((error as WebhookVerificationError).code).toBe('signature_mismatch');
        },
      ),
    );
  });

  it('works out the URL only for a scheme that reads it', async () => {
    const url = 'https://api.example.com/twilio/sms?tenant=7';
    const body = enc.encode('Body=hi&From=%2B14155550100');
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      ...(await twilio({ secret: 'twilio-token', url }).sign({ body })),
    };
    let asked = 0;
    const urlOf = (answer: string) => () => {
      asked += 1;
      return answer;
    };

    const signed = await verifyDelivery(
      twilio({ secret: 'twilio-token' }),
      headers,
      body,
      urlOf(url),
    );
    expect(signed).toMatchObject({ scheme: 'twilio', payload: { Body: 'hi' } });
    expect(asked).toBe(1);
    const elsewhere = `${url}&tenant=8`;
    const moved = await verifyDelivery(
      twilio({ secret: 'twilio-token' }),
      headers,
      body,
      urlOf(elsewhere),
    );
    expect(moved).toBeInstanceOf(Refused);

    asked = 0;
    await verifyDelivery(scheme, await scheme.sign({ body }), body, urlOf(url));
    expect(asked).toBe(0);
  });

  // On Node the HMAC is synchronous, so the answer needs no promise: a refusal is not even
  // a rejected one, which Node's unhandled-rejection tracking would charge for.
  const sync = process.env.HOOKGUARD_CRYPTO !== 'web';
  const synchronous = [
    ['standardWebhooks', scheme],
    ['codaiq', codaiq({ secret: 'codaiq-secret' })],
    [
      'hmacScheme',
      hmacScheme({
        name: 'acme',
        secret: 'acme-secret',
        signatureHeader: 'x-acme-signature',
        encoding: 'hex',
      }),
    ],
  ] as const;

  it.each(synchronous)(
    `answers %s ${sync ? 'at once' : 'through a promise'}, as verify() would`,
    async (_, each) => {
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 64 }).map((bytes) => enc.encode(JSON.stringify([...bytes]))),
          fc.nat(),
          fc.boolean(),
          async (body, at, tamper) => {
            const headers = await each.sign({ body });
            const sent = tamper ? flipByte(body, at % body.byteLength, at % 8) : body;
            const answer = verifyDelivery(each, headers, sent, () => 'unused');
            expect(answer instanceof Promise).toBe(!sync);
            const settled = await answer;
            const expected = await each.verify({ headers, body: sent }).then(
              (delivery) => delivery,
              (error: unknown) => new Refused(error),
            );
            expect(settled).toBeInstanceOf(tamper ? Refused : Object);
            if (settled instanceof Refused) {
              expect(settled.error).toBeInstanceOf(WebhookVerificationError);
              expect(settled.error).toEqual((expected as Refused).error);
            } else expect(settled).toEqual(expected);
          },
        ),
        { numRuns: 50 },
      );
    },
  );

  it('refuses missing headers at once too, without a promise on Node', () => {
    const answer = verifyDelivery(scheme, {}, enc.encode('{}'), () => 'unused');
    expect(answer instanceof Promise).toBe(false);
    expect((answer as Refused).error).toMatchObject({ code: 'missing_header' });
  });

  it('calls a verify() that a copy of the scheme replaced, as written', async () => {
    const body = enc.encode('{"type":"x"}');
    const headers = await scheme.sign({ body });
    const seen: string[] = [];
    const logged = {
      ...scheme,
      verify: (input: Parameters<typeof scheme.verify>[0]) => {
        seen.push('verify');
        return scheme.verify(input);
      },
    };
    expect(await verifyDelivery(logged, headers, body, () => 'unused')).toMatchObject({
      payload: { type: 'x' },
    });
    const refusing = { ...scheme, verify: () => Promise.reject(new Error('policy')) };
    const refused = await verifyDelivery(refusing, headers, body, () => 'unused');
    expect((refused as Refused).error).toEqual(new Error('policy'));
    expect(seen).toEqual(['verify']);
  });

  it('answers through a promise for a scheme whose verify is async (written outside hookguard)', async () => {
    const hub = github({ secret: 'gh-secret' });
    // Every core scheme checks at once on Node now; a third party's may not.
    const outside = {
      ...hub,
      verify: async (input: Parameters<typeof hub.verify>[0]) => hub.verify(input),
    };
    const body = enc.encode('{"zen":"hi"}');
    const headers = await hub.sign({ body });
    const accepted = verifyDelivery(outside, headers, body, () => 'unused');
    expect(accepted).toBeInstanceOf(Promise);
    expect(await accepted).toMatchObject({ scheme: 'github' });
    const refused = verifyDelivery(outside, headers, enc.encode('{"zen":"ho"}'), () => 'x');
    expect(refused).toBeInstanceOf(Promise);
    expect(((await refused) as Refused).error).toMatchObject({ code: 'signature_mismatch' });
  });
});
