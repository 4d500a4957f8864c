import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { adminAuthenticator } from './plugins/admin-auth.js';

/**
 * Liveness says the process answers; readiness says it can serve (database up and migrated);
 * /metrics is for Prometheus.
 */
export function healthRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    // Prometheus text format; behind the admin token, since the service faces the internet.
    const authenticated = adminAuthenticator(deps.secrets.adminToken);
    app.get('/metrics', { schema: { hide: true }, onRequest: authenticated }, async (_request, reply) =>
      reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
    );
    app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
      const readiness = await deps.readiness();
      return readiness.ready
        ? { status: 'ready' }
        : reply.code(503).send({ status: 'unavailable', reason: readiness.reason });
    });
  };
}
