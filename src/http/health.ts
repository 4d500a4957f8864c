import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';

/** Liveness says the process answers; readiness says it can serve (database up and migrated). */
export function healthRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
      const readiness = await deps.readiness();
      return readiness.ready
        ? { status: 'ready' }
        : reply.code(503).send({ status: 'unavailable', reason: readiness.reason });
    });
  };
}
