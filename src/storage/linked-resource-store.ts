import type { JsonObject } from '../scim/resource/json.js';
import type { Transaction } from './db.js';
import { preparedSql } from './prepared-sql.js';
import type { ResourceTable } from './resource-counts.js';
import { firstRow, pageOf } from './resource-page.js';
import {
  toStoredResource,
  type PageRequest,
  type ResourcePage,
  type ResourceRow,
  type StoredResource,
} from './resource-rows.js';

/** An agent due to expire, and where the sweep goes on after it. */
export interface ExpiryKey {
  readonly tenantId: string;
  readonly id: string;
  readonly expiresAt: string;
}

/** What a write of an Agent or an AgenticApplication stores beside its document. */
export interface LinkedWrite {
  readonly name: string;
  readonly externalId: string | undefined;
  readonly active: boolean;
  /** Agents only: the lifecycle extension's expiresAt, for the expiry sweep. */
  readonly expiresAt: string | undefined;
  readonly document: JsonObject;
  readonly search: JsonObject;
}

const RETURNING = 'id, document, version, created_at, updated_at';

/**
 * The rows of a resource type whose references to other resources live in scim_references
 * (references-store.ts): Agents (with their active flag and expiry in columns) and
 * AgenticApplications. One class for both: their tables differ only in those two columns.
 */
export class LinkedResourceStore {
  private readonly insertSql: string;
  private readonly updateSql: string;
  private readonly findSql: string;
  private readonly lockSql: string;

  constructor(
    readonly table: Extract<ResourceTable, 'scim_agents' | 'scim_agentic_applications'>,
    /** Whether the table has active and expires_at columns (scim_agents). */
    private readonly lifecycle: boolean,
  ) {
    const columns = lifecycle ? ', active, expires_at' : '';
    const values = lifecycle ? ', $7, $8::timestamptz' : '';
    const sets = lifecycle ? ', active = $7, expires_at = $8::timestamptz' : '';
    this.insertSql = preparedSql(`INSERT INTO ${table} (tenant_id, id, name, external_id, document, search${columns})
VALUES ($1, $2::uuid, $3, $4, $5::jsonb, $6::jsonb${values}) RETURNING ${RETURNING}`);
    this.updateSql = preparedSql(`UPDATE ${table}
   SET name = $3, external_id = $4, document = $5::jsonb, search = $6::jsonb${sets},
       version = version + 1, updated_at = now()
 WHERE tenant_id = $1 AND id = $2::uuid RETURNING ${RETURNING}`);
    this.findSql = preparedSql(`SELECT ${RETURNING} FROM ${table} WHERE tenant_id = $1 AND id = $2::uuid`);
    this.lockSql = preparedSql(`SELECT ${RETURNING} FROM ${table} WHERE tenant_id = $1 AND id = $2::uuid FOR UPDATE`);
  }

  async insert(q: Transaction, tenantId: string, id: string, write: LinkedWrite): Promise<StoredResource> {
    return toStoredResource(firstRow(await this.write(q, this.insertSql, tenantId, id, write)));
  }

  async update(q: Transaction, tenantId: string, id: string, write: LinkedWrite): Promise<StoredResource> {
    return toStoredResource(firstRow(await this.write(q, this.updateSql, tenantId, id, write)));
  }

  async find(q: Transaction, tenantId: string, id: string, lock = false): Promise<StoredResource | undefined> {
    const row = (await q.rows<ResourceRow[]>(lock ? this.lockSql : this.findSql, tenantId, id))[0];
    return row === undefined ? undefined : toStoredResource(row);
  }

  /** Several rows, locked, in id order (so two writers lock them in the same order). */
  async lockMany(q: Transaction, tenantId: string, ids: readonly string[]): Promise<StoredResource[]> {
    if (ids.length === 0) return [];
    const rows = await q.rows<ResourceRow[]>(
      `SELECT ${RETURNING} FROM ${this.table} WHERE tenant_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`,
      tenantId,
      ids,
    );
    return rows.map(toStoredResource);
  }

  /**
   * Agents whose expiry has passed and that expiry still changes: active ones, and under the
   * tenant's delete policy "delete" any. Across tenants, soonest first: the expiry sweep's one
   * statement that no tenant pins (it is no request's; the index scim_agents_expires_at_idx).
   */
  async dueForExpiry(q: Transaction, now: Date, limit: number, after?: ExpiryKey): Promise<ExpiryKey[]> {
    const rows = await q.rows<{ tenant_id: string; id: string; expires_at: string }[]>(
      `SELECT a.tenant_id, a.id, a.expires_at::text AS expires_at FROM scim_agents a JOIN tenants t ON t.id = a.tenant_id
        WHERE a.expires_at <= $1::timestamptz AND (a.active OR t.delete_policy = 'delete')
          AND ($3::timestamptz IS NULL OR (a.expires_at, a.tenant_id, a.id) > ($3::timestamptz, $4::text, $5::uuid))
        ORDER BY a.expires_at, a.tenant_id, a.id LIMIT $2`,
      now.toISOString(),
      limit,
      after?.expiresAt ?? null,
      after?.tenantId ?? null,
      after?.id ?? null,
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, id: r.id, expiresAt: r.expires_at }));
  }

  /** The agent, locked, if its expiry has passed by `now`; undefined otherwise. */
  async lockIfExpired(q: Transaction, tenantId: string, id: string, now: Date): Promise<StoredResource | undefined> {
    const row = (
      await q.rows<ResourceRow[]>(
        `SELECT ${RETURNING} FROM scim_agents
          WHERE tenant_id = $1 AND id = $2::uuid AND expires_at <= $3::timestamptz FOR UPDATE`,
        tenantId,
        id,
        now.toISOString(),
      )
    )[0];
    return row === undefined ? undefined : toStoredResource(row);
  }

  async delete(q: Transaction, tenantId: string, id: string): Promise<boolean> {
    return (await q.execute(`DELETE FROM ${this.table} WHERE tenant_id = $1 AND id = $2::uuid`, tenantId, id)) > 0;
  }

  page(q: Transaction, tenantId: string, request: PageRequest): Promise<ResourcePage> {
    return pageOf(q, this.table, '', tenantId, request);
  }

  private write(q: Transaction, sql: string, tenantId: string, id: string, write: LinkedWrite): Promise<ResourceRow[]> {
    const params: unknown[] = [
      tenantId,
      id,
      write.name,
      write.externalId ?? null,
      JSON.stringify(write.document),
      JSON.stringify(write.search),
    ];
    if (this.lifecycle) params.push(write.active, write.expiresAt ?? null);
    return q.rows<ResourceRow[]>(sql, ...params);
  }
}
