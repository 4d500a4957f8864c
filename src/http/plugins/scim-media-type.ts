import type { FastifyInstance } from 'fastify';

/**
 * RFC 7644 §3.1 and §8.1: SCIM requests are application/scim+json, and clients that send plain
 * application/json are accepted too (several identity providers do). Both parse as JSON.
 */
export function acceptScimJson(app: FastifyInstance): void {
  app.addContentTypeParser(
    /^application\/scim\+json(\s*;.*)?$/i,
    { parseAs: 'string' },
    app.getDefaultJsonParser('error', 'error'),
  );
}
