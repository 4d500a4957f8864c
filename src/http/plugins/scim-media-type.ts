import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SCIM_MEDIA_TYPE } from '../../scim/media-type.js';

// Methods whose request has no defined content (RFC 9110 §9.3.1, §9.3.2, §9.3.5). Fastify never
// parses a GET or HEAD body; DELETE it does.
const NO_CONTENT_METHODS = new Set(['GET', 'HEAD', 'DELETE']);

type ParseDone = (error: Error | null, body?: unknown) => void;

/**
 * Fastify's JSON parser refuses an empty body (FST_ERR_CTP_EMPTY_JSON_BODY). Many HTTP clients
 * send `Content-Type: application/json` (or scim+json) with an empty body on every request,
 * DELETE included: for a method whose request has no content, an empty body is no body. On POST,
 * PUT and PATCH it stays a 400 (invalidSyntax), as does any body that is not JSON.
 */
function jsonParser(app: FastifyInstance) {
  const parse = app.getDefaultJsonParser('error', 'error') as (
    request: FastifyRequest,
    body: string,
    done: ParseDone,
  ) => void;
  return (request: FastifyRequest, body: string, done: ParseDone): void => {
    if (body.length === 0 && NO_CONTENT_METHODS.has(request.method)) {
      done(null, undefined);
      return;
    }
    parse(request, body, done);
  };
}

/** application/json for the whole app, with an empty body accepted where no content is defined. */
export function acceptJson(app: FastifyInstance): void {
  app.addContentTypeParser('application/json', { parseAs: 'string' }, jsonParser(app));
}

/**
 * RFC 7644 §3.1 and §8.1: SCIM requests are application/scim+json, and clients that send plain
 * application/json are accepted too (several identity providers do). Both parse as JSON.
 */
export function acceptScimJson(app: FastifyInstance): void {
  app.addContentTypeParser(/^application\/scim\+json(\s*;.*)?$/i, { parseAs: 'string' }, jsonParser(app));
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
