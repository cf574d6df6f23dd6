import { WebhookVerificationError } from '@hookguard/core';
import { parse, positionals, wholeNumber } from '../args.js';
import { type Capture, parseHeaderFile, parseRequest } from '../capture.js';
import { type Command, EXIT } from '../command.js';
import { diagnose } from '../diagnose.js';
import { readBytes, UsageError } from '../io.js';
import { makeScheme, SCHEMES, schemeInfo, schemeName, secretsFrom } from '../scheme.js';

const usage = `Usage: hookguard verify --scheme <name> --secret <secret> --request <capture.http>
       hookguard verify --scheme <name> --secret <secret> --headers <file> --body <file>

Verifies a captured request with @hookguard/core. On success prints the scheme, id and
timestamp. On failure prints the refusal code and message, then why: a wrong secret,
a body re-serialized after signing (compact/indented JSON, a trailing newline, CRLF/LF),
timestamp skew, seconds vs milliseconds, missing or duplicate headers.

Options:
  --scheme <name>     ${SCHEMES.join(', ')}
  --secret <value>    whsec_..., the Codaiq secret, or for ed25519 the whpk_ public key
                      (or whsk_ key); repeat it to try several. Default: $HOOKGUARD_SECRET
  --request <file>    raw HTTP/1.1 request: request line, headers, blank line, body
                      (CRLF or LF; the body cut to Content-Length, or de-chunked)
  --headers <file>    'Name: value' lines (a request line first is allowed) ...
  --body <file>       ... and the body bytes, exactly as received
  --now <seconds>     verify as of this unix time (default: the clock)
  --tolerance <s>     accepted clock difference in seconds (default 300)
  -h, --help          this help

Exit codes: 0 verified, 1 refused (with the diagnosis), 2 usage error or bad input.`;

const readCapture = async (values: {
  request?: string | undefined;
  headers?: string | undefined;
  body?: string | undefined;
}): Promise<Capture> => {
  if (values.request !== undefined) {
    if (values.headers !== undefined || values.body !== undefined) {
      throw new UsageError('give either --request, or --headers and --body, not both', 'verify');
    }
    return parseRequest(await readBytes(values.request, 'the capture'));
  }
  if (values.headers === undefined || values.body === undefined) {
    throw new UsageError('give --request <capture>, or both --headers and --body', 'verify');
  }
  return parseHeaderFile(
    await readBytes(values.headers, 'the headers file'),
    await readBytes(values.body, 'the body file'),
  );
};

const relative = (deltaMs: number) => {
  const s = Math.round(Math.abs(deltaMs) / 1000);
  return deltaMs >= 0 ? `${s} s before now` : `${s} s after now`;
};

export const verify: Command = {
  name: 'verify',
  summary: 'verify a captured request, and explain why it fails',
  usage,
  async run(argv, io) {
    const { values, positionals: rest } = parse('verify', argv, {
      scheme: { type: 'string' },
      secret: { type: 'string', multiple: true },
      request: { type: 'string' },
      headers: { type: 'string' },
      body: { type: 'string' },
      now: { type: 'string' },
      tolerance: { type: 'string' },
    });
    if (values.help) {
      io.out(usage);
      return EXIT.ok;
    }
    positionals('verify', rest, 0);
    const name = schemeName(values.scheme, 'verify');
    const secrets = secretsFrom(values.secret, io.env, 'verify');
    const nowMs = values.now === undefined ? Date.now() : wholeNumber(values.now, '--now') * 1000;
    const toleranceSeconds =
      values.tolerance === undefined ? 300 : wholeNumber(values.tolerance, '--tolerance');
    const scheme = makeScheme(name, secrets, { now: () => nowMs, toleranceSeconds });
    const capture = await readCapture(values);
    for (const note of capture.notes) io.out(`note: ${note}`);

    try {
      const delivery = await scheme.verify({ headers: capture.headers, body: capture.body });
      const at = delivery.timestamp;
      io.out(`verified: ${schemeInfo(name).label}`);
      io.out(`  scheme:    ${delivery.scheme}`);
      io.out(`  id:        ${delivery.id ?? '(none: this scheme signs no id)'}`);
      if (at) {
        io.out(
          `  timestamp: ${at.toISOString()} (unix ${Math.floor(at.getTime() / 1000)}), signed ${relative(nowMs - at.getTime())}`,
        );
      }
      io.out(`  body:      ${delivery.rawBody.byteLength} bytes of JSON`);
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      io.out(`refused: ${error.code} (HTTP ${error.status})`);
      io.out(`  ${error.message}`);
      const findings = await diagnose({ name, secrets, capture, nowMs, toleranceSeconds, error });
      for (const finding of findings) {
        io.out(`diagnosis: ${finding.kind}`);
        for (const line of finding.lines) io.out(`  ${line}`);
      }
      return EXIT.refused;
    }
  },
};
