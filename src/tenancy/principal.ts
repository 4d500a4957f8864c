/**
 * Who a request proved it is, for one tenant. Only tenancy/ makes these, after checking a
 * credential, and it remembers each one it made: a use case refuses a context whose principal it
 * did not issue, or that was issued for another tenant (provisioning/context.ts). That guard is
 * independent of how http/ routes and authenticates, so a routing mistake there fails closed.
 */
export interface Principal {
  readonly tenantId: string;
  /**
   * A SCIM bearer token of the tenant, the operator's admin token, or the local MCP host that
   * runs the service's own stdio process with its configuration (`npm run mcp`).
   */
  readonly via: 'scim-token' | 'admin-token' | 'local-host' | 'service';
  /** What a SCIM token allows (RFC 8693 scope names); the admin token allows everything. */
  readonly scopes: readonly string[];
}

const issued = new WeakSet<Principal>();

function issue(principal: Principal): Principal {
  const frozen = Object.freeze(principal);
  issued.add(frozen);
  return frozen;
}

/** For a SCIM token whose signature, tenant and revocation state were checked (scim-tokens.ts). */
export function scimTokenPrincipal(tenantId: string, scopes: readonly string[]): Principal {
  return issue({ tenantId, via: 'scim-token', scopes: Object.freeze([...scopes]) });
}

/** For the operator's admin API, which the admin token authenticates for every tenant. */
export function adminPrincipal(tenantId: string): Principal {
  return issue({ tenantId, via: 'admin-token', scopes: Object.freeze(['scim:read', 'scim:write']) });
}

/**
 * For the MCP stdio process (`npm run mcp -- --tenant <id>`): whoever can start it holds the
 * service's database and secrets already, as an operator does; `readOnly` gives the read tools only.
 */
export function localHostPrincipal(tenantId: string, readOnly: boolean): Principal {
  const scopes = readOnly ? ['scim:read'] : ['scim:read', 'scim:write'];
  return issue({ tenantId, via: 'local-host', scopes: Object.freeze(scopes) });
}

/**
 * For what the service does on its own for a tenant, outside any request: expiring agents
 * (provisioning/agent-lifecycle.ts). It writes, as the clock decides, not as a client asked.
 */
export function servicePrincipal(tenantId: string): Principal {
  return issue({ tenantId, via: 'service', scopes: Object.freeze(['scim:read', 'scim:write']) });
}

/** Whether this principal was made by one of the functions above, for this tenant. */
export function authenticatedFor(principal: Principal | undefined, tenantId: string): boolean {
  return principal !== undefined && issued.has(principal) && principal.tenantId === tenantId;
}
