// The adapter contract: what every adapter does with the same delivery, run against each
// adapter on each framework major, over real sockets. Framework-specific behaviour (typing,
// onError plumbing, body-parser interplay) stays in each package's own tests.
import { request } from 'node:http';
import { codaiq, standardWebhooks, twilio, type WebhookScheme } from '@hookguard/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../replay/until.ts';
import { type Receiver, type ReceiverOptions, receivers } from './receivers.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A raw request: array header values go out as repeated lines; without a content-length
 * header the chunks go out chunked; `end: false` leaves the body unfinished.
 */
const send = (
  url: string,
  headers: Record<string, string | string[]>,
  chunks: (string | Uint8Array)[],
  { end = true } = {},
) => {
  const clientRequest = request(url, { method: 'POST', headers, agent: false });
  const answer = new Promise<Answer>((resolve, reject) => {
    clientRequest.on('error', reject);
    clientRequest.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
      );
    });
  });
  for (const chunk of chunks) clientRequest.write(chunk);
  if (end) clientRequest.end();
  return { answer, clientRequest };
};

/** A whole delivery with its Content-Length. */
const post = (url: string, headers: Record<string, string | string[]>, body: string) =>
  send(url, { 'content-length': String(Buffer.byteLength(body)), ...headers }, [body]).answer;

const outcome = (answer: Answer) => {
  const json = JSON.parse(answer.body) as { error?: { code?: string } };
  return { status: answer.status, code: json.error?.code };
};

const MINUTE = 60_000;

const schemes = [
  {
    name: 'standard-webhooks',
    scheme: standardWebhooks({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
    impostor: standardWebhooks({ secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' }),
    malformed: { 'webhook-timestamp': 'soon' },
  },
  {
    name: 'codaiq',
    scheme: codaiq({ secret: 'cdaq_whsec_contract' }),
    impostor: codaiq({ secret: 'cdaq_whsec_someone_else' }),
    malformed: { 'x-codaiq-signature': 'not-a-signature' },
  },
] as const;

const body = JSON.stringify({ type: 'order.paid', data: { id: 'ord_1', total: 4200 } });

describe.each(receivers)('%s', (_name, start) => {
  let receiver: Receiver | undefined;
  const started = async (scheme: WebhookScheme, options?: ReceiverOptions) => {
    receiver = await start(scheme, options);
    return receiver;
  };
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  describe.each(schemes)('$name', ({ scheme, impostor, malformed }) => {
    const sign = (signed = body, timestamp?: number) =>
      scheme.sign(timestamp === undefined ? { body: signed } : { body: signed, timestamp });

    it('hands a valid delivery to the handler, with its id and parsed payload', async () => {
      const { url, handled } = await started(scheme);
      const headers = await sign();
      const answer = await post(url, { ...headers, 'content-type': 'application/json' }, body);
      expect({ status: answer.status, body: JSON.parse(answer.body) }).toEqual({
        status: 200,
        body: {
          ok: true,
          id: headers['webhook-id'] ?? null,
          payload: JSON.parse(body),
          auth: { method: scheme.name, scopes: [] },
          url: '/hook',
          query: {},
        },
      });
      expect(handled).toEqual([JSON.parse(body)]);
    });

    it('verifies any signed JSON payload and hands it over unchanged', async () => {
      const { url, handled } = await started(scheme);
      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), async (value) => {
          const json = JSON.stringify(value) ?? 'null';
          const answer = await post(url, await sign(json), json);
          expect(answer.status).toBe(200);
          expect(handled.at(-1)).toEqual(JSON.parse(json));
        }),
        { numRuns: 25 },
      );
    });

    it.each([
      'text/plain',
      'application/octet-stream',
      'application/x-www-form-urlencoded',
      undefined,
    ])('verifies a signed JSON body sent with content type %s', async (type) => {
      const { url, handled } = await started(scheme);
      const headers = { ...(await sign()), ...(type ? { 'content-type': type } : {}) };
      expect((await post(url, headers, body)).status).toBe(200);
      expect(handled).toEqual([JSON.parse(body)]);
    });

    type Make = () => Promise<readonly [Record<string, string>, string]>;
    it.each<readonly [string, number, string, Make]>([
      ['a tampered body', 401, 'signature_mismatch', async () => [await sign(), `${body} `]],
      [
        'another secret',
        401,
        'signature_mismatch',
        async () => [await impostor.sign({ body }), body],
      ],
      [
        'a stale timestamp',
        401,
        'timestamp_out_of_window',
        async () => [await sign(body, Date.now() - 10 * MINUTE), body],
      ],
      [
        'a future timestamp',
        401,
        'timestamp_out_of_window',
        async () => [await sign(body, Date.now() + 10 * MINUTE), body],
      ],
      [
        'a malformed header',
        400,
        'malformed_header',
        async () => [{ ...(await sign()), ...malformed }, body],
      ],
      [
        'a signed body that is not JSON',
        400,
        'invalid_payload',
        async () => [await sign('order paid'), 'order paid'],
      ],
    ])('refuses %s with %i %s and never runs the handler', async (_kind, status, code, make) => {
      const { url, handled } = await started(scheme);
      const [headers, sent] = await make();
      const answer = await post(url, headers, sent);
      expect(outcome(answer)).toEqual({ status, code });
      expect(JSON.parse(answer.body).error.message).toEqual(expect.any(String));
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(handled).toEqual([]);
    });

    it('refuses each missing signed header with 400 missing_header, before reading the body', async () => {
      const { url, handled } = await started(scheme);
      const headers = await sign();
      for (const name of scheme.requiredHeaders[0] ?? []) {
        const { [name]: _dropped, ...partial } = headers;
        // An unfinished upload: only a refusal made before reading the body can answer it.
        const { answer, clientRequest } = send(
          url,
          { ...partial, 'content-length': String(64 * 1024 * 1024) },
          [body],
          { end: false },
        );
        const refused = await answer;
        clientRequest.destroy();
        expect(outcome(refused)).toEqual({ status: 400, code: 'missing_header' });
        expect(JSON.parse(refused.body).error.message).toContain(name);
        expect(refused.headers.connection).toBe('close');
      }
      expect(handled).toEqual([]);
    });

    it('accepts a body of exactly `limit` bytes and refuses one byte more with 413', async () => {
      const { url, handled } = await started(scheme, { limit: 64 });
      const fits = JSON.stringify({ pad: 'x'.repeat(64 - 10) });
      expect(fits).toHaveLength(64);
      expect((await post(url, await sign(fits), fits)).status).toBe(200);
      const over = `${fits} `;
      const refused = await post(url, await sign(over), over);
      expect(outcome(refused)).toEqual({ status: 413, code: 'payload_too_large' });
      expect(refused.headers.connection).toBe('close');
      expect(handled).toHaveLength(1);
    });

    it('answers 413 from Content-Length alone while the upload is unfinished', async () => {
      const { url, handled } = await started(scheme, { limit: 1024 });
      const { answer, clientRequest } = send(
        url,
        { ...(await sign()), 'content-length': String(64 * 1024 * 1024) },
        ['{"pad":"'],
        { end: false },
      );
      const refused = await answer;
      clientRequest.destroy();
      expect(outcome(refused)).toEqual({ status: 413, code: 'payload_too_large' });
      expect(refused.headers.connection).toBe('close');
      expect(handled).toEqual([]);
    });

    it('refuses a chunked body once it passes the limit, before it ends', async () => {
      const { url, handled } = await started(scheme, { limit: 1024 });
      const { answer, clientRequest } = send(url, await sign(), ['{"pad":"', 'x'.repeat(2048)], {
        end: false,
      });
      const refused = await answer;
      clientRequest.destroy();
      expect(outcome(refused)).toEqual({ status: 413, code: 'payload_too_large' });
      expect(handled).toEqual([]);
    });

    it('verifies a chunked body within the limit', async () => {
      const { url, handled } = await started(scheme);
      const answer = await send(url, await sign(), [body.slice(0, 10), body.slice(10)]).answer;
      expect(answer.status).toBe(200);
      expect(handled).toEqual([JSON.parse(body)]);
    });

    it('refuses a signed header sent twice with 400 malformed_header', async () => {
      const { url, handled } = await started(scheme);
      const headers = await sign();
      const other = await sign(body, Date.now() - MINUTE);
      for (const name of scheme.requiredHeaders[0] ?? []) {
        const doubled = { ...headers, [name]: [headers[name], other[name]] as string[] };
        expect(outcome(await post(url, doubled, body))).toEqual({
          status: 400,
          code: 'malformed_header',
        });
      }
      expect(handled).toEqual([]);
    });

    it('handles 100 concurrent mixed deliveries: each valid one once, each invalid one refused', async () => {
      const { url, handled } = await started(scheme);
      const deliveries = await Promise.all(
        Array.from({ length: 100 }, async (_, index) => {
          const json = JSON.stringify({ index });
          return { index, headers: await sign(json), json: index % 2 ? `${json} ` : json };
        }),
      );
      const answers = await Promise.all(
        deliveries.map(({ headers, json }) => post(url, headers, json)),
      );
      answers.forEach((answer, index) => {
        expect(answer.status).toBe(index % 2 ? 401 : 200);
      });
      const seen = handled.map((payload) => (payload as { index: number }).index);
      expect(seen.sort((a, b) => a - b)).toEqual(
        deliveries.filter((_, i) => i % 2 === 0).map((d) => d.index),
      );
    });
  });

  describe('request edges', () => {
    const scheme = schemes[0].scheme;

    it('refuses a body still arriving after bodyTimeoutMs with 408 body_timeout and closes', async () => {
      const { url, handled, escaped, refused } = await started(scheme, {
        bodyTimeoutMs: 100,
        recordRefusals: true,
      });
      const { answer, clientRequest } = send(
        url,
        { ...(await scheme.sign({ body })), 'content-length': String(body.length) },
        [body.slice(0, 3)],
        { end: false },
      );
      const timedOut = await answer;
      clientRequest.destroy();
      expect(outcome(timedOut)).toEqual({ status: 408, code: 'body_timeout' });
      expect(timedOut.headers.connection).toBe('close');
      expect(refused).toEqual(['body_timeout']);
      expect(handled).toEqual([]);
      expect(escaped).toEqual([]);
      expect((await post(url, await scheme.sign({ body }), body)).status).toBe(200);
    });

    it.each([0, -1, 1.5, Number.NaN])(
      'checks bodyTimeoutMs (%s) at once',
      async (bodyTimeoutMs) => {
        await expect(start(scheme, { bodyTimeoutMs })).rejects.toThrow(/bodyTimeoutMs/);
      },
    );

    it('refuses a body the client aborted as invalid_payload, never a framework error', async () => {
      const seen = await started(scheme, { recordRefusals: true });
      const { clientRequest, answer } = send(
        seen.url,
        { ...(await scheme.sign({ body })), 'content-length': String(body.length) },
        [body.slice(0, 3)],
        { end: false },
      );
      answer.catch(() => {}); // the abort is the point
      await until(async () => seen.entered() === 1, 'the request to reach the app');
      clientRequest.destroy();
      await until(
        async () => seen.refused.length + seen.escaped.length > 0,
        'the aborted body to be refused',
      );
      expect(seen.refused).toEqual(['invalid_payload']);
      expect(seen.escaped).toEqual([]);
      expect(seen.handled).toEqual([]);
      expect((await post(seen.url, await scheme.sign({ body }), body)).status).toBe(200);
    });

    it('passes the request URL to schemes that sign it, so a Twilio delivery verifies', async () => {
      const secret = 'twilio-auth-token';
      const { url, handled } = await started(twilio({ secret }));
      const form = 'From=%2B15551234567&Body=hello+there&To=%2B15557654321';
      const signer = twilio({ secret, url: `${url}?account=acme` });
      const headers = {
        ...(await signer.sign({ body: form })),
        'content-type': 'application/x-www-form-urlencoded',
      };
      expect((await post(`${url}?account=acme`, headers, form)).status).toBe(200);
      expect(handled).toEqual([{ From: '+15551234567', Body: 'hello there', To: '+15557654321' }]);
      const elsewhere = await post(`${url}?account=other`, headers, form);
      expect(outcome(elsewhere)).toEqual({ status: 401, code: 'signature_mismatch' });
    });

    it("sends errors that are not hookguard's to the framework's error handling", async () => {
      const exploding: WebhookScheme = {
        ...scheme,
        verify: async () => {
          throw new RangeError('scheme exploded');
        },
      };
      const { url, handled, escaped } = await started(exploding);
      const answer = await post(url, await scheme.sign({ body }), body);
      expect(answer.status).toBe(500);
      expect(escaped).toEqual([new RangeError('scheme exploded')]);
      expect(handled).toEqual([]);
    });

    it('answers through onError instead of the default JSON when given one', async () => {
      const { url, refused } = await started(scheme, { recordRefusals: true });
      const answer = await post(url, await scheme.sign({ body }), `${body} `);
      expect(JSON.parse(answer.body)).toEqual({ ok: false, error: { code: 'signature_mismatch' } });
      expect(refused).toEqual(['signature_mismatch']);
    });
  });
});
