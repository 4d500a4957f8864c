import type { JsonObject } from '../scim/resource/json.js';
import type { Transaction } from './db.js';
import { translateError } from './errors.js';
import { eventsParameter, withEvents, type EventToAppend } from './outbox.js';
import { preparedSql } from './prepared-sql.js';
import { userGroupsColumn } from './membership-sql.js';
import { firstRow, pageOf, RESOURCE_COLUMNS } from './resource-page.js';
import {
  toStoredResource,
  type PageRequest,
  type ResourcePage,
  type ResourceRow,
  type StoredResource,
} from './resource-rows.js';

/** The columns a user write sets; the rest (version, timestamps) the database keeps. */
export interface UserWrite {
  readonly userName: string;
  readonly externalId: string | undefined;
  readonly active: boolean;
  readonly document: JsonObject;
  readonly search: JsonObject;
  /** undefined keeps the stored hash (a write without a password does not erase it). */
  readonly passwordHash: string | undefined;
}

/**
 * The columns with User.groups (RFC 7643 §4.1.2) read in the same statement as the row, for a
 * response that shows them: one round trip where a second query used to follow. Statements that
 * serve no such response (a read before a change, a lock before a delete) leave them out.
 */
const COLUMNS_WITH_GROUPS = `${RESOURCE_COLUMNS}, ${userGroupsColumn()}`;
const columns = (withGroups: boolean) => (withGroups ? COLUMNS_WITH_GROUPS : RESOURCE_COLUMNS);

// The hot statements, prepared once per connection. No INSERT reads groups: a user being created
// is in none, as a membership needs the committed user row (MemberStore.kinds locks it).
const INSERT = preparedSql(
  withEvents(
    `INSERT INTO scim_users AS r (tenant_id, id, user_name, external_id, active, document, search, password_hash)
VALUES ($1, $2::uuid, $3, $4, $5, $6::jsonb, $7::jsonb, $8)
RETURNING ${RESOURCE_COLUMNS}`,
    9,
    10,
  ),
);
const findSql = (withGroups: boolean) =>
  preparedSql(
    `SELECT ${columns(withGroups)} FROM scim_users r WHERE r.tenant_id = $1 AND r.id = $2::uuid AND r.deleted_at IS NULL`,
  );
const FIND = findSql(false);
const FIND_WITH_GROUPS = findSql(true);
const FIND_FOR_UPDATE = preparedSql(`${FIND} FOR UPDATE`);
const SET = `SET user_name = $3, external_id = $4, active = $5, document = $6::jsonb, search = $7::jsonb,
       password_hash = coalesce($8, password_hash), version = version + 1, updated_at = now()`;
const updateSql = (withGroups: boolean) =>
  preparedSql(`UPDATE scim_users AS r
   ${SET}
 WHERE r.tenant_id = $1 AND r.id = $2::uuid AND r.deleted_at IS NULL
RETURNING ${columns(withGroups)}`);
const UPDATE = updateSql(false);
const UPDATE_WITH_GROUPS = updateSql(true);
const updateIfVersionSql = (withGroups: boolean) =>
  preparedSql(
    withEvents(
      `UPDATE scim_users AS r
   ${SET}
 WHERE r.tenant_id = $1 AND r.id = $2::uuid AND r.deleted_at IS NULL AND r.version = $9
RETURNING ${columns(withGroups)}`,
      10,
      11,
    ),
  );
const UPDATE_IF_VERSION = updateIfVersionSql(false);
const UPDATE_IF_VERSION_WITH_GROUPS = updateIfVersionSql(true);

/** Runs one of the writing statements: $1 tenant, $2 id, $3–$8 the columns, then any extra. */
async function write(
  q: Transaction,
  sql: string,
  tenantId: string,
  id: string,
  user: UserWrite,
  ...extra: unknown[]
): Promise<ResourceRow[]> {
  try {
    return await q.rows<ResourceRow[]>(
      sql,
      tenantId,
      id,
      user.userName,
      user.externalId ?? null,
      user.active,
      JSON.stringify(user.document),
      JSON.stringify(user.search),
      user.passwordHash ?? null,
      ...extra,
    );
  } catch (error) {
    throw translateError(error);
  }
}

/** Users of one tenant. Every statement is scoped by tenant_id and served by a tenant-led index. */
export class UserStore {
  /**
   * Inserts the user and appends its events in the same statement (see withEvents). Throws
   * UniqueViolation when the userName is taken in the tenant (case-insensitively).
   */
  async insert(
    q: Transaction,
    tenantId: string,
    id: string,
    user: UserWrite,
    events: readonly EventToAppend[],
    fence?: number,
  ): Promise<StoredResource> {
    return toStoredResource(
      firstRow(await write(q, INSERT, tenantId, id, user, eventsParameter(events), fence ?? null)),
    );
  }

  /**
   * With lock: the row stays locked until the transaction ends, so read-modify-write is safe (a
   * locked read is for changing the user, never for showing its groups). With withGroups: the
   * user's groups, in the same statement.
   */
  async find(
    q: Transaction,
    tenantId: string,
    id: string,
    options: { readonly lock: true } | { readonly lock?: false; readonly withGroups?: boolean } = {},
  ): Promise<StoredResource | undefined> {
    const sql = options.lock === true ? FIND_FOR_UPDATE : options.withGroups === true ? FIND_WITH_GROUPS : FIND;
    const rows = await q.rows<ResourceRow[]>(sql, tenantId, id);
    const row = rows[0];
    return row === undefined ? undefined : toStoredResource(row);
  }

  /** Throws UniqueViolation when a rename takes a userName in use. withGroups: as find(). */
  async update(
    q: Transaction,
    tenantId: string,
    id: string,
    user: UserWrite,
    withGroups: boolean,
  ): Promise<StoredResource> {
    return toStoredResource(firstRow(await write(q, withGroups ? UPDATE_WITH_GROUPS : UPDATE, tenantId, id, user)));
  }

  /**
   * Compare-and-set: writes only if the user is still at `version`, in one statement that
   * commits on its own with its events. Undefined, and no event appended, when another write
   * got there first (or the user is gone). Throws UniqueViolation like update(). withGroups: as
   * find(); withEvents() hands the written row's columns, groups included, through.
   */
  async updateIfVersion(
    q: Transaction,
    tenantId: string,
    id: string,
    version: number,
    user: UserWrite,
    events: readonly EventToAppend[],
    withGroups: boolean,
    fence?: number,
  ): Promise<StoredResource | undefined> {
    const sql = withGroups ? UPDATE_IF_VERSION_WITH_GROUPS : UPDATE_IF_VERSION;
    const row = (await write(q, sql, tenantId, id, user, version, eventsParameter(events), fence ?? null))[0];
    return row === undefined ? undefined : toStoredResource(row);
  }

  /**
   * Soft delete (the tenant's "deactivate" policy): the user leaves SCIM (every SCIM query asks
   * for deleted_at IS NULL, and the unique userName index too, so the name is free again) but
   * stays in the table, inactive, for the app. Undefined when there was no such user.
   */
  async softDelete(q: Transaction, tenantId: string, id: string): Promise<StoredResource | undefined> {
    const rows = await q.rows<ResourceRow[]>(
      `UPDATE scim_users
          SET deleted_at = now(), active = false, version = version + 1, updated_at = now(),
              document = jsonb_set(document, '{active}', 'false'),
              search = jsonb_set(search, '{active}', 'false')
        WHERE tenant_id = $1 AND id = $2::uuid AND deleted_at IS NULL
       RETURNING id, document, version, created_at, updated_at`,
      tenantId,
      id,
    );
    const row = rows[0];
    return row === undefined ? undefined : toStoredResource(row);
  }

  /**
   * A user as the app may still read it, soft-deleted or not, with when it was deleted, and its
   * groups, in the same statement: none for a deleted one, which left them when it was deleted.
   */
  async findForApp(
    q: Transaction,
    tenantId: string,
    id: string,
  ): Promise<(StoredResource & { deletedAt: Date | undefined }) | undefined> {
    const rows = await q.rows<(ResourceRow & { deleted_at: Date | null })[]>(
      `SELECT ${COLUMNS_WITH_GROUPS}, r.deleted_at FROM scim_users r
        WHERE r.tenant_id = $1 AND r.id = $2::uuid`,
      tenantId,
      id,
    );
    const row = rows[0];
    return row === undefined ? undefined : { ...toStoredResource(row), deletedAt: row.deleted_at ?? undefined };
  }

  /** Deletes the user row; false when there was no such user. Memberships: MemberStore. */
  async delete(q: Transaction, tenantId: string, id: string): Promise<boolean> {
    const deleted = await q.execute(
      `DELETE FROM scim_users WHERE tenant_id = $1 AND id = $2::uuid AND deleted_at IS NULL`,
      tenantId,
      id,
    );
    return deleted > 0;
  }

  /** withGroups: each user's groups, in the statement that reads the page (as find()). */
  async page(q: Transaction, tenantId: string, request: PageRequest, withGroups: boolean): Promise<ResourcePage> {
    return pageOf(q, 'scim_users', 'AND r.deleted_at IS NULL', tenantId, request, columns(withGroups));
  }
}
