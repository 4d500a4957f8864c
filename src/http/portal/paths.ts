/** Where a tenant's setup portal lives: its page, its API and its cookie's path all start here. */
export const portalPath = (tenantId: string): string => `/portal/${encodeURIComponent(tenantId)}/`;

export const portalUrl = (publicUrl: string, tenantId: string): string => `${publicUrl}${portalPath(tenantId)}`;
