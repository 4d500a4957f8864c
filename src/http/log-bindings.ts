import type { Bindings } from 'pino';
import type { FastifyRequest } from 'fastify';

/**
 * Adds bindings to every later line of the request (the reply's too: they share the logger).
 * The request's logger is a lazy RequestLogger or a pino child (app.ts childLoggerFactory); both
 * have setBindings, which Fastify's logger type does not declare.
 */
export function bindToLog(request: FastifyRequest, bindings: Bindings): void {
  (request.log as unknown as { setBindings(b: Bindings): void }).setBindings(bindings);
}
