import type { Sql, Transaction } from './db.js';
import { translateError } from './errors.js';
import { eventsParameter, memberAdditionEvents, type EventToAppend } from './outbox.js';
import { preparedSql } from './prepared-sql.js';
import { toStoredResource, type ResourceRow, type StoredResource } from './resource-rows.js';

export type MemberType = 'User' | 'Group';

export interface Member {
  readonly id: string;
  readonly type: MemberType;
  /** The member's current displayName (users without one: their userName). */
  readonly display: string | undefined;
}

/** A member as the membership table knows it. */
export interface MemberRef {
  readonly id: string;
  readonly type: MemberType;
}

interface MemberRow {
  member_id: string;
  member_type: MemberType;
}

const toMemberRef = (row: MemberRow): MemberRef => ({ id: row.member_id, type: row.member_type });

const ADDITION_EVENTS = memberAdditionEvents(5, 6);

/*
 * A PATCH that only adds members, as one statement (MemberStore.addToGroup): the group's new
 * version, which takes its row lock first, the members checked and held (FOR KEY SHARE, as
 * kinds() does), the rows added, and the events of those actually added. A member that is no
 * User or Group of the tenant, or not of the type given, fails the statement whole. For a group
 * that does not exist nothing is checked or written, and no row comes back.
 */
const ADD_TO_GROUP = preparedSql(`WITH w AS (
    UPDATE scim_groups AS r SET version = version + 1, updated_at = now()
     WHERE r.tenant_id = $1 AND r.id = $2::uuid
    RETURNING r.id, r.document, r.version, r.created_at, r.updated_at
  ), wanted AS (
    SELECT c.id, c.type, c.ord FROM unnest($3::uuid[], $4::text[]) WITH ORDINALITY AS c(id, type, ord)
  ), users AS (
    SELECT id FROM scim_users
     WHERE tenant_id = $1 AND id = ANY($3::uuid[]) AND deleted_at IS NULL AND EXISTS (SELECT 1 FROM w) FOR KEY SHARE
  ), groups AS (
    SELECT id FROM scim_groups WHERE tenant_id = $1 AND id = ANY($3::uuid[]) AND EXISTS (SELECT 1 FROM w) FOR KEY SHARE
  ), kinds AS (
    SELECT c.id, c.type, c.ord,
           coalesce((SELECT 'User' FROM users u WHERE u.id = c.id), (SELECT 'Group' FROM groups g WHERE g.id = c.id)) AS kind
      FROM wanted c
  ), refused AS (
    SELECT id, kind FROM kinds
     WHERE EXISTS (SELECT 1 FROM w) AND (kind IS NULL OR kind <> coalesce(type, kind)) ORDER BY ord LIMIT 1
  ), added AS (
    INSERT INTO scim_group_members (tenant_id, group_id, member_id, member_type)
    SELECT $1, $2::uuid, k.id, k.kind FROM kinds k
     WHERE k.kind IS NOT NULL AND EXISTS (SELECT 1 FROM w) AND NOT EXISTS (SELECT 1 FROM refused) ORDER BY k.ord
    ON CONFLICT DO NOTHING
    RETURNING member_id, member_type
  ),
  ${ADDITION_EVENTS.ctes}
  SELECT w.id, w.document, w.version, w.created_at, w.updated_at
    FROM w
   WHERE ${ADDITION_EVENTS.fenceHolds}
     AND coalesce((SELECT scim_member_refused(id, kind) FROM refused), true)`);

/**
 * Direct memberships, one row each, so changing k members of a group of n costs O(k)
 * (docs/architecture.md, "Memberships").
 */
export class MemberStore {
  /** Which of the ids name a user or a group of the tenant, and which kind each is. */
  async kinds(q: Transaction, tenantId: string, ids: readonly string[]): Promise<Map<string, MemberType>> {
    if (ids.length === 0) return new Map();
    // FOR KEY SHARE holds the members until the membership rows commit: a concurrent DELETE of
    // one of them waits, then removes the new membership too, instead of leaving it dangling.
    // (Postgres allows no locking clause on a UNION itself, hence the two CTEs.)
    const rows = await q.rows<{ id: string; type: MemberType }[]>(
      preparedSql(`WITH users AS (
         SELECT id FROM scim_users WHERE tenant_id = $1 AND id = ANY($2::uuid[]) AND deleted_at IS NULL FOR KEY SHARE
       ), groups AS (
         SELECT id FROM scim_groups WHERE tenant_id = $1 AND id = ANY($2::uuid[]) FOR KEY SHARE
       )
       SELECT id, 'User' AS type FROM users UNION ALL SELECT id, 'Group' AS type FROM groups`),
      tenantId,
      ids,
    );
    return new Map(rows.map((r) => [r.id, r.type]));
  }

  /**
   * Adds members to a group, gives it its new version and appends the events of the members
   * actually added, in one statement outside any transaction (ADD_TO_GROUP): writers to one group
   * hold its row lock for this statement only. `members` must name each id once; `events` holds
   * member_added events for them, of each kind a member may be: those of the members added, as
   * the kind each is, are kept. Undefined when there is no such group; throws MemberRefused,
   * having written nothing, for a member that is not one of the tenant's Users or Groups or not
   * of the type given. `fence`: the declared-schema version the request was validated at.
   */
  async addToGroup(
    q: Sql,
    tenantId: string,
    groupId: string,
    members: readonly { readonly value: string; readonly type: MemberType | undefined }[],
    events: readonly EventToAppend[],
    fence: number | undefined,
  ): Promise<StoredResource | undefined> {
    try {
      const rows = await q.rows<ResourceRow[]>(
        ADD_TO_GROUP,
        tenantId,
        groupId,
        members.map((m) => m.value),
        members.map((m) => m.type ?? null),
        eventsParameter(events),
        fence ?? null,
      );
      const row = rows[0];
      return row === undefined ? undefined : toStoredResource(row);
    } catch (error) {
      throw translateError(error);
    }
  }

  /**
   * Removes a deleted user's or group's memberships everywhere, and gives every group that lost
   * it a new version, so a cached copy of those groups (ETag) is no longer taken as current.
   * Returns those groups, for their member_removed events.
   */
  async removeEverywhere(
    q: Transaction,
    tenantId: string,
    memberId: string,
  ): Promise<{ id: string; externalId: string | undefined }[]> {
    const rows = await q.rows<{ id: string; external_id: string | null }[]>(
      `WITH removed AS (
         DELETE FROM scim_group_members WHERE tenant_id = $1 AND member_id = $2::uuid RETURNING group_id
       )
       UPDATE scim_groups SET version = version + 1, updated_at = now()
        WHERE tenant_id = $1 AND id IN (SELECT group_id FROM removed)
       RETURNING id, external_id`,
      tenantId,
      memberId,
    );
    return rows
      .map((r) => ({ id: r.id, externalId: r.external_id ?? undefined }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Adds members; ones already there are left as they are. Returns the members actually added. */
  async add(q: Transaction, tenantId: string, groupId: string, members: readonly MemberRef[]): Promise<MemberRef[]> {
    if (members.length === 0) return [];
    const rows = await q.rows<MemberRow[]>(
      preparedSql(`INSERT INTO scim_group_members (tenant_id, group_id, member_id, member_type)
       SELECT $1, $2::uuid, m.id, m.type FROM unnest($3::uuid[], $4::text[]) AS m(id, type)
       ON CONFLICT DO NOTHING
       RETURNING member_id, member_type`),
      tenantId,
      groupId,
      members.map((m) => m.id),
      members.map((m) => m.type),
    );
    return rows.map(toMemberRef);
  }

  /** Removes the listed members; returns those that were members. */
  async remove(q: Transaction, tenantId: string, groupId: string, ids: readonly string[]): Promise<MemberRef[]> {
    if (ids.length === 0) return [];
    const rows = await q.rows<MemberRow[]>(
      `DELETE FROM scim_group_members WHERE tenant_id = $1 AND group_id = $2::uuid AND member_id = ANY($3::uuid[])
       RETURNING member_id, member_type`,
      tenantId,
      groupId,
      ids,
    );
    return rows.map(toMemberRef);
  }

  /** Removes every member; returns them. */
  async clear(q: Transaction, tenantId: string, groupId: string): Promise<MemberRef[]> {
    const rows = await q.rows<MemberRow[]>(
      `DELETE FROM scim_group_members WHERE tenant_id = $1 AND group_id = $2::uuid RETURNING member_id, member_type`,
      tenantId,
      groupId,
    );
    return rows.map(toMemberRef);
  }

  /** Members of several groups at once (one list page), in the order they were added. */
  async ofGroups(q: Transaction, tenantId: string, groupIds: readonly string[]): Promise<Map<string, Member[]>> {
    const result = new Map<string, Member[]>(groupIds.map((id) => [id, []]));
    if (groupIds.length === 0) return result;
    const rows = await q.rows<
      { group_id: string; member_id: string; member_type: MemberType; display: string | null }[]
    >(
      `SELECT m.group_id, m.member_id, m.member_type,
              coalesce(u.document ->> 'displayName', u.user_name, g.display_name) AS display
         FROM scim_group_members m
         LEFT JOIN scim_users u ON m.member_type = 'User' AND u.tenant_id = m.tenant_id AND u.id = m.member_id
         LEFT JOIN scim_groups g ON m.member_type = 'Group' AND g.tenant_id = m.tenant_id AND g.id = m.member_id
        WHERE m.tenant_id = $1 AND m.group_id = ANY($2::uuid[])
        ORDER BY m.created_at, m.member_id`,
      tenantId,
      groupIds,
    );
    for (const row of rows) {
      result.get(row.group_id)?.push({ id: row.member_id, type: row.member_type, display: row.display ?? undefined });
    }
    return result;
  }
}
