import type { ScimTokens, SignClaims } from './scim-tokens.js';
import type { Tenant, Tenants } from './tenants.js';

export const DEFAULT_TENANT_ID = 'default';

export interface Bootstrapped {
  readonly tenant: Tenant;
  readonly token: string;
}

/**
 * First start of the zero-setup mode: an empty database gets a tenant and a SCIM token, so a
 * new user can point an identity provider (or curl) at the service straight away.
 */
export async function bootstrapDefaultTenant(
  tenants: Tenants,
  scimTokens: ScimTokens,
  sign: SignClaims,
): Promise<Bootstrapped | undefined> {
  if (!(await tenants.isEmpty())) return undefined;
  const tenant = await tenants.create(DEFAULT_TENANT_ID, 'Default tenant');
  const { token } = await scimTokens.issue(tenant.id, { description: 'created at first start' }, sign);
  return { tenant, token };
}
