import type { Database } from './db.js';

export interface PortalLinkRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly description: string;
  readonly allowSettings: boolean;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
}

export type NewPortalLink = Pick<
  PortalLinkRecord,
  'tenantId' | 'id' | 'description' | 'allowSettings' | 'expiresAt'
> & {
  readonly secretHash: string;
};

const PUBLIC = {
  tenantId: true,
  id: true,
  description: true,
  allowSettings: true,
  createdAt: true,
  expiresAt: true,
  revokedAt: true,
} as const;

/** A tenant's setup links (migration 20261207120000_portal_links). The secret's hash never leaves. */
export class PortalLinkStore {
  constructor(private readonly db: Database) {}

  create(link: NewPortalLink): Promise<PortalLinkRecord> {
    return this.db.portalLink.create({ data: link, select: PUBLIC });
  }

  list(tenantId: string): Promise<PortalLinkRecord[]> {
    return this.db.portalLink.findMany({
      where: { tenantId },
      select: PUBLIC,
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    });
  }

  find(tenantId: string, id: string): Promise<PortalLinkRecord | null> {
    return this.db.portalLink.findUnique({ where: { tenantId_id: { tenantId, id } }, select: PUBLIC });
  }

  findBySecret(tenantId: string, secretHash: string): Promise<PortalLinkRecord | null> {
    return this.db.portalLink.findUnique({ where: { tenantId_secretHash: { tenantId, secretHash } }, select: PUBLIC });
  }

  /** Marks the link revoked; false when it does not exist. Revoking twice keeps the first time. */
  async revoke(tenantId: string, id: string): Promise<boolean> {
    const { count } = await this.db.portalLink.updateMany({
      where: { tenantId, id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count > 0 || (await this.find(tenantId, id)) !== null;
  }
}
