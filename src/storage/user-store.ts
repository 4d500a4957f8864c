import type { JsonObject } from '../scim/resource/json.js';
import type { Transaction } from './db.js';
import { translateError } from './errors.js';
import { eventsParameter, withEvents, type EventToAppend } from './outbox.js';
import { preparedSql } from './prepared-sql.js';
import { firstRow, pageOf } from './resource-page.js';
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

// A scalar subquery with LIMIT, not EXISTS: Postgres may turn an EXISTS into a hashed subplan
// that reads every membership of the tenant to answer for one user.
const IN_GROUPS = (alias: string) =>
  `coalesce((SELECT true FROM scim_group_members m WHERE m.tenant_id = ${alias}.tenant_id AND m.member_id = ${alias}.id LIMIT 1), false) AS in_groups`;
const RETURNING = `id, document, version, created_at, updated_at, ${IN_GROUPS('scim_users')}`;

// The hot statements, prepared once per connection.
const INSERT_ROW = `INSERT INTO scim_users (tenant_id, id, user_name, external_id, active, document, search, password_hash)
VALUES ($1, $2::uuid, $3, $4, $5, $6::jsonb, $7::jsonb, $8)
RETURNING ${RETURNING}`;
const INSERT = preparedSql(withEvents(INSERT_ROW, 9, 10));
const FIND = preparedSql(
  `SELECT ${RETURNING} FROM scim_users WHERE tenant_id = $1 AND id = $2::uuid AND deleted_at IS NULL`,
);
const FIND_FOR_UPDATE = preparedSql(`${FIND} FOR UPDATE`);
const UPDATE = preparedSql(`UPDATE scim_users
   SET user_name = $3, external_id = $4, active = $5, document = $6::jsonb, search = $7::jsonb,
       password_hash = coalesce($8, password_hash), version = version + 1, updated_at = now()
 WHERE tenant_id = $1 AND id = $2::uuid AND deleted_at IS NULL
RETURNING ${RETURNING}`);
const UPDATE_IF_VERSION = preparedSql(
  withEvents(
    `UPDATE scim_users
   SET user_name = $3, external_id = $4, active = $5, document = $6::jsonb, search = $7::jsonb,
       password_hash = coalesce($8, password_hash), version = version + 1, updated_at = now()
 WHERE tenant_id = $1 AND id = $2::uuid AND deleted_at IS NULL AND version = $9
RETURNING ${RETURNING}`,
    10,
    11,
  ),
);

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

  /** With lock: the row stays locked until the transaction ends, so read-modify-write is safe. */
  async find(q: Transaction, tenantId: string, id: string, lock = false): Promise<StoredResource | undefined> {
    const rows = await q.rows<ResourceRow[]>(lock ? FIND_FOR_UPDATE : FIND, tenantId, id);
    const row = rows[0];
    return row === undefined ? undefined : toStoredResource(row);
  }

  /** Throws UniqueViolation when a rename takes a userName in use. */
  async update(q: Transaction, tenantId: string, id: string, user: UserWrite): Promise<StoredResource> {
    return toStoredResource(firstRow(await write(q, UPDATE, tenantId, id, user)));
  }

  /**
   * Compare-and-set: writes only if the user is still at `version`, in one statement that
   * commits on its own with its events. Undefined, and no event appended, when another write
   * got there first (or the user is gone). Throws UniqueViolation like update().
   */
  async updateIfVersion(
    q: Transaction,
    tenantId: string,
    id: string,
    version: number,
    user: UserWrite,
    events: readonly EventToAppend[],
    fence?: number,
  ): Promise<StoredResource | undefined> {
    const row = (
      await write(q, UPDATE_IF_VERSION, tenantId, id, user, version, eventsParameter(events), fence ?? null)
    )[0];
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

  /** A user as the app may still read it, soft-deleted or not, with when it was deleted. */
  async findForApp(
    q: Transaction,
    tenantId: string,
    id: string,
  ): Promise<(StoredResource & { deletedAt: Date | undefined }) | undefined> {
    const rows = await q.rows<(ResourceRow & { deleted_at: Date | null })[]>(
      `SELECT id, document, version, created_at, updated_at, deleted_at FROM scim_users
        WHERE tenant_id = $1 AND id = $2::uuid`,
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

  async page(q: Transaction, tenantId: string, request: PageRequest): Promise<ResourcePage> {
    return pageOf(q, 'scim_users', 'AND r.deleted_at IS NULL', tenantId, request, `, ${IN_GROUPS('r')}`);
  }
}
