import type { FastifyInstance } from 'fastify';

/** A request that was not answered within its deadline (REQUEST_TIMEOUT_MS): answered 503. */
export class RequestTimedOut extends Error {
  override name = 'RequestTimedOut';
  constructor(readonly timeoutMs: number) {
    super(`The request did not complete within ${timeoutMs} ms.`);
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's own deadline, when it rightly takes longer (the events long poll). */
    deadlineMs?: number;
  }
}

/**
 * REQUEST_TIMEOUT_MS, from routing to the response: past it the client is answered 503 with
 * Retry-After (errors.ts), rather than waiting on a request that holds its tenant's slot. The
 * work itself is not stopped, and a write may still commit.
 *
 * Fastify's own handlerTimeout did this until the bench profiled it: it gives every request an
 * AbortController and aborts it when the request closes, answered or not, which builds a
 * DOMException with its stack every time, a few percent of a read's CPU. Nothing here reads a
 * request's signal, so a timer is all it takes.
 */
export function answerLateRequests(app: FastifyInstance, defaultMs: number): void {
  const timers = new WeakMap<object, NodeJS.Timeout>();
  app.addHook('onRequest', (request, reply, done) => {
    const ms = request.routeOptions.config.deadlineMs ?? defaultMs;
    if (ms > 0) {
      timers.set(
        request,
        setTimeout(() => {
          if (reply.sent) return;
          const error = new RequestTimedOut(ms);
          // A response already under way (a stream) cannot become an error: it is cut instead.
          if (reply.raw.headersSent) reply.raw.destroy(error);
          else reply.send(error);
        }, ms),
      );
    }
    done();
  });
  const clear = (request: object) => {
    clearTimeout(timers.get(request));
    timers.delete(request);
  };
  app.addHook('onResponse', (request, _reply, done) => {
    clear(request);
    done();
  });
  // The client went away first: onResponse still runs once the handler answers, but nobody waits.
  app.addHook('onRequestAbort', (request, done) => {
    clear(request);
    done();
  });
}
