import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, ScimError, type ScimType } from '../../scim/errors.js';
import { SCIM_MEDIA_TYPE } from '../../scim/media-type.js';
import { postgresCode } from '../../storage/errors.js';
import { TenantExistsError, TenantNotFoundError } from '../../tenancy/errors.js';
import { WebhookRequestError } from '../../events/webhooks.js';

// SQLSTATEs of input PostgreSQL refuses as text: 22P05 untranslatable character, 22021 invalid
// byte sequence, 22P02 invalid text representation.
const UNSTORABLE_INPUT = new Set(['22P05', '22021', '22P02']);

export const SCIM_PREFIX = '/scim/v2';

/** Errors on admin and operational routes: plain JSON in Fastify's own shape. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function isScimRequest(request: FastifyRequest): boolean {
  const url = request.url;
  return url === SCIM_PREFIX || url.startsWith(`${SCIM_PREFIX}/`) || url.startsWith(`${SCIM_PREFIX}?`);
}

interface Rendered {
  status: number;
  message: string;
  scimType?: ScimType;
  headers?: Readonly<Record<string, string>>;
}

/** Maps every error the service can raise to a status and a message a person can act on. */
function render(error: unknown, request: FastifyRequest): Rendered {
  if (error instanceof ScimError)
    return { status: error.status, message: error.detail, ...(error.scimType ? { scimType: error.scimType } : {}) };
  if (error instanceof HttpError) return { status: error.statusCode, message: error.message, headers: error.headers };
  if (error instanceof TenantNotFoundError) return { status: 404, message: error.message };
  if (error instanceof WebhookRequestError) return { status: error.status, message: error.message };
  if (error instanceof TenantExistsError) return { status: 409, message: error.message, scimType: 'uniqueness' };
  // Text Postgres cannot store or cast (NUL, invalid encoding, malformed literal) is the
  // client's: validation refuses it first; this catches any path that reaches the database.
  const sqlState = postgresCode(error);
  if (sqlState !== undefined && UNSTORABLE_INPUT.has(sqlState)) {
    return {
      status: 400,
      message: 'A value in the request cannot be stored as text (NUL or invalid characters).',
      scimType: 'invalidValue',
    };
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation !== undefined) {
    return { status: 400, message: fastifyError.message ?? 'Invalid request', scimType: 'invalidValue' };
  }
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    // Fastify's own client errors: malformed JSON, unsupported media type, body too large.
    const syntax =
      fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY';
    return {
      status: fastifyError.statusCode,
      message: fastifyError.message ?? 'Bad request',
      ...(syntax ? { scimType: 'invalidSyntax' as const } : {}),
    };
  }
  request.log.error({ err: error }, 'unhandled error');
  return { status: 500, message: `An unexpected error occurred. Quote request id ${request.id} when reporting it.` };
}

export function sendError(reply: FastifyReply, request: FastifyRequest, rendered: Rendered): FastifyReply {
  for (const [name, value] of Object.entries(rendered.headers ?? {})) void reply.header(name, value);
  if (isScimRequest(request)) {
    return reply
      .code(rendered.status)
      .type(SCIM_MEDIA_TYPE)
      .send(errorBody(rendered.status, rendered.message, rendered.scimType));
  }
  return reply
    .code(rendered.status)
    .type('application/json')
    .send({ statusCode: rendered.status, error: REASONS[rendered.status] ?? 'Error', message: rendered.message });
}

/** One error handler for the whole app (STYLE.md): SCIM Error bodies under /scim/v2, JSON elsewhere. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => sendError(reply, request, render(error, request)));
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, request, {
      status: 404,
      message: `No such endpoint: ${request.method} ${request.url.split('?')[0] ?? ''}`,
    }),
  );
}
