import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import type { TenantMapping } from '../../tenancy/attribute-mappings.js';
import { errorResponses, tenantIdParams } from './schemas.js';

const mappingResponse = {
  type: 'object',
  properties: {
    mapping: {
      type: 'object',
      additionalProperties: true,
      description: 'Resource type → app field → SCIM path, or a list of paths tried in order.',
    },
    isDefault: { type: 'boolean', description: 'The tenant set none: this is the default mapping.' },
  },
  required: ['mapping', 'isDefault'],
} as const;

const present = (m: TenantMapping) => ({ mapping: m.mapping, isDefault: m.isDefault });

/**
 * /admin/v1/tenants/{id}/attribute-mapping: the app's own model of the tenant's users and groups,
 * carried in every user and group event as `mapped` (docs/events.md).
 */
export function attributeMappingRoutes(deps: Deps) {
  const { attributeMappings } = deps;
  return async (app: FastifyInstance) => {
    app.get<{ Params: { id: string } }>(
      '/tenants/:id/attribute-mapping',
      {
        schema: {
          summary: "The tenant's attribute mapping (the default one until set)",
          tags: ['attribute mapping'],
          params: tenantIdParams,
          response: { 200: mappingResponse, ...errorResponses },
        },
      },
      async (request) => present(await attributeMappings.get(request.params.id)),
    );

    app.put<{ Params: { id: string }; Body: unknown }>(
      '/tenants/:id/attribute-mapping',
      {
        schema: {
          summary: "Set the tenant's attribute mapping; later events carry it",
          description:
            'Body: {"User": {"email": "emails[primary eq true].value", …}, "Group": {…}}. Each path is checked against the tenant\'s schemas (its extensions included); a path that can never match is a 400 naming it.',
          tags: ['attribute mapping'],
          params: tenantIdParams,
          body: { type: 'object' },
          response: { 200: mappingResponse, ...errorResponses },
        },
      },
      async (request) => present(await attributeMappings.put(request.params.id, request.body)),
    );

    app.delete<{ Params: { id: string } }>(
      '/tenants/:id/attribute-mapping',
      {
        schema: {
          summary: 'Go back to the default attribute mapping',
          tags: ['attribute mapping'],
          params: tenantIdParams,
          response: { 200: mappingResponse, ...errorResponses },
        },
      },
      async (request) => present(await attributeMappings.reset(request.params.id)),
    );
  };
}
