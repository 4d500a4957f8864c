/** Who a use case acts for: the authenticated tenant, and where its resources live. */
export interface TenantContext {
  readonly tenantId: string;
  /** The tenant's SCIM base URL, for meta.location and $ref values. */
  readonly baseUrl: string;
}
