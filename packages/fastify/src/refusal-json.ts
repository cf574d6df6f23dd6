import type { WebhookVerificationError } from '@hookguard/core';

// Node 20's JSON.stringify copies a string char by char, about 25 instructions each, and a
// refusal's message runs to 200 characters. So the envelope up to the request id is kept
// for the last message of each code: comparing a message costs less than hashing it.
const heads = new Map<string, { message: string; head: string }>();

/**
 * `refusal(error, requestId).body` as the JSON text `JSON.stringify` gives, byte for byte.
 * `requestId` is one `requestId()` gave: `[\w.:-]` characters only, which JSON never escapes.
 */
export const refusalJson = ({ code, message }: WebhookVerificationError, requestId: string) => {
  let last = heads.get(code);
  if (last?.message !== message) {
    const error = JSON.stringify({ code, message });
    last = { message, head: `{"ok":false,"error":${error},"meta":{"requestId":"` };
    heads.set(code, last);
  }
  return `${last.head}${requestId}"}}`;
};
