-- The totalResults of a list without a filter is the number of the tenant's resources of its
-- type (RFC 7644 §3.4.2). count(*) reads every one of them: 200 ms at a million users for each
-- page an identity provider's import asks for (npm run bench:scale). These keep the number.
--
-- Writers never update a shared counter, which would make a tenant's creates wait on one
-- another: a trigger appends each change (+1 or -1) to resource_count_deltas, and the sequencer,
-- which already takes the tenant's turn after every write (migration 20261207050000), folds
-- them into resource_counts. A reader adds the folded count and the deltas not yet folded, in
-- one snapshot, so the number is exact whenever it is read.

CREATE TABLE resource_counts (
    tenant_id     text   NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    resource_type text   NOT NULL,
    count         bigint NOT NULL,
    CONSTRAINT resource_counts_pkey PRIMARY KEY (tenant_id, resource_type)
);

-- No foreign key: it would check the tenant again for every change, and a tenant's deletion,
-- whose cascade runs the triggers below, would trip on it. TenantStore.delete removes the rows.
CREATE TABLE resource_count_deltas (
    tenant_id     text   NOT NULL,
    resource_type text   NOT NULL,
    id            bigint GENERATED ALWAYS AS IDENTITY,
    delta         bigint NOT NULL,
    CONSTRAINT resource_count_deltas_pkey PRIMARY KEY (tenant_id, resource_type, id)
);
-- Rows live until the next sequencer turn of their tenant: vacuum often, as outbox_pending.
ALTER TABLE resource_count_deltas SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);

-- A row counts while deleted_at is NULL (scim_groups has no deleted_at: the argument says so).
-- A tenant being deleted takes its rows along by cascade; their deletion counts for nothing.
CREATE FUNCTION scim_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  soft boolean := TG_ARGV[1] = 'soft';
  was integer := 0;
  now_counts integer := 0;
  row_tenant text;
BEGIN
  -- A row's fields are read only in the branch that has them: plpgsql refuses a missing one
  -- even where a CASE would not use it.
  IF TG_OP <> 'INSERT' THEN
    was := 1;
    IF soft THEN
      IF OLD.deleted_at IS NOT NULL THEN was := 0; END IF;
    END IF;
    row_tenant := OLD.tenant_id;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    now_counts := 1;
    IF soft THEN
      IF NEW.deleted_at IS NOT NULL THEN now_counts := 0; END IF;
    END IF;
    row_tenant := NEW.tenant_id;
  END IF;
  IF now_counts = was THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM tenants WHERE id = row_tenant) THEN
    RETURN NULL;
  END IF;
  INSERT INTO resource_count_deltas (tenant_id, resource_type, delta) VALUES (row_tenant, TG_ARGV[0], now_counts - was);
  RETURN NULL;
END
$$;

CREATE TRIGGER scim_users_count AFTER INSERT OR DELETE OR UPDATE OF deleted_at ON scim_users
  FOR EACH ROW EXECUTE FUNCTION scim_count_change('User', 'soft');
CREATE TRIGGER scim_groups_count AFTER INSERT OR DELETE ON scim_groups
  FOR EACH ROW EXECUTE FUNCTION scim_count_change('Group', 'hard');

-- Folds a tenant's deltas into its counts. The caller holds the tenant's row FOR NO KEY UPDATE
-- (the sequencer), so two folds of one tenant never run side by side; the DELETE takes only the
-- deltas committed before it, and a reader sees them either all folded or none.
CREATE FUNCTION scim_fold_counts(p_tenant text) RETURNS void LANGUAGE sql AS $$
  WITH folded AS (
    DELETE FROM resource_count_deltas WHERE tenant_id = p_tenant RETURNING resource_type, delta
  )
  INSERT INTO resource_counts (tenant_id, resource_type, count)
  SELECT p_tenant, resource_type, sum(delta) FROM folded GROUP BY resource_type
  ON CONFLICT (tenant_id, resource_type) DO UPDATE SET count = resource_counts.count + excluded.count;
$$;

-- The sequencer folds on each turn, after numbering (the body is migration 20261207050000's,
-- with the fold added).
CREATE OR REPLACE FUNCTION scim_sequence_events(p_tenant text, p_limit integer) RETURNS integer
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
  PERFORM scim_fold_counts(p_tenant);
  IF moved > 0 THEN
    UPDATE tenants SET event_sequence = last_sequence + moved WHERE id = p_tenant;
    -- Other processes' events API waits and dispatchers wake on it (storage/event-notifications.ts).
    PERFORM pg_notify('scim_events', p_tenant);
  END IF;
  RETURN moved;
END
$$;

-- What exists now. The triggers' share lock on both tables keeps writers out until this commits,
-- so no change falls between the count and the first delta.
INSERT INTO resource_counts (tenant_id, resource_type, count)
SELECT tenant_id, 'User', count(*) FROM scim_users WHERE deleted_at IS NULL GROUP BY tenant_id;
INSERT INTO resource_counts (tenant_id, resource_type, count)
SELECT tenant_id, 'Group', count(*) FROM scim_groups GROUP BY tenant_id;
