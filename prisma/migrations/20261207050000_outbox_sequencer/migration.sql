-- Events are numbered after commit (decision 0007): writers no longer take the tenant's counter,
-- so a tenant's writes commit side by side instead of one at a time.

-- Where a writing transaction puts its events: one position per transaction, drawn after the rows
-- it changed were locked, and each event's place in it. The sequencer moves committed ones into
-- outbox_events, numbered per tenant in position order.
CREATE SEQUENCE outbox_position;
-- The payload columns are outbox_events' own, with their defaults; the sequence gives way to the
-- position. Tenant first in the key: the sequencer reads one tenant's events in position order.
CREATE TABLE outbox_pending (LIKE outbox_events INCLUDING DEFAULTS);
ALTER TABLE outbox_pending
    DROP COLUMN sequence,
    ADD COLUMN position bigint NOT NULL,
    ADD COLUMN ord integer NOT NULL,
    ADD CONSTRAINT outbox_pending_pkey PRIMARY KEY (tenant_id, position, ord);
-- No foreign key to tenants: the writers' fence already holds the tenant row FOR KEY SHARE, so
-- a tenant cannot go while its events are written, and a foreign key would check it again for
-- every event. The events of a tenant deleted before they were numbered are dropped by the
-- sequencer.

-- Rows live for milliseconds: vacuum often, so the table stays a few pages.
ALTER TABLE outbox_pending SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

-- Moves a tenant's committed pending events into the outbox, up to p_limit transactions' worth,
-- numbering them from the tenant's counter; returns how many events it moved.
--   * Sequencers of one tenant take turns on its row. FOR NO KEY UPDATE does not wait for the
--     tenant's writers, which hold FOR KEY SHARE (outbox.ts), only for another sequencer or a
--     schema change (FOR UPDATE).
--   * The DELETE is a later statement, with its own snapshot: it sees what the previous holder
--     of the row moved, and every transaction that committed before it.
--   * Whole transactions only: a transaction's events stay consecutive, as they were written.
--   * A deleted tenant's events, which no one can read, are dropped.
--   * Order: a transaction that touched a row another then changed committed before that other
--     drew its position, so it is visible whenever the other is, and has the smaller position.
CREATE FUNCTION scim_sequence_events(p_tenant text, p_limit integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  last_sequence bigint;
  moved integer;
BEGIN
  SELECT event_sequence INTO last_sequence FROM tenants WHERE id = p_tenant FOR NO KEY UPDATE;
  IF NOT FOUND THEN
    DELETE FROM outbox_pending WHERE tenant_id = p_tenant;
    RETURN 0;
  END IF;
  WITH batch AS (
    DELETE FROM outbox_pending WHERE tenant_id = p_tenant AND position IN (
      SELECT DISTINCT position FROM outbox_pending WHERE tenant_id = p_tenant ORDER BY position LIMIT p_limit)
    RETURNING *
  ), appended AS (
    INSERT INTO outbox_events (tenant_id, sequence, id, type, resource_type, resource_id, external_id, data,
                               changed_attributes, mapped, occurred_at)
    SELECT tenant_id, last_sequence + row_number() OVER (ORDER BY position, ord), id, type, resource_type,
           resource_id, external_id, data, changed_attributes, mapped, occurred_at
      FROM batch
    RETURNING 1
  )
  SELECT count(*) INTO moved FROM appended;
  IF moved > 0 THEN
    UPDATE tenants SET event_sequence = last_sequence + moved WHERE id = p_tenant;
    -- Other processes' events API waits and dispatchers wake on it (storage/event-notifications.ts).
    PERFORM pg_notify('scim_events', p_tenant);
  END IF;
  RETURN moved;
END
$$;

-- During a rolling upgrade, replicas of the previous version still number their events with the
-- counter inside their writes. Both kinds coexist: those writes hold the tenant row as the
-- sequencer does, so each takes the numbers after the other's.
