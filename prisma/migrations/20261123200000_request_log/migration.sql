-- Every SCIM request of a tenant, with its response, kept REQUEST_LOG_RETENTION_DAYS for the
-- engineer a customer calls when provisioning breaks (docs/providers/README.md, "Request log").
-- Written in batches after the response, so it never slows or fails a request.
CREATE TABLE scim_request_log (
    tenant_id      text           NOT NULL,
    id             bigint         GENERATED ALWAYS AS IDENTITY,
    received_at    timestamptz(3) NOT NULL,
    method         text           NOT NULL,
    path           text           NOT NULL,
    status         integer        NOT NULL,
    duration_ms    integer        NOT NULL,
    provider       text           NOT NULL,
    rules          text[]         NOT NULL DEFAULT '{}',
    request_id     text           NOT NULL,
    -- As sent, in text (parsing them into jsonb on every request cost the reads a quarter of
    -- their throughput); request bodies with passwords, tokens and secrets replaced by
    -- "[redacted]", both cut at 64 KiB.
    request_body   text,
    response_body  text,
    CONSTRAINT scim_request_log_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT scim_request_log_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
-- Pruning deletes by age across tenants.
CREATE INDEX scim_request_log_received_at_idx ON scim_request_log (received_at);
