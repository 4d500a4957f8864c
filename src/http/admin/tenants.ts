import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import {
  DELETE_POLICIES,
  OWNERLESS_AGENTS,
  TENANT_ID_PATTERN,
  UNKNOWN_EXTENSIONS,
  type DeletePolicy,
  type OwnerlessAgents,
  type Tenant,
  type UnknownExtensions,
} from '../../tenancy/tenants.js';
import { PROVIDERS } from '../../scim/compat/providers.js';
import { errorResponses, tenantIdParams } from './schemas.js';

const present = (t: Tenant) => ({
  id: t.id,
  name: t.name,
  scimBaseUrl: t.scimBaseUrl,
  provider: t.provider,
  deletePolicy: t.deletePolicy,
  unknownExtensions: t.unknownExtensions,
  ownerlessAgents: t.ownerlessAgents,
  createdAt: t.createdAt.toISOString(),
});

export function tenantRoutes(deps: Deps) {
  const { tenants } = deps;
  return async (app: FastifyInstance) => {
    app.post<{ Body: { id: string; name: string } }>(
      '/tenants',
      {
        schema: {
          summary: 'Create a tenant',
          tags: ['tenants'],
          body: {
            type: 'object',
            additionalProperties: false,
            properties: {
              id: {
                type: 'string',
                pattern: TENANT_ID_PATTERN,
                description: '1–63 of [a-z0-9-]; part of the SCIM base URL.',
              },
              name: { type: 'string', minLength: 1, maxLength: 200 },
            },
            required: ['id', 'name'],
          },
          response: { 201: { $ref: 'Tenant#' }, ...errorResponses },
        },
      },
      async (request, reply) => reply.code(201).send(present(await tenants.create(request.body.id, request.body.name))),
    );

    app.get(
      '/tenants',
      {
        schema: {
          summary: 'List tenants',
          tags: ['tenants'],
          response: {
            200: {
              type: 'object',
              properties: { tenants: { type: 'array', items: { $ref: 'Tenant#' } } },
              required: ['tenants'],
            },
            ...errorResponses,
          },
        },
      },
      async () => ({
        tenants: (await tenants.list()).map(present),
      }),
    );

    app.get<{ Params: { id: string } }>(
      '/tenants/:id',
      {
        schema: {
          summary: 'Get a tenant',
          tags: ['tenants'],
          params: tenantIdParams,
          response: { 200: { $ref: 'Tenant#' }, ...errorResponses },
        },
      },
      async (request) => present(await tenants.get(request.params.id)),
    );

    app.patch<{
      Params: { id: string };
      Body: {
        name?: string;
        provider?: string | null;
        deletePolicy?: DeletePolicy;
        unknownExtensions?: UnknownExtensions;
        ownerlessAgents?: OwnerlessAgents;
      };
    }>(
      '/tenants/:id',
      {
        schema: {
          summary: 'Rename a tenant, or declare (or undeclare, with null) its identity provider',
          tags: ['tenants'],
          params: tenantIdParams,
          body: {
            type: 'object',
            additionalProperties: false,
            minProperties: 1,
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 200 },
              provider: { type: ['string', 'null'], enum: [...PROVIDERS, null] },
              deletePolicy: {
                type: 'string',
                enum: DELETE_POLICIES,
                description: 'What DELETE /Users/{id} does: remove the user, or deactivate it (soft delete).',
              },
              unknownExtensions: {
                type: 'string',
                enum: UNKNOWN_EXTENSIONS,
                description:
                  'What an extension URN the tenant never declared gets: "reject" (400, the default) or "accept" (stored as sent, listed under unregistered-attributes).',
              },
              ownerlessAgents: {
                type: 'string',
                enum: OWNERLESS_AGENTS,
                description:
                  'What an agent gets when its last owner is deprovisioned: "deactivate" (the default) or "keep" (docs/agents.md).',
              },
            },
          },
          response: { 200: { $ref: 'Tenant#' }, ...errorResponses },
        },
      },
      async (request) => present(await tenants.update(request.params.id, request.body)),
    );

    app.delete<{ Params: { id: string } }>(
      '/tenants/:id',
      {
        schema: {
          summary: 'Delete a tenant and all of its data (users, groups, tokens, events)',
          tags: ['tenants'],
          params: tenantIdParams,
          response: { 204: { type: 'null' }, ...errorResponses },
        },
      },
      async (request, reply) => {
        await tenants.delete(request.params.id);
        return reply.code(204).send();
      },
    );
  };
}
