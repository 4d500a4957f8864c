import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import type { PortalLinkRecord } from '../../storage/portal-link-store.js';
import { LINK_MINUTES } from '../../tenancy/portal-links.js';
import { HttpError } from '../plugins/errors.js';
import { errorResponses, tenantIdParams } from './schemas.js';
import { portalUrl } from '../portal/paths.js';

const present = (link: PortalLinkRecord) => ({
  id: link.id,
  description: link.description,
  allowSettings: link.allowSettings,
  createdAt: link.createdAt.toISOString(),
  expiresAt: link.expiresAt.toISOString(),
  revokedAt: link.revokedAt?.toISOString() ?? null,
});

interface CreateLinkBody {
  expiresInMinutes?: number;
  description?: string;
  allowSettings?: boolean;
}

/** /admin/v1/tenants/{id}/portal-links: setup links for the tenant's IT admin (issue 14). */
export function portalLinkRoutes(deps: Deps) {
  const { portalLinks } = deps;
  return async (app: FastifyInstance) => {
    app.post<{ Params: { id: string }; Body: CreateLinkBody | undefined }>(
      '/tenants/:id/portal-links',
      {
        preValidation: async (request) => {
          request.body ??= {};
        },
        schema: {
          summary: "Create a setup link for the tenant's IT admin (its URL is shown once)",
          tags: ['portal'],
          params: tenantIdParams,
          body: {
            type: 'object',
            additionalProperties: false,
            properties: {
              expiresInMinutes: {
                type: 'integer',
                minimum: LINK_MINUTES.min,
                maximum: LINK_MINUTES.max,
                description: `How long the link opens the portal, ${LINK_MINUTES.min} to ${LINK_MINUTES.max} minutes (default ${LINK_MINUTES.default}); the portal's session ends with it.`,
              },
              description: { type: 'string', maxLength: 200 },
              allowSettings: {
                type: 'boolean',
                description: "Whether the portal may change the tenant's provider and delete policy (default false).",
              },
            },
          },
          response: {
            201: {
              type: 'object',
              properties: {
                id: { type: 'string', format: 'uuid' },
                url: {
                  type: 'string',
                  description: 'Opens the setup portal of this one tenant. It is a secret, and it is not shown again.',
                },
                expiresAt: { type: 'string', format: 'date-time' },
                description: { type: 'string' },
                allowSettings: { type: 'boolean' },
                createdAt: { type: 'string', format: 'date-time' },
              },
              required: ['id', 'url', 'expiresAt', 'description', 'allowSettings', 'createdAt'],
            },
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        const body = request.body ?? {};
        const { record, secret } = await portalLinks.issue(request.params.id, body);
        const { revokedAt: _never, ...shown } = present(record);
        return reply.code(201).send({
          ...shown,
          // The secret rides in the fragment, which browsers never send: it stays out of access logs,
          // proxies and Referer headers, and the page trades it for a cookie at once (docs/portals.md).
          url: `${portalUrl(deps.config.publicUrl, record.tenantId)}#link=${secret}`,
        });
      },
    );

    app.get<{ Params: { id: string } }>(
      '/tenants/:id/portal-links',
      {
        schema: {
          summary: "List the tenant's setup links (never their secrets)",
          tags: ['portal'],
          params: tenantIdParams,
          response: {
            200: {
              type: 'object',
              properties: { links: { type: 'array', items: { $ref: 'PortalLink#' } } },
              required: ['links'],
            },
            ...errorResponses,
          },
        },
      },
      async (request) => ({ links: (await portalLinks.list(request.params.id)).map(present) }),
    );

    app.delete<{ Params: { id: string; linkId: string } }>(
      '/tenants/:id/portal-links/:linkId',
      {
        schema: {
          summary: 'Revoke a setup link, and every portal session it opened',
          tags: ['portal'],
          params: {
            type: 'object',
            properties: { ...tenantIdParams.properties, linkId: { type: 'string', format: 'uuid' } },
            required: ['id', 'linkId'],
          },
          response: { 204: { type: 'null' }, ...errorResponses },
        },
      },
      async (request, reply) => {
        if (!(await portalLinks.revoke(request.params.id, request.params.linkId))) {
          throw new HttpError(404, `No setup link ${request.params.linkId} for tenant "${request.params.id}".`);
        }
        return reply.code(204).send();
      },
    );
  };
}
