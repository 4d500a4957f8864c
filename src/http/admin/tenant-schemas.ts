import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import type { TenantSchema } from '../../tenancy/tenant-schemas.js';
import { errorResponses, tenantIdParams } from './schemas.js';

type Params = { id: string; urn: string };

const urnParams = {
  type: 'object',
  properties: {
    ...tenantIdParams.properties,
    urn: { type: 'string', minLength: 1, maxLength: 512, description: 'The extension URN (its schema id).' },
  },
  required: ['id', 'urn'],
} as const;

// The RFC 7643 §7 representation is checked by the service's own validator (which names every
// problem), so the route schemas only say it is an object.
const extensionSchema = {
  type: 'object',
  additionalProperties: true,
  description:
    'An RFC 7643 §7 schema representation plus "resourceType" ("User" or "Group"), with every characteristic spelled out, and meta. It can be PUT back unchanged.',
} as const;

/** GET's body: the definition, with meta as /Schemas gives it (RFC 7643 §7). */
const present = (schema: TenantSchema) => ({
  ...schema.definition,
  meta: {
    resourceType: 'Schema',
    created: schema.createdAt.toISOString(),
    lastModified: schema.updatedAt.toISOString(),
  },
});

/**
 * /admin/v1/tenants/{id}/schemas: the tenant's own schema extensions (docs/schemas.md). A change
 * reaches this replica's next request at once and every other replica within 2 s.
 */
export function tenantSchemaRoutes(deps: Deps) {
  const { tenantSchemas } = deps;
  return async (app: FastifyInstance) => {
    app.get<{ Params: { id: string } }>(
      '/tenants/:id/schemas',
      {
        schema: {
          summary: "The tenant's schema extensions",
          tags: ['schemas'],
          params: tenantIdParams,
          response: {
            200: {
              type: 'object',
              properties: { extensions: { type: 'array', items: extensionSchema } },
              required: ['extensions'],
            },
            ...errorResponses,
          },
        },
      },
      async (request) => ({ extensions: (await tenantSchemas.list(request.params.id)).map(present) }),
    );

    app.get<{ Params: { id: string } }>(
      '/tenants/:id/unregistered-attributes',
      {
        schema: {
          summary: 'Attributes providers sent under extension URNs the tenant never declared',
          description:
            'Seen while the tenant accepted unknown extensions (PATCH the tenant: "unknownExtensions": "accept"). Declare a URN with PUT …/schemas/{urn} to validate its attributes; its entries then leave this list.',
          tags: ['schemas'],
          params: tenantIdParams,
          response: {
            200: {
              type: 'object',
              properties: {
                attributes: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      resourceType: { type: 'string' },
                      urn: { type: 'string' },
                      attribute: { type: 'string' },
                      requests: { type: 'integer', description: 'How many write requests carried it.' },
                      firstSeen: { type: 'string', format: 'date-time' },
                      lastSeen: { type: 'string', format: 'date-time' },
                    },
                    required: ['resourceType', 'urn', 'attribute', 'requests', 'firstSeen', 'lastSeen'],
                  },
                },
              },
              required: ['attributes'],
            },
            ...errorResponses,
          },
        },
      },
      async (request) => ({
        attributes: (await tenantSchemas.unregistered(request.params.id)).map((a) => ({
          resourceType: a.resourceType,
          urn: a.urn,
          attribute: a.attribute,
          requests: a.writes,
          firstSeen: a.firstSeen.toISOString(),
          lastSeen: a.lastSeen.toISOString(),
        })),
      }),
    );

    app.get<{ Params: Params }>(
      '/tenants/:id/schemas/:urn',
      {
        schema: {
          summary: 'One schema extension of the tenant',
          tags: ['schemas'],
          params: urnParams,
          response: { 200: extensionSchema, ...errorResponses },
        },
      },
      async (request) => present(await tenantSchemas.get(request.params.id, request.params.urn)),
    );

    app.put<{ Params: Params; Body: unknown }>(
      '/tenants/:id/schemas/:urn',
      {
        schema: {
          summary: 'Register or replace a schema extension of the tenant (201 created, 200 replaced)',
          description:
            'Adding attributes is always allowed. Removing or retyping one is refused (409) while any resource holds a value for it; other characteristics change freely. The response lists what changed.',
          tags: ['schemas'],
          params: urnParams,
          body: { type: 'object' },
          response: {
            200: extensionSchema,
            201: extensionSchema,
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const { id, urn } = request.params;
        const result = await tenantSchemas.put(id, urn, request.body);
        return reply.code(result.created ? 201 : 200).send({ ...present(result), changes: result.changes });
      },
    );

    app.delete<{ Params: Params }>(
      '/tenants/:id/schemas/:urn',
      {
        schema: {
          summary: 'Remove a schema extension (refused while any resource holds a value for it)',
          tags: ['schemas'],
          params: urnParams,
          response: { 204: { type: 'null' }, ...errorResponses },
        },
      },
      async (request, reply) => {
        await tenantSchemas.delete(request.params.id, request.params.urn);
        return reply.code(204).send();
      },
    );
  };
}
