-- Webhook subscribers may take their events in batches, and a failed delivery is retried with exactly the events it carried.

ALTER TABLE webhook_subscriptions
    -- Events per POST, chosen by the subscriber: 1 sends each event as its own body (as before),
    -- more sends up to that many consecutive events in one {"type": "batch", "events": [...]} body.
    ADD COLUMN batch_size          integer NOT NULL DEFAULT 1,
    -- The last sequence of the delivery being retried, null when none is: its retry carries the
    -- same events, none committed after it, so its webhook-id names the same content every time.
    ADD COLUMN retry_last_sequence bigint,
    ADD CONSTRAINT webhook_subscriptions_batch_size_check CHECK (batch_size BETWEEN 1 AND 100);
