import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { LimitConfig } from '../config/config.js';
import { BULK_LIMITS } from '../scim/bulk/request.js';
import { LIST_LIMITS } from '../scim/discovery/service-provider-config.js';

/**
 * The limits a SCIM client meets, stated in the page ServiceProviderConfig's documentationUri
 * names (/docs): RFC 7643 §5 has a place for Bulk's limits, none for the others.
 */
export function scimLimitsText(limits: LimitConfig): string {
  const per = (n: number, what: string) => (n > 0 ? `at most ${n} ${what}` : `no limit on ${what}`);
  return [
    `SCIM limits of this service: a PATCH request carries at most ${limits.maxPatchOperations} operations, as does each PATCH in a Bulk request (more: 400 invalidValue);`,
    `a Bulk request at most ${BULK_LIMITS.maxOperations} operations and ${BULK_LIMITS.maxPayloadSize} bytes (413);`,
    `a root /.search reaches at most ${LIST_LIMITS.maxCount} resources deep, startIndex - 1 + count (more: 400 invalidValue);`,
    `each tenant ${per(limits.tenantMaxConcurrentRequests, 'requests in flight at once')} and ${per(limits.tenantRateLimitPerSecond, 'requests a second')} on each service instance (more: 429 with Retry-After);`,
    limits.requestTimeoutMs > 0
      ? `a request not answered within ${limits.requestTimeoutMs} ms is answered 503 with Retry-After.`
      : 'requests have no time limit.',
  ].join(' ');
}

/** OpenAPI for the admin API, generated from the route schemas and served at /docs. */
export async function registerOpenApi(app: FastifyInstance, publicUrl: string, limits: LimitConfig): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'SCIM provisioning service: admin API',
        description:
          'Manage tenants and their SCIM tokens. Each tenant is served SCIM 2.0 (RFC 7644) at {PUBLIC_URL}/scim/v2/{tenantId}.\n\n' +
          scimLimitsText(limits),
        version: '1',
      },
      servers: [{ url: publicUrl }],
      components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' } } },
      security: [{ adminToken: [] }],
    },
    hideUntagged: true,
  });
  // Its own Content-Security-Policy on every page and asset (swagger-ui's inline bootstrap gets a
  // hash): the admin API accepts the console's cookie, so no script may run on this origin that
  // the service did not ship, and the docs page may not be framed.
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header) => `${header}; frame-ancestors 'none'`,
  });
}
