-- Foundation: tenants, SCIM tokens, users, groups, memberships and the change-event outbox.
-- Every tenant-owned table leads its keys with tenant_id so the schema can later be distributed by
-- tenant. docs/architecture.md explains how filters map onto these tables and indexes.

CREATE TABLE tenants (
    id             text        NOT NULL,
    name           text        NOT NULL,
    created_at     timestamptz(3) NOT NULL DEFAULT now(),
    event_sequence bigint      NOT NULL DEFAULT 0,
    CONSTRAINT tenants_pkey PRIMARY KEY (id),
    CONSTRAINT tenants_id_format CHECK (id ~ '^[a-z0-9-]{1,63}$')
);

-- Tokens are JWTs; only their id and state are stored, never the token itself.
CREATE TABLE scim_tokens (
    tenant_id   text        NOT NULL,
    id          uuid        NOT NULL,
    description text        NOT NULL DEFAULT '',
    scopes      text[]      NOT NULL,
    created_at  timestamptz(3) NOT NULL DEFAULT now(),
    expires_at  timestamptz(3),
    revoked_at  timestamptz(3),
    CONSTRAINT scim_tokens_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT scim_tokens_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);

-- document: the resource as written (no id, meta or password). search: the same document
-- normalized for filtering (attribute names lowercased, strings of caseExact=false attributes
-- lowercased), indexed with jsonb_path_ops so eq and pr on any attribute are GIN lookups.
CREATE TABLE scim_users (
    tenant_id     text        NOT NULL,
    id            uuid        NOT NULL,
    user_name     text        NOT NULL,
    external_id   text,
    active        boolean     NOT NULL DEFAULT true,
    document      jsonb       NOT NULL,
    search        jsonb       NOT NULL,
    password_hash text,
    version       bigint      NOT NULL DEFAULT 1,
    created_at    timestamptz(3) NOT NULL DEFAULT now(),
    updated_at    timestamptz(3) NOT NULL DEFAULT now(),
    deleted_at    timestamptz(3),
    CONSTRAINT scim_users_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT scim_users_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
-- userName is unique per tenant case-insensitively (RFC 7643 §4.1.1: caseExact false,
-- uniqueness server). Soft-deleted users (deleted_at set) release their userName.
CREATE UNIQUE INDEX scim_users_user_name_key ON scim_users (tenant_id, lower(user_name)) WHERE deleted_at IS NULL;
CREATE INDEX scim_users_tenant_id_external_id_idx ON scim_users (tenant_id, external_id);
CREATE INDEX scim_users_tenant_id_created_at_id_idx ON scim_users (tenant_id, created_at, id);
CREATE INDEX scim_users_search_idx ON scim_users USING gin (search jsonb_path_ops);

CREATE TABLE scim_groups (
    tenant_id    text        NOT NULL,
    id           uuid        NOT NULL,
    display_name text        NOT NULL,
    external_id  text,
    document     jsonb       NOT NULL,
    search       jsonb       NOT NULL,
    version      bigint      NOT NULL DEFAULT 1,
    created_at   timestamptz(3) NOT NULL DEFAULT now(),
    updated_at   timestamptz(3) NOT NULL DEFAULT now(),
    CONSTRAINT scim_groups_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT scim_groups_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX scim_groups_display_name_idx ON scim_groups (tenant_id, lower(display_name));
CREATE INDEX scim_groups_tenant_id_external_id_idx ON scim_groups (tenant_id, external_id);
CREATE INDEX scim_groups_tenant_id_created_at_id_idx ON scim_groups (tenant_id, created_at, id);
CREATE INDEX scim_groups_search_idx ON scim_groups USING gin (search jsonb_path_ops);

-- Memberships live outside the group document so adding or removing k members of a group of n
-- touches k rows, never the whole list. member_id names a user or a group of the same tenant;
-- the use cases check it exists and delete a user's memberships in the transaction that deletes it.
CREATE TABLE scim_group_members (
    tenant_id   text        NOT NULL,
    group_id    uuid        NOT NULL,
    member_id   uuid        NOT NULL,
    member_type text        NOT NULL,
    created_at  timestamptz(3) NOT NULL DEFAULT now(),
    CONSTRAINT scim_group_members_pkey PRIMARY KEY (tenant_id, group_id, member_id),
    CONSTRAINT scim_group_members_member_type CHECK (member_type IN ('User', 'Group')),
    CONSTRAINT scim_group_members_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
    CONSTRAINT scim_group_members_tenant_id_group_id_fkey FOREIGN KEY (tenant_id, group_id) REFERENCES scim_groups (tenant_id, id) ON DELETE CASCADE
);
-- Reverse lookup: a user's groups, and removing a deleted member everywhere.
CREATE INDEX scim_group_members_tenant_id_member_id_idx ON scim_group_members (tenant_id, member_id);

-- The outbox. sequence is per tenant, taken from tenants.event_sequence inside the writing
-- transaction; the row lock on the tenant serializes it, so sequence order is commit order.
CREATE TABLE outbox_events (
    tenant_id          text        NOT NULL,
    sequence           bigint      NOT NULL,
    id                 uuid        NOT NULL,
    type               text        NOT NULL,
    resource_type      text        NOT NULL,
    resource_id        uuid        NOT NULL,
    external_id        text,
    data               jsonb       NOT NULL,
    changed_attributes text[]      NOT NULL DEFAULT '{}',
    occurred_at        timestamptz(3) NOT NULL DEFAULT now(),
    CONSTRAINT outbox_events_pkey PRIMARY KEY (tenant_id, sequence),
    CONSTRAINT outbox_events_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX outbox_events_id_key ON outbox_events (id);
-- Retention pruning deletes by age across tenants.
CREATE INDEX outbox_events_occurred_at_idx ON outbox_events (occurred_at);
