export type { AdapterOptions, AdapterPolicy, Admission, Answer } from './adapter.js';
export {
  adapterPolicy,
  duplicate,
  leavesBodyUnread,
  lingerOnClose,
  refusal,
  settleOnEnd,
} from './adapter.js';
export type { AnyOf, AuthMethod, Guard } from './any-of.js';
export { anyOf } from './any-of.js';
export type { ApiKeyEntry, ApiKeyOptions } from './api-key.js';
export { apiKey, hashApiKey } from './api-key.js';
export type { CodaiqOptions } from './codaiq.js';
export { codaiq } from './codaiq.js';
export type {
  Authenticated,
  CredentialMethod,
  CredentialRequest,
  CredentialSource,
} from './credential-method.js';
export type { ErrorCode } from './errors.js';
export { errorStatus, WebhookVerificationError } from './errors.js';
export { readHeader } from './lib/headers.js';
export { parsePayload } from './lib/payload.js';
export type { MemoryReplayStoreOptions } from './memory-replay-store.js';
export { memoryReplayStore } from './memory-replay-store.js';
export type { DiscordOptions } from './providers/discord.js';
export { discord } from './providers/discord.js';
export type { GitHubOptions } from './providers/github.js';
export { github } from './providers/github.js';
export type { HmacSchemeOptions, SignedParts } from './providers/hmac-scheme.js';
export { hmacScheme } from './providers/hmac-scheme.js';
export type { LemonSqueezyOptions } from './providers/lemon-squeezy.js';
export { lemonSqueezy } from './providers/lemon-squeezy.js';
export type { LinearOptions } from './providers/linear.js';
export { linear } from './providers/linear.js';
export type { PaddleOptions } from './providers/paddle.js';
export { paddle } from './providers/paddle.js';
export type { ShopifyOptions } from './providers/shopify.js';
export { shopify } from './providers/shopify.js';
export type { SlackOptions } from './providers/slack.js';
export { slack } from './providers/slack.js';
export type { StripeOptions } from './providers/stripe.js';
export { stripe } from './providers/stripe.js';
export type { TwilioOptions } from './providers/twilio.js';
export { twilio } from './providers/twilio.js';
export type { WorkOSOptions } from './providers/workos.js';
export { workos } from './providers/workos.js';
export type { NodeRequestLike, ReadRawBodyOptions } from './read-raw-body.js';
export { DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT_MS, readRawBody } from './read-raw-body.js';
export { redactParams, redactQuery } from './redact-query.js';
export type { ReplayClaim, ReplayGuard, ReplayOptions } from './replay-guard.js';
export { replayGuard } from './replay-guard.js';
export { replayKey } from './replay-key.js';
export type { ClaimResult, ReplayStore } from './replay-store.js';
export { hasScopes, requireScopes } from './scopes.js';
export type { StandardWebhooksOptions } from './standard-webhooks.js';
export { standardWebhooks } from './standard-webhooks.js';
export type {
  HeadersLike,
  Secret,
  SignInput,
  VerifiedWebhook,
  VerifyInput,
  WebhookScheme,
} from './types.js';
export { Refused, verifyDelivery } from './verify-delivery.js';
