import { readRawBody } from '@hookguard/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Makes `fastify` (the scope that registered the plugin: fastify-plugin skips encapsulation)
 * read every body as raw bytes, up to the route's limit. A failed read is kept in the
 * request's `failed` slot for the preValidation hook to answer: thrown here, it would reach
 * Fastify's error handler.
 */
export const addRawBodyParser = (
  fastify: FastifyInstance,
  limit: number,
  timeoutMs: number,
  failed: symbol,
): void => {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request: FastifyRequest, payload: FastifyRequest['raw']) =>
    readRawBody(payload, {
      limit: Math.min(limit, request.routeOptions.bodyLimit),
      timeoutMs,
    }).catch((error: unknown) => {
      (request as unknown as Record<symbol, unknown>)[failed] = error;
    }),
  );
};
