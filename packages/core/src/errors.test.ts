import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { errorStatus, WebhookVerificationError } from './errors.js';

describe('WebhookVerificationError', () => {
  it('takes its status from the one code-to-status map', () => {
    expect(errorStatus).toEqual({
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
    });
    for (const code of Object.keys(errorStatus) as (keyof typeof errorStatus)[]) {
      const error = new WebhookVerificationError(code, 'm');
      expect(error.status).toBe(errorStatus[code]);
      expect(error.code).toBe(code);
    }
  });

  it('records no stack frames, and leaves Error.stackTraceLimit as it was', () => {
    // A refusal is an answer to a request, not a bug; capturing its stack cost more than
    // the HMAC, so forged traffic cost more to refuse than valid traffic to accept.
    const limit = Error.stackTraceLimit;
    const error = new WebhookVerificationError('signature_mismatch', 'no match');
    expect(error.stack).toBe('WebhookVerificationError: no match');
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error('bug').stack).toContain('\n    at ');
  });

  it('is still made, with its stack, where Error.stackTraceLimit is read-only (SES lockdown)', () => {
    const own = Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit');
    Object.defineProperty(Error, 'stackTraceLimit', { ...own, writable: false });
    try {
      const error = new WebhookVerificationError('signature_mismatch', 'no match');
      expect(error).toMatchObject({ code: 'signature_mismatch', status: 401, message: 'no match' });
      expect(Error.stackTraceLimit).toBe(own?.value);
    } finally {
      Object.defineProperty(Error, 'stackTraceLimit', own ?? { value: 10 });
    }
  });

  it('keeps a cause', () => {
    const cause = new Error('socket');
    expect(new WebhookVerificationError('invalid_payload', 'm', { cause }).cause).toBe(cause);
  });

  it('carries the response headers a refusal needs, as a frozen copy, and none unless given', () => {
    const given = { 'www-authenticate': 'Bearer error="invalid_token"' };
    const error = new WebhookVerificationError('invalid_credentials', 'm', { headers: given });
    expect(error.headers).toEqual(given);
    expect(error.headers).not.toBe(given);
    expect(Object.isFrozen(error.headers)).toBe(true);
    expect(new WebhookVerificationError('invalid_credentials', 'm').headers).toBeUndefined();
  });

  it('is recognised across the ESM and CJS builds (dual package hazard)', async () => {
    const require = createRequire(import.meta.url);
    const cjs = require('../dist/node.cjs') as typeof import('./index.js');
    // @ts-expect-error the built bundle has no declaration of its own; its types are index.d.ts
    const esm = (await import('../dist/node.js')) as typeof import('./index.js');
    expect(cjs.WebhookVerificationError).not.toBe(esm.WebhookVerificationError);
    expect(new cjs.WebhookVerificationError('signature_mismatch', 'm')).toBeInstanceOf(
      esm.WebhookVerificationError,
    );
    expect(new esm.WebhookVerificationError('signature_mismatch', 'm')).toBeInstanceOf(
      cjs.WebhookVerificationError,
    );
    expect(new Error('m')).not.toBeInstanceOf(esm.WebhookVerificationError);
    expect({ code: 'signature_mismatch' }).not.toBeInstanceOf(WebhookVerificationError);
  });
});
