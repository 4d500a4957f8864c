import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** OpenAPI for the admin API, generated from the route schemas and served at /docs. */
export async function registerOpenApi(app: FastifyInstance, publicUrl: string): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'SCIM provisioning service: admin API',
        description:
          'Manage tenants and their SCIM tokens. Each tenant is served SCIM 2.0 (RFC 7644) at {PUBLIC_URL}/scim/v2/{tenantId}.',
        version: '1',
      },
      servers: [{ url: publicUrl }],
      components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' } } },
      security: [{ adminToken: [] }],
    },
    hideUntagged: true,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
}
