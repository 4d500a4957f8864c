-- Per-tenant schema extensions (issue 12): a tenant's registry is the built-in resource types plus the extensions registered here.

CREATE TABLE tenant_schemas (
    tenant_id     text           NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- lower(urn): schema URIs compare case-insensitively (RFC 7643 §2.1), so one row per extension.
    schema_key    text           NOT NULL,
    -- The URN as the operator registered it: /Schemas and stored documents spell it so.
    urn           text           NOT NULL,
    resource_type text           NOT NULL,
    -- The RFC 7643 §7 representation, every characteristic spelled out (re-validated on load).
    definition    jsonb          NOT NULL,
    created_at    timestamptz(3) NOT NULL DEFAULT now(),
    updated_at    timestamptz(3) NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, schema_key),
    CONSTRAINT tenant_schemas_schema_key_check CHECK (schema_key = lower(urn))
);

-- Raised with every change to the tenant's extensions, in the same transaction. Each replica caches
-- a tenant's registry under this number and reads the number with the tenant's profile (cached 2 s),
-- so a change reaches every replica within that time without a message between them.
ALTER TABLE tenants ADD COLUMN schema_version bigint NOT NULL DEFAULT 0;
