import type { JsonObject, JsonValue } from '../scim/resource/json.js';
import type { Sql, Transaction } from './db.js';

/** An attribute a provider sent under an extension URN the tenant never declared. */
export interface UndeclaredAttributeRow {
  readonly resourceType: string;
  readonly urn: string;
  readonly attribute: string;
  /** How many writes carried it. */
  readonly writes: number;
  readonly firstSeen: Date;
  readonly lastSeen: Date;
}

/** A tenant's schema extension as stored: the RFC 7643 §7 body and what it extends. */
export interface TenantSchemaRow {
  readonly urn: string;
  readonly resourceType: string;
  readonly definition: JsonObject;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

interface Row {
  urn: string;
  resource_type: string;
  definition: JsonObject;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'urn, resource_type, definition, created_at, updated_at';
const toRow = (r: Row): TenantSchemaRow => ({
  urn: r.urn,
  resourceType: r.resource_type,
  definition: r.definition,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * What a tenant declares about its resources: its schema extensions (tenant_schemas), the
 * schema_version every change to them raises, and its attribute mapping, which is checked
 * against them and changed under the same lock.
 */
export class TenantSchemaStore {
  async list(q: Sql, tenantId: string): Promise<TenantSchemaRow[]> {
    const rows = await q.rows<Row[]>(
      `SELECT ${COLUMNS} FROM tenant_schemas WHERE tenant_id = $1 ORDER BY schema_key`,
      tenantId,
    );
    return rows.map(toRow);
  }

  async find(q: Sql, tenantId: string, urn: string): Promise<TenantSchemaRow | undefined> {
    const rows = await q.rows<Row[]>(
      `SELECT ${COLUMNS} FROM tenant_schemas WHERE tenant_id = $1 AND schema_key = lower($2)`,
      tenantId,
      urn,
    );
    const row = rows[0];
    return row === undefined ? undefined : toRow(row);
  }

  /**
   * Serializes the changes to one tenant's extensions until the transaction ends: the check of
   * stored values and the change it allows must not interleave with another change. An advisory
   * lock rather than the tenant row's, which every SCIM write's events hold FOR KEY SHARE.
   * False when there is no such tenant.
   */
  async lockTenant(tx: Transaction, tenantId: string): Promise<boolean> {
    const rows = await tx.rows<{ id: string }[]>(
      `SELECT id FROM tenants, pg_advisory_xact_lock(hashtextextended('tenant_schemas:' || $1, 0)) WHERE id = $1`,
      tenantId,
    );
    return rows.length > 0;
  }

  /**
   * The schema fence: raised first thing in a change to the tenant's declared extensions. FOR
   * UPDATE waits for the tenant's writes that hold its row FOR KEY SHARE (those appending events,
   * until they commit), so the stored values the change then counts include theirs; and a write
   * that reaches the row after finds the number changed and fails whole (outbox.ts). A plain
   * UPDATE would not wait: it takes the row FOR NO KEY UPDATE, which KEY SHARE does not block.
   */
  async fenceWrites(tx: Transaction, tenantId: string): Promise<void> {
    await tx.execute(
      `UPDATE tenants SET declared_version = declared_version + 1
        WHERE id = (SELECT id FROM tenants WHERE id = $1 FOR UPDATE)`,
      tenantId,
    );
  }

  /** Inserts or replaces the extension; true when it was new. Raises the tenant's schema_version. */
  async put(
    tx: Transaction,
    tenantId: string,
    urn: string,
    resourceType: string,
    definition: JsonObject,
  ): Promise<boolean> {
    const rows = await tx.rows<{ created: boolean }[]>(
      `INSERT INTO tenant_schemas (tenant_id, schema_key, urn, resource_type, definition)
       VALUES ($1, lower($2), $2, $3, $4::jsonb)
       ON CONFLICT (tenant_id, schema_key) DO UPDATE
          SET urn = EXCLUDED.urn, resource_type = EXCLUDED.resource_type, definition = EXCLUDED.definition,
              updated_at = now()
       RETURNING (xmax = 0) AS created`,
      tenantId,
      urn,
      resourceType,
      JSON.stringify(definition),
    );
    await this.raiseVersion(tx, tenantId);
    return rows[0]?.created === true;
  }

  /** False when the tenant has no such extension. Raises the tenant's schema_version. */
  async delete(tx: Transaction, tenantId: string, urn: string): Promise<boolean> {
    const deleted = await tx.execute(
      `DELETE FROM tenant_schemas WHERE tenant_id = $1 AND schema_key = lower($2)`,
      tenantId,
      urn,
    );
    if (deleted > 0) await this.raiseVersion(tx, tenantId);
    return deleted > 0;
  }

  /**
   * How many resources of the tenant (soft-deleted users included: the app still reads them)
   * hold a value for an attribute of an extension, read from the search shadow, whose keys are
   * lowercased. An admin check, not a hot path: it reads the tenant's rows once, so the
   * transaction lifts the statement timeout that bounds SCIM requests for itself.
   */
  async countWithValue(
    tx: Transaction,
    table: string,
    tenantId: string,
    urn: string,
    attribute: string,
  ): Promise<number> {
    await tx.execute('SET LOCAL statement_timeout = 0');
    const rows = await tx.rows<{ n: string }[]>(
      `SELECT count(*) AS n FROM ${table} WHERE tenant_id = $1 AND (search -> lower($2)) ? lower($3)`,
      tenantId,
      urn,
      attribute,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Every attribute the tenant's providers sent under undeclared extensions, by resource type and URN. */
  async listUndeclared(q: Sql, tenantId: string): Promise<UndeclaredAttributeRow[]> {
    const rows = await q.rows<
      { resource_type: string; urn: string; attribute: string; writes: string; first_seen: Date; last_seen: Date }[]
    >(
      `SELECT resource_type, urn, attribute, writes, first_seen, last_seen FROM tenant_undeclared_attributes
        WHERE tenant_id = $1 ORDER BY resource_type, schema_key, attribute_key`,
      tenantId,
    );
    return rows.map((r) => ({
      resourceType: r.resource_type,
      urn: r.urn,
      attribute: r.attribute,
      writes: Number(r.writes),
      firstSeen: r.first_seen,
      lastSeen: r.last_seen,
    }));
  }

  /**
   * Counts a write that carried these undeclared attributes. An attribute seen for the first time
   * raises the tenant's schema_version, so that every replica's registry learns it (and filters
   * on it) within the profile cache's 2 s; one seen before costs its row's update only. True when
   * the version was raised.
   */
  async recordUndeclared(
    q: Sql,
    tenantId: string,
    resourceType: string,
    attributes: readonly { readonly urn: string; readonly attribute: string }[],
  ): Promise<boolean> {
    if (attributes.length === 0) return false;
    const raised = await q.execute(
      `WITH upserted AS (
         INSERT INTO tenant_undeclared_attributes (tenant_id, resource_type, schema_key, attribute_key, urn, attribute)
         SELECT $1, $2, lower(x.urn), lower(x.attribute), x.urn, x.attribute
           FROM jsonb_to_recordset($3::jsonb) AS x(urn text, attribute text)
         ON CONFLICT (tenant_id, resource_type, schema_key, attribute_key)
         DO UPDATE SET writes = tenant_undeclared_attributes.writes + 1, last_seen = now()
         RETURNING (xmax = 0) AS inserted
       )
       UPDATE tenants SET schema_version = schema_version + 1
        WHERE id = $1 AND EXISTS (SELECT 1 FROM upserted WHERE inserted)`,
      tenantId,
      resourceType,
      JSON.stringify(attributes),
    );
    return raised > 0;
  }

  /** Forgets the undeclared attributes of a URN the tenant has now declared for this resource type. */
  async forgetUndeclared(tx: Transaction, tenantId: string, resourceType: string, urn: string): Promise<void> {
    await tx.execute(
      `DELETE FROM tenant_undeclared_attributes WHERE tenant_id = $1 AND resource_type = $2 AND schema_key = lower($3)`,
      tenantId,
      resourceType,
      urn,
    );
  }

  /** The stored attribute mapping; null: the default one. Undefined when there is no such tenant. */
  async attributeMapping(q: Sql, tenantId: string): Promise<JsonValue | undefined> {
    const rows = await q.rows<{ attribute_mapping: JsonValue }[]>(
      `SELECT attribute_mapping FROM tenants WHERE id = $1`,
      tenantId,
    );
    return rows[0]?.attribute_mapping;
  }

  /** Stores the mapping (null: back to the default). */
  async setAttributeMapping(tx: Transaction, tenantId: string, mapping: JsonValue | null): Promise<void> {
    await tx.execute(
      `UPDATE tenants SET attribute_mapping = $2::jsonb WHERE id = $1`,
      tenantId,
      mapping === null ? null : JSON.stringify(mapping),
    );
  }

  /**
   * How many resources hold a value for an extension attribute whose JSON type is not `jsonType`,
   * read from the documents (where the spelling is the stored one).
   */
  async countOtherThan(
    tx: Transaction,
    table: string,
    tenantId: string,
    urn: string,
    attribute: string,
    jsonType: 'string' | 'number' | 'boolean' | 'object' | 'array',
  ): Promise<number> {
    await tx.execute('SET LOCAL statement_timeout = 0');
    const rows = await tx.rows<{ n: string }[]>(
      `SELECT count(*) AS n FROM ${table}
        WHERE tenant_id = $1 AND jsonb_typeof(document -> $2 -> $3) NOT IN ($4, 'null')`,
      tenantId,
      urn,
      attribute,
      jsonType,
    );
    return Number(rows[0]?.n ?? 0);
  }

  private async raiseVersion(tx: Transaction, tenantId: string): Promise<void> {
    await tx.execute(`UPDATE tenants SET schema_version = schema_version + 1 WHERE id = $1`, tenantId);
  }
}
