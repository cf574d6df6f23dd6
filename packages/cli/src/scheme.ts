import { codaiq, standardWebhooks, type WebhookScheme } from '@hookguard/core';
import { wholeNumber } from './args.js';
import { InputError, UsageError } from './io.js';

export const SCHEMES = ['standard-webhooks', 'codaiq', 'ed25519'] as const;
/** `ed25519` is Standard Webhooks with `v1a` Ed25519 signatures instead of `v1` HMAC. */
export type SchemeName = (typeof SCHEMES)[number];

export const SECRET_ENV = 'HOOKGUARD_SECRET';

export const schemeName = (value: string | undefined, command: string): SchemeName => {
  if (value === undefined) {
    throw new UsageError(`--scheme is required (${SCHEMES.join(', ')})`, command);
  }
  const name = SCHEMES.find((scheme) => scheme === value);
  if (!name) throw new UsageError(`--scheme must be one of ${SCHEMES.join(', ')}`, command);
  return name;
};

/** The `--secret` values, or `HOOKGUARD_SECRET` when none is given. */
export const secretsFrom = (
  given: string[] | undefined,
  env: Readonly<Record<string, string | undefined>>,
  command: string,
): string[] => {
  if (given && given.length > 0) return given;
  const fromEnv = env[SECRET_ENV];
  if (fromEnv) return [fromEnv];
  throw new UsageError(`--secret is required (or set ${SECRET_ENV})`, command);
};

export interface SchemeOptions {
  toleranceSeconds?: number;
  /** Clock in ms. */
  now?: () => number;
}

const keyKind = (secret: string) =>
  secret.startsWith('whsk_') ? 'private' : secret.startsWith('whpk_') ? 'public' : 'other';

/** Core's scheme for `name`, keyed by `secrets`; an unusable secret is an {@link InputError}. */
export const makeScheme = (
  name: SchemeName,
  secrets: readonly string[],
  options: SchemeOptions = {},
): WebhookScheme => {
  try {
    if (name === 'codaiq') return codaiq({ ...options, secret: secrets });
    if (name === 'standard-webhooks') {
      if (secrets.some((secret) => keyKind(secret) !== 'other')) {
        throw new TypeError('whsk_ and whpk_ keys are Ed25519 keys: use --scheme ed25519.');
      }
      return standardWebhooks({ ...options, secret: secrets });
    }
    const privateKeys = secrets.filter((secret) => keyKind(secret) === 'private');
    if (
      privateKeys.length + secrets.filter((s) => keyKind(s) === 'public').length <
      secrets.length
    ) {
      throw new TypeError(
        '--scheme ed25519 takes a whsk_ signing key or a whpk_ public key (make a pair with `hookguard secret --scheme ed25519`).',
      );
    }
    if (privateKeys.length > 1) throw new TypeError('give at most one whsk_ signing key.');
    const [privateKey] = privateKeys;
    return standardWebhooks({
      ...options,
      ...(privateKey === undefined ? {} : { privateKey }),
      publicKey: secrets.filter((secret) => keyKind(secret) === 'public'),
    });
  } catch (error) {
    throw new InputError(`bad --secret: ${(error as Error).message}`);
  }
};

/** Header names and the timestamp unit of each scheme, for messages and diagnoses. */
export const schemeInfo = (name: SchemeName) =>
  name === 'codaiq'
    ? {
        label: 'Codaiq',
        unit: 'milliseconds' as const,
        timestampHeader: 'x-codaiq-signature (t=)',
        required: [['x-codaiq-signature']],
      }
    : {
        label: name === 'ed25519' ? 'Standard Webhooks (v1a, Ed25519)' : 'Standard Webhooks',
        unit: 'seconds' as const,
        timestampHeader: 'webhook-timestamp',
        required: [
          ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
          ['svix-id', 'svix-timestamp', 'svix-signature'],
        ],
      };

/** `--timestamp` as the header carries it (seconds, or ms for Codaiq) to core's ms. */
export const timestampMs = (name: SchemeName, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const given = wholeNumber(value, '--timestamp');
  const ms = name === 'codaiq' ? given : given * 1000;
  if (!Number.isSafeInteger(ms)) throw new UsageError('--timestamp is too large');
  return ms;
};

export interface SignOptions {
  id?: string | undefined;
  timestamp?: string | undefined;
}

/** The signature headers for `body`, as core's `sign` returns them. */
export const signBody = async (
  name: SchemeName,
  scheme: WebhookScheme,
  body: Uint8Array,
  { id, timestamp }: SignOptions,
): Promise<Record<string, string>> => {
  if (name === 'codaiq' && id !== undefined) {
    throw new UsageError('--id: Codaiq signs no delivery id');
  }
  if (id !== undefined && (id === '' || /[\s,]/.test(id))) {
    throw new UsageError('--id must be non-empty, with no spaces or commas');
  }
  const ms = timestampMs(name, timestamp);
  try {
    return await scheme.sign({
      body,
      ...(id === undefined ? {} : { id }),
      ...(ms === undefined ? {} : { timestamp: ms }),
    });
  } catch (error) {
    if (error instanceof TypeError) throw new InputError(error.message);
    throw error;
  }
};
