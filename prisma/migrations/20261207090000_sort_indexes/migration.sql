-- sortBy=userName (and a group's displayName) walks an index in the order asked for.
--
-- The sort compares the folded value bytewise (COLLATE "C"), as every sort of the service does;
-- the unique userName index has the database's own collation and cannot serve it. Without these,
-- a sorted page of a tenant of a million users sorted the whole tenant (npm run bench:scale).
CREATE INDEX scim_users_user_name_sort_idx ON scim_users (tenant_id, (lower(user_name) COLLATE "C"), id)
    WHERE deleted_at IS NULL;
CREATE INDEX scim_groups_display_name_sort_idx ON scim_groups (tenant_id, (lower(display_name) COLLATE "C"), id);
