import { sqlOf, type Database } from './db.js';

export interface AuthFailureRecord {
  readonly tenantId: string;
  readonly lastAt: Date;
  /** Why the request was refused: "missing" (no bearer token) or "invalid" (any other reason). */
  readonly reason: string;
  readonly provider: string;
  readonly count: number;
}

/** The last refused request to each tenant's SCIM base URL (migration 20261207120000_portal_links). */
export class AuthFailureStore {
  constructor(private readonly db: Database) {}

  /**
   * Records a refusal at `at`, counted since the first; nothing for a tenant that does not exist,
   * since anyone can send a request to any URL. Whether the tenant exists (a row was written).
   */
  async record(tenantId: string, at: Date, reason: string, provider: string, refusals: number): Promise<boolean> {
    const written = await sqlOf(this.db).execute(
      `INSERT INTO scim_auth_failures (tenant_id, last_at, reason, provider, count)
       SELECT id, $2, $3, $4, $5 FROM tenants WHERE id = $1
       ON CONFLICT (tenant_id) DO UPDATE
          SET last_at = greatest(scim_auth_failures.last_at, excluded.last_at), reason = excluded.reason,
              provider = excluded.provider, count = scim_auth_failures.count + excluded.count`,
      tenantId,
      at,
      reason,
      provider,
      refusals,
    );
    return written > 0;
  }

  async find(tenantId: string): Promise<AuthFailureRecord | null> {
    const row = await this.db.scimAuthFailure.findUnique({ where: { tenantId } });
    return row === null ? null : { ...row, count: Number(row.count) };
  }
}
