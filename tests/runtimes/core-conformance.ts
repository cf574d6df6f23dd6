// A portable conformance suite for @hookguard/core. It imports the package by name so each
// runtime's export conditions pick the build, needs no test runner, and returns a JSON
// report. Node, Bun, Deno and workerd run exactly this file.
import {
  codaiq,
  type ErrorCode,
  readRawBody,
  standardWebhooks,
  type VerifiedWebhook,
  WebhookVerificationError,
} from '@hookguard/core';
import fc from 'fast-check';
import {
  type CodaiqVector,
  codaiqVectors,
  type StandardWebhooksVector as StandardVector,
  standardWebhooksVectors as standardVectors,
} from '../../packages/core/test/vectors/index.ts';

export interface CaseResult {
  name: string;
  ok: boolean;
  error?: string;
}

export interface ConformanceReport {
  cases: CaseResult[];
  summary: { total: number; passed: number; failed: number };
}

// The code -> status mapping is part of the public contract, so it is restated here.
const STATUS: Record<ErrorCode, number> = {
  missing_header: 400,
  malformed_header: 400,
  invalid_payload: 400,
  timestamp_out_of_window: 401,
  signature_mismatch: 401,
  payload_too_large: 413,
  body_timeout: 408,
  raw_body_unavailable: 500,
  delivery_in_progress: 409,
  replay_store_unavailable: 503,
  missing_credentials: 401,
  invalid_credentials: 401,
  insufficient_scope: 403,
};

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OTHER_SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const CODAIQ_SECRET = 'cdaq_whsec_conformance';
const NOW = 1_700_000_000_000;
const TOLERANCE = 300;
const clock = (ms: number) => () => ms;
const encoder = new TextEncoder();

class AssertionError extends Error {}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

const same = (actual: unknown, expected: unknown, what: string): void => {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  assert(a === e, `${what}: expected ${e}, got ${a}`);
};

const sameBytes = (actual: Uint8Array, expected: Uint8Array, what: string): void => {
  same(Array.from(actual), Array.from(expected), what);
};

/** Awaits a rejection that must be a WebhookVerificationError with one of `codes`. */
const rejects = async (
  promise: Promise<unknown>,
  codes: ErrorCode[],
  what: string,
): Promise<WebhookVerificationError> => {
  let outcome: unknown;
  try {
    await promise;
  } catch (error) {
    outcome = error;
  }
  assert(outcome !== undefined, `${what}: resolved, expected ${codes.join(' or ')}`);
  assert(
    outcome instanceof WebhookVerificationError,
    `${what}: rejected with ${String(outcome)}, not a WebhookVerificationError`,
  );
  assert(codes.includes(outcome.code), `${what}: code ${outcome.code}, expected ${codes}`);
  assert(outcome.status === STATUS[outcome.code], `${what}: status ${outcome.status}`);
  assert(typeof outcome.message === 'string' && outcome.message.length > 0, `${what}: message`);
  return outcome;
};

const flipChar = (text: string, index: number, bit: number): string =>
  text.slice(0, index) +
  String.fromCharCode(text.charCodeAt(index) ^ (1 << bit)) +
  text.slice(index + 1);

const standardHeaders = (vector: StandardVector, signature = vector.signature) => ({
  'webhook-id': vector.id,
  'webhook-timestamp': String(vector.timestamp),
  'webhook-signature': signature,
});

const codaiqHeaders = (vector: CodaiqVector) => ({
  'x-codaiq-timestamp': String(vector.timestamp),
  'x-codaiq-signature': vector.signature,
});

const expectDelivery = (
  delivery: VerifiedWebhook,
  expected: { scheme: string; id?: string; timestamp: number; payload: string },
) => {
  same(delivery.scheme, expected.scheme, 'scheme');
  same(delivery.id, expected.id, 'id');
  same(delivery.timestamp?.getTime(), expected.timestamp, 'timestamp');
  same(delivery.payload, JSON.parse(expected.payload), 'payload');
  sameBytes(delivery.rawBody, encoder.encode(expected.payload), 'rawBody');
};

type Case = [name: string, run: () => Promise<void> | void];
const cases: Case[] = [];
const test = (name: string, run: () => Promise<void> | void) => cases.push([name, run]);

// --- Published vectors -------------------------------------------------------------------

for (const vector of standardVectors.v1) {
  const scheme = () =>
    standardWebhooks({ secret: vector.secret, now: clock(vector.timestamp * 1000) });
  const expected = { scheme: 'standard-webhooks', ...vector, timestamp: vector.timestamp * 1000 };

  test(`vector standard-webhooks v1 ${vector.name}: verifies`, async () => {
    expectDelivery(
      await scheme().verify({ headers: standardHeaders(vector), body: vector.payload }),
      expected,
    );
  });

  test(`vector standard-webhooks v1 ${vector.name}: verifies under svix-* headers`, async () => {
    const headers = {
      'svix-id': vector.id,
      'svix-timestamp': String(vector.timestamp),
      'svix-signature': vector.signature,
    };
    expectDelivery(await scheme().verify({ headers, body: vector.payload }), expected);
  });

  test(`vector standard-webhooks v1 ${vector.name}: signing reproduces it`, async () => {
    const headers = await scheme().sign({
      body: vector.payload,
      id: vector.id,
      timestamp: vector.timestamp * 1000,
    });
    same(headers, standardHeaders(vector), 'signed headers');
  });

  test(`vector standard-webhooks v1 ${vector.name}: every decoy fails`, async () => {
    for (const decoy of standardVectors.decoys) {
      await rejects(
        scheme().verify({ headers: standardHeaders(vector, decoy), body: vector.payload }),
        ['signature_mismatch'],
        `decoy ${decoy}`,
      );
    }
    const mixed = [...standardVectors.decoys, vector.signature].join(' ');
    await scheme().verify({ headers: standardHeaders(vector, mixed), body: vector.payload });
  });

  test(`vector standard-webhooks v1 ${vector.name}: refused outside the window`, async () => {
    for (const drift of [-(TOLERANCE + 1), TOLERANCE + 1]) {
      const late = standardWebhooks({
        secret: vector.secret,
        now: clock((vector.timestamp + drift) * 1000),
      });
      await rejects(
        late.verify({ headers: standardHeaders(vector), body: vector.payload }),
        ['timestamp_out_of_window'],
        `drift ${drift}`,
      );
    }
  });
}

for (const vector of standardVectors.v1a) {
  const now = clock(vector.timestamp * 1000);
  const expected = { scheme: 'standard-webhooks', ...vector, timestamp: vector.timestamp * 1000 };

  test(`vector standard-webhooks v1a ${vector.name}: verifies with the public key`, async () => {
    const scheme = standardWebhooks({ publicKey: vector.publicKey, now });
    expectDelivery(
      await scheme.verify({ headers: standardHeaders(vector), body: vector.payload }),
      expected,
    );
  });

  test(`vector standard-webhooks v1a ${vector.name}: tampered body fails`, async () => {
    const scheme = standardWebhooks({ publicKey: vector.publicKey, now });
    await rejects(
      scheme.verify({ headers: standardHeaders(vector), body: `${vector.payload} ` }),
      ['signature_mismatch'],
      'tampered v1a',
    );
  });

  const { privateKey } = vector;
  if (privateKey) {
    test(`vector standard-webhooks v1a ${vector.name}: signing with whsk_ reproduces it`, async () => {
      const signer = standardWebhooks({ privateKey, now });
      const headers = await signer.sign({
        body: vector.payload,
        id: vector.id,
        timestamp: vector.timestamp * 1000,
      });
      same(headers, standardHeaders(vector), 'signed headers');
      const verifier = standardWebhooks({ publicKey: vector.publicKey, now });
      await verifier.verify({ headers, body: vector.payload });
    });
  }
}

for (const vector of codaiqVectors.v1) {
  const scheme = (at = vector.timestamp) => codaiq({ secret: vector.secret, now: clock(at) });

  test(`vector codaiq v1 ${vector.name}: verifies`, async () => {
    expectDelivery(
      await scheme().verify({ headers: codaiqHeaders(vector), body: vector.payload }),
      { scheme: 'codaiq', ...vector },
    );
  });

  test(`vector codaiq v1 ${vector.name}: signing reproduces it`, async () => {
    const headers = await scheme().sign({ body: vector.payload, timestamp: vector.timestamp });
    same(headers, codaiqHeaders(vector), 'signed headers');
  });

  test(`vector codaiq v1 ${vector.name}: refused outside the window`, async () => {
    for (const drift of [-(TOLERANCE + 1) * 1000, (TOLERANCE + 1) * 1000]) {
      await rejects(
        scheme(vector.timestamp + drift).verify({
          headers: codaiqHeaders(vector),
          body: vector.payload,
        }),
        ['timestamp_out_of_window'],
        `drift ${drift}`,
      );
    }
  });
}

// --- Round trips and rotation ------------------------------------------------------------

const body = JSON.stringify({ id: 'evt_1', type: 'order.paid', data: { total: 42 } });

test('round trip: standard-webhooks v1', async () => {
  const scheme = standardWebhooks({ secret: SECRET, now: clock(NOW) });
  const headers = await scheme.sign({ body, id: 'msg_round' });
  expectDelivery(await scheme.verify({ headers, body }), {
    scheme: 'standard-webhooks',
    id: 'msg_round',
    timestamp: NOW,
    payload: body,
  });
});

test('round trip: standard-webhooks v1 with generated id, as bytes and ArrayBuffer', async () => {
  const scheme = standardWebhooks({ secret: SECRET, now: clock(NOW) });
  const bytes = encoder.encode(body);
  const headers = await scheme.sign({ body: bytes });
  assert(/^msg_[0-9a-f]{32}$/.test(headers['webhook-id'] ?? ''), 'generated id');
  await scheme.verify({ headers, body: bytes });
  await scheme.verify({ headers, body: bytes.slice().buffer });
});

test('round trip: standard-webhooks v1a with a whsk_ key from the vectors', async () => {
  const vector = standardVectors.v1a.find((candidate) => candidate.privateKey);
  assert(vector?.privateKey, 'a v1a vector with a private key');
  const signer = standardWebhooks({ privateKey: vector.privateKey, now: clock(NOW) });
  const headers = await signer.sign({ body, id: 'msg_v1a' });
  assert(headers['webhook-signature']?.startsWith('v1a,'), 'v1a signature');
  const verifier = standardWebhooks({ publicKey: vector.publicKey, now: clock(NOW) });
  await verifier.verify({ headers, body });
  const stranger = standardVectors.v1a.find(
    (candidate) => candidate.publicKey !== vector.publicKey,
  );
  assert(stranger, 'another v1a key');
  await rejects(
    standardWebhooks({ publicKey: stranger.publicKey, now: clock(NOW) }).verify({ headers, body }),
    ['signature_mismatch'],
    'other public key',
  );
});

test('round trip: standard-webhooks v1 and v1a signed together', async () => {
  const vector = standardVectors.v1a.find((candidate) => candidate.privateKey);
  assert(vector?.privateKey, 'a v1a vector with a private key');
  const both = standardWebhooks({ secret: SECRET, privateKey: vector.privateKey, now: clock(NOW) });
  const headers = await both.sign({ body, id: 'msg_both' });
  same(
    headers['webhook-signature']?.split(' ').map((entry) => entry.split(',')[0]),
    ['v1', 'v1a'],
    'signature versions',
  );
  await standardWebhooks({ secret: SECRET, now: clock(NOW) }).verify({ headers, body });
  await standardWebhooks({ publicKey: vector.publicKey, now: clock(NOW) }).verify({
    headers,
    body,
  });
});

test('round trip: codaiq', async () => {
  const scheme = codaiq({ secret: CODAIQ_SECRET, now: clock(NOW) });
  const headers = await scheme.sign({ body });
  expectDelivery(await scheme.verify({ headers, body }), {
    scheme: 'codaiq',
    timestamp: NOW,
    payload: body,
  });
});

const secrets = [
  SECRET,
  OTHER_SECRET,
  'whsec_b6Ovv5eS7H5seJrGSStBYDivs8v2/KrFjfMaVZYsi7w=',
] as const;

test('rotation: standard-webhooks accepts a delivery signed with any configured secret', async () => {
  const receiver = standardWebhooks({ secret: [...secrets], now: clock(NOW) });
  for (const secret of secrets) {
    const headers = await standardWebhooks({ secret, now: clock(NOW) }).sign({ body });
    await receiver.verify({ headers, body });
  }
  const old = await standardWebhooks({ secret: secrets[2], now: clock(NOW) }).sign({ body });
  await rejects(
    standardWebhooks({ secret: [SECRET, OTHER_SECRET], now: clock(NOW) }).verify({
      headers: old,
      body,
    }),
    ['signature_mismatch'],
    'retired secret',
  );
});

test('rotation: standard-webhooks accepts a header listing old and new signatures', async () => {
  const sign = (secret: string) =>
    standardWebhooks({ secret, now: clock(NOW) }).sign({ body, id: 'msg_rotate' });
  const [oldHeaders, newHeaders] = await Promise.all([sign(OTHER_SECRET), sign(SECRET)]);
  const headers = {
    ...newHeaders,
    'webhook-signature': `${oldHeaders['webhook-signature']} ${newHeaders['webhook-signature']}`,
  };
  await standardWebhooks({ secret: SECRET, now: clock(NOW) }).verify({ headers, body });
  await standardWebhooks({ secret: OTHER_SECRET, now: clock(NOW) }).verify({ headers, body });
});

test('rotation: codaiq accepts any configured secret and refuses a retired one', async () => {
  const codaiqSecrets = ['cdaq_old', 'cdaq_new', 'cdaq_next'];
  const receiver = codaiq({ secret: codaiqSecrets, now: clock(NOW) });
  for (const secret of codaiqSecrets) {
    await receiver.verify({
      headers: await codaiq({ secret, now: clock(NOW) }).sign({ body }),
      body,
    });
  }
  const retired = await codaiq({ secret: 'cdaq_retired', now: clock(NOW) }).sign({ body });
  await rejects(receiver.verify({ headers: retired, body }), ['signature_mismatch'], 'retired');
});

// --- Single-bit flips ----------------------------------------------------------------------

const flipBody = 'evt 42';

test('bit flips: every bit of a standard-webhooks body is checked', async () => {
  const scheme = standardWebhooks({ secret: SECRET, now: clock(NOW) });
  const headers = await scheme.sign({ body: flipBody, id: 'msg_flip' });
  const bytes = encoder.encode(flipBody);
  for (let index = 0; index < bytes.length; index++) {
    for (let bit = 0; bit < 8; bit++) {
      const flipped = bytes.slice();
      flipped[index] = (flipped[index] ?? 0) ^ (1 << bit);
      await rejects(scheme.verify({ headers, body: flipped }), ['signature_mismatch'], 'body');
    }
  }
});

test('bit flips: standard-webhooks id, timestamp and signature headers', async () => {
  const scheme = standardWebhooks({ secret: SECRET, now: clock(NOW) });
  const headers = await scheme.sign({ body, id: 'msg_flip' });
  const expected: Record<string, ErrorCode[]> = {
    'webhook-id': ['signature_mismatch'],
    'webhook-timestamp': ['malformed_header', 'timestamp_out_of_window', 'signature_mismatch'],
    'webhook-signature': ['signature_mismatch'],
  };
  for (const [name, codes] of Object.entries(expected)) {
    const value = headers[name] ?? '';
    for (let index = 0; index < value.length; index++) {
      for (let bit = 0; bit < 7; bit++) {
        const flipped = { ...headers, [name]: flipChar(value, index, bit) };
        await rejects(scheme.verify({ headers: flipped, body }), codes, `${name}[${index}]^${bit}`);
      }
    }
  }
});

test('bit flips: codaiq body and signature header', async () => {
  const scheme = codaiq({ secret: CODAIQ_SECRET, now: clock(NOW) });
  const headers = await scheme.sign({ body: flipBody });
  const bytes = encoder.encode(flipBody);
  for (let index = 0; index < bytes.length; index++) {
    for (let bit = 0; bit < 8; bit++) {
      const flipped = bytes.slice();
      flipped[index] = (flipped[index] ?? 0) ^ (1 << bit);
      await rejects(scheme.verify({ headers, body: flipped }), ['signature_mismatch'], 'body');
    }
  }
  const signature = headers['x-codaiq-signature'] ?? '';
  for (let index = 0; index < signature.length; index++) {
    for (let bit = 0; bit < 7; bit++) {
      await rejects(
        scheme.verify({
          headers: { 'x-codaiq-signature': flipChar(signature, index, bit) },
          body: flipBody,
        }),
        ['malformed_header', 'timestamp_out_of_window', 'signature_mismatch'],
        `signature[${index}]^${bit}`,
      );
    }
  }
});

// --- Timestamp window edges --------------------------------------------------------------

test('window: standard-webhooks accepts exactly ±tolerance and refuses ±(tolerance + 1) s', async () => {
  for (const tolerance of [TOLERANCE, 10, 0]) {
    const scheme = standardWebhooks({
      secret: SECRET,
      toleranceSeconds: tolerance,
      now: clock(NOW),
    });
    for (const drift of [-tolerance, tolerance]) {
      const headers = await scheme.sign({ body, timestamp: NOW + drift * 1000 });
      await scheme.verify({ headers, body });
    }
    for (const drift of [-(tolerance + 1), tolerance + 1]) {
      const headers = await scheme.sign({ body, timestamp: NOW + drift * 1000 });
      await rejects(scheme.verify({ headers, body }), ['timestamp_out_of_window'], `${drift} s`);
    }
  }
});

test('window: codaiq accepts exactly ±tolerance and refuses ±(tolerance + 1) s', async () => {
  for (const tolerance of [TOLERANCE, 10, 0]) {
    const scheme = codaiq({ secret: CODAIQ_SECRET, toleranceSeconds: tolerance, now: clock(NOW) });
    for (const drift of [-tolerance, tolerance]) {
      const headers = await scheme.sign({ body, timestamp: NOW + drift * 1000 });
      await scheme.verify({ headers, body });
    }
    for (const drift of [-(tolerance + 1), tolerance + 1]) {
      const headers = await scheme.sign({ body, timestamp: NOW + drift * 1000 });
      await rejects(scheme.verify({ headers, body }), ['timestamp_out_of_window'], `${drift} s`);
    }
  }
});

// --- Malformed and missing headers -------------------------------------------------------

test('headers: standard-webhooks missing and malformed headers have stable codes', async () => {
  const scheme = standardWebhooks({ secret: SECRET, now: clock(NOW) });
  const good = await scheme.sign({ body, id: 'msg_headers' });
  const signature = good['webhook-signature'] ?? '';
  const cases: [Record<string, string | string[]>, ErrorCode][] = [
    [{ ...good, 'webhook-id': undefined as unknown as string }, 'missing_header'],
    [{ 'webhook-id': 'msg_headers', 'webhook-signature': signature }, 'missing_header'],
    [{ 'webhook-id': 'msg_headers', 'webhook-timestamp': String(NOW / 1000) }, 'missing_header'],
    [{}, 'missing_header'],
    [{ ...good, 'webhook-id': '' }, 'malformed_header'],
    [{ ...good, 'webhook-timestamp': 'yesterday' }, 'malformed_header'],
    [{ ...good, 'webhook-timestamp': '-1700000000' }, 'malformed_header'],
    [{ ...good, 'webhook-timestamp': '1700000000.5' }, 'malformed_header'],
    [{ ...good, 'webhook-timestamp': '' }, 'malformed_header'],
    [{ ...good, 'webhook-signature': '' }, 'malformed_header'],
    [{ ...good, 'webhook-signature': '   ' }, 'malformed_header'],
    [{ ...good, 'webhook-signature': Array(33).fill(signature).join(' ') }, 'malformed_header'],
    [{ ...good, 'webhook-id': ['msg_a', 'msg_b'] }, 'malformed_header'],
    [{ ...good, 'webhook-signature': 'v2,abc' }, 'signature_mismatch'],
    [{ ...good, 'webhook-signature': 'no-comma-here' }, 'signature_mismatch'],
  ];
  for (const [headers, code] of cases) {
    const error = await rejects(scheme.verify({ headers, body }), [code], JSON.stringify(headers));
    assert(!error.message.includes(SECRET.slice(6)), 'message leaks the secret');
  }
  await rejects(
    scheme.verify({ headers: new Headers({ ...good, 'webhook-id': '' }), body }),
    ['malformed_header'],
    'empty id in Fetch Headers',
  );
});

test('headers: codaiq missing and malformed headers have stable codes', async () => {
  const scheme = codaiq({ secret: CODAIQ_SECRET, now: clock(NOW) });
  const good = await scheme.sign({ body });
  const t = good['x-codaiq-timestamp'] ?? '';
  const v1 = (good['x-codaiq-signature'] ?? '').split(',')[1] ?? '';
  const cases: [Record<string, string>, ErrorCode][] = [
    [{}, 'missing_header'],
    [{ 'x-codaiq-timestamp': t }, 'missing_header'],
    [{ 'x-codaiq-signature': 'garbage' }, 'malformed_header'],
    [{ 'x-codaiq-signature': v1 }, 'malformed_header'],
    [{ 'x-codaiq-signature': `t=${t},t=${t},${v1}` }, 'malformed_header'],
    [{ 'x-codaiq-signature': `t=soon,${v1}` }, 'malformed_header'],
    [{ 'x-codaiq-signature': `=${t},${v1}` }, 'malformed_header'],
    [{ 'x-codaiq-signature': `t=${t},${v1}`, 'x-codaiq-timestamp': `${t}1` }, 'malformed_header'],
    [{ 'x-codaiq-signature': `t=${t}` }, 'signature_mismatch'],
    [{ 'x-codaiq-signature': `t=${t},v1=zz` }, 'signature_mismatch'],
  ];
  for (const [headers, code] of cases) {
    const error = await rejects(scheme.verify({ headers, body }), [code], JSON.stringify(headers));
    assert(!error.message.includes(CODAIQ_SECRET), 'message leaks the secret');
  }
});

test('errors: instanceof, name, code and status', () => {
  const error = new WebhookVerificationError('payload_too_large', 'too big');
  assert(error instanceof Error && error instanceof WebhookVerificationError, 'instanceof');
  same(
    [error.name, error.code, error.status],
    ['WebhookVerificationError', 'payload_too_large', 413],
    'fields',
  );
  assert(!((new Error('x') as unknown) instanceof WebhookVerificationError), 'plain Error');
});

test('payload: a correctly signed body that is not JSON is invalid_payload', async () => {
  const scheme = standardWebhooks({ secret: SECRET, now: clock(NOW) });
  const text = 'not json';
  await rejects(
    scheme.verify({ headers: await scheme.sign({ body: text }), body: text }),
    ['invalid_payload'],
    'non-JSON',
  );
});

// --- readRawBody on a Fetch Request ------------------------------------------------------

const streamOf = (chunks: Uint8Array[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });

// `duplex` is required by Node's fetch for a streamed body and ignored elsewhere.
const streamedRequest = (stream: ReadableStream<Uint8Array>, headers: HeadersInit = {}) =>
  new Request('http://127.0.0.1/hook', {
    method: 'POST',
    headers,
    body: stream,
    duplex: 'half',
  } as RequestInit);

test('readRawBody: reads a streamed body without Content-Length under and at the limit', async () => {
  const chunks = [encoder.encode('{"a":'), encoder.encode('1}')];
  const request = streamedRequest(streamOf(chunks));
  assert(request.headers.get('content-length') === null, 'no Content-Length');
  sameBytes(await readRawBody(request, { limit: 7 }), encoder.encode('{"a":1}'), 'bytes');
  sameBytes(
    await readRawBody(streamedRequest(streamOf(chunks)), { limit: 100 }),
    encoder.encode('{"a":1}'),
    'bytes under the limit',
  );
});

test('readRawBody: refuses a streamed body one byte over the limit', async () => {
  const chunks = [encoder.encode('{"a":'), encoder.encode('1}')];
  await rejects(
    readRawBody(streamedRequest(streamOf(chunks)), { limit: 6 }),
    ['payload_too_large'],
    'over the limit',
  );
});

test('readRawBody: stops reading an endless stream at the limit', async () => {
  let pulled = 0;
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled += 1;
      controller.enqueue(new Uint8Array(1024));
    },
  });
  await rejects(
    readRawBody(streamedRequest(endless), { limit: 10 * 1024 }),
    ['payload_too_large'],
    'endless',
  );
  assert(pulled < 64, `pulled ${pulled} chunks for a 10-chunk limit`);
});

test('readRawBody: refuses from a declared Content-Length alone', async () => {
  const request = new Request('http://127.0.0.1/hook', {
    method: 'POST',
    headers: { 'content-length': '5000' },
    body: 'small',
  });
  await rejects(readRawBody(request, { limit: 1024 }), ['payload_too_large'], 'declared');
});

test('readRawBody: a consumed body is raw_body_unavailable, a failing one invalid_payload', async () => {
  const used = new Request('http://127.0.0.1/hook', { method: 'POST', body: '{}' });
  await used.text();
  await rejects(readRawBody(used), ['raw_body_unavailable'], 'consumed');
  const failing = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.error(new Error('connection reset'));
    },
  });
  await rejects(readRawBody(streamedRequest(failing)), ['invalid_payload'], 'stream error');
  const empty = new Request('http://127.0.0.1/hook', { method: 'POST' });
  same((await readRawBody(empty)).byteLength, 0, 'no body');
});

// --- Properties ----------------------------------------------------------------------------

const printable = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)),
  minLength: 1,
  maxLength: 40,
});
const inWindow = fc.integer({ min: NOW - TOLERANCE * 1000, max: NOW + TOLERANCE * 1000 });

test('property: any JSON body, id and in-window time round-trips through both schemes', async () => {
  const standard = standardWebhooks({ secret: SECRET, now: clock(NOW) });
  const codaiqScheme = codaiq({ secret: CODAIQ_SECRET, now: clock(NOW) });
  await fc.assert(
    fc.asyncProperty(fc.jsonValue(), printable, inWindow, async (value, id, timestamp) => {
      const text = JSON.stringify(value);
      const delivery = await standard.verify({
        headers: await standard.sign({ body: text, id, timestamp }),
        body: text,
      });
      same(delivery.payload, JSON.parse(text), 'standard payload');
      same(delivery.id, id, 'standard id');
      const other = await codaiqScheme.verify({
        headers: await codaiqScheme.sign({ body: text, timestamp }),
        body: text,
      });
      same(other.timestamp?.getTime(), timestamp, 'codaiq timestamp');
    }),
    { numRuns: 50, seed: 20250701 },
  );
});

test('property: any other body under a valid signature is refused', async () => {
  const scheme = standardWebhooks({ secret: SECRET, now: clock(NOW) });
  const headers = await scheme.sign({ body, id: 'msg_prop' });
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 256 }).filter((bytes) => new TextDecoder().decode(bytes) !== body),
      async (other) => {
        await rejects(scheme.verify({ headers, body: other }), ['signature_mismatch'], 'other');
      },
    ),
    { numRuns: 50, seed: 20250702 },
  );
});

test('property: arbitrary header values only ever reject with WebhookVerificationError', async () => {
  const standard = standardWebhooks({ secret: SECRET, now: clock(NOW) });
  const codaiqScheme = codaiq({ secret: CODAIQ_SECRET, now: clock(NOW) });
  const value = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), printable);
  await fc.assert(
    fc.asyncProperty(value, value, value, async (id, timestamp, signature) => {
      await rejects(
        standard.verify({
          headers: {
            'webhook-id': id,
            'webhook-timestamp': timestamp,
            'webhook-signature': signature,
          },
          body,
        }),
        ['missing_header', 'malformed_header', 'timestamp_out_of_window', 'signature_mismatch'],
        'standard',
      );
      await rejects(
        codaiqScheme.verify({ headers: { 'x-codaiq-signature': signature }, body }),
        ['malformed_header', 'timestamp_out_of_window', 'signature_mismatch'],
        'codaiq',
      );
    }),
    { numRuns: 100, seed: 20250703 },
  );
});

/**
 * Runs every case in order and reports each one.
 *
 * @example
 * ```ts
 * const report = await runConformance();
 * console.log(report.summary); // { total, passed, failed }
 * ```
 */
export async function runConformance(): Promise<ConformanceReport> {
  const results: CaseResult[] = [];
  for (const [name, run] of cases) {
    try {
      await run();
      results.push({ name, ok: true });
    } catch (error) {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      results.push({ name, ok: false, error: detail });
    }
  }
  const passed = results.filter((result) => result.ok).length;
  return {
    cases: results,
    summary: { total: results.length, passed, failed: results.length - passed },
  };
}
