import { apiKey, standardWebhooks } from '@hookguard/core';

// Local-development secrets only; set the variables for anything real.
const DEFAULTS = {
  STANDARD_WEBHOOKS_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  INSTANCE_API_KEY: 'ck_local_dev_only_7Qm2xR9vK4pT',
};

const setting = (name: keyof typeof DEFAULTS): string => {
  const value = process.env[name];
  if (value) return value;
  console.log(`${name} is not set; using the built-in local development value.`);
  return DEFAULTS[name];
};

/** `WEBHOOK_BODY_LIMIT` in bytes, else hookguard's default (1 MiB). */
const bodyLimit = (): number | undefined => {
  const given = process.env.WEBHOOK_BODY_LIMIT;
  if (!given) return undefined;
  const limit = Number(given);
  if (!Number.isSafeInteger(limit) || limit <= 0) {
    throw new Error(`WEBHOOK_BODY_LIMIT must be a positive number of bytes; got ${given}.`);
  }
  return limit;
};

export const scheme = standardWebhooks({ secret: setting('STANDARD_WEBHOOKS_SECRET') });

export const instanceKey = apiKey({
  name: 'instance-key',
  header: 'X-API-Key',
  query: 'api_key',
  keys: [setting('INSTANCE_API_KEY')],
});

export const limit = bodyLimit();

/** The `type` field of an event payload, when it has one. */
export const eventType = (payload: unknown): string | null =>
  typeof payload === 'object' &&
  payload !== null &&
  'type' in payload &&
  typeof payload.type === 'string'
    ? payload.type
    : null;
