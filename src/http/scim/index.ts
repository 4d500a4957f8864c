import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import { ScimError } from '../../scim/errors.js';
import { acceptScimJson } from '../plugins/scim-media-type.js';
import { authenticateScim } from './authenticate.js';
import { discoveryRoutes } from './discovery.js';

const TENANT_SEGMENT = /^\/scim\/v2\/([^/?#]+)/;

/**
 * Everything under /scim/v2/{tenantId}. Authentication runs before routing decisions are shown
 * to the caller, so an unknown path and an unknown tenant look alike to an unauthenticated one.
 */
export function scimRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    acceptScimJson(app);
    app.decorateRequest('scimTenantId', '');
    app.addHook('onRequest', async (request, reply) => {
      const tenantId = TENANT_SEGMENT.exec(request.url)?.[1];
      if (tenantId === undefined) return;
      await authenticateScim(request, reply, tenantId, deps.scimTokens);
    });
    await app.register(discoveryRoutes(deps), { prefix: '/:tenantId' });
    // Fastify runs this context's onRequest hook before its not-found handler too.
    app.setNotFoundHandler(async (request) => {
      throw new ScimError(404, undefined, `No SCIM endpoint at ${request.method} ${request.url.split('?')[0] ?? ''}.`);
    });
  };
}
