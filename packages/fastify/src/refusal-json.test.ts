import { refusal, WebhookVerificationError } from '@hookguard/core';
import { describe, expect, it } from 'vitest';
import { refusalJson } from './refusal-json.js';

const stringified = (error: WebhookVerificationError, id: string) =>
  JSON.stringify(refusal(error, id).body);

describe('refusalJson', () => {
  it('writes the bytes JSON.stringify writes for the refusal body, each time', () => {
    const errors = [
      new WebhookVerificationError('signature_mismatch', 'No signature matches this body.'),
      new WebhookVerificationError('signature_mismatch', 'A "quoted" \\ message\n\u0001 ✓ 😀'),
      new WebhookVerificationError('missing_header', 'The webhook-id header is missing.'),
      new WebhookVerificationError('signature_mismatch', 'No signature matches this body.'),
    ];
    for (const id of ['req_42', 'a.b:c-d', crypto.randomUUID()]) {
      for (const error of [...errors, ...errors]) {
        expect(refusalJson(error, id)).toBe(stringified(error, id));
      }
    }
  });
});
