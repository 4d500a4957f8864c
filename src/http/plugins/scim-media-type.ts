import type { FastifyInstance } from 'fastify';
import { SCIM_MEDIA_TYPE } from '../../scim/media-type.js';

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

/**
 * Fastify appends "; charset=utf-8" to JSON-like types it serializes. RFC 7644 §8.1 registers
 * application/scim+json without parameters, so responses carry the bare media type.
 */
export function sendBareScimMediaType(app: FastifyInstance): void {
  app.addHook('onSend', (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith(`${SCIM_MEDIA_TYPE};`))
      void reply.header('content-type', SCIM_MEDIA_TYPE);
    done(null, payload);
  });
}
