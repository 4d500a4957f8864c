import type { JsonObject } from '../scim/resource/json.js';
import type { Transaction } from './db.js';
import {
  toStoredResource,
  type PageRequest,
  type ResourcePage,
  type ResourceRow,
  type StoredResource,
} from './resource-rows.js';
import { eventsParameter, withMembershipEvents, type EventToAppend } from './outbox.js';
import { preparedSql } from './prepared-sql.js';
import { firstRow, pageOf } from './resource-page.js';

export interface GroupWrite {
  readonly displayName: string;
  readonly externalId: string | undefined;
  readonly document: JsonObject;
  readonly search: JsonObject;
}

const RETURNING = 'id, document, version, created_at, updated_at';
const TOUCH = `UPDATE scim_groups AS r SET version = version + 1, updated_at = now() WHERE r.tenant_id = $1 AND r.id = $2::uuid
RETURNING ${RETURNING}`;
const TOUCH_WITH_EVENTS = preparedSql(withMembershipEvents(TOUCH, 3, 4));

const INSERT = `INSERT INTO scim_groups (tenant_id, id, display_name, external_id, document, search)
VALUES ($1, $2::uuid, $3, $4, $5::jsonb, $6::jsonb)
RETURNING ${RETURNING}`;
const UPDATE = `UPDATE scim_groups
   SET display_name = $3, external_id = $4, document = $5::jsonb, search = $6::jsonb,
       version = version + 1, updated_at = now()
 WHERE tenant_id = $1 AND id = $2::uuid
RETURNING ${RETURNING}`;

/** Runs one of the writing statements: $1 tenant, $2 id, $3–$6 the columns. */
function write(q: Transaction, sql: string, tenantId: string, id: string, group: GroupWrite): Promise<ResourceRow[]> {
  return q.rows<ResourceRow[]>(
    sql,
    tenantId,
    id,
    group.displayName,
    group.externalId ?? null,
    JSON.stringify(group.document),
    JSON.stringify(group.search),
  );
}

/** Groups of one tenant; their members live in MemberStore. */
export class GroupStore {
  async insert(q: Transaction, tenantId: string, id: string, group: GroupWrite): Promise<StoredResource> {
    return toStoredResource(firstRow(await write(q, INSERT, tenantId, id, group)));
  }

  async find(q: Transaction, tenantId: string, id: string, lock = false): Promise<StoredResource | undefined> {
    const rows = await q.rows<ResourceRow[]>(
      preparedSql(
        `SELECT ${RETURNING} FROM scim_groups WHERE tenant_id = $1 AND id = $2::uuid${lock ? ' FOR UPDATE' : ''}`,
      ),
      tenantId,
      id,
    );
    const row = rows[0];
    return row === undefined ? undefined : toStoredResource(row);
  }

  async update(q: Transaction, tenantId: string, id: string, group: GroupWrite): Promise<StoredResource> {
    return toStoredResource(firstRow(await write(q, UPDATE, tenantId, id, group)));
  }

  /**
   * A membership change alone still makes a new version of the group (meta.version, ETag).
   * The UPDATE also takes the row lock; undefined when there is no such group.
   */
  async touch(q: Transaction, tenantId: string, id: string): Promise<StoredResource | undefined> {
    const row = (await q.rows<ResourceRow[]>(preparedSql(TOUCH), tenantId, id))[0];
    return row === undefined ? undefined : toStoredResource(row);
  }

  /**
   * touch() and, in the same statement, the membership events of the change (outbox.ts,
   * withMembershipEvents): the last statement of a membership-only PATCH, so that writers to
   * one group hold its row lock for this statement and the commit only. `fence`: the tenant's
   * declared-schema version the request was validated at, if any.
   */
  async touchWithEvents(
    q: Transaction,
    tenantId: string,
    id: string,
    events: readonly EventToAppend[],
    fence: number | undefined,
  ): Promise<StoredResource | undefined> {
    const row = (
      await q.rows<ResourceRow[]>(TOUCH_WITH_EVENTS, tenantId, id, eventsParameter(events), fence ?? null)
    )[0];
    return row === undefined ? undefined : toStoredResource(row);
  }

  /** Deletes the group and, by cascade, its own member rows. Its memberships elsewhere: MemberStore. */
  async delete(q: Transaction, tenantId: string, id: string): Promise<boolean> {
    const deleted = await q.execute(`DELETE FROM scim_groups WHERE tenant_id = $1 AND id = $2::uuid`, tenantId, id);
    return deleted > 0;
  }

  page(q: Transaction, tenantId: string, request: PageRequest): Promise<ResourcePage> {
    return pageOf(q, 'scim_groups', '', tenantId, request);
  }
}
