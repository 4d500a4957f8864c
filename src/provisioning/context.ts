/** Who a use case acts for: the authenticated tenant, and where its resources live. */
export interface TenantContext {
  readonly tenantId: string;
  /** The tenant's SCIM base URL, for meta.location and $ref values. */
  readonly baseUrl: string;
  /** What DELETE /Users/{id} does for this tenant (default "delete"). */
  readonly deletePolicy?: 'delete' | 'deactivate';
  /** Provider rules (scim/compat) applied to this request's input, for its log line. */
  readonly rules?: Set<string>;
}

export function noteRules(ctx: TenantContext, rules: Iterable<string>): void {
  for (const rule of rules) ctx.rules?.add(rule);
}
