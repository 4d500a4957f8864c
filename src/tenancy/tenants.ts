import { UniqueViolation } from '../storage/errors.js';
import type { TenantRecord, TenantStore } from '../storage/tenant-store.js';
import { TenantExistsError, TenantNotFoundError } from './errors.js';

/** 1–63 lowercase letters, digits and hyphens: safe in a URL path segment without encoding. */
export const TENANT_ID_PATTERN = '^[a-z0-9-]{1,63}$';

export interface Tenant extends TenantRecord {
  readonly scimBaseUrl: string;
}

export class Tenants {
  constructor(
    private readonly store: TenantStore,
    private readonly publicUrl: string,
  ) {}

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
