import { ScimError } from '../scim/errors.js';
import type { CompiledAttributeMapping } from '../scim/mapping/attribute-mapping.js';
import type { SchemaRegistry } from '../scim/schema/registry.js';
import { authenticatedFor, type Principal } from '../tenancy/principal.js';

/** Who a use case acts for: the authenticated tenant, and where its resources live. */
export interface TenantContext {
  readonly tenantId: string;
  /** The credential the request proved, issued by tenancy/ for this same tenant. */
  readonly principal: Principal;
  /** The tenant's SCIM base URL, for meta.location and $ref values. */
  readonly baseUrl: string;
  /** The tenant's resource types: the built-in ones with the tenant's schema extensions. */
  readonly registry: SchemaRegistry;
  /** The app's model of the tenant's resources: change events carry it as `mapped`. */
  readonly mapping: CompiledAttributeMapping;
  /** "accept": extension URNs the tenant never declared are stored as sent (docs/schemas.md). */
  readonly unknownExtensions?: 'reject' | 'accept';
  /**
   * The version of the tenant's declared extensions `registry` holds: writes carry it to their
   * event counter update, which fails them whole if a schema change came in between (the fence).
   */
  readonly declaredVersion?: number;
  /** What DELETE /Users/{id} does for this tenant (default "delete"); also what an expired agent gets. */
  readonly deletePolicy?: 'delete' | 'deactivate';
  /** What an agent gets when its last owner is deprovisioned (default "deactivate"). */
  readonly ownerlessAgents?: 'deactivate' | 'keep';
  /** Provider rules (scim/compat) applied to this request's input, for its log line. */
  readonly rules?: Set<string>;
}

/** What tenancy/ knows of a tenant that a context carries (TenantProfile). */
export interface ContextProfile {
  readonly deletePolicy: 'delete' | 'deactivate';
  readonly ownerlessAgents: 'deactivate' | 'keep';
  readonly registry: SchemaRegistry;
  readonly mapping: CompiledAttributeMapping;
  readonly unknownExtensions: 'reject' | 'accept';
  readonly declaredVersion: number;
}

/** The one way a request's context is made, for SCIM over HTTP and for MCP tools alike. */
export function tenantContext(
  tenantId: string,
  principal: Principal,
  baseUrl: string,
  profile: ContextProfile,
): TenantContext {
  return {
    tenantId,
    principal,
    baseUrl,
    deletePolicy: profile.deletePolicy,
    ownerlessAgents: profile.ownerlessAgents,
    registry: profile.registry,
    mapping: profile.mapping,
    unknownExtensions: profile.unknownExtensions,
    declaredVersion: profile.declaredVersion,
    rules: new Set(),
  };
}

export function noteRules(ctx: TenantContext, rules: Iterable<string>): void {
  for (const rule of rules) ctx.rules?.add(rule);
}

/**
 * The second guard behind authentication (issue 11): every use case starts here, and refuses to
 * act for a tenant its context's principal was not issued for, however the context was built.
 */
export function requireAuthenticated(ctx: TenantContext): void {
  if (!authenticatedFor(ctx.principal, ctx.tenantId)) {
    throw new ScimError(401, undefined, 'The request is not authenticated for this tenant.');
  }
}
