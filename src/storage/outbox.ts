import type { JsonObject } from '../scim/resource/json.js';
import type { Sql, Transaction } from './db.js';
import { preparedSql } from './prepared-sql.js';
import { SchemaChanged } from './errors.js';

/** An event as a use case hands it to the outbox, inside the transaction of its change. */
export interface EventToAppend {
  readonly id: string;
  readonly type: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly externalId: string | undefined;
  readonly data: JsonObject;
  readonly changedAttributes: readonly string[];
  /** The resource through the tenant's attribute mapping; absent for member events. */
  readonly mapped?: JsonObject;
}

/** An event as the outbox holds it: numbered within its tenant once its transaction committed. */
export interface StoredEvent extends EventToAppend {
  readonly tenantId: string;
  /** Per tenant, from 1, without gaps; each resource's events in the order of its changes. */
  readonly sequence: number;
  readonly occurredAt: Date;
}

interface EventRow {
  tenant_id: string;
  sequence: string;
  id: string;
  type: string;
  resource_type: string;
  resource_id: string;
  external_id: string | null;
  data: JsonObject;
  changed_attributes: string[];
  mapped: JsonObject | null;
  occurred_at: Date;
}

const COLUMNS =
  'tenant_id, sequence, id, type, resource_type, resource_id, external_id, data, changed_attributes, mapped, occurred_at';

/*
 * Writers append to outbox_pending, never to the tenant's counter: a tenant's writes commit side
 * by side (decision 0007). Each transaction draws one position from a global sequence in its
 * last statement, after every row it changed is locked, and the sequencer (sequence() below)
 * numbers committed events per tenant in position order. The tenant row is only held FOR KEY
 * SHARE, which writers share with each other: it is the schema fence (tenant-schema-store.ts
 * takes the row FOR UPDATE to raise declared_version), and it makes an unknown tenant append
 * nothing. A rolled-back transaction leaves nothing behind but an unused position.
 */
const FENCE = (fence: string, events: string, after = '') => `fence AS (
    SELECT 1 FROM tenants WHERE id = $1 AND (${fence} IS NULL OR declared_version = ${fence})
       AND jsonb_array_length(${events}) > 0${after} FOR KEY SHARE
  ),
  drawn AS (SELECT nextval('outbox_position') AS position FROM fence)`;

const PENDING_COLUMNS =
  'position, ord, tenant_id, id, type, resource_type, resource_id, external_id, data, changed_attributes, mapped';

// PENDING_COLUMNS' values for each event e.doc of the parameter, `data` being its data and
// `externalId` the resource's externalId.
const pendingValues = (data: string, externalId = "e.doc ->> 'externalId'") => `drawn.position, e.ord, $1,
    (e.doc ->> 'id')::uuid, e.doc ->> 'type', e.doc ->> 'resourceType', (e.doc ->> 'resourceId')::uuid,
    ${externalId}, ${data},
    ARRAY(SELECT jsonb_array_elements_text(e.doc -> 'changedAttributes')), e.doc -> 'mapped'`;

const APPEND = preparedSql(`WITH ${FENCE('$3::bigint', '$2::jsonb')}
  INSERT INTO outbox_pending (${PENDING_COLUMNS})
  SELECT ${pendingValues("e.doc -> 'data'")}
    FROM drawn, jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(doc, ord)`);

// meta as the representation shows it (RFC 7643 §3.1), from the row a statement just wrote.
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Turns a statement that writes one resource row (`INSERT … RETURNING` or `UPDATE … RETURNING`,
 * with the tenant as $1) into one that also appends the events in `$eventsParam` about that row,
 * as append() does: the change and its events commit together, in the one statement, without a
 * transaction's round trips. A statement that writes no row (a lost compare-and-set) appends
 * nothing. `fenceParam` holds the tenant's declared-schema version the write was validated at
 * (or null): when a schema change raised it since, the fence finds no row and the statement
 * fails whole (SQLSTATE SC001, SchemaChanged). Each event's data.meta gets the row's created,
 * lastModified and version, which only the database knows before the statement returns.
 */
export function withEvents(statement: string, eventsParam: number, fenceParam: number): string {
  return appendingFrom(
    statement,
    eventsParam,
    fenceParam,
    pendingValues(
      `jsonb_set(e.doc -> 'data', '{meta}', coalesce(e.doc -> 'data' -> 'meta', '{}') || jsonb_build_object(
             'created', ${iso('w.created_at')}, 'lastModified', ${iso('w.updated_at')},
             'version', 'W/"' || w.version || '"'))`,
    ),
  );
}

/**
 * withEvents() for a group's membership events (member_added, member_removed), written with the
 * statement that takes the group's row: their data is the membership, kept as it is, and their
 * externalId the group's, from the row (`w.document`), which the caller has not read.
 */
export function withMembershipEvents(statement: string, eventsParam: number, fenceParam: number): string {
  return appendingFrom(statement, eventsParam, fenceParam, MEMBERSHIP_VALUES);
}

// A membership event's values: its data as given, and its group's externalId from the row.
const MEMBERSHIP_VALUES = pendingValues("e.doc -> 'data'", "w.document ->> 'externalId'");

function appendingFrom(statement: string, eventsParam: number, fenceParam: number, values: string): string {
  const { ctes, fenceHolds } = appendingCtes(eventsParam, fenceParam, values, {
    // The fence reads w, so the row is written, and locked, before the position is drawn.
    written: 'EXISTS (SELECT 1 FROM w)',
    nothingToAppend: `jsonb_array_length($${eventsParam}::jsonb) = 0`,
  });
  return `WITH w AS (${statement}),
  ${ctes}
  SELECT * FROM w
   WHERE ${fenceHolds}`;
}

/**
 * For a statement that has written the group row as CTE `w` and its new member rows as CTE
 * `added` (member_id, member_type): the CTEs that append, of the membership events in
 * `$eventsParam`, those about a member that was added, as the kind it is (data.member.value
 * and .type), and the condition the statement's final SELECT must hold for the schema fence
 * (withEvents() says how both work).
 */
export function memberAdditionEvents(eventsParam: number, fenceParam: number): { ctes: string; fenceHolds: string } {
  return appendingCtes(eventsParam, fenceParam, MEMBERSHIP_VALUES, {
    written: 'EXISTS (SELECT 1 FROM w) AND EXISTS (SELECT 1 FROM added)',
    nothingToAppend: 'NOT EXISTS (SELECT 1 FROM added)',
    only: `EXISTS (SELECT 1 FROM added a WHERE a.member_id = (e.doc -> 'data' -> 'member' ->> 'value')::uuid
                                           AND a.member_type = e.doc -> 'data' -> 'member' ->> 'type')`,
  });
}

/**
 * The CTEs that append the events in `$eventsParam` after a statement's own CTEs (the row it
 * wrote is `w`): the fence, the position drawn once `written` holds, and the pending rows
 * (`values`, of the events `only` keeps); and the condition its final SELECT must hold, which
 * fails the statement whole when the fence found a schema change (SQLSTATE SC001) unless
 * `nothingToAppend`.
 */
function appendingCtes(
  eventsParam: number,
  fenceParam: number,
  values: string,
  when: { readonly written: string; readonly nothingToAppend: string; readonly only?: string },
): { ctes: string; fenceHolds: string } {
  const events = `$${eventsParam}::jsonb`;
  const fence = `$${fenceParam}::bigint`;
  const only = when.only === undefined ? '' : ` WHERE ${when.only}`;
  return {
    ctes: `${FENCE(fence, events, ` AND ${when.written}`)},
  appended AS (
    INSERT INTO outbox_pending (${PENDING_COLUMNS})
    SELECT ${values}
      FROM drawn, w, jsonb_array_elements(${events}) WITH ORDINALITY AS e(doc, ord)${only}
  )`,
    fenceHolds: `CASE WHEN ${fence} IS NULL OR ${when.nothingToAppend} OR EXISTS (SELECT 1 FROM fence) THEN true
              ELSE scim_schema_changed() END`,
  };
}

/** The parameter withEvents() and append() read the events from. */
export function eventsParameter(events: readonly EventToAppend[]): string {
  return JSON.stringify(events.map((e) => ({ ...e, externalId: e.externalId ?? null })));
}

const SEQUENCE = preparedSql(`SELECT scim_sequence_events($1, $2) AS moved`);
const PENDING_TENANTS = preparedSql(`SELECT DISTINCT tenant_id FROM outbox_pending`);

const AFTER = preparedSql(`SELECT ${COLUMNS} FROM outbox_events
  WHERE tenant_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3`);
// One resource's events, oldest first: served by outbox_events_resource_idx (migration
// 20261207130000_resource_timeline).
const OF_RESOURCE = preparedSql(`SELECT ${COLUMNS} FROM outbox_events
  WHERE tenant_id = $1 AND resource_id = $2::uuid ORDER BY sequence LIMIT $3`);

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    tenantId: row.tenant_id,
    sequence: Number(row.sequence),
    id: row.id,
    type: row.type,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    externalId: row.external_id ?? undefined,
    data: row.data,
    changedAttributes: row.changed_attributes,
    ...(row.mapped === null ? {} : { mapped: row.mapped }),
    occurredAt: row.occurred_at,
  };
}

/**
 * The transactional outbox (STYLE.md): events are appended on the caller's transaction, so they
 * commit or roll back with the change they describe, and numbered after they committed.
 */
export class OutboxStore {
  /**
   * Appends the events in order, as the transaction's last statement: the position it draws
   * must come after every row the transaction locked. An unknown tenant appends nothing.
   */
  async append(q: Transaction, tenantId: string, events: readonly EventToAppend[], fence?: number): Promise<void> {
    if (events.length === 0) return;
    const appended = await q.execute(APPEND, tenantId, eventsParameter(events), fence ?? null);
    // The fence held the events back: the transaction's writes must go with them (SchemaChanged).
    if (fence !== undefined && appended === 0) throw new SchemaChanged('schemas changed');
  }

  /**
   * Numbers up to `maxTransactions` transactions' committed events of the tenant, moving them
   * into the outbox (scim_sequence_events, migration 20261207050000); returns how many events.
   */
  async sequence(q: Sql, tenantId: string, maxTransactions: number): Promise<number> {
    const rows = await q.rows<{ moved: number }[]>(SEQUENCE, tenantId, maxTransactions);
    return rows[0]?.moved ?? 0;
  }

  /** The tenants with committed events still waiting for their numbers. */
  async pendingTenants(q: Sql): Promise<string[]> {
    const rows = await q.rows<{ tenant_id: string }[]>(PENDING_TENANTS);
    return rows.map((r) => r.tenant_id);
  }

  /**
   * Deletes events older than the retention, a batch at a time so no statement runs long;
   * returns how many. Readers behind the retention lose them: that is what retention means.
   */
  async prune(q: Sql, retentionDays: number, batch = 10_000): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await q.execute(
        `DELETE FROM outbox_events WHERE ctid IN (
           SELECT ctid FROM outbox_events WHERE occurred_at < now() - $1 * interval '1 day' LIMIT $2)`,
        retentionDays,
        batch,
      );
      total += deleted;
      if (deleted < batch) return total;
    }
  }

  /** The tenant's events after `sequence`, oldest first. */
  async after(q: Sql, tenantId: string, sequence: number, limit: number): Promise<StoredEvent[]> {
    const rows = await q.rows<EventRow[]>(AFTER, tenantId, sequence, limit);
    return rows.map(toStoredEvent);
  }

  /** The numbered events of one resource (a user's timeline), oldest first, up to `limit`. */
  async ofResource(q: Sql, tenantId: string, resourceId: string, limit: number): Promise<StoredEvent[]> {
    const rows = await q.rows<EventRow[]>(OF_RESOURCE, tenantId, resourceId, limit);
    return rows.map(toStoredEvent);
  }
}
