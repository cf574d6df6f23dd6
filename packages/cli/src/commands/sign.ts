import { dataSource, parse, positionals } from '../args.js';
import { readBody } from '../body.js';
import { type Command, EXIT } from '../command.js';
import { makeScheme, SCHEMES, schemeName, secretsFrom, signBody } from '../scheme.js';
import { curlCommand } from '../shell.js';

const usage = `Usage: hookguard sign --scheme <name> --secret <secret> [options] < body

Signs the body read from stdin (byte for byte, nothing added or stripped) and prints the
signature headers, one 'name: value' per line.

Options:
  --scheme <name>   ${SCHEMES.join(', ')}
  --secret <value>  whsec_... (standard-webhooks), the Codaiq secret (codaiq), or the
                    whsk_... signing key (ed25519). Default: $HOOKGUARD_SECRET
  --id <id>         the webhook-id to sign (Standard Webhooks; default msg_<random>)
  --timestamp <t>   the signed time as the header carries it: unix seconds
                    (standard-webhooks, ed25519) or milliseconds (codaiq). Default: now
  --data <body>     @file, @- (stdin) or a literal body, instead of stdin
  --curl <url>      print a curl command that POSTs the signed body to <url> instead
                    (the body embedded with printf, or --data-binary @file with --data @file)
  -h, --help        this help

Exit codes: 0 signed, 2 usage error or bad input (unreadable file, bad secret).`;

export const sign: Command = {
  name: 'sign',
  summary: 'print the signature headers for a body (or a curl command)',
  usage,
  async run(argv, io) {
    const { values, positionals: rest } = parse('sign', argv, {
      scheme: { type: 'string' },
      secret: { type: 'string' },
      id: { type: 'string' },
      timestamp: { type: 'string' },
      data: { type: 'string' },
      curl: { type: 'string' },
    });
    if (values.help) {
      io.out(usage);
      return EXIT.ok;
    }
    positionals('sign', rest, 0);
    const name = schemeName(values.scheme, 'sign');
    const secrets = secretsFrom(values.secret === undefined ? [] : [values.secret], io.env, 'sign');
    const scheme = makeScheme(name, secrets);
    const source = dataSource(values.data ?? '@-');
    if ('stdin' in source && (io.stdin as { isTTY?: boolean }).isTTY) {
      io.err('hookguard sign: reading the body from stdin; end it with Ctrl-D');
    }
    const body = await readBody(source, io);
    const headers = await signBody(name, scheme, body, values);
    if (values.curl === undefined) {
      for (const [header, value] of Object.entries(headers)) io.out(`${header}: ${value}`);
      return EXIT.ok;
    }
    const all: [string, string][] = [
      ['content-type', 'application/json'],
      ...Object.entries(headers),
    ];
    io.out(curlCommand(values.curl, all, 'file' in source ? source : { bytes: body }));
    return EXIT.ok;
  },
};
