import { readRawBody } from '@hookguard/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

type ContentTypeParserDone = (error: Error | null, body?: unknown) => void;

/**
 * Makes `fastify` (the scope that registered the plugin: fastify-plugin skips encapsulation)
 * read every body as raw bytes, up to the route's limit. A failed read goes to `failed`,
 * to be answered by the preValidation hook: thrown here, it would reach Fastify's error
 * handler.
 */
export const addRawBodyParser = (
  fastify: FastifyInstance,
  limit: number,
  timeoutMs: number,
  failed: (request: FastifyRequest, error: unknown) => void,
): void => {
  fastify.removeAllContentTypeParsers();
  // A callback parser: one returning a promise costs Fastify another promise and microtask turn.
  fastify.addContentTypeParser(
    '*',
    (request: FastifyRequest, payload: FastifyRequest['raw'], done: ContentTypeParserDone) => {
      const options = { limit: Math.min(limit, request.routeOptions.bodyLimit), timeoutMs };
      readRawBody(payload, options).then(
        (body) => done(null, body),
        (error: unknown) => {
          failed(request, error);
          done(null, undefined);
        },
      );
    },
  );
};
