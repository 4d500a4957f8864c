import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebhookConfig } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { DispatcherMetrics } from '../observability/metrics.js';
import { sqlOf, type Database, type Sql } from '../storage/db.js';
import type { OutboxStore, StoredEvent } from '../storage/outbox.js';
import type { RequestLogStore } from '../storage/request-log-store.js';
import type { WebhookLease, WebhookStore } from '../storage/webhook-store.js';
import { deliver, type DeliveryOutcome } from './delivery.js';
import type { SigningSecrets } from './signing.js';
import { WebhookSecretError, type WebhookSecrets } from './webhook-secrets.js';

export interface DispatcherOptions {
  readonly webhooks: WebhookConfig;
  /** Decrypts each subscription's signing secrets for its deliveries. */
  readonly secrets: WebhookSecrets;
  readonly retentionDays: number;
  readonly logger: Logger;
  /** The SCIM request log is pruned here too, past its own retention. */
  readonly requestLog?: { readonly store: RequestLogStore; readonly retentionDays: number };
  /** Subscriptions delivered to side by side. */
  readonly concurrency?: number;
  /**
   * How often an idle dispatcher looks for due work (default 20 ms): events committed by
   * another process go out within this of their commit. One loop polls at this pace; the others
   * rest until there is work for them too.
   */
  readonly pollMs?: number;
  readonly batchSize?: number;
  readonly metrics?: DispatcherMetrics;
  /** Replaces the HTTP delivery (tests of the dispatcher's own logic). */
  readonly send?: (url: string, secrets: SigningSecrets, event: StoredEvent) => Promise<DeliveryOutcome>;
}

const HOUR_MS = 3_600_000;
const PRUNE_EVERY_MS = 60_000;

/**
 * Exponential backoff with jitter: the first retry after about `baseMs`, each next one twice as
 * late, at most an hour; the delay is drawn from its upper half so that endpoints that failed
 * together do not all come back at the same instant.
 */
export function retryDelayMs(failures: number, baseMs: number, random = Math.random): number {
  const ceiling = Math.min(baseMs * 2 ** Math.max(0, failures - 1), HOUR_MS);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Delivers each subscription's events in sequence order (docs/events.md, "Webhooks"): it leases
 * a due subscription, sends the events past its cursor one by one, moves the cursor after each
 * success, and on a failure schedules a retry of that same event, so later ones wait. Several
 * dispatchers, in this process or in `npm run worker`, share the work through the leases.
 */
export class Dispatcher {
  private readonly sql: Sql;
  private running = false;
  private loops: Promise<void>[] = [];
  private stopped = new AbortController();
  /** Loops asleep for lack of work, each with the function that wakes it. */
  private readonly idle: (() => void)[] = [];
  private busy = 0;
  private lastPrune = 0;
  private readonly leaseMs: number;

  constructor(
    db: Database,
    private readonly store: WebhookStore,
    private readonly outbox: OutboxStore,
    private readonly options: DispatcherOptions,
  ) {
    this.sql = sqlOf(db);
    // Long enough for an attempt and the writes around it; a batch stops before the lease ends.
    // A dispatcher that dies holds its subscriptions no longer than this.
    this.leaseMs = Math.max(3_000, options.webhooks.timeoutMs * 3);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = new AbortController();
    const loops = this.options.concurrency ?? 4;
    this.loops = Array.from({ length: loops }, (_, index) => this.loop(index === 0));
  }

  /** Stops claiming; deliveries under way finish (or time out) first. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped.abort();
    await Promise.all(this.loops);
    this.loops = [];
  }

  /**
   * Events were just committed in this process: when every loop is idle, one looks at once
   * instead of at its next poll. A busy loop picks new events up when its batch ends, and other
   * processes' events within a poll, so no more than one extra claim is ever made per wake.
   */
  wake(): void {
    if (this.busy === 0) this.idle.shift()?.();
  }

  /** The scout polls; the others wait for it (or a wake) to find work they could share. */
  private async loop(scout: boolean): Promise<void> {
    const pollMs = this.options.pollMs ?? 20;
    while (this.running) {
      let worked = false;
      this.busy += 1;
      try {
        await this.pruneIfDue();
        worked = await this.runOnce();
      } catch (error) {
        this.options.logger.error({ err: error }, 'webhook dispatcher: unexpected error');
      } finally {
        this.busy -= 1;
      }
      // Work found: more subscriptions may be due, so an idle loop joins in.
      if (worked) this.idle.shift()?.();
      else await this.rest(scout ? pollMs : pollMs * 25);
    }
  }

  /** Sleeps `ms`, less if woken; stop() ends every sleep at once. */
  private async rest(ms: number): Promise<void> {
    const woken = new AbortController();
    const wakeUp = () => {
      woken.abort();
    };
    this.idle.push(wakeUp);
    try {
      await sleep(ms, undefined, {
        signal: AbortSignal.any([woken.signal, this.stopped.signal]),
      });
    } catch {
      // Woken or stopped.
    } finally {
      const at = this.idle.indexOf(wakeUp);
      if (at >= 0) this.idle.splice(at, 1);
    }
  }

  /** Leases one due subscription and delivers what it can; false when nothing was due. */
  async runOnce(): Promise<boolean> {
    const lease = await this.store.claim(this.sql, randomUUID(), this.leaseMs);
    if (lease === undefined) return false;
    const claimedAt = Date.now();
    // Stop early enough that the last delivery ends before the lease does.
    const until = claimedAt + this.leaseMs - this.options.webhooks.timeoutMs - 1_000;
    const events = await this.outbox.after(
      this.sql,
      lease.tenantId,
      lease.deliveredSequence,
      this.options.batchSize ?? 50,
    );
    // The cursor write of one event overlaps the delivery of the next: a dispatcher that dies
    // resends at most the event in flight and the one whose cursor write it did not see land.
    let advanced: Promise<boolean> = Promise.resolve(true);
    let handled = lease.deliveredSequence;
    const advanceTo = async (sequence: number) => {
      if (!(await advanced)) return false;
      advanced = this.store.advance(this.sql, lease, sequence);
      return true;
    };
    for (const event of events) {
      if (lease.eventTypes.length > 0 && !lease.eventTypes.includes(event.type)) {
        handled = event.sequence;
        continue;
      }
      if (handled > lease.deliveredSequence && !(await advanceTo(handled))) return true;
      const started = performance.now();
      const outcome = await this.send(lease, event);
      this.options.metrics?.delivery(outcome.ok ? 'delivered' : 'failed', (performance.now() - started) / 1000);
      if (!outcome.ok) {
        // The retry state is written fenced like the cursor, after the cursor's last write.
        if (!(await advanced)) return true;
        await this.failed(lease, event, outcome.error);
        return true;
      }
      handled = event.sequence;
      if (!this.running || Date.now() > until) break;
    }
    if (handled > lease.deliveredSequence && !(await advanceTo(handled))) return true;
    if (!(await advanced)) return true;
    await this.store.release(this.sql, lease);
    return true;
  }

  private async send(lease: WebhookLease, event: StoredEvent): Promise<DeliveryOutcome> {
    const now = Date.now();
    let secrets: SigningSecrets;
    try {
      secrets = this.options.secrets.signingSecrets(lease.tenantId, lease.id, lease.secrets, now);
    } catch (error) {
      // A failed attempt like any other: retried, shown in lastError (which names the missing
      // or wrong key), and after the retry window the subscription is disabled. Restoring the
      // key in time loses nothing.
      if (error instanceof WebhookSecretError) return { ok: false, error: error.message };
      throw error;
    }
    if (this.options.send !== undefined) return this.options.send(lease.url, secrets, event);
    return deliver(lease.url, secrets, event, {
      timeoutMs: this.options.webhooks.timeoutMs,
      allowPrivateTargets: this.options.webhooks.allowPrivateTargets,
      now: () => now,
    });
  }

  private async failed(lease: WebhookLease, event: StoredEvent, error: string): Promise<void> {
    const { retryWindowMs, retryBaseMs } = this.options.webhooks;
    const failingSince = lease.failingSince?.getTime() ?? Date.now();
    const log = { tenant: lease.tenantId, webhook: lease.id, sequence: event.sequence, attempts: lease.attempts + 1 };
    if (Date.now() - failingSince >= retryWindowMs) {
      const reason = `Disabled: the endpoint failed every delivery for ${describeMs(retryWindowMs)}; event ${event.sequence} was marked failed. Last error: ${error}`;
      await this.store.giveUp(this.sql, lease, event, randomUUID(), error, reason);
      this.options.metrics?.delivery('gave_up', 0);
      this.options.logger.warn({ ...log, error }, 'webhook endpoint disabled after failing for the whole retry window');
      return;
    }
    const next = new Date(Date.now() + retryDelayMs(lease.attempts + 1, retryBaseMs));
    await this.store.retryLater(this.sql, lease, error, next);
    this.options.metrics?.retryScheduled();
    this.options.logger.info({ ...log, error, retryAt: next.toISOString() }, 'webhook delivery failed; will retry');
  }

  private async pruneIfDue(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    const { requestLog } = this.options;
    if (requestLog !== undefined) await requestLog.store.prune(this.sql, requestLog.retentionDays);
    // No delivery signs with them any more (WebhookSecrets.signingSecrets); this only clears them out.
    await this.store.dropExpiredPreviousSecrets(this.sql);
    const pruned = await this.outbox.prune(this.sql, this.options.retentionDays);
    if (pruned > 0) {
      this.options.metrics?.pruned(pruned);
      this.options.logger.info({ pruned }, 'pruned outbox events past their retention');
    }
  }
}

function describeMs(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} day${ms === 86_400_000 ? '' : 's'}`;
  if (ms % HOUR_MS === 0) return `${ms / HOUR_MS} hour${ms === HOUR_MS ? '' : 's'}`;
  return `${Math.round(ms / 1000)} seconds`;
}
