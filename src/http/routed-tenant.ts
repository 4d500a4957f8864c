import type { FastifyRequest } from 'fastify';
import { SCIM_PREFIX } from './plugins/errors.js';

const ADMIN_TENANT_ROUTE = '/admin/v1/tenants/:id';
const PORTAL_TENANT_ROUTE = '/portal/:tenantId';

/** Whether the router sent the request to a SCIM route (its own hooks log it, http/scim). */
export function isScimRoute(request: FastifyRequest): boolean {
  return request.routeOptions.url?.startsWith(`${SCIM_PREFIX}/`) === true;
}

/**
 * The tenant a request is for, as the router matched it: the value the handlers act for and
 * authentication checks, whatever form the request-target took. Never a second reading of the
 * URL, which an absolute-form or percent-encoded target would make disagree with the router.
 */
export function routedTenant(request: FastifyRequest): string | undefined {
  const route = request.routeOptions.url;
  if (route === undefined) return undefined;
  const params = request.params as Readonly<Record<string, string | undefined>>;
  let tenant: string | undefined;
  if (route.startsWith(`${SCIM_PREFIX}/:tenantId`)) tenant = params['tenantId'];
  else if (route === ADMIN_TENANT_ROUTE || route.startsWith(`${ADMIN_TENANT_ROUTE}/`)) tenant = params['id'];
  else if (route === PORTAL_TENANT_ROUTE || route.startsWith(`${PORTAL_TENANT_ROUTE}/`)) tenant = params['tenantId'];
  // "/scim/v2/" matches the tenant route with an empty segment, which names no tenant.
  return tenant === '' ? undefined : tenant;
}
