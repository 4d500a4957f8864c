-- What DELETE /Users/{id} does for a tenant: remove the user, or deactivate it (soft delete:
-- gone from SCIM, kept for the app, its userName free again). docs/providers/README.md.
ALTER TABLE tenants ADD COLUMN delete_policy text NOT NULL DEFAULT 'delete';
ALTER TABLE tenants ADD CONSTRAINT tenants_delete_policy_check CHECK (delete_policy IN ('delete', 'deactivate'));
