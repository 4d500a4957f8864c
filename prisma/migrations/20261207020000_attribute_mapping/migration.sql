-- Attribute mapping (issue 12): the app's own model of users and groups, carried in change events as `mapped`.

-- The tenant's mapping, as the admin API stored it; NULL: the default mapping
-- (scim/mapping/default-mapping.ts), which may change with a release.
ALTER TABLE tenants ADD COLUMN attribute_mapping jsonb;

-- The resource mapped through the tenant's mapping as it stood when the event was written. NULL for
-- member events (they name ids only) and for events written before this migration.
ALTER TABLE outbox_events ADD COLUMN mapped jsonb;
