-- Unknown extensions (issue 12): a tenant may accept extension URNs it never declared, and the attributes seen under them are listed for promotion to a declared schema.

-- "reject" (the default): an undeclared extension is a 400, as RFC 7643 §3 has it. "accept": stored
-- as sent, readable and filterable as strings (docs/schemas.md).
ALTER TABLE tenants ADD COLUMN unknown_extensions text NOT NULL DEFAULT 'reject';
ALTER TABLE tenants ADD CONSTRAINT tenants_unknown_extensions_check CHECK (unknown_extensions IN ('reject', 'accept'));

-- Every attribute a tenant's provider sent under an undeclared extension URN, with how many writes
-- carried it. The tenant's registry reads these (so the attributes can be filtered), and the admin
-- API lists them so the app can declare the schema. Keys are lowercased: names compare
-- case-insensitively (RFC 7643 §2.1); urn and attribute keep the spelling first seen.
CREATE TABLE tenant_undeclared_attributes (
    tenant_id     text           NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    resource_type text           NOT NULL,
    schema_key    text           NOT NULL,
    attribute_key text           NOT NULL,
    urn           text           NOT NULL,
    attribute     text           NOT NULL,
    writes        bigint         NOT NULL DEFAULT 1,
    first_seen    timestamptz(3) NOT NULL DEFAULT now(),
    last_seen     timestamptz(3) NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, resource_type, schema_key, attribute_key)
);
