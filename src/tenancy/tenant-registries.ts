import { parseExtensionDefinition } from '../scim/schema/extension-definition.js';
import type { SchemaRegistry } from '../scim/schema/registry.js';
import { sqlOf, type Database } from '../storage/db.js';
import type { TenantSchemaRow, TenantSchemaStore } from '../storage/tenant-schema-store.js';

// Registries kept per replica; a tenant beyond this is rebuilt on its next request.
const MAX_REGISTRIES = 10_000;

/**
 * Each tenant's registry: the built-in resource types with the tenant's schema extensions. Built
 * once per schema_version (which every change raises, storage/tenant-schema-store.ts) and kept,
 * so a request costs no query beyond the tenant profile it reads anyway; a tenant without
 * extensions (version 0) shares the built-in registry and costs nothing at all.
 */
export class TenantRegistries {
  private readonly cache = new Map<string, { readonly version: number; readonly registry: SchemaRegistry }>();

  constructor(
    private readonly db: Database,
    private readonly store: TenantSchemaStore,
    readonly builtIn: SchemaRegistry,
  ) {}

  async forTenant(tenantId: string, version: number): Promise<SchemaRegistry> {
    if (version === 0) return this.builtIn;
    const cached = this.cache.get(tenantId);
    if (cached !== undefined && cached.version === version) return cached.registry;
    const registry = this.fromRows(await this.store.list(sqlOf(this.db), tenantId));
    if (this.cache.size >= MAX_REGISTRIES && !this.cache.has(tenantId)) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(tenantId, { version, registry });
    return registry;
  }

  /**
   * The registry of a tenant with these extension rows. Stored definitions were validated when
   * registered; parsing them again guards the registry against a row edited by hand.
   */
  fromRows(rows: readonly TenantSchemaRow[]): SchemaRegistry {
    const types = this.builtIn.resourceTypes.map((t) => t.id);
    return this.builtIn.withExtensions(rows.map((row) => parseExtensionDefinition(row.urn, row.definition, types)));
  }

  /** Forgets the tenant's registry (this replica changed it; the others see the new version). */
  forget(tenantId: string): void {
    this.cache.delete(tenantId);
  }
}
