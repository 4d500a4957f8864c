import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import { errorResponses, tenantIdParams } from './schemas.js';
import { adminPrincipal } from '../../tenancy/principal.js';

/**
 * GET /admin/v1/tenants/{id}/users/{userId}: a user as the app may read it, including one the
 * tenant's "deactivate" policy took out of SCIM (issue 6, point 3).
 */
export function userRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    app.get<{ Params: { id: string; userId: string } }>(
      '/tenants/:id/users/:userId',
      {
        schema: {
          summary: 'A user of the tenant, deactivated ones included',
          tags: ['users'],
          params: {
            type: 'object',
            properties: { ...tenantIdParams.properties, userId: { type: 'string', format: 'uuid' } },
            required: ['id', 'userId'],
          },
          response: {
            200: {
              type: 'object',
              properties: {
                user: { type: 'object', additionalProperties: true, description: 'The SCIM representation.' },
                mapped: {
                  type: 'object',
                  additionalProperties: true,
                  description: "The user in the app's own model: the tenant's attribute mapping, groups included.",
                },
                deletedAt: {
                  type: ['string', 'null'],
                  format: 'date-time',
                  description: 'When DELETE deactivated it; null for a user SCIM still serves.',
                },
              },
              required: ['user', 'deletedAt', 'mapped'],
            },
            ...errorResponses,
          },
        },
      },
      async (request) => {
        const { id, userId } = request.params;
        await deps.tenants.get(id);
        const { registry, mapping } = await deps.tenants.profile(id);
        const { resource, deletedAt, mapped } = await deps.users.forApp(
          { tenantId: id, principal: adminPrincipal(id), baseUrl: deps.tenants.scimBaseUrl(id), registry, mapping },
          userId.toLowerCase(),
        );
        return { user: resource, deletedAt: deletedAt?.toISOString() ?? null, mapped };
      },
    );
  };
}
