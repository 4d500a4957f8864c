/**
 * The minimal baseline's outbox: the service's event columns, numbered by one global bigserial
 * instead of a per-tenant counter. A table of its own rather than a sequence feeding
 * outbox_events.sequence: that table's (tenant_id, sequence) key would collide with the numbers
 * the service writes there in the same run, and its foreign key to tenants, unique index on id
 * and index on occurred_at are work the minimal design does without (a random UUID is unique
 * without an index; retention can delete by position). So this is the least an outbox can be:
 * one row, one b-tree, in the write's own statement. database.ts creates it after migrating.
 */
export const BASELINE_OUTBOX = 'baseline_outbox';

// outbox_events' columns and defaults, without its key and indexes; a bigserial for the sequence.
export const CREATE_BASELINE_OUTBOX = `CREATE TABLE ${BASELINE_OUTBOX} (LIKE outbox_events INCLUDING DEFAULTS);
  ALTER TABLE ${BASELINE_OUTBOX} DROP COLUMN sequence, ADD COLUMN position bigserial PRIMARY KEY`;
