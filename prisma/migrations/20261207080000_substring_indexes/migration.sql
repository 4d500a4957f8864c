-- co, sw and ew filters on a user's userName and a group's displayName are served by trigram indexes.
--
-- Without them such a filter read every row of the tenant: in a tenant of a million users,
-- `userName co "…"` took 1.6 s at the median (npm run bench:scale), against 17 ms in one of ten
-- thousand. pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the database's
-- owner may create it. A managed PostgreSQL may have to list it as allowed first
-- (docs/operations.md).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The expressions the filters compare (lower(), as neither attribute is caseExact); live users only,
-- as every user query reads.
CREATE INDEX scim_users_user_name_trgm_idx ON scim_users USING gin (lower(user_name) gin_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX scim_groups_display_name_trgm_idx ON scim_groups USING gin (lower(display_name) gin_trgm_ops);
