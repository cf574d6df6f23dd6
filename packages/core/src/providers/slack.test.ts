import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayKey } from '../replay-key.js';
import { expectRejection, flipByte, flipChar } from '../test-support.js';
import { slack } from './slack.js';

const NOW = 1_717_420_000_000;
const now = () => NOW;
const SECONDS = String(NOW / 1000);
const SECRET = '3b8e1a0f5c7d4e2a9b6c8d0e1f2a3b4c';
const OLD_SECRET = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const FORM = 'application/x-www-form-urlencoded';
const body = 'token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&command=%2Fweather&text=94070';
const enc = new TextEncoder();

// An independent signer, so the scheme is checked against a hand computation, not itself.
const handSign = (payload: string | Uint8Array, secret = SECRET, ts = SECONDS) => ({
  'x-slack-request-timestamp': ts,
  'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${ts}:`).update(payload).digest('hex')}`,
});
// What Slack sends with a slash command: the signature headers and the form's content type.
const formRequest = (payload: string, secret = SECRET, ts = SECONDS) => ({
  ...handSign(payload, secret, ts),
  'content-type': FORM,
});

describe('Slack "Verifying requests from Slack" worked example', () => {
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const timestamp = '1531420618';
  const payload =
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
  const signature = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
  const scheme = slack({ secret, now: () => Number(timestamp) * 1000 });

  it('verifies the documented request and parses its form fields', async () => {
    const headers = {
      'Content-Type': FORM,
      'X-Slack-Request-Timestamp': timestamp,
      'X-Slack-Signature': signature,
    };
    const delivery = await scheme.verify({ headers, body: payload });
    expect(delivery.timestamp?.getTime()).toBe(Number(timestamp) * 1000);
    expect(delivery.payload).toMatchObject({
      command: '/webhook-collect',
      text: '',
      user_name: 'roadrunner',
      response_url:
        'https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN',
    });
  });

  it('signs exactly the documented X-Slack-Signature', async () => {
    expect(await scheme.sign({ body: payload })).toEqual({
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
    });
  });

  it('rejects the documented signature under another secret or over another body', async () => {
    const headers = { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature };
    const other = slack({ secret: `${secret}x`, now: () => Number(timestamp) * 1000 });
    await expectRejection(other.verify({ headers, body: payload }), 'signature_mismatch');
    await expectRejection(scheme.verify({ headers, body: `${payload}&x=1` }), 'signature_mismatch');
  });
});

describe('slack()', () => {
  const scheme = slack({ secret: SECRET, now });

  it('round-trips, with Fetch Headers and a Node record', async () => {
    const headers = { ...(await scheme.sign({ body })), 'content-type': FORM };
    for (const input of [headers, new Headers(headers)]) {
      const delivery = await scheme.verify({ headers: input, body });
      expect(delivery).toMatchObject({ scheme: 'slack', payload: { command: '/weather' } });
      expect(delivery.timestamp?.getTime()).toBe(NOW);
      expect(delivery.id).toBeUndefined();
    }
  });

  it('signs what a hand computation gives, and verifies a hand-signed request', async () => {
    expect(await scheme.sign({ body })).toEqual(handSign(body));
    const events = JSON.stringify({ type: 'event_callback', event_id: 'Ev08MFMKH6' });
    const headers = { ...handSign(events), 'content-type': 'application/json' };
    await expect(scheme.verify({ headers, body: events })).resolves.toMatchObject({
      payload: { event_id: 'Ev08MFMKH6' },
    });
  });

  it('keeps an interactivity payload as the string Slack sends in the payload field', async () => {
    const action = JSON.stringify({ type: 'block_actions', actions: [{ action_id: 'a' }] });
    const form = `payload=${encodeURIComponent(action)}`;
    const delivery = await scheme.verify({
      headers: { ...handSign(form), 'content-type': `${FORM}; charset=utf-8` },
      body: form,
    });
    expect(delivery.payload).toEqual({ payload: action });
  });

  it('keys replay protection on the signed time and body, as Slack sends no delivery id', async () => {
    const delivery = await scheme.verify({ headers: formRequest(body), body: enc.encode(body) });
    const hash = createHash('sha256').update(body).digest('hex');
    expect(await replayKey(delivery)).toBe(`slack:${NOW}:${hash}`);
  });

  it('accepts a +-300 s clock difference by default and refuses stale or future ones', async () => {
    for (const offset of [-300, 300]) {
      const headers = formRequest(body, SECRET, String(NOW / 1000 + offset));
      await expect(scheme.verify({ headers, body })).resolves.toBeDefined();
    }
    for (const offset of [-301, 301]) {
      const headers = formRequest(body, SECRET, String(NOW / 1000 + offset));
      await expectRejection(scheme.verify({ headers, body }), 'timestamp_out_of_window');
    }
  });

  it('accepts a delivery signed with any configured secret (rotation)', async () => {
    const rotating = slack({ secret: [SECRET, OLD_SECRET], now });
    for (const secret of [SECRET, OLD_SECRET]) {
      await expect(
        rotating.verify({ headers: formRequest(body, secret), body }),
      ).resolves.toBeDefined();
    }
    await expectRejection(
      rotating.verify({ headers: formRequest(body, 'someone-else'), body }),
      'signature_mismatch',
    );
    const bytes = slack({ secret: enc.encode(SECRET), now });
    await expect(bytes.verify({ headers: formRequest(body), body })).resolves.toBeDefined();
  });

  it('refuses either header sent twice, even when each copy verifies', async () => {
    const valid = formRequest(body);
    for (const name of ['x-slack-signature', 'x-slack-request-timestamp'] as const) {
      const fetchHeaders = new Headers(valid);
      fetchHeaders.append(name, valid[name]);
      const nodeRecord = { ...valid, [name]: `${valid[name]}, ${valid[name]}` };
      for (const headers of [fetchHeaders, nodeRecord]) {
        await expectRejection(scheme.verify({ headers, body }), 'malformed_header');
      }
    }
  });

  const valid = formRequest(body);
  it.each([
    ['no headers', {}, 'missing_header'],
    ['no X-Slack-Signature', { 'x-slack-request-timestamp': SECONDS }, 'missing_header'],
    [
      'no X-Slack-Request-Timestamp',
      { 'x-slack-signature': valid['x-slack-signature'] },
      'missing_header',
    ],
    [
      'a fractional timestamp',
      { ...valid, 'x-slack-request-timestamp': `${SECONDS}.5` },
      'malformed_header',
    ],
    [
      'a signed timestamp',
      { ...valid, 'x-slack-request-timestamp': `+${SECONDS}` },
      'malformed_header',
    ],
    ['an empty timestamp', { ...valid, 'x-slack-request-timestamp': '' }, 'malformed_header'],
    [
      'a timestamp in milliseconds',
      { ...valid, 'x-slack-request-timestamp': String(NOW) },
      'timestamp_out_of_window',
    ],
    [
      'a signature without a version',
      { ...valid, 'x-slack-signature': 'a'.repeat(64) },
      'malformed_header',
    ],
    [
      'a v1= signature',
      { ...valid, 'x-slack-signature': `v1=${'a'.repeat(64)}` },
      'signature_mismatch',
    ],
    [
      'a signature that is not hex',
      { ...valid, 'x-slack-signature': 'v0=zz' },
      'signature_mismatch',
    ],
  ] as const)('rejects %s', async (_label, headers, code) => {
    await expectRejection(scheme.verify({ headers, body }), code);
  });

  it('rejects non-canonical hex: upper case, or with whitespace', async () => {
    const hex = valid['x-slack-signature'].slice(3);
    for (const altered of [hex.toUpperCase(), ` ${hex}`, `${hex} `, `${hex}00`]) {
      const headers = { ...valid, 'x-slack-signature': `v0=${altered}` };
      await expectRejection(scheme.verify({ headers, body }), 'signature_mismatch');
    }
  });

  it('verifies the signature before parsing: a bad body is invalid_payload only once signed', async () => {
    await expectRejection(
      scheme.verify({ headers: handSign('not json'), body: 'not json' }),
      'invalid_payload',
    );
    await expectRejection(
      scheme.verify({ headers: valid, body: 'not json' }),
      'signature_mismatch',
    );
  });

  it.each([
    ['no options', null],
    ['no secret', {}],
    ['an empty secret', { secret: '' }],
    ['an empty byte secret', { secret: new Uint8Array(0) }],
    ['an empty list', { secret: [] }],
    ['a non-secret value', { secret: [SECRET, {}] }],
    ['a bad tolerance', { secret: SECRET, toleranceSeconds: '300' }],
    ['a clock that is not a function', { secret: SECRET, now: NOW }],
  ])('throws a TypeError at once for %s', (_label, options) => {
    expect(() => slack(options as never)).toThrow(TypeError);
  });

  it('leaves frozen options untouched', async () => {
    const options = Object.freeze({ secret: Object.freeze([OLD_SECRET, SECRET]), now });
    const frozen = slack(options);
    await expect(frozen.verify({ headers: valid, body })).resolves.toBeDefined();
    expect(options.secret).toEqual([OLD_SECRET, SECRET]);
  });

  it('never puts the secret or the expected signature in a message', async () => {
    const error = await expectRejection(
      scheme.verify({ headers: { ...valid, 'x-slack-signature': `v0=${'0'.repeat(64)}` }, body }),
      'signature_mismatch',
    );
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(valid['x-slack-signature'].slice(3));
  });
});

describe('slack() properties', () => {
  const scheme = slack({ secret: SECRET, now });
  const formBody = fc
    .dictionary(fc.string({ minLength: 1 }), fc.string(), { minKeys: 1 })
    .map((fields) => enc.encode(new URLSearchParams(fields).toString()));

  it('flipping any single bit of the body rejects', async () => {
    await fc.assert(
      fc.asyncProperty(formBody, fc.nat(), fc.integer({ min: 0, max: 7 }), async (raw, at, bit) => {
        const headers = await scheme.sign({ body: raw });
        const flipped = flipByte(raw, at % raw.length, bit);
        await expectRejection(scheme.verify({ headers, body: flipped }), 'signature_mismatch');
      }),
    );
  });

  it('flipping any single bit of either signed header rejects', async () => {
    await fc.assert(
      fc.asyncProperty(
        formBody,
        fc.constantFrom('x-slack-signature', 'x-slack-request-timestamp'),
        fc.nat(),
        fc.integer({ min: 0, max: 6 }),
        async (raw, name, at, bit) => {
          const headers = await scheme.sign({ body: raw });
          const value = headers[name] as string;
          const altered = { ...headers, [name]: flipChar(value, at % value.length, bit) };
          await expectRejection(
            scheme.verify({ headers: altered, body: raw }),
            'signature_mismatch',
            'malformed_header',
            'timestamp_out_of_window',
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any form body signed by hand verifies and parses to its fields', async () => {
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ minLength: 1 }), fc.string()), async (fields) => {
        const form = new URLSearchParams(fields).toString();
        const headers = formRequest(form);
        const delivery = await scheme.verify({ headers, body: form });
        expect(delivery.payload).toEqual({ ...fields });
      }),
      { numRuns: 100 },
    );
  });
});
