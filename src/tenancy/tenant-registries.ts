import { parseExtensionDefinition, type ParsedExtension } from '../scim/schema/extension-definition.js';
import { withOpenExtensions } from '../scim/schema/open-extensions.js';
import { SchemaRegistry, type CustomExtension } from '../scim/schema/registry.js';
import { sqlOf, type Database, type Sql } from '../storage/db.js';
import type { TenantSchemaRow, TenantSchemaStore, UndeclaredAttributeRow } from '../storage/tenant-schema-store.js';

// Registries kept per replica; a tenant beyond this is rebuilt on its next request.
const MAX_REGISTRIES = 10_000;

/**
 * Each tenant's registry: the built-in resource types with the tenant's schema extensions. Built
 * once per schema_version (which every change raises, storage/tenant-schema-store.ts) and kept,
 * so a request costs no query beyond the tenant profile it reads anyway; a tenant without
 * extensions (version 0) shares the built-in registry and costs nothing at all.
 */
export class TenantRegistries {
  private readonly cache = new Map<
    string,
    { readonly version: number; readonly createdAt: number; readonly registry: SchemaRegistry }
  >();

  constructor(
    private readonly db: Database,
    private readonly store: TenantSchemaStore,
    readonly builtIn: SchemaRegistry,
  ) {}

  /**
   * `createdAt` tells a tenant from one deleted and created again under its id (on another
   * replica), whose versions count from 0 again.
   */
  async forTenant(tenantId: string, version: number, createdAt?: Date): Promise<SchemaRegistry> {
    if (version === 0) return this.builtIn;
    const created = createdAt?.getTime() ?? 0;
    const cached = this.cache.get(tenantId);
    if (cached !== undefined && cached.version === version && cached.createdAt === created) return cached.registry;
    const registry = await this.load(sqlOf(this.db), tenantId);
    if (this.cache.size >= MAX_REGISTRIES && !this.cache.has(tenantId)) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(tenantId, { version, createdAt: created, registry });
    return registry;
  }

  /** The tenant's registry as the database holds it now (q may be a transaction holding its lock). */
  async load(q: Sql, tenantId: string): Promise<SchemaRegistry> {
    const [rows, undeclared] = [await this.store.list(q, tenantId), await this.store.listUndeclared(q, tenantId)];
    return this.build(
      rows.map((row) => this.parse(row)),
      undeclared,
    );
  }

  /**
   * A registry of the built-in types with these declared extensions, and open ones for the
   * attributes providers sent under URNs nobody declared (readable and filterable as strings).
   */
  build(extensions: readonly CustomExtension[], undeclared: readonly UndeclaredAttributeRow[]): SchemaRegistry {
    const declared = this.builtIn.withExtensions(extensions);
    if (undeclared.length === 0) return declared;
    return new SchemaRegistry(
      declared.resourceTypes.map((type) => {
        const found = new Map<string, { urn: string; attributes: Set<string> }>();
        for (const row of undeclared.filter((r) => r.resourceType.toLowerCase() === type.id.toLowerCase())) {
          const entry = found.get(row.urn.toLowerCase()) ?? { urn: row.urn, attributes: new Set<string>() };
          entry.attributes.add(row.attribute);
          found.set(row.urn.toLowerCase(), entry);
        }
        return withOpenExtensions(type, found);
      }),
    );
  }

  /**
   * A stored extension. Stored definitions were validated when registered; parsing them again
   * guards the registry against a row edited by hand.
   */
  parse(row: TenantSchemaRow): ParsedExtension {
    return parseExtensionDefinition(
      row.urn,
      row.definition,
      this.builtIn.resourceTypes.map((t) => t.id),
    );
  }

  /** Forgets the tenant's registry (this replica changed it; the others see the new version). */
  forget(tenantId: string): void {
    this.cache.delete(tenantId);
  }
}
