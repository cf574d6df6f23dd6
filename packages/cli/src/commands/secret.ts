import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { parse, positionals } from '../args.js';
import { type Command, EXIT } from '../command.js';
import { SCHEMES, schemeName } from '../scheme.js';

const usage = `Usage: hookguard secret [--scheme standard-webhooks|codaiq|ed25519]

Prints a new random secret (node:crypto), one per line:
  standard-webhooks  whsec_<base64 of 32 random bytes> (the default)
  codaiq             cdaq_whsec_<base64url of 32 random bytes>; Codaiq keys with the
                     string's UTF-8 bytes, so any such string works
  ed25519            two lines: the whsk_ signing key (seed then public key, keep it
                     private; for sign/send), then the whpk_ public key (for receivers
                     and verify)

Options:
  --scheme <name>  ${SCHEMES.join(', ')}
  -h, --help       this help`;

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** The raw 32-byte seed and public key of a fresh Ed25519 pair, from its JWK form. */
const ed25519Pair = () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d ?? '', 'base64url');
  const publicKey = Buffer.from(jwk.x ?? '', 'base64url');
  return { seed, publicKey };
};

export const secret: Command = {
  name: 'secret',
  summary: 'print a new secret (or an Ed25519 key pair)',
  usage,
  async run(argv, io) {
    const { values, positionals: rest } = parse('secret', argv, {
      scheme: { type: 'string' },
    });
    if (values.help) {
      io.out(usage);
      return EXIT.ok;
    }
    positionals('secret', rest, 0);
    const name =
      values.scheme === undefined ? 'standard-webhooks' : schemeName(values.scheme, 'secret');
    if (name === 'standard-webhooks') io.out(`whsec_${base64(randomBytes(32))}`);
    else if (name === 'codaiq') io.out(`cdaq_whsec_${randomBytes(32).toString('base64url')}`);
    else {
      const { seed, publicKey } = ed25519Pair();
      io.out(`whsk_${base64(Buffer.concat([seed, publicKey]))}`);
      io.out(`whpk_${base64(publicKey)}`);
    }
    return EXIT.ok;
  },
};
