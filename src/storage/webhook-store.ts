import { randomUUID } from 'node:crypto';
import type { Sql } from './db.js';

/** A subscription as the admin API shows it (never its secret). */
export interface WebhookRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly url: string;
  /** Empty: every event type. */
  readonly eventTypes: readonly string[];
  readonly enabled: boolean;
  readonly disabledReason: string | undefined;
  readonly deliveredSequence: number;
  /** Events per POST: 1 sends each event as its own body; more sends up to that many in a batch body. */
  readonly batchSize: number;
  readonly attempts: number;
  readonly failingSince: Date | undefined;
  readonly lastError: string | undefined;
  readonly nextAttemptAt: Date;
  /** Until when deliveries are signed with the secret before the last rotation too. */
  readonly previousSecretExpiresAt: Date | undefined;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/**
 * A subscription's signing secrets as stored: encrypted by events/webhook-secrets.ts, or `whsec_`
 * plaintext in rows written before secrets were encrypted (the service re-encrypts those at start).
 */
export interface StoredSecrets {
  readonly secret: string;
  /** The secret before the last rotation, kept until previousSecretExpiresAt. */
  readonly previousSecret: string | undefined;
  readonly previousSecretExpiresAt: Date | undefined;
}

/** A subscription a dispatcher holds the lease of; every write it makes is fenced by the token. */
export interface WebhookLease extends WebhookRecord {
  readonly secrets: StoredSecrets;
  readonly leaseToken: string;
  /** The last sequence of the delivery that failed and is now retried: the retry carries no later event. */
  readonly retryLastSequence: number | undefined;
}

/** One subscription's stored secrets, to be re-encrypted with the keyring's first key. */
export interface StoredSecretsRow {
  readonly tenantId: string;
  readonly id: string;
  readonly secret: string;
  readonly previousSecret: string | undefined;
}

/** A failed delivery to be tried again, as the dispatcher records it. */
export interface Retry {
  /** The cursor: the events before the failed delivery were handled. */
  readonly handled: number;
  /** The failed delivery's last event: its retry carries no later one. */
  readonly lastSequence: number;
  /** Failed attempts in a row, this one included, and since when. */
  readonly attempts: number;
  readonly failingSince: Date;
  readonly error: string;
  readonly nextAttemptAt: Date;
}

/** A delivery that failed for the whole retry window: its events (one, or a batch) and its attempts. */
export interface GivenUp {
  readonly events: readonly { readonly sequence: number; readonly id: string }[];
  readonly attempts: number;
}

export interface WebhookFailureRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly subscriptionId: string;
  readonly eventSequence: number;
  readonly eventId: string;
  readonly attempts: number;
  readonly lastError: string;
  readonly failedAt: Date;
  readonly replayedAt: Date | undefined;
}

interface SubscriptionRow {
  tenant_id: string;
  id: string;
  url: string;
  event_types: string[];
  enabled: boolean;
  disabled_reason: string | null;
  delivered_sequence: string;
  batch_size: number;
  attempts: number;
  failing_since: Date | null;
  last_error: string | null;
  next_attempt_at: Date;
  previous_secret_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
  secret?: string;
  previous_secret?: string | null;
  lease_token?: string | null;
  retry_last_sequence?: string | null;
}

interface FailureRow {
  tenant_id: string;
  id: string;
  subscription_id: string;
  event_sequence: string;
  event_id: string;
  attempts: number;
  last_error: string;
  failed_at: Date;
  replayed_at: Date | null;
}

const COLUMNS = `tenant_id, id, url, event_types, enabled, disabled_reason, delivered_sequence, batch_size, attempts,
  failing_since, last_error, next_attempt_at, previous_secret_expires_at, created_at, updated_at`;
const FAILURE_COLUMNS =
  'tenant_id, id, subscription_id, event_sequence, event_id, attempts, last_error, failed_at, replayed_at';

function toRecord(row: SubscriptionRow): WebhookRecord {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    url: row.url,
    eventTypes: row.event_types,
    enabled: row.enabled,
    disabledReason: row.disabled_reason ?? undefined,
    deliveredSequence: Number(row.delivered_sequence),
    batchSize: row.batch_size,
    attempts: row.attempts,
    failingSince: row.failing_since ?? undefined,
    lastError: row.last_error ?? undefined,
    nextAttemptAt: row.next_attempt_at,
    previousSecretExpiresAt: row.previous_secret_expires_at ?? undefined,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function storedSecrets(row: {
  secret: string;
  previous_secret?: string | null;
  previous_secret_expires_at: Date | null;
}): StoredSecrets {
  return {
    secret: row.secret,
    previousSecret: row.previous_secret ?? undefined,
    previousSecretExpiresAt: row.previous_secret_expires_at ?? undefined,
  };
}

function toFailure(row: FailureRow): WebhookFailureRecord {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    subscriptionId: row.subscription_id,
    eventSequence: Number(row.event_sequence),
    eventId: row.event_id,
    attempts: row.attempts,
    lastError: row.last_error,
    failedAt: row.failed_at,
    replayedAt: row.replayed_at ?? undefined,
  };
}

export interface NewWebhook {
  readonly tenantId: string;
  readonly id: string;
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly batchSize: number;
  /** Encrypted by the caller; stored as given. */
  readonly secret: string;
}

export interface WebhookChanges {
  readonly url?: string;
  readonly eventTypes?: readonly string[];
  readonly batchSize?: number;
  readonly enabled?: boolean;
}

// Every lease write names the token it was claimed with: a dispatcher whose lease expired (it
// stalled, another took over) can no longer move the cursor.
const FENCE = 'tenant_id = $1 AND id = $2::uuid AND lease_token = $3::uuid';
// The cursor moves to $4 (never back); moving it ends a failure, and a retried delivery it passed.
// The right-hand sides read the row as it was.
const MOVE_CURSOR = `delivered_sequence = greatest(delivered_sequence, $4),
  attempts = CASE WHEN $4 > delivered_sequence THEN 0 ELSE attempts END,
  failing_since = CASE WHEN $4 > delivered_sequence THEN NULL ELSE failing_since END,
  last_error = CASE WHEN $4 > delivered_sequence THEN NULL ELSE last_error END,
  retry_last_sequence = CASE WHEN retry_last_sequence <= $4 THEN NULL ELSE retry_last_sequence END`;

/** Webhook subscriptions, their delivery state, and the deliveries that failed for good. */
export class WebhookStore {
  /**
   * A subscription receives the events that commit after it is created: its cursor starts past
   * the tenant's last sequence and the events committed but not yet numbered, which take the
   * numbers next in line (decision 0007). Undefined when there is no such tenant.
   */
  async create(q: Sql, webhook: NewWebhook): Promise<WebhookRecord | undefined> {
    const rows = await q.rows<SubscriptionRow[]>(
      `INSERT INTO webhook_subscriptions (tenant_id, id, url, event_types, batch_size, secret, delivered_sequence)
       SELECT id, $2::uuid, $3, $4::text[], $5, $6,
              event_sequence + (SELECT count(*) FROM outbox_pending p WHERE p.tenant_id = t.id)
         FROM tenants t WHERE id = $1
       RETURNING ${COLUMNS}`,
      webhook.tenantId,
      webhook.id,
      webhook.url,
      webhook.eventTypes,
      webhook.batchSize,
      webhook.secret,
    );
    const row = rows[0];
    return row === undefined ? undefined : toRecord(row);
  }

  async list(q: Sql, tenantId: string): Promise<WebhookRecord[]> {
    const rows = await q.rows<SubscriptionRow[]>(
      `SELECT ${COLUMNS} FROM webhook_subscriptions WHERE tenant_id = $1 ORDER BY created_at, id`,
      tenantId,
    );
    return rows.map(toRecord);
  }

  async find(q: Sql, tenantId: string, id: string): Promise<WebhookRecord | undefined> {
    const rows = await q.rows<SubscriptionRow[]>(
      `SELECT ${COLUMNS} FROM webhook_subscriptions WHERE tenant_id = $1 AND id = $2::uuid`,
      tenantId,
      id,
    );
    const row = rows[0];
    return row === undefined ? undefined : toRecord(row);
  }

  /** The subscription's URL, secrets and body shape, for a delivery outside the dispatcher (replay). */
  async signingTarget(
    q: Sql,
    tenantId: string,
    id: string,
  ): Promise<{ url: string; secrets: StoredSecrets; batchSize: number } | undefined> {
    const rows = await q.rows<
      {
        url: string;
        secret: string;
        previous_secret: string | null;
        previous_secret_expires_at: Date | null;
        batch_size: number;
      }[]
    >(
      `SELECT url, secret, previous_secret, previous_secret_expires_at, batch_size
         FROM webhook_subscriptions WHERE tenant_id = $1 AND id = $2::uuid`,
      tenantId,
      id,
    );
    const row = rows[0];
    return row === undefined ? undefined : { url: row.url, secrets: storedSecrets(row), batchSize: row.batch_size };
  }

  /**
   * Changes what the admin API may change. Enabling a subscription clears its failure state and
   * makes it due at once; its cursor stays, so delivery resumes after the last event handled.
   */
  async update(q: Sql, tenantId: string, id: string, changes: WebhookChanges): Promise<WebhookRecord | undefined> {
    const rows = await q.rows<SubscriptionRow[]>(
      `UPDATE webhook_subscriptions SET
         url = coalesce($3, url),
         event_types = coalesce($4::text[], event_types),
         batch_size = coalesce($6, batch_size),
         enabled = coalesce($5, enabled),
         disabled_reason = CASE WHEN $5 IS NULL THEN disabled_reason
                                WHEN $5 THEN NULL ELSE 'Disabled through the admin API.' END,
         attempts = CASE WHEN $5 THEN 0 ELSE attempts END,
         failing_since = CASE WHEN $5 THEN NULL ELSE failing_since END,
         next_attempt_at = CASE WHEN $5 THEN now() ELSE next_attempt_at END,
         updated_at = now()
       WHERE tenant_id = $1 AND id = $2::uuid
       RETURNING ${COLUMNS}`,
      tenantId,
      id,
      changes.url ?? null,
      changes.eventTypes ?? null,
      changes.enabled ?? null,
      changes.batchSize ?? null,
    );
    const row = rows[0];
    return row === undefined ? undefined : toRecord(row);
  }

  /**
   * Replaces the secret (encrypted by the caller). The one it replaces stays in use, as stored,
   * for `overlapMs` (none when 0); a secret kept from an earlier rotation is dropped.
   */
  async rotateSecret(
    q: Sql,
    tenantId: string,
    id: string,
    secret: string,
    overlapMs: number,
  ): Promise<WebhookRecord | undefined> {
    // The right-hand sides of SET read the row as it was, so `secret` there is the old one.
    // bigint: 30 days, the longest overlap, is more milliseconds than an integer holds.
    const rows = await q.rows<SubscriptionRow[]>(
      `UPDATE webhook_subscriptions SET
         previous_secret = CASE WHEN $4::bigint > 0 THEN secret END,
         previous_secret_expires_at = CASE WHEN $4::bigint > 0 THEN now() + $4::bigint * interval '1 millisecond' END,
         secret = $3,
         updated_at = now()
       WHERE tenant_id = $1 AND id = $2::uuid
       RETURNING ${COLUMNS}`,
      tenantId,
      id,
      secret,
      overlapMs,
    );
    const row = rows[0];
    return row === undefined ? undefined : toRecord(row);
  }

  /** Forgets previous secrets whose overlap has ended; they are never used again. */
  async dropExpiredPreviousSecrets(q: Sql): Promise<number> {
    return q.execute(
      `UPDATE webhook_subscriptions SET previous_secret = NULL, previous_secret_expires_at = NULL
        WHERE previous_secret_expires_at <= now()`,
    );
  }

  /**
   * Up to `limit` subscriptions, in key order after `after`, with a secret (current or previous)
   * that does not start with `currentPrefix`: plaintext from before encryption, or encrypted
   * with another key than the keyring's first.
   */
  async secretsToReencrypt(
    q: Sql,
    currentPrefix: string,
    after: { readonly tenantId: string; readonly id: string } | undefined,
    limit: number,
  ): Promise<StoredSecretsRow[]> {
    // starts_with, not LIKE: a key id may contain _, which LIKE reads as a wildcard.
    const rows = await q.rows<{ tenant_id: string; id: string; secret: string; previous_secret: string | null }[]>(
      `SELECT tenant_id, id, secret, previous_secret FROM webhook_subscriptions
        WHERE (NOT starts_with(secret, $1) OR NOT starts_with(previous_secret, $1))
          AND ($2::text IS NULL OR (tenant_id, id) > ($2, $3::uuid))
        ORDER BY tenant_id, id
        LIMIT $4`,
      currentPrefix,
      after?.tenantId ?? null,
      after?.id ?? null,
      limit,
    );
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      id: r.id,
      secret: r.secret,
      previousSecret: r.previous_secret ?? undefined,
    }));
  }

  /**
   * Writes re-encrypted secrets, only if the row still holds what was read: a rotation (or
   * another process re-encrypting) in between wins, and this write is skipped.
   */
  async replaceSecrets(
    q: Sql,
    read: StoredSecretsRow,
    secret: string,
    previousSecret: string | undefined,
  ): Promise<boolean> {
    return (
      (await q.execute(
        `UPDATE webhook_subscriptions SET secret = $5, previous_secret = $6
          WHERE tenant_id = $1 AND id = $2::uuid AND secret = $3 AND previous_secret IS NOT DISTINCT FROM $4`,
        read.tenantId,
        read.id,
        read.secret,
        read.previousSecret ?? null,
        secret,
        previousSecret ?? null,
      )) > 0
    );
  }

  async delete(q: Sql, tenantId: string, id: string): Promise<boolean> {
    return (
      (await q.execute(`DELETE FROM webhook_subscriptions WHERE tenant_id = $1 AND id = $2::uuid`, tenantId, id)) > 0
    );
  }

  /**
   * Leases one enabled subscription that is due and has events past its cursor, for `leaseMs`.
   * SKIP LOCKED lets dispatchers claim side by side; the lease, committed with the claim, keeps
   * the others off it while it delivers without holding a transaction open.
   */
  async claim(q: Sql, leaseToken: string, leaseMs: number): Promise<WebhookLease | undefined> {
    const rows = await q.rows<SubscriptionRow[]>(
      `UPDATE webhook_subscriptions s
          SET lease_token = $1::uuid, leased_until = now() + $2 * interval '1 millisecond'
        WHERE (s.tenant_id, s.id) IN (
          SELECT c.tenant_id, c.id FROM webhook_subscriptions c
           WHERE c.enabled AND c.next_attempt_at <= now()
             AND (c.leased_until IS NULL OR c.leased_until < now())
             AND EXISTS (SELECT 1 FROM outbox_events e
                          WHERE e.tenant_id = c.tenant_id AND e.sequence > c.delivered_sequence)
           ORDER BY c.next_attempt_at
           LIMIT 1
           FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS}, secret, previous_secret, lease_token, retry_last_sequence`,
      leaseToken,
      leaseMs,
    );
    const row = rows[0];
    if (row?.secret === undefined) return undefined;
    return {
      ...toRecord(row),
      secrets: storedSecrets({ ...row, secret: row.secret }),
      leaseToken,
      retryLastSequence: row.retry_last_sequence == null ? undefined : Number(row.retry_last_sequence),
    };
  }

  /**
   * Moves the cursor to `sequence`, past events delivered or filtered out; false once the lease
   * is lost. The dispatcher writes it once per run of successes that landed meanwhile, not per event.
   */
  async advance(q: Sql, lease: WebhookLease, sequence: number): Promise<boolean> {
    return (
      (await q.execute(
        `UPDATE webhook_subscriptions SET ${MOVE_CURSOR} WHERE ${FENCE}`,
        lease.tenantId,
        lease.id,
        lease.leaseToken,
        sequence,
      )) > 0
    );
  }

  /**
   * Records a failed delivery and when to try again, and gives the lease up. The cursor moves to
   * `handled` first (the events before the failed delivery); the retry carries the same events,
   * none after `lastSequence`.
   */
  async retryLater(q: Sql, lease: WebhookLease, retry: Retry): Promise<void> {
    await q.execute(
      `UPDATE webhook_subscriptions
          SET delivered_sequence = greatest(delivered_sequence, $4), retry_last_sequence = $5, attempts = $6,
              failing_since = $7, last_error = $8, next_attempt_at = $9, lease_token = NULL, leased_until = NULL
        WHERE ${FENCE}`,
      lease.tenantId,
      lease.id,
      lease.leaseToken,
      retry.handled,
      retry.lastSequence,
      retry.attempts,
      retry.failingSince,
      retry.error,
      retry.nextAttemptAt,
    );
  }

  /**
   * The endpoint failed for the whole retry window: each event of the failed delivery (one, or a
   * batch) is recorded as failed, for listing and replay, the cursor moves past them all, and the
   * subscription is disabled with the reason.
   */
  async giveUp(q: Sql, lease: WebhookLease, failed: GivenUp, error: string, reason: string): Promise<void> {
    const last = failed.events.at(-1)?.sequence ?? lease.deliveredSequence;
    await q.execute(
      `WITH failed AS (
         UPDATE webhook_subscriptions
            SET delivered_sequence = greatest(delivered_sequence, $4), enabled = false, disabled_reason = $8,
                attempts = 0, failing_since = NULL, last_error = $7, retry_last_sequence = NULL,
                lease_token = NULL, leased_until = NULL, updated_at = now()
          WHERE ${FENCE}
          RETURNING tenant_id, id
       )
       INSERT INTO webhook_failures (tenant_id, id, subscription_id, event_sequence, event_id, attempts, last_error)
       SELECT f.tenant_id, e.failure_id, f.id, e.sequence, e.event_id, $9, $7
         FROM failed f, unnest($5::uuid[], $6::bigint[], $10::uuid[]) AS e(failure_id, sequence, event_id)`,
      lease.tenantId,
      lease.id,
      lease.leaseToken,
      last,
      failed.events.map(() => randomUUID()),
      failed.events.map((e) => e.sequence),
      error,
      reason,
      failed.attempts,
      failed.events.map((e) => e.id),
    );
  }

  /** Ends a lease without a failure, the cursor moved to `handled`: the subscription is due again at once. */
  async release(q: Sql, lease: WebhookLease, handled: number): Promise<void> {
    await q.execute(
      `UPDATE webhook_subscriptions SET ${MOVE_CURSOR}, lease_token = NULL, leased_until = NULL WHERE ${FENCE}`,
      lease.tenantId,
      lease.id,
      lease.leaseToken,
      handled,
    );
  }

  /** Seconds since the oldest event an enabled subscription still has to deliver committed; 0 if none. */
  async oldestUndeliveredAgeSeconds(q: Sql): Promise<number> {
    const rows = await q.rows<{ age: number | null }[]>(
      `SELECT extract(epoch FROM now() - min(e.occurred_at))::float8 AS age
         FROM webhook_subscriptions s
         CROSS JOIN LATERAL (SELECT occurred_at FROM outbox_events o
                              WHERE o.tenant_id = s.tenant_id AND o.sequence > s.delivered_sequence
                              ORDER BY o.sequence LIMIT 1) e
        WHERE s.enabled`,
    );
    return Math.max(0, rows[0]?.age ?? 0);
  }

  /**
   * How event delivery stands across tenants (the console's health view): events committed but
   * not yet numbered, and subscriptions failing or disabled.
   */
  async deliveryHealth(
    q: Sql,
  ): Promise<{ unnumberedEvents: number; failingSubscriptions: number; disabledSubscriptions: number }> {
    const rows = await q.rows<{ unnumbered: string; failing: string; disabled: string }[]>(
      `SELECT (SELECT count(*) FROM outbox_pending) AS unnumbered,
              (SELECT count(*) FROM webhook_subscriptions WHERE enabled AND failing_since IS NOT NULL) AS failing,
              (SELECT count(*) FROM webhook_subscriptions WHERE NOT enabled) AS disabled`,
    );
    const row = rows[0];
    return {
      unnumberedEvents: Number(row?.unnumbered ?? 0),
      failingSubscriptions: Number(row?.failing ?? 0),
      disabledSubscriptions: Number(row?.disabled ?? 0),
    };
  }

  async failures(q: Sql, tenantId: string, subscriptionId: string): Promise<WebhookFailureRecord[]> {
    const rows = await q.rows<FailureRow[]>(
      `SELECT ${FAILURE_COLUMNS} FROM webhook_failures
        WHERE tenant_id = $1 AND subscription_id = $2::uuid ORDER BY failed_at, event_sequence`,
      tenantId,
      subscriptionId,
    );
    return rows.map(toFailure);
  }

  async failure(
    q: Sql,
    tenantId: string,
    subscriptionId: string,
    id: string,
  ): Promise<WebhookFailureRecord | undefined> {
    const rows = await q.rows<FailureRow[]>(
      `SELECT ${FAILURE_COLUMNS} FROM webhook_failures WHERE tenant_id = $1 AND subscription_id = $2::uuid AND id = $3::uuid`,
      tenantId,
      subscriptionId,
      id,
    );
    const row = rows[0];
    return row === undefined ? undefined : toFailure(row);
  }

  async markReplayed(q: Sql, tenantId: string, id: string): Promise<void> {
    await q.execute(
      `UPDATE webhook_failures SET replayed_at = now() WHERE tenant_id = $1 AND id = $2::uuid`,
      tenantId,
      id,
    );
  }
}
