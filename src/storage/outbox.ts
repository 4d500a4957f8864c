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

/** An event as the outbox holds it: numbered within its tenant. */
export interface StoredEvent extends EventToAppend {
  readonly tenantId: string;
  /** Per tenant, from 1, without gaps, in commit order. */
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
 * The tenant's counter is raised in the writing transaction, which holds the tenant row's lock
 * from here to its commit: a tenant's events are numbered in commit order, without gaps, and a
 * reader that has seen sequence n has seen every event below it (docs/events.md, "Order").
 * A rolled-back transaction rolls its increment back with its events.
 */
const APPEND = preparedSql(`WITH counter AS (
    UPDATE tenants SET event_sequence = event_sequence + jsonb_array_length($2::jsonb)
     WHERE id = $1 AND ($3::bigint IS NULL OR declared_version = $3::bigint) RETURNING event_sequence
  )
  INSERT INTO outbox_events (tenant_id, sequence, id, type, resource_type, resource_id, external_id, data, changed_attributes, mapped)
  SELECT $1, counter.event_sequence - jsonb_array_length($2::jsonb) + e.ord,
         (e.doc ->> 'id')::uuid, e.doc ->> 'type', e.doc ->> 'resourceType', (e.doc ->> 'resourceId')::uuid,
         e.doc ->> 'externalId', e.doc -> 'data',
         ARRAY(SELECT jsonb_array_elements_text(e.doc -> 'changedAttributes')), e.doc -> 'mapped'
    FROM counter, jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(doc, ord)
  RETURNING ${COLUMNS}`);

// meta as the representation shows it (RFC 7643 §3.1), from the row a statement just wrote.
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * Turns a statement that writes one resource row (`INSERT … RETURNING` or `UPDATE … RETURNING`,
 * with the tenant as $1) into one that also appends the events in `$eventsParam` about that row,
 * numbered as append() numbers them: the change and its events commit together, in the one
 * statement, without a transaction's round trips. A statement that writes no row (a lost
 * compare-and-set) appends nothing. `fenceParam` holds the tenant's declared-schema version the
 * write was validated at (or null): when a schema change raised it since, the counter update finds
 * no row and the statement fails whole (SQLSTATE SC001, SchemaChanged). Each event's data.meta gets the row's created, lastModified
 * and version, which only the database knows before the statement returns.
 */
export function withEvents(statement: string, eventsParam: number, fenceParam: number): string {
  const events = `$${eventsParam}::jsonb`;
  const fence = `$${fenceParam}::bigint`;
  return `WITH w AS (${statement}),
  counter AS (
    UPDATE tenants SET event_sequence = event_sequence + jsonb_array_length(${events})
     WHERE id = $1 AND (${fence} IS NULL OR declared_version = ${fence})
       AND jsonb_array_length(${events}) > 0 AND EXISTS (SELECT 1 FROM w) RETURNING event_sequence
  ),
  appended AS (
    INSERT INTO outbox_events (tenant_id, sequence, id, type, resource_type, resource_id, external_id, data, changed_attributes, mapped)
    SELECT $1, counter.event_sequence - jsonb_array_length(${events}) + e.ord,
           (e.doc ->> 'id')::uuid, e.doc ->> 'type', e.doc ->> 'resourceType', (e.doc ->> 'resourceId')::uuid,
           e.doc ->> 'externalId',
           jsonb_set(e.doc -> 'data', '{meta}', coalesce(e.doc -> 'data' -> 'meta', '{}') || jsonb_build_object(
             'created', ${iso('w.created_at')}, 'lastModified', ${iso('w.updated_at')},
             'version', 'W/"' || w.version || '"')),
           ARRAY(SELECT jsonb_array_elements_text(e.doc -> 'changedAttributes')), e.doc -> 'mapped'
      FROM counter, w, jsonb_array_elements(${events}) WITH ORDINALITY AS e(doc, ord)
  )
  SELECT * FROM w
   WHERE CASE WHEN ${fence} IS NULL OR jsonb_array_length(${events}) = 0 OR EXISTS (SELECT 1 FROM counter) THEN true
              ELSE scim_schema_changed() END`;
}

/** The parameter withEvents() and append() read the events from. */
export function eventsParameter(events: readonly EventToAppend[]): string {
  return JSON.stringify(events.map((e) => ({ ...e, externalId: e.externalId ?? null })));
}

const AFTER = preparedSql(`SELECT ${COLUMNS} FROM outbox_events
  WHERE tenant_id = $1 AND sequence > $2 ORDER BY sequence LIMIT $3`);

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
 * commit or roll back with the change they describe.
 */
export class OutboxStore {
  /** Appends the events in order; an unknown tenant appends nothing. */
  async append(
    q: Transaction,
    tenantId: string,
    events: readonly EventToAppend[],
    fence?: number,
  ): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const rows = await q.rows<EventRow[]>(APPEND, tenantId, eventsParameter(events), fence ?? null);
    // The fence held the counter back: the transaction's writes must go with it (SchemaChanged).
    if (fence !== undefined && rows.length === 0) throw new SchemaChanged('schemas changed');
    return rows.map(toStoredEvent).sort((a, b) => a.sequence - b.sequence);
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
}
