import {
  type Admission,
  duplicate,
  leavesBodyUnread,
  lingerOnClose,
  parsePayload,
  Refused,
  redactParams,
  redactQuery,
  refusal,
  settleOnEnd,
  type VerifiedWebhook,
  verifyDelivery,
  WebhookVerificationError,
} from '@hookguard/core';
import type {
  HookHandlerDoneFunction as Done,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import { fastifyPlugin } from 'fastify-plugin';
import type {} from './fastify-request.js'; // request.webhook's and request.auth's types
import { addRawBodyParser } from './raw-body-parser.js';
import { rawBodyUnavailable } from './raw-body-unavailable.js';
import { refusalJson } from './refusal-json.js';
import { checkOptions, type VerifyWebhookOptions } from './verify-webhook-options.js';

const EMPTY = new Uint8Array(0);
// A request's state between the hooks: admitted for a scheme, or refused while read.
type State = { admission: Admission; url: string } | Refused | null;
const slots = (request: FastifyRequest) => request as unknown as Record<symbol, State>;
// What a hook's step decided: go on, stop (it answered), or refuse.
type Outcome = 'next' | 'answered' | Refused;
type Step = (request: FastifyRequest, reply: FastifyReply) => Outcome | Promise<Outcome>;

// Goes on at once with a value at hand: an `await` would cost a microtask turn per request.
const then = <T>(value: T | Promise<T>, next: (value: T) => Outcome | Promise<Outcome>) =>
  value instanceof Promise ? value.then(next) : next(value);

const welcome = (request: FastifyRequest, delivery: VerifiedWebhook): Outcome => {
  request.webhook = delivery;
  request.auth = { method: delivery.scheme, principal: undefined, scopes: [] };
  request.body = delivery.payload;
  return 'next';
};

async function verifyWebhookPlugin(fastify: FastifyInstance, options: VerifyWebhookOptions) {
  const { limit, bodyTimeoutMs, onError, admit, readsBody, redacted, requestId } =
    checkOptions(options);
  // Per-request state in a decorated slot, one per registration (guarded scopes may nest),
  // rather than a WeakMap, whose entries are work for every garbage collection. One slot:
  // Fastify sets each decorator on each request by a megamorphic keyed store.
  const STATE = Symbol('hookguard.state');

  const refuse = (error: unknown, request: FastifyRequest, reply: FastifyReply, done: Done) => {
    // Never an empty error: `done` would take it for success.
    const pass = (failure: unknown) => done((failure || new Error(`Failed: ${failure}`)) as Error);
    if (!(error instanceof WebhookVerificationError)) return pass(error);
    // Body bytes still to come were never read; closing spares the server draining them.
    if (leavesBodyUnread(error) || !request.raw.complete) {
      reply.header('connection', 'close');
      lingerOnClose(request.raw);
    }
    const answer = () => {
      if (reply.sent) return;
      const id = requestId(request.headers);
      const { status, headers } = refusal(error, id);
      // JSON text, which Fastify sends as it is: serializing the envelope's long message cost
      // each refusal 7k instructions, and the envelope is not the scope's to reshape.
      reply.code(status).headers(headers).send(refusalJson(error, id));
    };
    if (!onError) return answer();
    (async () => {
      await onError(error, request, reply);
      answer();
    })().catch(pass);
  };

  // Callback hooks, not async ones: Fastify would wait on a promise per hook and request.
  const hook = (step: Step) => (request: FastifyRequest, reply: FastifyReply, done: Done) => {
    const fail = (error: unknown) => refuse(error, request, reply, done);
    const settle = (outcome: Outcome) =>
      outcome === 'next' ? done() : outcome instanceof Refused && fail(outcome.error);
    let outcome: Outcome | Promise<Outcome>;
    try {
      outcome = step(request, reply);
    } catch (error) {
      return fail(error);
    }
    if (outcome instanceof Promise) outcome.then(settle, fail);
    else settle(outcome);
  };

  for (const name of ['webhook', 'auth'] as const) {
    // Set only on guarded routes; the types speak for those, where it is never null.
    if (!fastify.hasRequestDecorator(name)) fastify.decorateRequest(name, null as never);
  }
  fastify.decorateRequest(STATE, null);

  if (readsBody) {
    addRawBodyParser(fastify, limit, bodyTimeoutMs, (request, error) => {
      slots(request)[STATE] = new Refused(error);
    });
  }

  // Decided on the headers alone, so a key request or an unsigned upload is never read.
  const admitRequest: Step = (request) => {
    const url = request.raw.url ?? '/';
    if (redacted.length > 0) {
      // A key in the query string must not reach later hooks, handlers and loggers.
      request.raw.url = redactQuery(url, redacted);
      redactParams(request.query, redacted);
    }
    return then(admit({ headers: request.headers, url }), (admission) => {
      if (admission.auth) request.auth = admission.auth;
      else slots(request)[STATE] = { admission, url };
      return 'next';
    });
  };

  const checkDelivery: Step = (request, reply) => {
    const state = slots(request)[STATE];
    if (state instanceof Refused) return state;
    const body = request.body ?? EMPTY;
    const { admission, url } = state ?? {};
    if (!admission?.scheme) {
      // A key request where raw bodies are read: its body is parsed as a payload would be.
      if (readsBody && body instanceof Uint8Array)
        request.body = body.length > 0 ? parsePayload(request.headers, body) : undefined;
      return 'next';
    }
    if (!(body instanceof Uint8Array)) return new Refused(rawBodyUnavailable());
    // Only schemes that sign the URL (Twilio) ask for it; `protocol` honours `trustProxy`.
    const urlOf = () => `${request.protocol}://${request.headers.host}${url}`;
    return then(verifyDelivery(admission.scheme, request.headers, body, urlOf), (delivery) => {
      if (delivery instanceof Refused) return delivery;
      if (!admission.guard) return welcome(request, delivery);
      return admission.guard.claim(delivery).then((claim): Outcome => {
        if (claim.duplicate) reply.code(duplicate.status).send(duplicate.body);
        else if (reply.raw.closed) {
          // The client left while the store answered: nobody to answer, so release and stop.
          void claim.settle(undefined);
          reply.hijack();
        } else {
          settleOnEnd(reply.raw, claim);
          return welcome(request, delivery);
        }
        return 'answered';
      });
    });
  };

  fastify.addHook('onRequest', hook(admitRequest));
  fastify.addHook('preValidation', hook(checkDelivery));
}

/**
 * Fastify plugin (Fastify 4 and 5) guarding every route of the scope it is registered in
 * with `scheme`: a signature scheme, an API key (`apiKey()`), or any of several (`anyOf()`).
 * Each request is admitted or refused on its headers first, before any body is read. With
 * a signature scheme among them, the scope reads raw bodies through its own content-type
 * parser (other scopes keep Fastify's): a signed delivery's handler sees the payload as
 * `request.body` and the delivery as `request.webhook`, a key request's body is parsed as
 * JSON (or form fields). `request.auth` holds `{ method, principal, scopes }`, and a key
 * taken from the query string is redacted from `request.url` (Fastify logs the URL before
 * any hook runs: see the README for its serializer). A refusal answers
 * `{"ok":false,"error":{"code","message"},"meta":{"requestId"}}` with `error.status` (or
 * `onError`'s answer), past the scope's reply serializer and preSerialization hooks, and
 * the handler never runs; other errors go to Fastify's error handler. With `replay`, each
 * delivery is handled once.
 *
 * @example
 * ```ts
 * const scheme = standardWebhooks({ secret: process.env.WEBHOOK_SECRET });
 * const replay = { store: memoryReplayStore() };
 * await app.register(async (scope) => {
 *   await scope.register(verifyWebhook, { scheme, limit: 256 * 1024, replay });
 *   scope.post<{ Body: OrderPaid }>('/webhooks', async (req) => ({ id: req.webhook.id }));
 * });
 * ```
 */
export const verifyWebhook: FastifyPluginAsync<VerifyWebhookOptions> = fastifyPlugin(
  verifyWebhookPlugin,
  { fastify: '4.x || 5.x', name: '@hookguard/fastify' },
);
