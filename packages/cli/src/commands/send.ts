import { dataSource, headerOption, parse, positionals, wholeNumber } from '../args.js';
import { readBody } from '../body.js';
import { type Command, EXIT } from '../command.js';
import { InputError, UsageError } from '../io.js';
import { makeScheme, SCHEMES, schemeName, secretsFrom, signBody } from '../scheme.js';

const usage = `Usage: hookguard send <url> --scheme <name> --secret <secret> --data <body> [options]

Signs the body and POSTs it to <url>, printing for each request its status, the refusal
code from a {"ok":false,"error":{"code":...}} answer (or 'duplicate' for a replay answered
{"ok":true,"duplicate":true}), and how long it took.

Options:
  --scheme <name>     ${SCHEMES.join(', ')}
  --secret <value>    whsec_..., the Codaiq secret, or the whsk_... key (ed25519).
                      Default: $HOOKGUARD_SECRET
  --data <body>       @file, @- (stdin) or a literal body (sent byte for byte)
  --id <id>           the webhook-id to sign (Standard Webhooks; default msg_<random>)
  --timestamp <t>     signed time as the header carries it (seconds; ms for codaiq)
  --repeat <n>        send the same signed delivery n times, then a summary (default 1)
  --tamper            flip one body byte after signing, to check the receiver refuses
  --header 'K: V'     an extra request header (repeatable); applied after the signature
                      headers, so it can also replace one (content-type defaults to
                      application/json)
  --timeout <s>       seconds to wait for each answer (default 30)
  -h, --help          this help

Exit codes: 0 every request was answered 2xx (with --tamper: every request was refused
with a non-2xx answer); 1 otherwise (a refusal, no answer, or with --tamper an accepted
request); 2 usage error or bad input.`;

interface Outcome {
  status: number | undefined;
  note: string;
  ms: number;
}

/** What the answer says beyond its status: a refusal code, a duplicate, or nothing. */
const noteFor = (status: number, text: string): string => {
  try {
    const answer = JSON.parse(text) as {
      ok?: unknown;
      duplicate?: unknown;
      error?: { code?: unknown };
    };
    if (answer.ok === false && typeof answer.error?.code === 'string') return answer.error.code;
    if (answer.ok === true && answer.duplicate === true) return 'duplicate';
  } catch {
    // Not the hookguard envelope: the status says it all.
  }
  return status >= 200 && status < 300 ? 'ok' : '';
};

const describeFailure = (error: unknown): string => {
  const { name, cause } = error as { name?: string; cause?: { code?: string; message?: string } };
  if (name === 'TimeoutError') return 'no answer (timed out)';
  return `no answer (${cause?.code ?? cause?.message ?? (error as Error).message})`;
};

const post = async (url: string, init: RequestInit, timeoutMs: number): Promise<Outcome> => {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    return {
      status: response.status,
      note: noteFor(response.status, text),
      ms: performance.now() - started,
    };
  } catch (error) {
    return { status: undefined, note: describeFailure(error), ms: performance.now() - started };
  }
};

const median = (sorted: number[]) => {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

const fixed = (ms: number) => ms.toFixed(1);

const summary = (outcomes: Outcome[]): string[] => {
  const counts = new Map<string, number>();
  for (const { status, note } of outcomes) {
    const key = `${status ?? 'no answer'}${note && note !== 'ok' && status !== undefined ? ` ${note}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const times = outcomes.map(({ ms }) => ms).sort((a, b) => a - b);
  return [
    `${outcomes.length} requests: ${[...counts].map(([key, count]) => `${count} x ${key}`).join(', ')}`,
    `time: min ${fixed(times[0] ?? 0)} ms, median ${fixed(median(times))} ms, max ${fixed(times.at(-1) ?? 0)} ms`,
  ];
};

/** The signature headers, then `--header`s over them; a value HTTP cannot carry is bad input. */
const requestHeaders = (signed: Record<string, string>, extra: [string, string][]) => {
  try {
    const headers = new Headers({ 'content-type': 'application/json', ...signed });
    for (const [header, value] of extra) headers.set(header, value);
    return headers;
  } catch (error) {
    throw new InputError(
      `a header cannot be sent: ${(error as Error).message} (header values are Latin-1 bytes)`,
    );
  }
};

const checkUrl = (value: string | undefined): string => {
  if (value === undefined) throw new UsageError('the URL to send to is required', 'send');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError('the URL is not a valid absolute URL', 'send');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError('the URL must be http: or https:', 'send');
  }
  return url.href;
};

export const send: Command = {
  name: 'send',
  summary: 'sign a body and POST it, printing status, refusal code and timing',
  usage,
  async run(argv, io) {
    const { values, positionals: rest } = parse('send', argv, {
      scheme: { type: 'string' },
      secret: { type: 'string' },
      data: { type: 'string' },
      id: { type: 'string' },
      timestamp: { type: 'string' },
      repeat: { type: 'string' },
      tamper: { type: 'boolean' },
      header: { type: 'string', multiple: true },
      timeout: { type: 'string' },
    });
    if (values.help) {
      io.out(usage);
      return EXIT.ok;
    }
    const [target] = positionals('send', rest, 1);
    const url = checkUrl(target);
    const name = schemeName(values.scheme, 'send');
    if (values.data === undefined) throw new UsageError('--data is required', 'send');
    const repeat = values.repeat === undefined ? 1 : wholeNumber(values.repeat, '--repeat');
    if (repeat < 1) throw new UsageError('--repeat must be 1 or more', 'send');
    const timeout = values.timeout === undefined ? 30 : wholeNumber(values.timeout, '--timeout');
    const extra = (values.header ?? []).map(headerOption);
    const secrets = secretsFrom(values.secret === undefined ? [] : [values.secret], io.env, 'send');
    const scheme = makeScheme(name, secrets);
    const body = await readBody(dataSource(values.data), io);
    const signed = await signBody(name, scheme, body, values);

    let sent = body;
    if (values.tamper) {
      if (body.byteLength === 0)
        throw new UsageError('--tamper needs a body of at least one byte', 'send');
      const index = Math.floor(body.byteLength / 2);
      sent = body.slice();
      sent[index] = (sent[index] as number) ^ 0x01;
      io.out(`tampered: flipped the low bit of byte ${index} of ${body.byteLength} after signing`);
    }
    const headers = requestHeaders(signed, extra);

    const outcomes: Outcome[] = [];
    for (let i = 1; i <= repeat; i++) {
      const init = {
        method: 'POST',
        headers,
        body: new Uint8Array(sent),
        redirect: 'manual' as const,
      };
      const outcome = await post(url, init, timeout * 1000);
      outcomes.push(outcome);
      io.out(`#${i} ${outcome.status ?? '---'} ${outcome.note || '-'} ${fixed(outcome.ms)} ms`);
    }
    if (repeat > 1) for (const line of summary(outcomes)) io.out(line);

    const accepted = (o: Outcome) => o.status !== undefined && o.status >= 200 && o.status < 300;
    const refused = (o: Outcome) => o.status !== undefined && !accepted(o);
    const good = values.tamper ? outcomes.every(refused) : outcomes.every(accepted);
    return good ? EXIT.ok : EXIT.refused;
  },
};
