import { randomUUID } from 'node:crypto';
import type { WebhookConfig } from '../config/config.js';
import { sqlOf, type Database, type Sql } from '../storage/db.js';
import type { OutboxStore } from '../storage/outbox.js';
import type { WebhookChanges, WebhookFailureRecord, WebhookRecord, WebhookStore } from '../storage/webhook-store.js';
import { isEventType, EVENT_TYPES } from './catalogue.js';
import { deliver, webhookMessage, type DeliveryOutcome } from './delivery.js';
import { generateWebhookSecret, type SigningSecrets } from './signing.js';
import { checkWebhookUrl, resolveWebhookTarget } from './target-guard.js';
import { WebhookSecretError, type ReencryptionReport, type WebhookSecrets } from './webhook-secrets.js';

/** A request the admin API answers with 400, 404 or 410 and this sentence. */
export class WebhookRequestError extends Error {
  constructor(
    readonly status: 400 | 404 | 410,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookRequestError';
  }
}

/** The most events one delivery carries (docs/events.md, "Batches"); the admin API's limit. */
export const MAX_BATCH_SIZE = 100;

export interface WebhookInput {
  readonly url: string;
  readonly events?: readonly string[] | undefined;
  /** Events per POST, 1 (the default: each event alone) to MAX_BATCH_SIZE. */
  readonly batchSize?: number | undefined;
}

/** The admin side of webhooks: subscriptions, secrets, failed deliveries and their replay. */
export class Webhooks {
  private readonly sql: Sql;

  constructor(
    db: Database,
    private readonly store: WebhookStore,
    private readonly outbox: OutboxStore,
    private readonly config: WebhookConfig,
    private readonly secrets: WebhookSecrets,
  ) {
    this.sql = sqlOf(db);
  }

  /** The secret is returned here and by rotateSecret only; it is stored encrypted. */
  async create(tenantId: string, input: WebhookInput): Promise<{ webhook: WebhookRecord; secret: string }> {
    const url = await this.checkedUrl(input.url);
    const id = randomUUID();
    const secret = generateWebhookSecret();
    const webhook = await this.store.create(this.sql, {
      tenantId,
      id,
      url,
      eventTypes: this.checkedTypes(input.events),
      batchSize: input.batchSize ?? 1,
      secret: this.secrets.seal(tenantId, id, secret),
    });
    if (webhook === undefined) throw new WebhookRequestError(404, `No tenant "${tenantId}".`);
    return { webhook, secret };
  }

  list(tenantId: string): Promise<WebhookRecord[]> {
    return this.store.list(this.sql, tenantId);
  }

  async get(tenantId: string, id: string): Promise<WebhookRecord> {
    return this.found(await this.store.find(this.sql, tenantId, id), id);
  }

  async update(
    tenantId: string,
    id: string,
    changes: { url?: string; events?: readonly string[]; batchSize?: number; enabled?: boolean },
  ): Promise<WebhookRecord> {
    const checked: WebhookChanges = {
      ...(changes.url === undefined ? {} : { url: await this.checkedUrl(changes.url) }),
      ...(changes.events === undefined ? {} : { eventTypes: this.checkedTypes(changes.events) }),
      ...(changes.batchSize === undefined ? {} : { batchSize: changes.batchSize }),
      ...(changes.enabled === undefined ? {} : { enabled: changes.enabled }),
    };
    return this.found(await this.store.update(this.sql, tenantId, id, checked), id);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    if (!(await this.store.delete(this.sql, tenantId, id))) throw this.notFound(id);
  }

  /**
   * A new secret at once. Deliveries are signed with the new and the previous secret until
   * `webhook.previousSecretExpiresAt` (WEBHOOK_SECRET_OVERLAP_SECONDS from now), so those
   * already on their way, and receivers not yet given the new secret, still verify.
   */
  async rotateSecret(tenantId: string, id: string): Promise<{ webhook: WebhookRecord; secret: string }> {
    const secret = generateWebhookSecret();
    const sealed = this.secrets.seal(tenantId, id, secret);
    const webhook = await this.store.rotateSecret(this.sql, tenantId, id, sealed, this.config.secretOverlapMs);
    return { webhook: this.found(webhook, id), secret };
  }

  /**
   * Encrypts with the keyring's first key every secret not yet encrypted with it; the service
   * runs it on every start (docs/operations.md, "Webhook secret encryption keys").
   */
  reencryptSecrets(): Promise<ReencryptionReport> {
    return this.secrets.reencrypt(this.sql, this.store);
  }

  /** Delivery across every tenant: how far behind the oldest undelivered event is, and what fails. */
  async health(): Promise<{
    oldestUndeliveredAgeSeconds: number;
    unnumberedEvents: number;
    failingSubscriptions: number;
    disabledSubscriptions: number;
  }> {
    const [age, counts] = await Promise.all([
      this.store.oldestUndeliveredAgeSeconds(this.sql),
      this.store.deliveryHealth(this.sql),
    ]);
    return { oldestUndeliveredAgeSeconds: age, ...counts };
  }

  async failures(tenantId: string, id: string): Promise<WebhookFailureRecord[]> {
    await this.get(tenantId, id);
    return this.store.failures(this.sql, tenantId, id);
  }

  /**
   * Sends a failed event again, now, to the subscription's current URL, signed and shaped as a
   * delivery would be now (a batch of one for a subscription with batchSize above 1), and tells
   * how it went. It does not move the subscription's cursor: the event is delivered out of its
   * order, which its id lets a receiver recognise.
   */
  async replay(tenantId: string, id: string, failureId: string): Promise<DeliveryOutcome> {
    const failure = await this.store.failure(this.sql, tenantId, id, failureId);
    if (failure === undefined) throw new WebhookRequestError(404, `No failed delivery ${failureId} for webhook ${id}.`);
    const target = await this.store.signingTarget(this.sql, tenantId, id);
    if (target === undefined) throw this.notFound(id);
    const [event] = await this.outbox.after(this.sql, tenantId, failure.eventSequence - 1, 1);
    if (event?.id !== failure.eventId) {
      throw new WebhookRequestError(410, `Event ${failure.eventSequence} is past the retention period and was pruned.`);
    }
    const now = Date.now();
    let secrets: SigningSecrets;
    try {
      secrets = this.secrets.signingSecrets(tenantId, id, target.secrets, now);
    } catch (error) {
      // Told like a failed delivery: nothing was sent, and the reason names the key to restore.
      if (error instanceof WebhookSecretError) return { ok: false, error: error.message };
      throw error;
    }
    const outcome = await deliver(target.url, secrets, webhookMessage([event], target.batchSize), {
      timeoutMs: this.config.timeoutMs,
      allowPrivateTargets: this.config.allowPrivateTargets,
      now: () => now,
    });
    if (outcome.ok) await this.store.markReplayed(this.sql, tenantId, failureId);
    return outcome;
  }

  /** http(s) only, and never an internal address unless WEBHOOK_ALLOW_PRIVATE_TARGETS is set. */
  private async checkedUrl(url: string): Promise<string> {
    const checked = checkWebhookUrl(url);
    if ('problem' in checked) throw new WebhookRequestError(400, checked.problem);
    const resolved = await resolveWebhookTarget(checked.url, { allowPrivate: this.config.allowPrivateTargets });
    if ('problem' in resolved) throw new WebhookRequestError(400, resolved.problem);
    return checked.url.toString();
  }

  private checkedTypes(types: readonly string[] | undefined): string[] {
    if (types === undefined) return [];
    const unknown = types.filter((t) => !isEventType(t));
    if (unknown.length > 0) {
      throw new WebhookRequestError(
        400,
        `Unknown event type${unknown.length === 1 ? '' : 's'} ${unknown.map((t) => `"${t}"`).join(', ')}; the types are ${EVENT_TYPES.join(', ')}.`,
      );
    }
    return [...new Set(types)];
  }

  private found(webhook: WebhookRecord | undefined, id: string): WebhookRecord {
    if (webhook === undefined) throw this.notFound(id);
    return webhook;
  }

  private notFound(id: string): WebhookRequestError {
    return new WebhookRequestError(404, `No webhook ${id} for this tenant.`);
  }
}
