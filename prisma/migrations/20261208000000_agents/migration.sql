-- Agents and AgenticApplications (draft-abbey-scim-agent-extension-00, issue 15), on the common
-- spine of every resource table (docs/architecture.md, "Adding a resource type").

CREATE TABLE scim_agents (
    tenant_id   text        NOT NULL,
    id          uuid        NOT NULL,
    name        text        NOT NULL,
    external_id text,
    -- The document's active (absent counts as true) and its lifecycle extension's expiresAt,
    -- kept beside it for the expiry sweep and the ownerless-agent policy.
    active      boolean     NOT NULL DEFAULT true,
    expires_at  timestamptz(3),
    document    jsonb       NOT NULL,
    search      jsonb       NOT NULL,
    version     bigint      NOT NULL DEFAULT 1,
    created_at  timestamptz(3) NOT NULL DEFAULT now(),
    updated_at  timestamptz(3) NOT NULL DEFAULT now(),
    CONSTRAINT scim_agents_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT scim_agents_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
-- Agent.name is unique per tenant, case-insensitively (uniqueness "server", caseExact false).
CREATE UNIQUE INDEX scim_agents_name_key ON scim_agents (tenant_id, lower(name));
CREATE INDEX scim_agents_tenant_id_external_id_idx ON scim_agents (tenant_id, external_id);
CREATE INDEX scim_agents_tenant_id_created_at_id_idx ON scim_agents (tenant_id, created_at, id);
CREATE INDEX scim_agents_search_idx ON scim_agents USING gin (search jsonb_path_ops);
CREATE INDEX scim_agents_name_sort_idx ON scim_agents (tenant_id, (lower(name) COLLATE "C"), id);
-- The expiry sweep reads the agents that expire, across tenants, soonest first.
CREATE INDEX scim_agents_expires_at_idx ON scim_agents (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE scim_agentic_applications (
    tenant_id   text        NOT NULL,
    id          uuid        NOT NULL,
    name        text        NOT NULL,
    external_id text,
    document    jsonb       NOT NULL,
    search      jsonb       NOT NULL,
    version     bigint      NOT NULL DEFAULT 1,
    created_at  timestamptz(3) NOT NULL DEFAULT now(),
    updated_at  timestamptz(3) NOT NULL DEFAULT now(),
    CONSTRAINT scim_agentic_applications_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT scim_agentic_applications_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX scim_agentic_applications_name_idx ON scim_agentic_applications (tenant_id, lower(name));
CREATE INDEX scim_agentic_applications_tenant_id_external_id_idx ON scim_agentic_applications (tenant_id, external_id);
CREATE INDEX scim_agentic_applications_tenant_id_created_at_id_idx ON scim_agentic_applications (tenant_id, created_at, id);
CREATE INDEX scim_agentic_applications_search_idx ON scim_agentic_applications USING gin (search jsonb_path_ops);
CREATE INDEX scim_agentic_applications_name_sort_idx ON scim_agentic_applications (tenant_id, (lower(name) COLLATE "C"), id);

-- A reference from a resource's attribute to another resource of the tenant (Agent owners and
-- parent, AgenticApplication agents). The document holds the values too; this table is how a
-- referenced resource's deletion finds them, in its own transaction, so none is left dangling
-- (provisioning/references.ts). The writer holds each target FOR KEY SHARE until it commits,
-- as group members are held, so a concurrent deletion waits and then sees the new reference.
CREATE TABLE scim_references (
    tenant_id   text NOT NULL,
    source_id   uuid NOT NULL,
    attribute   text NOT NULL,
    target_id   uuid NOT NULL,
    source_type text NOT NULL,
    target_type text NOT NULL,
    CONSTRAINT scim_references_pkey PRIMARY KEY (tenant_id, source_id, attribute, target_id),
    CONSTRAINT scim_references_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX scim_references_tenant_id_target_id_idx ON scim_references (tenant_id, target_id);

-- What happens to an agent whose last owner is deprovisioned: "deactivate" it or "keep" it.
ALTER TABLE tenants ADD COLUMN ownerless_agents text NOT NULL DEFAULT 'deactivate';

CREATE TRIGGER scim_agents_count AFTER INSERT OR DELETE ON scim_agents
  FOR EACH ROW EXECUTE FUNCTION scim_count_change('Agent', 'hard');
CREATE TRIGGER scim_agentic_applications_count AFTER INSERT OR DELETE ON scim_agentic_applications
  FOR EACH ROW EXECUTE FUNCTION scim_count_change('AgenticApplication', 'hard');
