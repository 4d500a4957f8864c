-- Webhook secrets are encrypted at rest, and a rotation keeps the previous secret in use for an overlap window.

-- Both columns hold what the service encrypted (docs/decisions/0006): SQL cannot encrypt, so rows
-- written before keep their plaintext "whsec_" secret until the service's next start re-encrypts it.
COMMENT ON COLUMN webhook_subscriptions.secret IS
    'enc:v1:<keyId>:<iv>:<tag>:<ciphertext> (AES-256-GCM, docs/decisions/0006); whsec_ plaintext only in rows from before';

ALTER TABLE webhook_subscriptions
    -- The secret before the last rotation: deliveries are signed with it too until the overlap ends,
    -- so that receivers not yet given the new secret keep verifying them.
    ADD COLUMN previous_secret            text,
    ADD COLUMN previous_secret_expires_at timestamptz(3),
    ADD CONSTRAINT webhook_subscriptions_previous_secret_expiry
        CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL));

-- The dispatcher forgets previous secrets once their overlap has ended; few rows ever hold one.
CREATE INDEX webhook_subscriptions_previous_secret_expires_at_idx
    ON webhook_subscriptions (previous_secret_expires_at) WHERE previous_secret_expires_at IS NOT NULL;
