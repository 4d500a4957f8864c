-- Webhooks: each tenant's subscriptions, each with its own delivery cursor into the outbox and
-- retry state, and the deliveries that failed for good. docs/events.md describes the delivery.

CREATE TABLE webhook_subscriptions (
    tenant_id          text           NOT NULL,
    id                 uuid           NOT NULL,
    url                text           NOT NULL,
    -- Empty: every event type.
    event_types        text[]         NOT NULL DEFAULT '{}',
    -- Standard Webhooks "whsec_" secret; the dispatcher signs with it, so it is kept as issued.
    secret             text           NOT NULL,
    enabled            boolean        NOT NULL DEFAULT true,
    disabled_reason    text,
    -- The last outbox sequence handled (delivered, filtered out, or failed for good). Deliveries
    -- go in sequence order: a later event waits while an earlier one is retried.
    delivered_sequence bigint         NOT NULL,
    attempts           integer        NOT NULL DEFAULT 0,
    failing_since      timestamptz(3),
    last_error         text,
    next_attempt_at    timestamptz(3) NOT NULL DEFAULT now(),
    -- A dispatcher's lease: others skip the subscription until it expires, so one that dies
    -- mid-delivery only delays the next attempt (at-least-once).
    lease_token        uuid,
    leased_until       timestamptz(3),
    created_at         timestamptz(3) NOT NULL DEFAULT now(),
    updated_at         timestamptz(3) NOT NULL DEFAULT now(),
    CONSTRAINT webhook_subscriptions_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT webhook_subscriptions_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE
);
-- The dispatcher's question: which subscriptions are due?
CREATE INDEX webhook_subscriptions_next_attempt_at_idx ON webhook_subscriptions (next_attempt_at);

CREATE TABLE webhook_failures (
    tenant_id       text           NOT NULL,
    id              uuid           NOT NULL,
    subscription_id uuid           NOT NULL,
    event_sequence  bigint         NOT NULL,
    event_id        uuid           NOT NULL,
    attempts        integer        NOT NULL,
    last_error      text           NOT NULL,
    failed_at       timestamptz(3) NOT NULL DEFAULT now(),
    replayed_at     timestamptz(3),
    CONSTRAINT webhook_failures_pkey PRIMARY KEY (tenant_id, id),
    CONSTRAINT webhook_failures_subscription_fkey FOREIGN KEY (tenant_id, subscription_id)
        REFERENCES webhook_subscriptions (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_failures_tenant_id_subscription_id_failed_at_idx
    ON webhook_failures (tenant_id, subscription_id, failed_at);
