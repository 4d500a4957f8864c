import { UniqueViolation } from '../storage/errors.js';
import type { TenantRecord, TenantStore } from '../storage/tenant-store.js';
import { TenantExistsError, TenantNotFoundError } from './errors.js';
import { ExpiringCache } from './expiring-cache.js';
import type { SchemaRegistry } from '../scim/schema/registry.js';
import type { TenantRegistries } from './tenant-registries.js';
import { compileTenantMappingOrNone } from './tenant-mapping.js';
import type { CompiledAttributeMapping } from '../scim/mapping/attribute-mapping.js';

/** 1–63 lowercase letters, digits and hyphens: safe in a URL path segment without encoding. */
export const TENANT_ID_PATTERN = '^[a-z0-9-]{1,63}$';

export interface Tenant extends TenantRecord {
  readonly scimBaseUrl: string;
}

// Every SCIM request asks for its tenant's profile: remembered this long per replica.
const PROFILE_CACHE_MS = 2_000;
const MAX_PROFILES = 10_000;

export type DeletePolicy = 'delete' | 'deactivate';
export const DELETE_POLICIES: readonly DeletePolicy[] = ['delete', 'deactivate'];

/** What an agent gets when its last owner is deprovisioned (docs/agents.md). */
export type OwnerlessAgents = 'deactivate' | 'keep';
export const OWNERLESS_AGENTS: readonly OwnerlessAgents[] = ['deactivate', 'keep'];

/** "reject": an undeclared extension URN is a 400 (RFC 7643 §3). "accept": stored as sent. */
export type UnknownExtensions = 'reject' | 'accept';
export const UNKNOWN_EXTENSIONS: readonly UnknownExtensions[] = ['reject', 'accept'];

/** What a SCIM request needs to know of its tenant beyond the token. */
export interface TenantProfile {
  /** Declared; null: recognised per request. */
  readonly provider: string | null;
  readonly deletePolicy: DeletePolicy;
  readonly ownerlessAgents: OwnerlessAgents;
  /** The tenant's resource types: the built-in ones with its schema extensions. */
  readonly registry: SchemaRegistry;
  /** The app's model of the tenant's resources, carried in change events as `mapped`. */
  readonly mapping: CompiledAttributeMapping;
  /** What an extension URN the tenant never declared gets (docs/schemas.md). */
  readonly unknownExtensions: UnknownExtensions;
  /** The declared-schema version `registry` was built at: the number the tenant's writes are fenced with. */
  readonly declaredVersion: number;
}

export class Tenants {
  private readonly profiles = new ExpiringCache<string, TenantProfile>(MAX_PROFILES);

  constructor(
    private readonly store: TenantStore,
    private readonly publicUrl: string,
    private readonly registries: TenantRegistries,
  ) {}

  /**
   * The tenant's provider, delete policy, registry and mapping; a change shows within 2 s on every
   * replica, at once on the one that made it (forgetProfile).
   */
  profile(id: string): Promise<TenantProfile> {
    return this.profiles.through(
      id,
      () => this.loadProfile(id),
      () => Date.now() + PROFILE_CACHE_MS,
    );
  }

  private async loadProfile(id: string): Promise<TenantProfile> {
    const record = await this.store.find(id);
    const registry = await this.registries.forTenant(id, record?.schemaVersion ?? 0, record?.createdAt);
    return {
      provider: record?.provider ?? null,
      deletePolicy: record?.deletePolicy === 'deactivate' ? 'deactivate' : 'delete',
      ownerlessAgents: record?.ownerlessAgents === 'keep' ? 'keep' : 'deactivate',
      registry,
      mapping: compileTenantMappingOrNone(record?.attributeMapping ?? null, registry),
      unknownExtensions: record?.unknownExtensions === 'accept' ? 'accept' : 'reject',
      declaredVersion: record?.declaredVersion ?? 0,
    };
  }

  /** After a change this replica made: its next request reads the tenant again. */
  forgetProfile(id: string): void {
    this.profiles.delete(id);
  }

  async update(
    id: string,
    changes: {
      name?: string;
      provider?: string | null;
      deletePolicy?: DeletePolicy;
      unknownExtensions?: UnknownExtensions;
      ownerlessAgents?: OwnerlessAgents;
    },
  ): Promise<Tenant> {
    const record = await this.store.update(id, changes);
    if (record === null) throw new TenantNotFoundError(id);
    this.profiles.delete(id);
    return this.present(record);
  }

  /** RFC 7644 §1.3: the base URL a tenant's identity provider is configured with. */
  scimBaseUrl(tenantId: string): string {
    return `${this.publicUrl}/scim/v2/${tenantId}`;
  }

  async create(id: string, name: string): Promise<Tenant> {
    try {
      return this.present(await this.store.create(id, name));
    } catch (error) {
      if (error instanceof UniqueViolation) throw new TenantExistsError(id);
      throw error;
    }
  }

  async get(id: string): Promise<Tenant> {
    const record = await this.store.find(id);
    if (record === null) throw new TenantNotFoundError(id);
    return this.present(record);
  }

  async list(): Promise<Tenant[]> {
    return (await this.store.list()).map((r) => this.present(r));
  }

  isEmpty(): Promise<boolean> {
    return this.store.isEmpty();
  }

  async delete(id: string): Promise<void> {
    if (!(await this.store.delete(id))) throw new TenantNotFoundError(id);
    this.profiles.delete(id);
    this.registries.forget(id);
  }

  private present(record: TenantRecord): Tenant {
    return { ...record, scimBaseUrl: this.scimBaseUrl(record.id) };
  }
}
