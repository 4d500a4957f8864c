import type { Database } from './db.js';

export interface TokenRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly description: string;
  readonly scopes: readonly string[];
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
}

export type NewToken = Pick<TokenRecord, 'tenantId' | 'id' | 'description' | 'scopes' | 'expiresAt'>;

export class TokenStore {
  constructor(private readonly db: Database) {}

  create(token: NewToken): Promise<TokenRecord> {
    return this.db.scimToken.create({ data: { ...token, scopes: [...token.scopes] } });
  }

  find(tenantId: string, id: string): Promise<TokenRecord | null> {
    return this.db.scimToken.findUnique({ where: { tenantId_id: { tenantId, id } } });
  }

  list(tenantId: string): Promise<TokenRecord[]> {
    return this.db.scimToken.findMany({ where: { tenantId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  }

  /** Marks the token revoked; false when it does not exist. Revoking twice keeps the first time. */
  async revoke(tenantId: string, id: string): Promise<boolean> {
    const { count } = await this.db.scimToken.updateMany({
      where: { tenantId, id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return count > 0 || (await this.find(tenantId, id)) !== null;
  }
}
