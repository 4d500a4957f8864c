import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, ScimError, type ScimType } from '../../scim/errors.js';
import { SCIM_MEDIA_TYPE } from '../../scim/media-type.js';
import {
  DatabaseUnavailable,
  postgresCode,
  SchemaChanged,
  StatementCanceled,
  translateError,
} from '../../storage/errors.js';
import { TenantExistsError, TenantNotFoundError } from '../../tenancy/errors.js';
import { WebhookRequestError } from '../../events/webhooks.js';
import { RequestTimedOut } from './request-deadline.js';
import { beforeAnswering } from './unread-body.js';

// SQLSTATEs of input PostgreSQL refuses as text: 22P05 untranslatable character, 22021 invalid
// byte sequence, 22P02 invalid text representation.
const UNSTORABLE_INPUT = new Set(['22P05', '22021', '22P02']);

export const SCIM_PREFIX = '/scim/v2';

// After a statement or a whole request ran out of time the service is busy, or the request is
// costly: come back later rather than at once (RFC 9110 §10.2.3). Okta and Entra ID retry a 503.
const BUSY_RETRY_AFTER_SECONDS = 10;
// A restart or failover takes seconds: soon enough that a provider's next try usually succeeds.
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

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

// RFC 9112 §3.2.2: a client may send the target in absolute-form (http://host/scim/v2/…). The
// router serves it by its path, as find-my-way reads it (http or https, any case), so the path
// decides the shape of its errors too.
const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i;

/** Whether a request-target, in origin-form or absolute-form, is under the SCIM base. */
export function isScimTarget(target: string): boolean {
  const url = target.replace(ABSOLUTE_FORM, '');
  return url === SCIM_PREFIX || url.startsWith(`${SCIM_PREFIX}/`) || url.startsWith(`${SCIM_PREFIX}?`);
}

export function isScimRequest(request: FastifyRequest): boolean {
  return isScimTarget(request.url);
}

export interface Rendered {
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
  const database = translateError(error);
  // statement_timeout (DATABASE_STATEMENT_TIMEOUT_MS) canceled a statement: the work was undone,
  // and a retry may well succeed once the database is less busy.
  // The schema fence (docs/schemas.md): the request was validated against the tenant's
  // extensions as they were before a change to them, and undone whole. Sent again, it is
  // validated against the new ones (the SCIM hook dropped this replica's cached profile).
  if (database instanceof SchemaChanged) {
    return {
      status: 503,
      message:
        "The tenant's schema extensions changed while this request was being carried out, and it was not; send it again.",
      headers: { 'Retry-After': '1' },
    };
  }
  // Restart, failover, a broken network: identity providers retry a 503 after Retry-After, by
  // which time the pool has usually reconnected (docs/operations.md, "When the database goes away").
  if (database instanceof DatabaseUnavailable) {
    request.log.warn({ err: error }, 'database unavailable');
    return {
      status: 503,
      message: `The database is unavailable, and this request may not have been carried out; retry it in a few seconds. Quote request id ${request.id} if it keeps happening.`,
      headers: { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) },
    };
  }
  if (database instanceof StatementCanceled) {
    request.log.warn({ err: error }, 'database statement canceled (statement timeout)');
    return {
      status: 503,
      message: `The database took too long to answer this request and it was not carried out; retry it later. Quote request id ${request.id} if it keeps happening.`,
      headers: { 'Retry-After': String(BUSY_RETRY_AFTER_SECONDS) },
    };
  }
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
  // REQUEST_TIMEOUT_MS (request-deadline.ts) ran out before the response was sent. The work may
  // still finish, and a write may be committed: a client that retries a POST must expect a 409
  // (uniqueness), as after any lost response.
  if (error instanceof RequestTimedOut) {
    request.log.warn({ timeoutMs: error.timeoutMs }, 'request timed out');
    return {
      status: 503,
      message: `The request did not complete within ${error.timeoutMs} ms; retry it later. Quote request id ${request.id} if it keeps happening.`,
      headers: { 'Retry-After': String(BUSY_RETRY_AFTER_SECONDS) },
    };
  }
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

export interface ErrorPayload {
  readonly type: string;
  readonly body: object;
}

/** An error's body: a SCIM Error (RFC 7644 §3.12) under /scim/v2, Fastify's JSON shape elsewhere. */
export function errorPayload(scim: boolean, rendered: Rendered): ErrorPayload {
  if (scim) return { type: SCIM_MEDIA_TYPE, body: errorBody(rendered.status, rendered.message, rendered.scimType) };
  return {
    type: 'application/json',
    body: { statusCode: rendered.status, error: STATUS_CODES[rendered.status] ?? 'Error', message: rendered.message },
  };
}

export function sendError(reply: FastifyReply, request: FastifyRequest, rendered: Rendered): FastifyReply {
  for (const [name, value] of Object.entries(rendered.headers ?? {})) void reply.header(name, value);
  const { type, body } = errorPayload(isScimRequest(request), rendered);
  return reply.code(rendered.status).type(type).send(body);
}

/**
 * Fastify's `frameworkErrors` (app.ts): errors the router raises before a route is chosen. No
 * hook and no error handler runs for them, so this answers in full: request id, body, log line.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const rendered = renderFrameworkError(error, request);
  request.log.info({ req: request, code: error.code, statusCode: rendered.status }, 'request refused before routing');
  const { type, body } = errorPayload(isScimRequest(request), rendered);
  // Bytes, not an object: Fastify appends "; charset=utf-8" to a JSON type it serializes, and the
  // onSend hooks (the one stripping it from application/scim+json, the one reading the rest of the
  // request body first) do not run here.
  void beforeAnswering(request, reply).then(() => {
    void reply
      .code(rendered.status)
      .header('x-request-id', request.id)
      .header('content-type', type)
      .send(Buffer.from(JSON.stringify(body)));
  });
}

function renderFrameworkError(error: FastifyError, request: FastifyRequest): Rendered {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return {
        status: 400,
        message:
          'The request-target is not a valid URL: a percent-encoding is malformed or does not decode to UTF-8 (RFC 3986 §2.1, RFC 3629 §3).',
      };
    // The router refuses a path segment over maxParamLength (app.ts), which is longer than any
    // id or tenant id the service issues. Fastify answers 414, but the target is well within
    // the header limit and names nothing that can exist: 404 is the true answer (RFC 7644
    // §3.12), and the one SCIM clients act on (a DELETE that gets 404 is done, not retried).
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return {
        status: 404,
        message: `No such resource at ${request.method} ${truncated(request.url)}: a path segment is longer than any id the service issues.`,
      };
    default:
      return render(error, request);
  }
}

/** Enough of a long target to recognise it, without echoing kilobytes back. */
function truncated(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.length > 120 ? `${path.slice(0, 120)}…` : path;
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
