import { standardWebhooks, type WebhookScheme, WebhookVerificationError } from '@hookguard/core';
import type { Capture } from './capture.js';
import { makeScheme, type SchemeName, schemeInfo } from './scheme.js';
import { signatureShape } from './signature-shape.js';
import { bodyVariants } from './variants.js';

/** One finding: a short name (`wrong secret`, `timestamp skew`, ...) and its explanation. */
export interface Finding {
  kind: string;
  lines: string[];
}

export interface DiagnoseInput {
  name: SchemeName;
  secrets: readonly string[];
  capture: Capture;
  nowMs: number;
  toleranceSeconds: number;
  error: WebhookVerificationError;
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/** Whether the signature checks out for `body` with `scheme`, whatever the clock says. */
const signs = async (scheme: WebhookScheme, capture: Capture, body = capture.body) => {
  try {
    await scheme.verify({ headers: capture.headers, body });
    return true;
  } catch (error) {
    // The signature is checked before the body is parsed: invalid_payload means it matched.
    return error instanceof WebhookVerificationError && error.code === 'invalid_payload';
  }
};

/** The signed time as the header gives it, and as core reads it (ms). */
const signedTime = (name: SchemeName, headers: Capture['headers']) => {
  if (name === 'codaiq') {
    const t = /(?:^|,)t=(\d+)(?:,|$)/.exec(first(headers['x-codaiq-signature']) ?? '')?.[1];
    return t === undefined ? undefined : { header: 't=', raw: t, ms: Number(t) };
  }
  const set = first(headers['webhook-id']) === undefined && headers['svix-id'] ? 'svix' : 'webhook';
  const raw = first(headers[`${set}-timestamp`]);
  return raw === undefined || !/^\d+$/.test(raw)
    ? undefined
    : { header: `${set}-timestamp`, raw, ms: Number(raw) * 1000 };
};

const missing = ({ name, capture }: DiagnoseInput): Finding[] => {
  const info = schemeInfo(name);
  const has = (header: string) => capture.headers[header] !== undefined;
  const lines = info.required.map((set) => {
    const absent = set.filter((header) => !has(header));
    const present = set.filter(has);
    return `${set.join(', ')}: ${absent.length === 0 ? 'all present' : `missing ${absent.join(', ')}${present.length ? `; present ${present.join(', ')}` : ''}`}`;
  });
  const found: Finding[] = [
    { kind: 'missing header', lines: [`${info.label} needs one full set of headers:`, ...lines] },
  ];
  const otherScheme =
    name === 'codaiq'
      ? has('webhook-signature') || has('svix-signature')
        ? 'standard-webhooks (or ed25519 for v1a signatures)'
        : undefined
      : has('x-codaiq-signature')
        ? 'codaiq'
        : undefined;
  if (otherScheme) {
    found.push({
      kind: 'wrong scheme',
      lines: [
        `The capture carries another scheme's signature headers: try --scheme ${otherScheme}.`,
      ],
    });
  }
  return found;
};

// Mirrors how core tells two joined copies from one value: a Standard Webhooks signature
// list may hold ", " right after a bare version ("v1, v1,abc="), never after a signature.
const joined = (header: string, value: string) =>
  header.endsWith('-signature') ? /,[^ ]*, /.test(value) : value.includes(', ');

const malformed = ({ name, capture }: DiagnoseInput): Finding[] => {
  const signed =
    name === 'codaiq'
      ? ['x-codaiq-signature', 'x-codaiq-timestamp']
      : [
          'webhook-id',
          'webhook-timestamp',
          'webhook-signature',
          'svix-id',
          'svix-timestamp',
          'svix-signature',
        ];
  const found: Finding[] = [];
  for (const header of signed) {
    const value = capture.headers[header];
    if (Array.isArray(value)) {
      found.push({
        kind: 'duplicate header',
        lines: [
          `${header} appears ${value.length} times in the capture. A signed header must be sent exactly once: a receiver cannot tell which copy the sender meant, so it refuses them all. Look for a proxy or sender code that adds the header a second time.`,
        ],
      });
    } else if (value !== undefined && joined(header, value)) {
      found.push({
        kind: 'duplicate header',
        lines: [
          `${header} holds ', ': two copies of the header were joined into one line on the way.`,
        ],
      });
    }
  }
  const timestamp = first(
    capture.headers[name === 'codaiq' ? 'x-codaiq-timestamp' : 'webhook-timestamp'],
  );
  if (name !== 'codaiq' && timestamp !== undefined && !/^\d+$/.test(timestamp)) {
    const hint = /^\d+\.\d+$/.test(timestamp)
      ? ' It has a fraction: send whole seconds.'
      : /^\d{4}-\d\d-\d\d/.test(timestamp)
        ? ' It is a date: send unix seconds instead.'
        : '';
    found.push({
      kind: 'malformed header',
      lines: [
        `webhook-timestamp is ${JSON.stringify(timestamp)}; it must be whole unix seconds, digits only.${hint}`,
      ],
    });
  }
  return found;
};

const seconds = (ms: number) => Math.round(Math.abs(ms) / 1000);

const outOfWindow = async (input: DiagnoseInput): Promise<Finding[]> => {
  const { name, secrets, capture, nowMs, toleranceSeconds } = input;
  const time = signedTime(name, capture.headers);
  if (!time) return [];
  const drift = nowMs - time.ms;
  const found: Finding[] = [
    {
      kind: 'timestamp skew',
      lines: [
        `signed ${seconds(drift)} s ${drift >= 0 ? 'before' : 'after'} now, tolerance ${toleranceSeconds} s (${time.header} ${time.raw}; now ${Math.floor(nowMs / 1000)} s).`,
      ],
    },
  ];
  const asOther = name === 'codaiq' ? time.ms * 1000 : time.ms / 1000;
  const digits = time.raw.length;
  const otherUnitFits = Math.abs(nowMs - asOther) <= toleranceSeconds * 1000;
  if (name !== 'codaiq' && (digits >= 13 || otherUnitFits)) {
    found.push({
      kind: 'seconds vs milliseconds',
      lines: [
        `${time.header} ${time.raw} has ${digits} digits: it is milliseconds, but Standard Webhooks timestamps are whole seconds${otherUnitFits ? ` (read as milliseconds it is ${seconds(nowMs - asOther)} s from now, inside the window)` : ''}. The sender should send Math.floor(Date.now() / 1000).`,
      ],
    });
  } else if (name === 'codaiq' && (digits <= 10 || otherUnitFits)) {
    found.push({
      kind: 'seconds vs milliseconds',
      lines: [
        `t=${time.raw} has ${digits} digits: it is seconds, but Codaiq's t= is milliseconds${otherUnitFits ? ` (read as seconds it is ${seconds(nowMs - asOther)} s from now, inside the window)` : ''}. The sender should sign Date.now().`,
      ],
    });
  }
  const atSigning = makeScheme(name, secrets, { now: () => time.ms });
  if (await signs(atSigning, capture)) {
    found.push({
      kind: 'signature valid',
      lines: [
        'The signature itself is valid for this body and secret: only the time is outside the window.',
        `A capture kept from earlier can be checked as of when it was sent with --now ${Math.floor(time.ms / 1000)}; otherwise a clock is off or this is a replay of an old delivery.`,
      ],
    });
  } else {
    found.push(...(await mismatch({ ...input, nowMs: time.ms })));
  }
  return found;
};

const mismatch = async (input: DiagnoseInput): Promise<Finding[]> => {
  const { name, secrets, capture, nowMs } = input;
  const shape = signatureShape(name, capture.headers);
  if (!shape.wellFormed) return [{ kind: shape.kind, lines: shape.lines }];
  const scheme = makeScheme(name, secrets, { now: () => nowMs });
  for (const variant of bodyVariants(capture.body)) {
    if (await signs(scheme, capture, variant.bytes)) {
      return [
        {
          kind: 'body re-serialized',
          lines: [
            `The signature matches ${variant.label}, not the bytes received.`,
            'The sender signed one serialization and sent another, or something in between (a proxy, a JSON body parser, an editor) rewrote the body. Sign exactly the bytes you send, and verify exactly the bytes you receive.',
          ],
        },
      ];
    }
  }
  if (name === 'standard-webhooks') {
    const encoder = new TextEncoder();
    for (const secret of secrets) {
      const asText = encoder.encode(secret);
      if (asText.byteLength < 24 || asText.byteLength > 75) continue;
      const textKeyed = standardWebhooks({ secret: asText, now: () => nowMs });
      if (await signs(textKeyed, capture)) {
        return [
          {
            kind: 'secret used as text',
            lines: [
              'The signature matches when the whsec_ secret is used as its UTF-8 text rather than its base64-decoded bytes.',
              "The sender keys HMAC with the string (as Polar's SDK does): verify with standardWebhooks({ secret: new TextEncoder().encode(secret) }), or have the sender decode the base64.",
            ],
          },
        ];
      }
    }
  }
  return [
    {
      kind: 'wrong secret',
      lines: [
        `The signature is well-formed (${shape.summary}) but matches no given ${name === 'ed25519' ? 'key' : 'secret'}, for these bytes or any common re-serialization of them (compact or indented JSON, a trailing newline added or dropped, CRLF or LF).`,
        `Most likely the sender signs with a different ${name === 'ed25519' ? 'key pair' : 'secret'}: check that the whole ${name === 'ed25519' ? 'public key' : 'secret'} was copied, for this endpoint and this environment.${name === 'codaiq' ? '' : ' (Or the id or timestamp header was changed after signing: the signature covers them too.)'}`,
      ],
    },
  ];
};

const notJson = ({ capture }: DiagnoseInput): Finding[] => {
  let reason = 'it is not valid UTF-8 JSON';
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(capture.body));
  } catch (error) {
    reason = (error as Error).message;
  }
  return [
    {
      kind: 'not JSON',
      lines: [
        `The signature is valid (the sender signed exactly these bytes), but the body is not JSON: ${reason}.`,
      ],
    },
  ];
};

/** Why `error` happened, in plain words, from the capture itself. Never includes a secret. */
export const diagnose = async (input: DiagnoseInput): Promise<Finding[]> => {
  switch (input.error.code) {
    case 'missing_header':
      return missing(input);
    case 'malformed_header':
      return malformed(input);
    case 'timestamp_out_of_window':
      return outOfWindow(input);
    case 'signature_mismatch':
      return mismatch(input);
    case 'invalid_payload':
      return notJson(input);
    default:
      return [];
  }
};
