import { UniqueViolation } from '../storage/errors.js';
import type { TenantRecord, TenantStore } from '../storage/tenant-store.js';
import { TenantExistsError, TenantNotFoundError } from './errors.js';

/** 1–63 lowercase letters, digits and hyphens: safe in a URL path segment without encoding. */
export const TENANT_ID_PATTERN = '^[a-z0-9-]{1,63}$';

export interface Tenant extends TenantRecord {
  readonly scimBaseUrl: string;
}

// Every SCIM request asks for its tenant's declared provider: remembered this long per replica.
const PROVIDER_CACHE_MS = 2_000;

export class Tenants {
  private readonly providers = new Map<string, { provider: string | null; until: number }>();

  constructor(
    private readonly store: TenantStore,
    private readonly publicUrl: string,
  ) {}

  /** The provider the tenant declared, or null; a change shows within 2 s on every replica. */
  async declaredProvider(id: string): Promise<string | null> {
    const cached = this.providers.get(id);
    if (cached !== undefined && cached.until > Date.now()) return cached.provider;
    const provider = (await this.store.find(id))?.provider ?? null;
    if (this.providers.size > 10_000) this.providers.clear();
    this.providers.set(id, { provider, until: Date.now() + PROVIDER_CACHE_MS });
    return provider;
  }

  async update(id: string, changes: { name?: string; provider?: string | null }): Promise<Tenant> {
    const record = await this.store.update(id, changes);
    if (record === null) throw new TenantNotFoundError(id);
    this.providers.delete(id);
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
  }

  private present(record: TenantRecord): Tenant {
    return { ...record, scimBaseUrl: this.scimBaseUrl(record.id) };
  }
}
