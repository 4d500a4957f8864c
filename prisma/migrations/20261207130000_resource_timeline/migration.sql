-- The console shows one user's changes in order (issue 14): an index of each resource's events,
-- so reading a timeline costs that resource's events, not the tenant's.
CREATE INDEX outbox_events_resource_idx ON outbox_events (tenant_id, resource_id, sequence);
