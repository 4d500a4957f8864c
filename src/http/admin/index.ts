import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.js';
import { adminAuthenticator, type AdminSessions } from '../plugins/admin-auth.js';
import { eventRoutes } from './events.js';
import { tenantRoutes } from './tenants.js';
import { tenantSchemaRoutes } from './tenant-schemas.js';
import { attributeMappingRoutes } from './attribute-mapping.js';
import { tokenRoutes } from './tokens.js';
import { portalLinkRoutes } from './portal-links.js';
import { healthAdminRoutes } from './health.js';
import { requestLogRoutes } from './requests.js';
import { userRoutes } from './users.js';
import { webhookRoutes } from './webhooks.js';

/** /admin/v1: the SaaS operator's API, authenticated with ADMIN_TOKEN. */
export function adminRoutes(deps: Deps, sessions?: AdminSessions) {
  return async (app: FastifyInstance) => {
    app.addHook('onRequest', adminAuthenticator(deps.secrets.adminToken, sessions));
    await app.register(tenantRoutes(deps));
    await app.register(tokenRoutes(deps));
    await app.register(portalLinkRoutes(deps));
    await app.register(tenantSchemaRoutes(deps));
    await app.register(attributeMappingRoutes(deps));
    await app.register(eventRoutes(deps));
    await app.register(webhookRoutes(deps));
    await app.register(userRoutes(deps));
    await app.register(requestLogRoutes(deps));
    await app.register(healthAdminRoutes(deps));
  };
}
