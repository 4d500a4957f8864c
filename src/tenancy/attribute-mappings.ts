import {
  attributeMappingBody,
  parseAttributeMapping,
  type AttributeMapping,
} from '../scim/mapping/attribute-mapping.js';
import type { JsonValue } from '../scim/resource/json.js';
import { inTransaction, sqlOf, type Database } from '../storage/db.js';
import type { TenantSchemaStore } from '../storage/tenant-schema-store.js';
import { TenantNotFoundError } from './errors.js';
import { compileTenantMapping } from './tenant-mapping.js';
import type { TenantRegistries } from './tenant-registries.js';
import type { Tenants } from './tenants.js';

/** A tenant's mapping as the admin API shows it. */
export interface TenantMapping {
  readonly mapping: AttributeMapping;
  /** The tenant set none: this is the default mapping. */
  readonly isDefault: boolean;
}

/**
 * The tenant's attribute mapping (docs/events.md, "The app's model"): set, read and reset. It is
 * checked against the tenant's registry under the lock its schema changes take, so a mapping and
 * an extension change cannot pass each other; a change applies to the events written after it
 * (at once on this replica, within 2 s on the others).
 */
export class AttributeMappings {
  constructor(
    private readonly db: Database,
    private readonly store: TenantSchemaStore,
    private readonly tenants: Tenants,
    private readonly registries: TenantRegistries,
  ) {}

  async get(tenantId: string): Promise<TenantMapping> {
    const q = sqlOf(this.db);
    const stored = await this.store.attributeMapping(q, tenantId);
    if (stored === undefined) throw new TenantNotFoundError(tenantId);
    const registry = await this.registries.load(q, tenantId);
    return { mapping: attributeMappingBody(compileTenantMapping(stored, registry)), isDefault: stored === null };
  }

  /** 400 invalidPath naming every path that can never match in the tenant's registry. */
  async put(tenantId: string, body: unknown): Promise<TenantMapping> {
    return this.change(tenantId, body);
  }

  /** Back to the default mapping. */
  async reset(tenantId: string): Promise<TenantMapping> {
    return this.change(tenantId, null);
  }

  private async change(tenantId: string, body: unknown): Promise<TenantMapping> {
    const result = await inTransaction(this.db, async (tx) => {
      if (!(await this.store.lockTenant(tx, tenantId))) throw new TenantNotFoundError(tenantId);
      const registry = await this.registries.load(tx, tenantId);
      const stored: JsonValue | null =
        body === null ? null : (attributeMappingBody(parseAttributeMapping(body, registry)) as JsonValue);
      await this.store.setAttributeMapping(tx, tenantId, stored);
      return { mapping: attributeMappingBody(compileTenantMapping(stored, registry)), isDefault: stored === null };
    });
    this.tenants.forgetProfile(tenantId);
    return result;
  }
}
