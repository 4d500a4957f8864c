import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import { TENANT_ID_PATTERN } from '../../tenancy/tenants.js';
import { sendPage } from '../web-assets.js';
import { portalApiRoutes } from './api.js';
import { portalPath } from './paths.js';

/**
 * /portal/{tenantId}/: the setup portal for a tenant's IT admin (docs/portals.md). The page is the
 * same for every tenant and says nothing about one until its link has opened a session, so it
 * tells no one which tenants exist.
 */
export function portalRoutes(deps: Deps) {
  const params = {
    type: 'object',
    properties: { tenantId: { type: 'string', pattern: TENANT_ID_PATTERN } },
    required: ['tenantId'],
  } as const;
  return async (app: FastifyInstance) => {
    app.get<{ Params: { tenantId: string } }>('/portal/:tenantId/', { schema: { params } }, async (_request, reply) =>
      sendPage(reply, 'portal.html', deps.config),
    );
    // The page's relative requests resolve against the trailing slash.
    app.get<{ Params: { tenantId: string } }>('/portal/:tenantId', { schema: { params } }, async (request, reply) =>
      reply.redirect(portalPath(request.params.tenantId), 308),
    );
    await app.register(portalApiRoutes(deps));
  };
}
