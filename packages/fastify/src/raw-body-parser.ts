import { readRawBody } from '@hookguard/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

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
  fastify.addContentTypeParser('*', (request: FastifyRequest, payload: FastifyRequest['raw']) =>
    readRawBody(payload, {
      limit: Math.min(limit, request.routeOptions.bodyLimit),
      timeoutMs,
    }).catch((error: unknown) => failed(request, error)),
  );
};
