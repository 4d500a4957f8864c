import type { Transaction } from './db.js';
import { preparedSql } from './prepared-sql.js';

/** A reference as scim_references keeps it. */
export interface ReferenceRow {
  readonly sourceId: string;
  readonly sourceType: string;
  readonly attribute: string;
  readonly targetId: string;
  readonly targetType: string;
}

/**
 * Where each type that can be referenced lives, which of its rows are in SCIM (a user deleted
 * under the "deactivate" policy is not), and what its references show as `display`.
 */
interface Target {
  readonly table: string;
  readonly live: string;
  /** The display name of the row aliased `a`. */
  readonly display: (a: string) => string;
}

const named = (a: string) => `coalesce(${a}.document ->> 'displayName', ${a}.name)`;

const TARGETS: Readonly<Record<string, Target>> = {
  User: {
    table: 'scim_users',
    live: 'deleted_at IS NULL',
    display: (a) => `coalesce(${a}.document ->> 'displayName', ${a}.user_name)`,
  },
  Group: { table: 'scim_groups', live: 'true', display: (a) => `${a}.display_name` },
  Agent: { table: 'scim_agents', live: 'true', display: named },
  AgenticApplication: { table: 'scim_agentic_applications', live: 'true', display: named },
};

function target(type: string): Target {
  const found = TARGETS[type];
  if (found === undefined) throw new Error(`no resource type ${type} can be referenced`);
  return found;
}

interface Row {
  source_id: string;
  source_type: string;
  attribute: string;
  target_id: string;
  target_type: string;
}

const toReference = (r: Row): ReferenceRow => ({
  sourceId: r.source_id,
  sourceType: r.source_type,
  attribute: r.attribute,
  targetId: r.target_id,
  targetType: r.target_type,
});

/**
 * References between resources of a tenant (migration 20261208000000_agents). Checking a target
 * holds it FOR KEY SHARE until the writer commits: a concurrent deletion of it waits, then finds
 * the new reference and removes it, so none is left pointing at nothing.
 */
export class ReferenceStore {
  /** Which of the ids are resources of one of the types, and of which; the ones found are held. */
  async kinds(
    q: Transaction,
    tenantId: string,
    ids: readonly string[],
    types: readonly string[],
  ): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    // Postgres allows no locking clause on a UNION itself: one CTE per type.
    const ctes = types.map(
      (type, i) =>
        `t${i} AS (SELECT id FROM ${target(type).table} WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND ${target(type).live} FOR KEY SHARE)`,
    );
    const selects = types.map((type, i) => `SELECT id, '${type}' AS type FROM t${i}`);
    const rows = await q.rows<{ id: string; type: string }[]>(
      `WITH ${ctes.join(', ')} ${selects.join(' UNION ALL ')}`,
      tenantId,
      ids,
    );
    return new Map(rows.map((r) => [r.id, r.type]));
  }

  /** Sets a source's references of one attribute to exactly these. */
  async replace(
    q: Transaction,
    tenantId: string,
    source: { readonly id: string; readonly type: string },
    attribute: string,
    targets: readonly { readonly id: string; readonly type: string }[],
  ): Promise<void> {
    await q.execute(
      preparedSql(`WITH gone AS (
         DELETE FROM scim_references WHERE tenant_id = $1 AND source_id = $2::uuid AND attribute = $3
           AND NOT (target_id = ANY($5::uuid[]))
       )
       INSERT INTO scim_references (tenant_id, source_id, attribute, target_id, source_type, target_type)
       SELECT $1, $2::uuid, $3, t.id, $4, t.type FROM unnest($5::uuid[], $6::text[]) AS t(id, type)
       ON CONFLICT DO NOTHING`),
      tenantId,
      source.id,
      attribute,
      source.type,
      targets.map((t) => t.id),
      targets.map((t) => t.type),
    );
  }

  /** A deleted resource's own references. */
  async removeSource(q: Transaction, tenantId: string, sourceId: string): Promise<void> {
    await q.execute(`DELETE FROM scim_references WHERE tenant_id = $1 AND source_id = $2::uuid`, tenantId, sourceId);
  }

  /** The references to a resource leaving SCIM, removed; the caller updates their sources. */
  async removeTarget(q: Transaction, tenantId: string, targetId: string): Promise<ReferenceRow[]> {
    const rows = await q.rows<Row[]>(
      preparedSql(`DELETE FROM scim_references WHERE tenant_id = $1 AND target_id = $2::uuid
       RETURNING source_id, source_type, attribute, target_id, target_type`),
      tenantId,
      targetId,
    );
    return rows.map(toReference).sort((a, b) => (a.sourceId < b.sourceId ? -1 : a.sourceId > b.sourceId ? 1 : 0));
  }

  /** The references to these resources through one attribute of one type (Agent applications). */
  async to(
    q: Transaction,
    tenantId: string,
    targetIds: readonly string[],
    sourceType: string,
    attribute: string,
  ): Promise<ReferenceRow[]> {
    if (targetIds.length === 0) return [];
    const rows = await q.rows<Row[]>(
      `SELECT source_id, source_type, attribute, target_id, target_type FROM scim_references
        WHERE tenant_id = $1 AND target_id = ANY($2::uuid[]) AND source_type = $3 AND attribute = $4
        ORDER BY source_id`,
      tenantId,
      targetIds,
      sourceType,
      attribute,
    );
    return rows.map(toReference);
  }

  /** The resources that reference this one (through `attribute`, if given), by type, each once. */
  async holdersOf(
    q: Transaction,
    tenantId: string,
    targetId: string,
    attribute?: string,
  ): Promise<Map<string, string[]>> {
    const rows = await q.rows<{ source_id: string; source_type: string }[]>(
      `SELECT DISTINCT source_id, source_type FROM scim_references
        WHERE tenant_id = $1 AND target_id = $2::uuid AND ($3::text IS NULL OR attribute = $3)
        ORDER BY source_type, source_id`,
      tenantId,
      targetId,
      attribute ?? null,
    );
    const byType = new Map<string, string[]>();
    for (const r of rows) byType.set(r.source_type, [...(byType.get(r.source_type) ?? []), r.source_id]);
    return byType;
  }

  /** The current display names of referenced resources, by id. */
  async displays(
    q: Transaction,
    tenantId: string,
    refs: readonly { readonly id: string; readonly type: string }[],
  ): Promise<Map<string, string>> {
    const byType = new Map<string, string[]>();
    for (const ref of refs) byType.set(ref.type, [...(byType.get(ref.type) ?? []), ref.id]);
    if (byType.size === 0) return new Map();
    const params: unknown[] = [tenantId];
    const selects = [...byType].map(([type, ids]) => {
      params.push(ids);
      const { table, display } = target(type);
      return `SELECT t.id, ${display('t')} AS display FROM ${table} t WHERE t.tenant_id = $1 AND t.id = ANY($${params.length}::uuid[])`;
    });
    const rows = await q.rows<{ id: string; display: string | null }[]>(selects.join(' UNION ALL '), ...params);
    return new Map(rows.flatMap((r) => (r.display === null ? [] : [[r.id, r.display] as [string, string]])));
  }

  /**
   * Of these agents, the active ones none of whose owners is still provisioned (an active user
   * in SCIM, or a group), among those that have had an owner: an agent with no owner rows left
   * qualifies only when `lostOwners` names it (its last owner was just removed).
   */
  async ownerless(
    q: Transaction,
    tenantId: string,
    agentIds: readonly string[],
    lostOwners: readonly string[],
  ): Promise<string[]> {
    if (agentIds.length === 0) return [];
    const rows = await q.rows<{ id: string }[]>(
      `SELECT a.id FROM scim_agents a
        WHERE a.tenant_id = $1 AND a.id = ANY($2::uuid[]) AND a.active
          AND (a.id = ANY($3::uuid[]) OR EXISTS (
                SELECT 1 FROM scim_references r WHERE r.tenant_id = $1 AND r.source_id = a.id AND r.attribute = 'owners'))
          AND NOT EXISTS (
                SELECT 1 FROM scim_references r
                  LEFT JOIN scim_users u ON r.target_type = 'User' AND u.tenant_id = r.tenant_id AND u.id = r.target_id
                 WHERE r.tenant_id = $1 AND r.source_id = a.id AND r.attribute = 'owners'
                   AND (r.target_type = 'Group' OR (u.active AND u.deleted_at IS NULL)))
        ORDER BY a.id`,
      tenantId,
      agentIds,
      lostOwners,
    );
    return rows.map((r) => r.id);
  }

  /** Whether `id` is `start` or one of its ancestors through parent references (a cycle to refuse). */
  async isAncestorOrSelf(q: Transaction, tenantId: string, start: string, id: string): Promise<boolean> {
    const rows = await q.rows<{ found: boolean }[]>(
      // UNION (not ALL) drops an id met again, so the walk ends however long the chain, even on
      // a cycle written beside the service.
      `WITH RECURSIVE chain(id) AS (
         SELECT $2::uuid
         UNION
         SELECT r.target_id FROM chain c
           JOIN scim_references r ON r.tenant_id = $1 AND r.source_id = c.id AND r.attribute = 'parent'
       )
       SELECT EXISTS (SELECT 1 FROM chain WHERE id = $3::uuid) AS found`,
      tenantId,
      start,
      id,
    );
    return rows[0]?.found === true;
  }

  /**
   * The resources of `sourceType` whose `attribute` references these, with their display names and
   * the `carry` sub-attribute of the referencing value, read from the source's document.
   */
  async reverse(
    q: Transaction,
    tenantId: string,
    targetIds: readonly string[],
    source: { readonly type: string; readonly attribute: string; readonly carry: string | undefined },
  ): Promise<ReverseReference[]> {
    if (targetIds.length === 0) return [];
    const { table, display } = target(source.type);
    const rows = await q.rows<
      { target_id: string; source_id: string; display: string | null; carried: string | null }[]
    >(
      `SELECT r.target_id, r.source_id, ${display('s')} AS display,
              (SELECT e ->> $5 FROM jsonb_array_elements(s.document -> $4) e
                WHERE lower(e ->> 'value') = r.target_id::text LIMIT 1) AS carried
         FROM scim_references r JOIN ${table} s ON s.tenant_id = r.tenant_id AND s.id = r.source_id
        WHERE r.tenant_id = $1 AND r.target_id = ANY($2::uuid[]) AND r.source_type = $3 AND r.attribute = $4
        ORDER BY r.target_id, s.created_at, s.id`,
      tenantId,
      targetIds,
      source.type,
      source.attribute,
      source.carry ?? 'type',
    );
    return rows.map((r) => ({
      targetId: r.target_id,
      sourceId: r.source_id,
      display: r.display ?? '',
      carried: source.carry === undefined ? undefined : (r.carried ?? undefined),
    }));
  }
}

/** A resource that references another, as the referenced one shows it (Agent applications). */
export interface ReverseReference {
  readonly targetId: string;
  readonly sourceId: string;
  readonly display: string;
  /** The referencing value's sub-attribute asked for, if it has one. */
  readonly carried: string | undefined;
}
