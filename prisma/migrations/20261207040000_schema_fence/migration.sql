-- Schema changes fence SCIM writes (issue 12): a write validated against an earlier definition of the tenant's extensions cannot commit after the change.

-- Raised first thing by every change to the tenant's declared extensions, which thereby holds the
-- tenant row: the change waits for the writes already appending their events (they hold it until
-- they commit), and a write that comes after finds the number changed when its event counter
-- update gets the row, and fails whole.
ALTER TABLE tenants ADD COLUMN declared_version bigint NOT NULL DEFAULT 0;

-- What a writing statement calls to fail whole when the fence stopped its events: its own
-- SQLSTATE, so storage/errors.ts can tell it from every other error.
CREATE FUNCTION scim_schema_changed() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the tenant''s schemas changed after this request was validated' USING ERRCODE = 'SC001';
END
$$;
