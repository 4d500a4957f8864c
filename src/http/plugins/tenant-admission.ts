import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Admission, TenantRequestLimiter } from '../../tenancy/request-limiter.js';
import { HttpError } from './errors.js';

/** After a client gave up, how long its request's slot waits for the handler to finish. */
const ABANDONED_GRACE_MS = 60_000;

export interface TenantAdmissionOptions {
  /** Called for every refusal (metrics). */
  readonly onRefused?: (reason: 'concurrency' | 'rate') => void;
  /** REQUEST_TIMEOUT_MS: a handler outliving it is stuck, and its slot is given back anyway. */
  readonly requestTimeoutMs: number;
}

/**
 * Takes a slot of the tenant's limits (tenancy/request-limiter.ts) for a request that has been
 * authenticated for it, or refuses the request with 429 and Retry-After (RFC 6585 §4), a SCIM
 * Error under /scim/v2. Only an authenticated request may call it: a caller without the tenant's
 * token must not be able to spend the tenant's budget and lock its identity provider out.
 *
 * The slot is held for as long as the request's work runs, and given back exactly once:
 * - when the response has been sent (onResponse);
 * - when the client went away first, once the handler has answered anyway (Fastify runs it to
 *   the end; its answer passes onSend), so that a client cannot free slots by disconnecting while
 *   its work still holds a database connection;
 * - when the client went away before the handler began: it never will;
 * - at the latest, REQUEST_TIMEOUT_MS (else a minute) after the client went away, so that no
 *   path, a handler that never answers included, keeps a slot for good.
 *
 * Register it on the plugin whose onRequest hook calls the returned function, so that its hooks
 * see the same requests.
 */
/** The 429 with Retry-After (RFC 6585 §4) that a request over the tenant's limits gets. */
export function refusedAdmission(admission: Extract<Admission, { admitted: false }>): HttpError {
  const bound =
    admission.reason === 'concurrency'
      ? `at most ${admission.limit} requests at once`
      : `at most ${admission.limit} requests a second`;
  return new HttpError(
    429,
    `Too many requests for this tenant: this service instance takes ${bound} from one tenant. Retry after ${admission.retryAfterSeconds} s.`,
    { 'Retry-After': String(admission.retryAfterSeconds) },
  );
}

export function tenantAdmission(app: FastifyInstance, limiter: TenantRequestLimiter, options: TenantAdmissionOptions) {
  const graceMs = options.requestTimeoutMs > 0 ? options.requestTimeoutMs : ABANDONED_GRACE_MS;
  const slots = new WeakMap<FastifyRequest, { started(): void; answered(): void; release(): void }>();

  // Past this point the handler runs, whether the client stays or not.
  app.addHook('preHandler', (request, _reply, done) => {
    slots.get(request)?.started();
    done();
  });
  app.addHook('onSend', (request, _reply, payload, done) => {
    slots.get(request)?.answered();
    done(null, payload);
  });
  app.addHook('onResponse', (request, _reply, done) => {
    slots.get(request)?.release();
    done();
  });

  return (request: FastifyRequest, reply: FastifyReply, tenantId: string): void => {
    if (reply.raw.closed) {
      // The client sent its request and left while it was being authenticated: nobody waits for
      // the answer, so no work is started for it (Fastify would run a GET's handler all the same).
      // 499, nginx's "client closed request", only ever reaches the process log.
      throw new HttpError(499, 'The client closed the connection before the request was served.');
    }
    const admission = limiter.admit(tenantId);
    if (!admission.admitted) {
      options.onRefused?.(admission.reason);
      throw refusedAdmission(admission);
    }
    let started = false;
    let answered = false;
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const release = () => {
      clearTimeout(timer);
      admission.release();
    };
    slots.set(request, {
      started() {
        started = true;
      },
      answered() {
        answered = true;
        if (closed) release();
      },
      release,
    });
    const onClose = () => {
      closed = true;
      // Before its handler, a request whose client is gone never gets to it: Node destroys the
      // request, and Fastify, still reading the body, waits for it or answers the error.
      if (answered || !started) {
        release();
        return;
      }
      timer = setTimeout(release, graceMs);
      timer.unref();
    };
    // 'close' comes once for every response: after it was sent, or when the connection closed
    // before that (the client disconnected); not yet, as checked above.
    reply.raw.once('close', onClose);
  };
}
