-- Setup links for a tenant's IT admin (issue 14): a bearer secret that opens that one tenant's
-- setup portal until it expires or is revoked. Only the secret's SHA-256 is kept. The tenant is in
-- the link's path and first in every key, as everywhere on the request path.
CREATE TABLE portal_links (
    tenant_id      text           NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id             uuid           NOT NULL,
    secret_hash    text           NOT NULL,
    description    text           NOT NULL DEFAULT '',
    -- Whether the portal may change the tenant's provider and delete policy (the operator decides).
    allow_settings boolean        NOT NULL DEFAULT false,
    created_at     timestamptz(3) NOT NULL DEFAULT now(),
    expires_at     timestamptz(3) NOT NULL,
    revoked_at     timestamptz(3),
    CONSTRAINT portal_links_pkey PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX portal_links_tenant_id_secret_hash_key ON portal_links (tenant_id, secret_hash);

-- The last request to a tenant's SCIM base URL that did not authenticate, so the setup portal can
-- say "your identity provider reached us, but its token was refused". Authenticated requests are
-- in the request log; refused ones never are, since anyone can send them.
CREATE TABLE scim_auth_failures (
    tenant_id text           NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    last_at   timestamptz(3) NOT NULL,
    reason    text           NOT NULL,
    provider  text           NOT NULL,
    count     bigint         NOT NULL DEFAULT 1,
    CONSTRAINT scim_auth_failures_pkey PRIMARY KEY (tenant_id)
);
