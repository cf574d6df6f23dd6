import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebhookVerificationError } from './errors.js';
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
});
